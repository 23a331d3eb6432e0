"""Is the database schema current? SQLite (embedded) upgrades itself; PostgreSQL is told."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings

__all__ = ["SchemaNotReady", "ensure_schema", "head_revision"]


class SchemaNotReady(Exception):
    pass


def head_revision(async_url: str) -> str | None:
    from bot.bootstrap import alembic_config

    return ScriptDirectory.from_config(alembic_config(async_url)).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def ensure_schema(engine: AsyncEngine, settings: Settings) -> None:
    if await current_revision(engine) == head_revision(settings.async_database_url):
        return
    if settings.is_sqlite:
        from bot.bootstrap import upgrade_database

        await upgrade_database(settings)
        return
    raise SchemaNotReady("the database schema is not up to date: run `draftgate db upgrade` first")
