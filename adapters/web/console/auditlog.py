"""Reading the audit log: a filtered, paged table; one draft's whole story; export; verify."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from adapters.web.console.inputs import is_draft_id, plain
from adapters.web.console.queue import day_start
from bot.services import Core
from bot.store.audit import PendingEvent, VerifyResult, verify_chain
from bot.store.models import AuditEvent

__all__ = ["AuditFilters", "EXPORT_FIELDS", "STEP_NAMES", "event_record", "export_lines", "list_events",
           "story_events", "verify"]

EXPORT_FIELDS = ["seq", "occurred_at", "actor", "action", "draft_id", "platform", "channel", "rule_version",
                 "before", "after", "correlation", "details", "prev_hash", "hash"]

STEP_NAMES = {
    "draft.requested": "asked", "draft.drafted": "drafted", "draft.failed": "draft failed",
    "draft.shown": "shown privately", "draft.edited": "edited by the requester", "draft.discarded": "discarded",
    "draft.expired": "expired", "draft.denied": "denied by the channel rule",
    "draft.approval_requested": "sent for approval", "draft.confirmed": "confirmed", "draft.approved": "approved",
    "draft.rejected": "rejected", "publish.claimed": "publishing", "draft.published": "published",
    "publish.failed": "publishing failed", "publish.refused": "publish refused", "publication.reviewed": "reviewed",
    "draft.retracted": "retracted", "retract.failed": "retract failed", "draft.delivery_failed": "private delivery failed",
}
_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    draft: str = ""
    channel: str = ""
    platform: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    def query(self) -> dict[str, str]:
        values = {"actor": self.actor, "action": self.action, "draft": self.draft, "channel": self.channel,
                  "platform": self.platform, "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}

    def apply(self, query: Select[Any]) -> Select[Any]:
        actor, action, draft = plain(self.actor), plain(self.action, 64), plain(self.draft, 32)
        channel, platform = plain(self.channel, 128).lstrip("#"), plain(self.platform, 32)
        if actor:
            query = query.where(AuditEvent.actor.contains(actor, autoescape=True))
        if action:
            query = query.where(AuditEvent.action.startswith(action, autoescape=True))
        if draft:
            query = query.where(AuditEvent.draft_id == draft)
        if channel:
            query = query.where(AuditEvent.channel == channel)
        if platform:
            query = query.where(AuditEvent.platform == platform)
        if self.since:
            query = query.where(AuditEvent.occurred_at >= day_start(self.since))
        if self.until:
            query = query.where(AuditEvent.occurred_at < day_start(self.until) + timedelta(days=1))
        return query


async def list_events(core: Core, filters: AuditFilters, *, per_page: int = _PER_PAGE) -> tuple[list[AuditEvent], int]:
    async with core.uow() as uow:
        total = int((await uow.session.execute(filters.apply(select(func.count()).select_from(AuditEvent)))).scalar_one())
        page = max(1, filters.page)
        rows = (await uow.session.execute(filters.apply(select(AuditEvent)).order_by(AuditEvent.seq.desc())
                                          .offset((page - 1) * per_page).limit(per_page))).scalars().all()
        return list(rows), total


async def story_events(core: Core, draft_id: str) -> list[AuditEvent]:
    if not is_draft_id(draft_id):
        return []
    async with core.uow() as uow:
        return list((await uow.session.execute(
            select(AuditEvent).where(AuditEvent.draft_id == draft_id).order_by(AuditEvent.seq))).scalars())


def event_record(event: AuditEvent) -> dict[str, Any]:
    record: dict[str, Any] = {name: getattr(event, name) for name in EXPORT_FIELDS}
    record["occurred_at"] = event.occurred_at.isoformat()
    return record


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    # A spreadsheet would run a cell starting with = + - @ as a formula: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_lines(core: Core, filters: AuditFilters, fmt: str, *, batch: int = 500) -> AsyncIterator[str]:
    """The matching events, oldest first, as JSON Lines or CSV (a header line first)."""
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(EXPORT_FIELDS)
        yield buffer.getvalue()
    last = 0
    while True:
        async with core.uow() as uow:
            rows = (await uow.session.execute(filters.apply(select(AuditEvent)).where(AuditEvent.seq > last)
                                              .order_by(AuditEvent.seq).limit(batch))).scalars().all()
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for event in rows:
            record = event_record(event)
            if fmt == "csv":
                writer.writerow([_cell(v) for v in record.values()])
            else:
                buffer.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        yield buffer.getvalue()
        last = rows[-1].seq


async def verify(core: Core, *, actor: str, correlation: dict[str, Any]) -> tuple[VerifyResult, AuditEvent | None]:
    """Check the whole chain, then record that it was checked (and what was found)."""
    async with core.uow() as uow:
        result = await verify_chain(uow.session)
        bad = await uow.session.get(AuditEvent, result.first_bad_seq) if result.first_bad_seq else None
    async with core.uow() as uow:
        uow.record(PendingEvent(actor=actor, action="console.audit.verified", correlation=correlation,
                                details={"intact": result.intact, "checked": result.checked,
                                         "first_bad_seq": result.first_bad_seq, "reason": result.reason}))
        await uow.commit()
    return result, bad
