"""Database engines: async, with SQLite set up for one writer at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["create_engine", "session_factory"]


def _sqlite_setup(engine: AsyncEngine) -> None:
    # SQLite: a transaction that reads and later writes fails at once with "database is
    # locked" under WAL; so every transaction takes the write lock up front (BEGIN IMMEDIATE)
    # and waiting writers queue on busy_timeout instead of failing.
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(async_url: str, **kwargs: Any) -> AsyncEngine:
    if async_url.startswith("sqlite"):
        # One connection: every transaction takes the write lock anyway (BEGIN IMMEDIATE), and
        # queueing for the connection in asyncio hands it over at once, where several connections
        # would wait in SQLite's busy handler (which sleeps up to 100 ms between tries): 37 → 44
        # questions/s in bench/slack_ingress. Under load, requests queue (up to a minute) rather than fail.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(async_url, **kwargs)
        _sqlite_setup(engine)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 5)
    kwargs.setdefault("pool_timeout", 60)  # past the pool, requests wait rather than fail
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(async_url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
