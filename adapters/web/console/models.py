"""The console's tables: accounts, their linked chat identities, sessions, API tokens and the
sign-in throttle. All in the database, so nothing depends on one process's memory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId, Stamp

__all__ = ["ConsoleAccount", "ConsoleApiToken", "ConsoleIdentity", "ConsoleSession", "ConsoleSigninThrottle"]


class ConsoleAccount(Base):
    """A person who signs in to the console. `role` is "admin" or "moderator"."""

    __tablename__ = "console_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    created_by: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[datetime] = mapped_column(Stamp)
    disabled_at: Mapped[datetime | None] = mapped_column(Stamp)


class ConsoleIdentity(Base):
    """A chat identity (platform, workspace, user id) that is this account's person.
    One identity belongs to at most one account."""

    __tablename__ = "console_identities"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[datetime] = mapped_column(Stamp)
    linked_by: Mapped[str] = mapped_column(String(200))


class ConsoleSession(Base):
    """A signed-in browser. `id` is the SHA-256 of the cookie's random value (never the value)."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_account", "account_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    last_seen_at: Mapped[datetime] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    client: Mapped[str] = mapped_column(String(300), default="")


class ConsoleApiToken(Base):
    """A personal API token: acts as its account. Only the SHA-256 of the token is stored."""

    __tablename__ = "console_api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(Stamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class ConsoleSigninThrottle(Base):
    """Failed sign-ins per key ("user:<name>" or "ip:<address>") and the lock they led to."""

    __tablename__ = "console_signin_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(Stamp)
    locked_until: Mapped[datetime | None] = mapped_column(Stamp)
