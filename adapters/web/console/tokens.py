"""Personal API tokens: an admin creates one for an account, it acts as that account, and it
can be revoked. The token is shown once; only its SHA-256 and a short prefix are stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from adapters.web.console.inputs import plain
from adapters.web.console.accounts import account_by_name
from adapters.web.console.models import ConsoleAccount, ConsoleApiToken
from bot.services import BadInput, Core, NotFound
from bot.store.audit import PendingEvent

__all__ = ["TOKEN_PREFIX", "TokenCheck", "check_token", "create_token", "list_tokens", "revoke_token"]

TOKEN_PREFIX = "dgt_"
_MAX_DAYS = 3650


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """`account` is set when the token may be used; otherwise `reason` says why not."""

    account: ConsoleAccount | None
    token: ConsoleApiToken | None
    reason: str = ""


async def create_token(core: Core, *, by: str, username: str, name: str, days: int | None) -> tuple[str, ConsoleApiToken]:
    name = " ".join(plain(name, 300).split())[:100]
    if not name:
        raise BadInput("Give the token a name that says what it is for (e.g. 'rules from CI').")
    if days is not None and not 1 <= days <= _MAX_DAYS:
        raise BadInput(f"A token lives 1–{_MAX_DAYS} days (or leave it empty for no expiry).")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with core.uow() as uow:
        account = await account_by_name(uow.session, username)
        if account is None:
            raise NotFound(f"There is no account {username[:64]!r}.")
        now = uow.now()
        row = ConsoleApiToken(account_id=account.id, name=name, prefix=secret[:12], token_hash=_digest(secret),
                              created_at=now, created_by=by, expires_at=now + timedelta(days=days) if days else None)
        uow.session.add(row)
        await uow.session.flush()
        uow.record(PendingEvent(actor=by, action="console.token.created",
                                details={"account": account.username, "token_id": row.id, "prefix": row.prefix,
                                         "name": name, "expires_at": row.expires_at.isoformat() if row.expires_at else None}))
        await uow.commit()
        return secret, row


async def revoke_token(core: Core, *, by: str, token_id: int) -> bool:
    async with core.uow() as uow:
        row = await uow.session.get(ConsoleApiToken, token_id)
        if row is None:
            raise NotFound("There is no such token.")
        if row.revoked_at is not None:
            return False
        row.revoked_at, row.revoked_by = uow.now(), by
        account = await uow.session.get(ConsoleAccount, row.account_id)
        uow.record(PendingEvent(actor=by, action="console.token.revoked",
                                details={"account": account.username if account else None, "token_id": row.id,
                                         "prefix": row.prefix, "name": row.name}))
        await uow.commit()
        return True


async def list_tokens(core: Core) -> list[tuple[ConsoleApiToken, str]]:
    async with core.uow() as uow:
        rows = await uow.session.execute(
            select(ConsoleApiToken, ConsoleAccount.username).join(ConsoleAccount, ConsoleAccount.id == ConsoleApiToken.account_id)
            .order_by(ConsoleApiToken.created_at.desc()))
        return [(token, username) for token, username in rows]


async def check_token(core: Core, presented: str | None, now: datetime) -> TokenCheck:
    """Who a presented token acts as; marks it used. Never raises for a bad token."""
    if not presented:
        return TokenCheck(None, None, "no token")
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > 200:
        return TokenCheck(None, None, "unknown token")
    async with core.uow() as uow:
        row = (await uow.session.execute(
            select(ConsoleApiToken).where(ConsoleApiToken.token_hash == _digest(presented)))).scalar_one_or_none()
        if row is None:
            return TokenCheck(None, None, "unknown token")
        account = await uow.session.get(ConsoleAccount, row.account_id)
        if row.revoked_at is not None:
            return TokenCheck(None, row, "token revoked")
        if row.expires_at is not None and row.expires_at <= now:
            return TokenCheck(None, row, "token expired")
        if account is None or account.disabled_at is not None:
            return TokenCheck(None, row, "account disabled")
        if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=1):
            row.last_used_at = now
            await uow.commit()
        return TokenCheck(account, row)
