"""The publish gate under contention, and its throughput against a plain insert + the same post."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from bench.common import Database, gather_limited, rate, timed
from bench.counting_platform import CountingPlatform, fake_post
from bot.engines.kb import KnowledgeBaseDrafter
from bot.services import Actor, Where, ask, confirm_draft
from bot.store.models import Publication

__all__ = ["measure_publish_gate"]

ALICE = Actor("bench", "W", "alice", "Alice")
WHERE = Where("bench", "W", "general")
_plain = MetaData()
PLAIN = Table("bench_plain_publications", _plain, Column("id", Integer, primary_key=True),
              Column("draft_id", String(32)), Column("status", String(32)))


async def _new_drafts(runtime: Any, count: int, prefix: str) -> list[str]:
    ids = []
    for i in range(count):
        outcome = await ask(runtime.core, actor=ALICE, where=WHERE, question="How do I rotate my SSH key?",
                            event_id=f"{prefix}-{i}", deliver_privately=False)
        ids.append(outcome.draft_id)
    return ids


async def measure_publish_gate(db: Database, *, rounds: int, drafts: int) -> dict[str, Any]:
    runtime = await db.runtime(drafter=KnowledgeBaseDrafter())
    platform = CountingPlatform()
    runtime.core.platforms[platform.name] = platform
    result: dict[str, Any] = {}
    try:
        for clicks in (20, 100):
            duplicates = 0
            for round_ in range(rounds):
                [draft_id] = await _new_drafts(runtime, 1, f"c{clicks}-{round_}")
                outcomes = await asyncio.gather(*(confirm_draft(runtime.core, actor=ALICE, draft_id=draft_id)
                                                  for _ in range(clicks)), return_exceptions=True)
                errors = [o for o in outcomes if isinstance(o, BaseException)]
                if errors:
                    raise errors[0]
                duplicates += platform.posts.get(draft_id, 0) - 1
            result[f"concurrent_{clicks}_duplicate_posts"] = duplicates
        async with runtime.core.uow() as uow:
            publications = (await uow.session.execute(select(func.count()).select_from(Publication))).scalar_one()
        result["publications_per_draft"] = publications / (2 * rounds)

        ids = await _new_drafts(runtime, drafts, "tp")
        gate_seconds = await timed(lambda: gather_limited(8, [
            (lambda d=d: confirm_draft(runtime.core, actor=ALICE, draft_id=d)) for d in ids]))

        async with runtime.engine.begin() as conn:
            await conn.run_sync(_plain.create_all)

        async def plain(draft_id: str) -> None:
            async with runtime.sessions.begin() as session:
                await session.execute(PLAIN.insert().values(draft_id=draft_id, status="posted"))
            await fake_post()

        plain_seconds = await timed(lambda: gather_limited(8, [(lambda d=d: plain(d)) for d in ids]))
        gate_rate, plain_rate = rate(drafts, gate_seconds), rate(drafts, plain_seconds)
        result.update(publishes_per_s=round(gate_rate, 1), baseline_insert_post_per_s=round(plain_rate, 1),
                      ratio_to_baseline=round(gate_rate / plain_rate, 3))
    finally:
        await runtime.close()
    return result
