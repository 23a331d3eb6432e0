"""Server-side sessions: a random value in an HttpOnly, SameSite=Strict cookie; the database
keeps only its SHA-256, with an idle and an absolute expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.console.models import ConsoleAccount, ConsoleSession

__all__ = ["ABSOLUTE", "COOKIE", "IDLE", "LiveSession", "digest", "load_session", "open_session", "revoke_session",
           "sessions_of"]

COOKIE = "dg_console"
IDLE, ABSOLUTE = timedelta(minutes=30), timedelta(hours=12)
_TOUCH_EVERY = timedelta(seconds=60)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class LiveSession:
    id: str
    account: ConsoleAccount
    csrf: str


async def open_session(session: AsyncSession, account: ConsoleAccount, now: datetime, client: str) -> tuple[str, str]:
    """A new session for `account` (added to the caller's transaction). Returns (cookie value, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(ConsoleSession(id=digest(token), account_id=account.id, csrf_token=csrf, created_at=now,
                               last_seen_at=now, expires_at=now + ABSOLUTE, client=client[:300]))
    return token, csrf


async def load_session(session: AsyncSession, token: str | None, now: datetime) -> LiveSession | None:
    """The live session behind a cookie value, or None (unknown, revoked, expired, idle, disabled)."""
    if not token or len(token) > 200:
        return None
    row = await session.get(ConsoleSession, digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.last_seen_at + IDLE <= now:
        return None
    account = await session.get(ConsoleAccount, row.account_id)
    if account is None or account.disabled_at is not None:
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    return LiveSession(row.id, account, row.csrf_token)


async def revoke_session(session: AsyncSession, session_id: str, now: datetime) -> None:
    await session.execute(update(ConsoleSession).where(ConsoleSession.id == session_id,
                                                       ConsoleSession.revoked_at.is_(None)).values(revoked_at=now))


async def sessions_of(session: AsyncSession, account_id: int, now: datetime) -> list[ConsoleSession]:
    return list((await session.execute(
        select(ConsoleSession).where(ConsoleSession.account_id == account_id, ConsoleSession.revoked_at.is_(None),
                                     ConsoleSession.expires_at > now, ConsoleSession.last_seen_at > now - IDLE)
        .order_by(ConsoleSession.last_seen_at.desc())
    )).scalars())
