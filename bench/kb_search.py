"""Knowledge-base search latency at 1k/10k/100k passages; index build time and size against the
same rows in a plain table with no full-text index."""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, text

from bench.common import Database, distribution, timed
from bot.bootstrap import utcnow
from bot.store import kb_index
from bot.store.models import KbChunk, KbDocument

__all__ = ["measure_kb"]

WORDS = ("access request approve badge bastion billing certificate client connect credential data database "
         "device disk encrypt expire firewall gateway incident key laptop lost manager network owner page "
         "password phone port production profile report restart review role rotate rule secret security "
         "server session shift sign ssh temporary ticket token tunnel update user vault vpn warehouse").split()
_plain = MetaData()
PLAIN = Table("bench_plain_chunks", _plain, Column("id", Integer, primary_key=True), Column("document_id", Integer),
              Column("ordinal", Integer), Column("section", String(500)), Column("text", Text))


def _passage(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))) + "."


async def _size(conn: Any, dialect: str, table: str) -> int | None:
    if dialect == "postgresql":
        return int((await conn.execute(text(f"SELECT pg_total_relation_size('{table}')"))).scalar_one())
    try:
        pattern = "kb_chunks%" if table == "kb_chunks" else table
        return int((await conn.execute(text("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE :p"), {"p": pattern})).scalar_one() or 0)
    except Exception:
        return None


async def measure_kb(db: Database, *, sizes: list[int], queries: int) -> dict[str, Any]:
    runtime = await db.runtime()
    rng = random.Random(7)
    result: dict[str, Any] = {}
    loaded = 0
    try:
        async with runtime.engine.begin() as conn:
            await conn.run_sync(_plain.create_all)
        async with runtime.sessions.begin() as session:
            document = KbDocument(source="synthetic.md", title="Synthetic", sha256="0" * 64, chunks=0,
                                  added_by="bench", added_at=utcnow())
            session.add(document)
            await session.flush()
            document_id = document.id
        index_s = plain_s = 0.0
        for size in sizes:
            rows = [{"document_id": document_id, "ordinal": loaded + i, "section": rng.choice(WORDS).title(),
                     "text": _passage(rng)} for i in range(size - loaded)]
            for start in range(0, len(rows), 2000):
                batch = rows[start:start + 2000]

                async def indexed() -> None:
                    async with runtime.sessions.begin() as session:
                        await session.execute(insert(KbChunk), batch)

                async def plain() -> None:
                    async with runtime.sessions.begin() as session:
                        await session.execute(insert(PLAIN), batch)

                index_s += await timed(indexed)
                plain_s += await timed(plain)
            loaded = size
            samples = []
            for _ in range(queries):
                question = "how do I " + " ".join(rng.choice(WORDS) for _ in range(3))
                async with runtime.core.uow() as uow:
                    started = time.perf_counter()
                    await kb_index.search(uow.session, question, limit=4)
                    samples.append(time.perf_counter() - started)
            async with runtime.engine.connect() as conn:
                indexed_bytes = await _size(conn, runtime.engine.dialect.name, "kb_chunks")
                plain_bytes = await _size(conn, runtime.engine.dialect.name, "bench_plain_chunks")
            result[f"chunks_{size}"] = {
                **distribution(samples),
                "build_time_ratio_to_plain_insert": round(index_s / plain_s, 2) if plain_s else None,
                "size_ratio_to_plain_table": round(indexed_bytes / plain_bytes, 2) if indexed_bytes and plain_bytes else None,
                "index_mb": round(indexed_bytes / 1e6, 1) if indexed_bytes else None,
            }
    finally:
        await runtime.close()
    return result
