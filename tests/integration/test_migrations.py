"""Models and migrations agree; upgrade → downgrade → upgrade works (on the database of this run)."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.bootstrap import alembic_config
from bot.config import async_database_url
from bot.store.db import create_engine
from migrations.metadata import include_object, target_metadata


def _diff(url: str) -> list[object]:
    async def run() -> list[object]:
        engine = create_engine(async_database_url(url))
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": include_object, "compare_type": True}),
                target_metadata))
        await engine.dispose()
        return diff

    return asyncio.run(run())


def _tables(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_engine(async_database_url(url))
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(run())


def test_models_and_migrations_agree(database_url):
    assert _diff(database_url) == []


def test_upgrade_downgrade_upgrade(database_url):
    config = alembic_config(async_database_url(database_url))
    command.downgrade(config, "base")
    assert _tables(database_url) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {"drafts", "publications", "audit_events", "kb_chunks"} <= _tables(database_url)
    assert _diff(database_url) == []
