"""The composition root of the core: settings → database, engine, unit of work, Core."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.engines.kb import KnowledgeBaseDrafter
from bot.ports import Drafter
from bot.services.context import Core
from bot.store.audit import LastHead
from bot.store.db import create_engine, session_factory
from bot.store.kb_index import count_chunks
from bot.store.uow import UnitOfWork

__all__ = ["Runtime", "alembic_config", "build_drafter", "build_runtime", "sample_kb_path", "upgrade_database", "utcnow"]

ROOT = Path(__file__).resolve().parent.parent


def utcnow() -> datetime:
    return datetime.now(UTC)


def alembic_config(async_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["async_url"] = async_url
    return config


def _upgrade(async_url: str, revision: str) -> None:
    command.upgrade(alembic_config(async_url), revision)


async def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Apply the migrations (Alembic runs its own event loop, so in a worker thread)."""
    await asyncio.to_thread(_upgrade, settings.async_database_url, revision)


def build_drafter(settings: Settings) -> Drafter:
    if settings.engine == "openai":
        from bot.engines.openai_compat import OpenAICompatibleDrafter

        return OpenAICompatibleDrafter(
            base_url=settings.openai.base_url,
            api_key=settings.openai.api_key.get_secret_value(),
            model=settings.openai.model,
            timeout=settings.openai.timeout_seconds,
        )
    return KnowledgeBaseDrafter()


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    core: Core

    async def close(self) -> None:
        close = getattr(self.core.drafter, "close", None)
        if close is not None:
            await close()
        await self.engine.dispose()


def build_runtime(settings: Settings, *, drafter: Drafter | None = None, clock=utcnow) -> Runtime:  # type: ignore[no-untyped-def]
    pool = {} if settings.is_sqlite else {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    engine = create_engine(settings.async_database_url, **pool)
    sessions = session_factory(engine)
    last_head = LastHead()
    core = Core(
        uow=lambda: UnitOfWork(sessions, clock, last_head),
        drafter=drafter or build_drafter(settings),
        settings=settings,
        clock=clock,
        question_slots=asyncio.Semaphore(settings.question_concurrency),
    )
    return Runtime(settings=settings, engine=engine, sessions=sessions, core=core)


def sample_kb_path() -> Path:
    return Path(str(resources.files("bot") / "sample_kb"))


async def knowledge_base_is_empty(runtime: Runtime) -> bool:
    async with runtime.core.uow() as uow:
        return await count_chunks(uow.session) == 0
