"""Shared helpers for the benchmarks: fresh databases, timing, distributions."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import Runtime, build_runtime, upgrade_database
from bot.config import async_database_url, load_settings
from bot.ports import Drafter

__all__ = ["Database", "distribution", "fresh_database", "rate", "timed"]


@dataclass
class Database:
    label: str  # "sqlite" or "postgresql"
    url: str
    cleanup: Callable[[], Awaitable[None]]

    async def runtime(self, drafter: Drafter | None = None, **settings: Any) -> Runtime:
        config = load_settings(database_url=self.url, load_sample_kb=False, **settings)
        return build_runtime(config, drafter=drafter)


async def fresh_database(kind: str, postgres_url: str | None, name: str) -> Database:
    """An empty, migrated database for one measure."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="draftgate-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"

        async def cleanup() -> None:
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    else:
        assert postgres_url
        given = make_url(async_database_url(postgres_url))
        database = f"{given.database}_bench_{name}_{os.getpid()}"

        async def run(statement: str) -> None:
            engine = create_async_engine(given, isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text(statement))
            await engine.dispose()

        await run(f'DROP DATABASE IF EXISTS "{database}"')
        await run(f'CREATE DATABASE "{database}"')
        url = given.set(database=database).render_as_string(hide_password=False).replace("+asyncpg", "")

        async def cleanup() -> None:
            await run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await upgrade_database(load_settings(database_url=url))
    return Database(kind, url, cleanup)


async def timed(work: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def distribution(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    if not samples:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50_ms": round(statistics.median(ordered) * 1000, 3), "p95_ms": round(pick(0.95), 3),
            "p99_ms": round(pick(0.99), 3)}


async def gather_limited(limit: int, jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))
