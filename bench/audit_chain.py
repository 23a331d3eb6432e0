"""Audit-chain appends against plain inserts into a table of the same shape."""

from __future__ import annotations

import statistics
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


async def measure_audit_chain(db: Database, *, appends: int, rounds: int) -> dict[str, Any]:
    """Median over `rounds` interleaved rounds of `appends` each (one short run is too noisy)."""
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
            ratios, chain_rates, plain_rates = [], [], []
            for round_ in range(rounds + 1):  # interleaved, so drift on the machine hits both alike
                chain_s = await timed(lambda: gather_limited(writers, [(lambda i=i: chained(i)) for i in range(appends)]))
                plain_s = await timed(lambda: gather_limited(writers, [(lambda i=i: plain(i)) for i in range(appends)]))
                if round_ == 0:
                    continue  # warm-up
                chain_rates.append(rate(appends, chain_s))
                plain_rates.append(rate(appends, plain_s))
                ratios.append(chain_rates[-1] / plain_rates[-1])
            result[f"writers_{writers}"] = {
                "chained_per_s": round(statistics.median(chain_rates), 1),
                "plain_per_s": round(statistics.median(plain_rates), 1),
                "ratio": round(statistics.median(ratios), 3),
                "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)], "rounds": rounds}
    finally:
        await runtime.close()
    return result
