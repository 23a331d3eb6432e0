"""The audit chain: append-only events, each hash covering the one before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AuditEvent, AuditHead
from bot.store.types import utc_naive

__all__ = [
    "GENESIS_HASH",
    "PendingEvent",
    "VerifyResult",
    "append_events",
    "canonical",
    "chain_hash",
    "iter_events",
    "verify_chain",
]

GENESIS_HASH = "0" * 64


@dataclass(slots=True)
class PendingEvent:
    """An audit event collected during a unit of work, chained at commit."""

    actor: str
    action: str
    draft_id: str | None = None
    platform: str | None = None
    channel: str | None = None
    rule_version: int | None = None
    before: str | None = None
    after: str | None = None
    correlation: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


_FIELDS = (
    "seq", "occurred_at", "actor", "action", "draft_id", "platform", "channel",
    "rule_version", "before", "after", "correlation", "details",
)


def canonical(event: AuditEvent) -> str:
    """The event as canonical JSON: sorted keys, UTC timestamp, no whitespace."""
    record: dict[str, Any] = {name: getattr(event, name) for name in _FIELDS}
    record["occurred_at"] = utc_naive(event.occurred_at).isoformat(timespec="microseconds")
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


async def append_events(session: AsyncSession, events: list[PendingEvent], *, now: datetime) -> None:
    """Chain and insert events inside the caller's transaction (locks the chain head)."""
    if not events:
        return
    head = (
        await session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    ).scalar_one()
    seq, prev = head.seq, head.hash
    for pending in events:
        seq += 1
        row = AuditEvent(
            seq=seq,
            occurred_at=now,
            actor=pending.actor,
            action=pending.action,
            draft_id=pending.draft_id,
            platform=pending.platform,
            channel=pending.channel,
            rule_version=pending.rule_version,
            before=pending.before,
            after=pending.after,
            correlation=dict(pending.correlation),
            details=dict(pending.details),
            prev_hash=prev,
        )
        row.hash = chain_hash(prev, row)
        prev = row.hash
        session.add(row)
    await session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))


async def iter_events(session: AsyncSession, *, batch: int = 1000) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
        ).scalars().all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq


@dataclass(frozen=True, slots=True)
class VerifyResult:
    intact: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.intact:
            return f"audit chain intact: {self.checked} events"
        return f"audit chain broken at event {self.first_bad_seq}: {self.reason}"


async def verify_chain(session: AsyncSession) -> VerifyResult:
    """Recompute every hash; name the first event that was changed, removed or reordered."""
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    async for event in iter_events(session):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "it does not follow the event before it (removed or reordered)")
        if chain_hash(prev, event) != event.hash:
            return VerifyResult(False, checked, event.seq, "its content was changed")
        prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one_or_none()
    if head is None:
        return VerifyResult(False, checked, 1, "the chain head is missing")
    if head.seq != checked or head.hash != prev:
        if head.seq > checked:
            return VerifyResult(False, checked, checked + 1, f"events {checked + 1}–{head.seq} were removed from the end")
        return VerifyResult(False, checked, head.seq + 1, "the chain head does not match the last event")
    return VerifyResult(True, checked)
