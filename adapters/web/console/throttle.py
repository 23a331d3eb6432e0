"""The sign-in throttle: a few attempts per user name and per address, then a lock. Stored in
the database (so a restart or another replica does not reset it) and counted *before* the
password is checked, so that concurrent guesses cannot get past the limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.console.models import ConsoleSigninThrottle

__all__ = ["IP_LIMIT", "LOCK", "USER_LIMIT", "WINDOW", "Attempt", "begin_attempt", "forget", "settle_failure"]

USER_LIMIT, IP_LIMIT = 5, 20
WINDOW = LOCK = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Attempt:
    allowed: bool
    locked_until: datetime | None = None


def _limit(key: str) -> int:
    return USER_LIMIT if key.startswith("user:") else IP_LIMIT


async def _row(session: AsyncSession, key: str, now: datetime) -> ConsoleSigninThrottle:
    dialect = sqlite if session.bind.dialect.name == "sqlite" else postgresql
    await session.execute(dialect.insert(ConsoleSigninThrottle)
                          .values(key=key, failures=0, first_failure_at=now, locked_until=None)
                          .on_conflict_do_nothing(index_elements=["key"]))
    return (await session.execute(
        select(ConsoleSigninThrottle).where(ConsoleSigninThrottle.key == key).with_for_update()
    )).scalar_one()


async def begin_attempt(session: AsyncSession, keys: list[str], now: datetime) -> Attempt:
    """Count one attempt on every key, unless one of them is locked (then nothing is counted)."""
    rows = [await _row(session, key, now) for key in keys]
    locked = [row.locked_until for row in rows if row.locked_until is not None and row.locked_until > now]
    if locked:
        return Attempt(False, max(locked))
    for row in rows:
        if row.first_failure_at < now - WINDOW:
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures > _limit(row.key):
            row.locked_until = now + LOCK
    over = [row.locked_until for row in rows if row.locked_until is not None and row.locked_until > now]
    return Attempt(not over, max(over) if over else None)


async def settle_failure(session: AsyncSession, keys: list[str], now: datetime) -> datetime | None:
    """After a wrong password: lock the keys that reached their limit. Returns the lock's end."""
    until = None
    for key in keys:
        row = await _row(session, key, now)
        if row.failures >= _limit(key) and (row.locked_until is None or row.locked_until <= now):
            row.locked_until = now + LOCK
            until = row.locked_until
    await session.execute(delete(ConsoleSigninThrottle).where(
        ConsoleSigninThrottle.first_failure_at < now - timedelta(days=1),
        (ConsoleSigninThrottle.locked_until.is_(None)) | (ConsoleSigninThrottle.locked_until < now)))
    return until


async def forget(session: AsyncSession, user_key: str, ip_key: str, now: datetime) -> None:
    """After a correct password: the user name starts afresh; the address gets its attempt back."""
    await session.execute(delete(ConsoleSigninThrottle).where(ConsoleSigninThrottle.key == user_key))
    row = await _row(session, ip_key, now)
    row.failures = max(0, row.failures - 1)
