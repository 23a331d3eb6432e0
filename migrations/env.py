"""Alembic environment: async, URL from draftgate's settings (or the caller's connection)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.models import Base
from migrations.metadata import include_object, target_metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    from bot.store.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection: Any = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("async_url")
    if url is None:
        from bot.config import get_settings

        url = get_settings().async_database_url
    asyncio.run(_run_async(url))


assert Base.metadata is target_metadata
if context.is_offline_mode():
    raise SystemExit("draftgate migrations run online only: use `draftgate db upgrade`")
run_migrations_online()
