"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when
DRAFTGATE_TEST_DATABASE_URL is set), a runtime with a fake clock and a fake platform."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import Runtime, build_runtime
from bot.config import Settings, async_database_url, load_settings
from bot.store.audit import GENESIS_HASH
from tests.fakes import FakeClock, FakePlatform, ScriptedDrafter

TEST_DATABASE_URL = os.environ.get("DRAFTGATE_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgres")


def _migrate(url: str) -> None:
    from alembic import command

    from bot.bootstrap import alembic_config

    command.upgrade(alembic_config(async_database_url(url)), "head")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_ready() -> Iterator[str]:
    """A database of this test session's own next to the given one (so that parallel runs do not
    collide), migrated once; dropped at the end."""
    import asyncio

    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    given = make_url(async_database_url(TEST_DATABASE_URL))
    name = f"{given.database}_{os.getpid()}"

    async def run(statement: str) -> None:
        admin = create_async_engine(given, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(statement))
        await admin.dispose()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = given.set(database=name).render_as_string(hide_password=False).replace("+asyncpg", "")
    _migrate(url)
    yield url
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


TABLES = ["console_sessions", "console_api_tokens", "console_identities", "console_signin_throttle",
          "console_accounts", "web_messages", "publications", "draft_revisions", "drafts", "questions", "role_grants", "people",
          "channel_rule_history", "channel_rules", "kb_chunks", "kb_documents", "audit_events"]


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database for one test."""
    if ON_POSTGRES:
        url = request.getfixturevalue("_postgres_ready")
        import asyncio

        from sqlalchemy.ext.asyncio import create_async_engine

        async def truncate() -> None:
            engine = create_async_engine(async_database_url(url))
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
                await conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": GENESIS_HASH})
            await engine.dispose()

        asyncio.run(truncate())
        yield url
        return
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "draftgate.db"
    shutil.copy(template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, load_sample_kb=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def drafter() -> ScriptedDrafter:
    return ScriptedDrafter()


@pytest.fixture
async def runtime(settings: Settings, clock: FakeClock, platform: FakePlatform, drafter: ScriptedDrafter) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, drafter=drafter, clock=clock)
    runtime.core.platforms[platform.name] = platform
    yield runtime
    await runtime.close()
