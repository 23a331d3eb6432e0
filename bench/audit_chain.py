"""Audit-chain appends against plain inserts into a table of the same shape."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table

from bench.common import Database, gather_limited, rate, timed
from bot.bootstrap import utcnow
from bot.store.audit import PendingEvent

__all__ = ["measure_audit_chain"]

_plain = MetaData()
PLAIN = Table(
    "bench_plain_events", _plain,
    Column("seq", Integer, primary_key=True), Column("occurred_at", DateTime(timezone=True)),
    Column("actor", String(200)), Column("action", String(64)), Column("draft_id", String(32)),
    Column("platform", String(32)), Column("channel", String(128)), Column("rule_version", Integer),
    Column("before", String(64)), Column("after", String(64)), Column("correlation", JSON),
    Column("details", JSON), Column("prev_hash", String(64)), Column("hash", String(64)),
)


async def measure_audit_chain(db: Database, *, appends: int) -> dict[str, Any]:
    runtime = await db.runtime()
    result: dict[str, Any] = {}
    try:
        async with runtime.engine.begin() as conn:
            await conn.run_sync(_plain.create_all)

        async def chained(i: int) -> None:
            async with runtime.core.uow() as uow:
                uow.record(PendingEvent(actor="bench", action="bench.event", draft_id=f"d{i}", platform="bench",
                                        channel="general", details={"i": i}))
                await uow.commit()

        add = PLAIN.insert()

        async def plain(i: int) -> None:
            # the cheapest honest baseline: a prepared insert on a bare connection, one transaction each
            async with runtime.engine.begin() as conn:
                await conn.execute(add, {
                    "occurred_at": utcnow(), "actor": "bench", "action": "bench.event", "draft_id": f"d{i}",
                    "platform": "bench", "channel": "general", "correlation": {}, "details": {"i": i},
                    "prev_hash": "0" * 64, "hash": "1" * 64})

        for writers in (1, 8):
            chain_s = await timed(lambda: gather_limited(writers, [(lambda i=i: chained(i)) for i in range(appends)]))
            plain_s = await timed(lambda: gather_limited(writers, [(lambda i=i: plain(i)) for i in range(appends)]))
            chain_rate, plain_rate = rate(appends, chain_s), rate(appends, plain_s)
            result[f"writers_{writers}"] = {"chained_per_s": round(chain_rate, 1), "plain_per_s": round(plain_rate, 1),
                                            "ratio": round(chain_rate / plain_rate, 3)}
    finally:
        await runtime.close()
    return result
