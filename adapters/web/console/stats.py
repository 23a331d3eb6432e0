"""The overview's numbers, per UTC day, read from the audit log (what happened when) and the
publications (how long a draft took to be published)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from adapters.web.console.queue import day_start
from bot.services import Core
from bot.store.models import AuditEvent, DraftRevision, DraftRow, Publication

__all__ = ["SERIES", "DayCounts", "Overview", "humane_duration", "overview"]

# (audit action, what it counts)
SERIES = (
    ("draft.requested", "asked"),
    ("draft.published", "published"),
    ("draft.discarded", "discarded"),
    ("draft.expired", "expired"),
    ("draft.denied", "denied"),
    ("draft.retracted", "retracted"),
)
_DRAFTED = "draft.drafted"


@dataclass(slots=True)
class DayCounts:
    day: date
    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)


@dataclass(slots=True)
class Overview:
    start: date
    end: date
    days: list[DayCounts]
    totals: dict[str, int]
    drafted: int
    publish_rate: float | None  # published ÷ drafts written, in the period
    median_seconds: float | None  # from the draft being written to it being published
    top_retracted: list[tuple[str, str, int, int]]  # platform, channel, retracted, published

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "days": [{"day": d.day.isoformat(), **{name: d[name] for _, name in SERIES}} for d in self.days],
                "totals": self.totals, "drafted": self.drafted, "publish_rate": self.publish_rate,
                "median_seconds_to_publish": self.median_seconds,
                "most_retracted": [{"platform": p, "channel": c, "retracted": r, "published": n}
                                   for p, c, r, n in self.top_retracted]}


async def overview(core: Core, *, days: int, today: date) -> Overview:
    start = today - timedelta(days=days - 1)
    since = day_start(start)
    names = dict(SERIES)
    async with core.uow() as uow:
        session = uow.session
        events = (await session.execute(
            select(AuditEvent.action, AuditEvent.occurred_at, AuditEvent.platform, AuditEvent.channel)
            .where(AuditEvent.occurred_at >= since, AuditEvent.action.in_([*names, _DRAFTED])))).all()
        timings = (await session.execute(
            select(Publication.posted_at, DraftRevision.created_at)
            .join(DraftRow, DraftRow.id == Publication.draft_id)
            .join(DraftRevision, (DraftRevision.draft_id == DraftRow.id) & (DraftRevision.number == 1))
            .where(Publication.posted_at >= since))).all()
    by_day = {start + timedelta(days=i): DayCounts(start + timedelta(days=i)) for i in range(days)}
    totals: Counter[str] = Counter()
    drafted = 0
    retracted: Counter[tuple[str, str]] = Counter()
    published: Counter[tuple[str, str]] = Counter()
    for action, occurred, platform, channel in events:
        if action == _DRAFTED:
            drafted += 1
            continue
        name = names[action]
        bucket = by_day.get(occurred.date())
        if bucket is not None:
            bucket.counts[name] = bucket.counts.get(name, 0) + 1
        totals[name] += 1
        if name == "retracted":
            retracted[(platform or "", channel or "")] += 1
        elif name == "published":
            published[(platform or "", channel or "")] += 1
    waits = [(posted - written).total_seconds() for posted, written in timings if posted and written and posted >= written]
    top = [(p, c, n, published[(p, c)]) for (p, c), n in retracted.most_common(5)]
    return Overview(start=start, end=today, days=list(by_day.values()), totals={n: totals[n] for _, n in SERIES},
                    drafted=drafted, publish_rate=(totals["published"] / drafted) if drafted else None,
                    median_seconds=statistics.median(waits) if waits else None, top_retracted=top)


def humane_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
