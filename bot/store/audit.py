"""The audit chain: append-only events, each hash covering the one before it."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Row, Select, Update, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.store.models import AuditEvent, AuditHead
from bot.store.types import utc_naive

__all__ = [
    "AUDIT_CHAINS",
    "GENESIS_HASH",
    "LastHead",
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


AUDIT_CHAINS = 8
"""How many chain heads the migrations create. A writer takes the lowest one no other
transaction holds (PostgreSQL, `SKIP LOCKED`); SQLite has one writer at a time, so chain 1."""

_FIELDS = (
    "occurred_at", "actor", "action", "draft_id", "platform", "channel",
    "rule_version", "before", "after", "correlation", "details",
)


def canonical(event: AuditEvent | Mapping[str, Any]) -> str:
    """The event as canonical JSON: sorted keys, UTC timestamp, no whitespace.

    "seq" is the event's position in its chain (before chains existed, the only chain's
    positions were the global sequence numbers, so older events keep their hashes)."""
    get = event.get if isinstance(event, Mapping) else (lambda name: getattr(event, name))
    record: dict[str, Any] = {name: get(name) for name in _FIELDS}
    record["seq"] = get("chain_seq")
    record["occurred_at"] = utc_naive(record["occurred_at"]).isoformat(timespec="microseconds")
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, event: AuditEvent | Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


@cache
def _statements() -> tuple[Select[Any], Select[Any], Insert, Update, Update]:
    """Built once: appending runs on every commit, so the statements are not rebuilt each time."""
    heads, events = AuditHead.__table__, AuditEvent.__table__
    columns = select(heads.c.id, heads.c.seq, heads.c.hash)
    free = columns.order_by(heads.c.id).limit(1).with_for_update(skip_locked=True)
    busy = columns.where(heads.c.id == bindparam("chain")).with_for_update()
    move = update(heads).where(heads.c.id == bindparam("chain")).values(
        seq=bindparam("new_seq"), hash=bindparam("new_hash"))
    move_from = move.where(heads.c.seq == bindparam("old_seq"), heads.c.hash == bindparam("old_hash"))
    return free, busy, insert(events), move, move_from


class LastHead:
    """The head this process last wrote, as a guess for the next append on SQLite (one writer at
    a time, so nearly always right): the head is then moved by compare-and-set, without reading
    it first. A wrong guess (another process wrote, or a transaction rolled back) fails the
    compare and the head is read. PostgreSQL always reads, as writers take whichever head is free."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: tuple[int, int, str] | None = None


async def _take_head(conn: AsyncConnection) -> Row[Any]:
    """Lock a chain head for this transaction: the lowest free one, else wait for any."""
    free, busy, _, _, _ = _statements()
    head = (await conn.execute(free)).first()
    if head is not None:
        return head
    # every head is held: queue behind one at random
    return (await conn.execute(busy, {"chain": random.randint(1, AUDIT_CHAINS)})).one()


def _chained(events: list[PendingEvent], chain: int, position: int, prev: str, now: datetime) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for pending in events:
        position += 1
        row: dict[str, Any] = {
            "chain": chain, "chain_seq": position, "occurred_at": now,
            "actor": pending.actor, "action": pending.action, "draft_id": pending.draft_id,
            "platform": pending.platform, "channel": pending.channel, "rule_version": pending.rule_version,
            "before": pending.before, "after": pending.after,
            "correlation": dict(pending.correlation), "details": dict(pending.details), "prev_hash": prev,
        }
        row["hash"] = prev = chain_hash(prev, row)
        rows.append(row)
    return rows


async def append_events(
    session: AsyncSession, events: list[PendingEvent], *, now: datetime, last: LastHead | None = None
) -> None:
    """Chain and insert events inside the caller's transaction (locks one chain head)."""
    if not events:
        return
    conn = await session.connection()
    _, _, add, move, move_from = _statements()
    rows: list[dict[str, Any]] = []
    if last is not None and last.value is not None and conn.dialect.name == "sqlite":
        chain, position, prev = last.value
        rows = _chained(events, chain, position, prev, now)
        moved = await conn.execute(move_from, {"chain": chain, "old_seq": position, "old_hash": prev,
                                               "new_seq": rows[-1]["chain_seq"], "new_hash": rows[-1]["hash"]})
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            rows = []
    if not rows:
        chain, position, prev = await _take_head(conn)
        rows = _chained(events, chain, position, prev, now)
        await conn.execute(move, {"chain": chain, "new_seq": rows[-1]["chain_seq"], "new_hash": rows[-1]["hash"]})
    await conn.execute(add, rows[0] if len(rows) == 1 else rows)
    if last is not None:
        last.value = (rows[-1]["chain"], rows[-1]["chain_seq"], rows[-1]["hash"])


async def iter_events(session: AsyncSession, *, chain: int | None = None, batch: int = 1000) -> AsyncIterator[AuditEvent]:
    """Every event in global order, or one chain's events in chain order, a batch at a time."""
    key = AuditEvent.seq if chain is None else AuditEvent.chain_seq
    query = select(AuditEvent) if chain is None else select(AuditEvent).where(AuditEvent.chain == chain)
    last = 0
    while True:
        rows = (await session.execute(query.where(key > last).order_by(key).limit(batch))).scalars().all()
        if not rows:
            return
        for row in rows:
            yield row
        last = getattr(rows[-1], key.key)


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
    """Recompute every hash on every chain; name the earliest event that was changed, removed
    or reordered (by its global sequence number)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for heads and events, so that writers committing meanwhile are not
        # mistaken for tampering. (SQLite's transactions are serialisable already.)
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    heads = (await session.execute(select(AuditHead).order_by(AuditHead.id))).scalars().all()
    if not heads:
        return VerifyResult(False, 0, 1, "the chain head is missing")
    results = [await _verify_one_chain(session, head) for head in heads]
    checked = sum(result.checked for result in results)
    stray = (await session.execute(
        select(func.min(AuditEvent.seq)).where(AuditEvent.chain.not_in([head.id for head in heads])))).scalar()
    broken = [result for result in results if not result.intact]
    if stray is not None:
        broken.append(VerifyResult(False, checked, stray, "it belongs to no chain (its chain was changed or its head removed)"))
    if broken:
        first = min(broken, key=lambda result: result.first_bad_seq or 0)
        return VerifyResult(False, checked, first.first_bad_seq, first.reason)
    return VerifyResult(True, checked)


async def _verify_one_chain(session: AsyncSession, head: AuditHead) -> VerifyResult:
    prev, position, last_seq = GENESIS_HASH, 0, 0
    async for event in iter_events(session, chain=head.id):
        if event.chain_seq != position + 1:
            return VerifyResult(False, position, last_seq + 1, f"event {last_seq + 1} is missing (position {position + 1} of chain {head.id})")
        if event.seq <= last_seq:
            return VerifyResult(False, position, event.seq, "it is out of order in its chain (reordered)")
        if event.prev_hash != prev:
            return VerifyResult(False, position, event.seq, "it does not follow the event before it (removed or reordered)")
        if chain_hash(prev, event) != event.hash:
            return VerifyResult(False, position, event.seq, "its content was changed")
        prev, position, last_seq = event.hash, position + 1, event.seq
    if head.seq != position or head.hash != prev:
        if head.seq > position:
            return VerifyResult(False, position, last_seq + 1,
                                f"the last {head.seq - position} events of chain {head.id} were removed (after event {last_seq})")
        return VerifyResult(False, position, last_seq + 1, f"the head of chain {head.id} does not match its last event")
    return VerifyResult(True, position)
