"""Console accounts: create, list, change role or password, disable, link chat identities.
Every change writes an audit event in the same transaction; passwords never appear in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.console.inputs import plain
from adapters.web.console.models import ConsoleAccount, ConsoleIdentity, ConsoleSession
from adapters.web.console.passwords import PasswordRejected, check_policy, hash_password
from adapters.web.console.principal import ROLES
from bot.services import BadInput, Core, NotFound, Refused
from bot.store.audit import PendingEvent

__all__ = ["AccountView", "account_by_name", "create_account", "identities_of", "link_identity", "list_accounts",
           "normalise_username", "set_disabled", "set_password", "set_role", "unlink_identity"]

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_IDENTIFIER_LIMIT = 128


@dataclass(frozen=True, slots=True)
class AccountView:
    account: ConsoleAccount
    identities: list[ConsoleIdentity]

    @property
    def active(self) -> bool:
        return self.account.disabled_at is None


def normalise_username(name: str) -> str:
    name = (name or "").strip().lower()
    if not _USERNAME.match(name):
        raise BadInput("A user name is 2–64 characters: lower-case letters, digits, '.', '_' or '-', "
                       "starting with a letter or digit.")
    return name


def _role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(f"The role must be one of {', '.join(ROLES)}.")
    return role


def _identifier(value: str, what: str, *, optional: bool = False, limit: int = _IDENTIFIER_LIMIT) -> str:
    value = (value or "").strip()
    if optional and not value:
        return ""
    if not value or len(value) > limit or any(c.isspace() or ord(c) < 32 for c in value):
        raise BadInput(f"The {what} must be 1–{limit} characters without spaces.")
    return value


def _display_name(value: str, fallback: str) -> str:
    value = " ".join(plain(value, 400).split())[:200]
    return value or fallback


async def account_by_name(session: AsyncSession, username: str) -> ConsoleAccount | None:
    return (await session.execute(
        select(ConsoleAccount).where(ConsoleAccount.username == plain(username, 64).lower())
    )).scalar_one_or_none()


async def _require(session: AsyncSession, username: str) -> ConsoleAccount:
    account = await account_by_name(session, username)
    if account is None:
        raise NotFound(f"There is no account {username[:64]!r}.")
    return account


async def identities_of(session: AsyncSession, account_id: int) -> list[ConsoleIdentity]:
    return list((await session.execute(
        select(ConsoleIdentity).where(ConsoleIdentity.account_id == account_id)
        .order_by(ConsoleIdentity.platform, ConsoleIdentity.workspace, ConsoleIdentity.user_id)
    )).scalars())


async def _other_active_admins(session: AsyncSession, account_id: int) -> int:
    return int((await session.execute(
        select(func.count()).select_from(ConsoleAccount).where(
            ConsoleAccount.role == "admin", ConsoleAccount.disabled_at.is_(None), ConsoleAccount.id != account_id)
    )).scalar_one())


async def _revoke_sessions(session: AsyncSession, account_id: int, now: datetime, *, keep: str | None = None) -> None:
    query = update(ConsoleSession).where(ConsoleSession.account_id == account_id, ConsoleSession.revoked_at.is_(None))
    if keep:
        query = query.where(ConsoleSession.id != keep)
    await session.execute(query.values(revoked_at=now))


async def _policy_hash(password: str, username: str) -> str:
    try:
        check_policy(password, username=username)
    except PasswordRejected as error:
        raise BadInput(str(error)) from None
    return await hash_password(password)


async def create_account(core: Core, *, by: str, username: str, role: str, password: str,
                         display_name: str = "") -> ConsoleAccount:
    username, role = normalise_username(username), _role(role)
    digest = await _policy_hash(password, username)
    async with core.uow() as uow:
        if await account_by_name(uow.session, username) is not None:
            raise Refused(f"An account named {username!r} exists already.")
        now = uow.now()
        account = ConsoleAccount(username=username, display_name=_display_name(display_name, username), role=role,
                                 password_hash=digest, created_at=now, created_by=by, password_changed_at=now)
        uow.session.add(account)
        uow.record(PendingEvent(actor=by, action="console.account.created",
                                details={"account": username, "role": role, "display_name": account.display_name}))
        await uow.commit()
        return account


async def list_accounts(core: Core) -> list[AccountView]:
    async with core.uow() as uow:
        accounts = (await uow.session.execute(select(ConsoleAccount).order_by(ConsoleAccount.username))).scalars().all()
        return [AccountView(a, await identities_of(uow.session, a.id)) for a in accounts]


async def set_password(core: Core, *, by: str, username: str, password: str, keep_session: str | None = None) -> None:
    """A new password signs the account out everywhere (except the session that changed it)."""
    async with core.uow() as uow:
        account = await _require(uow.session, username)
    digest = await _policy_hash(password, account.username)
    async with core.uow() as uow:
        account = await _require(uow.session, username)
        account.password_hash, account.password_changed_at = digest, uow.now()
        await _revoke_sessions(uow.session, account.id, uow.now(), keep=keep_session)
        uow.record(PendingEvent(actor=by, action="console.account.password_changed", details={"account": account.username}))
        await uow.commit()


async def set_role(core: Core, *, by: str, username: str, role: str) -> bool:
    role = _role(role)
    async with core.uow() as uow:
        account = await _require(uow.session, username)
        if account.role == role:
            return False
        if account.role == "admin" and await _other_active_admins(uow.session, account.id) == 0:
            raise Refused("This is the last active admin; make someone else an admin first.")
        before, account.role = account.role, role
        uow.record(PendingEvent(actor=by, action="console.account.role_changed", before=before, after=role,
                                details={"account": account.username}))
        await uow.commit()
        return True


async def set_disabled(core: Core, *, by: str, username: str, disabled: bool) -> bool:
    """Disabling signs the account out and makes its API tokens useless at once."""
    async with core.uow() as uow:
        account = await _require(uow.session, username)
        if (account.disabled_at is not None) == disabled:
            return False
        if disabled and account.role == "admin" and await _other_active_admins(uow.session, account.id) == 0:
            raise Refused("This is the last active admin; it cannot be disabled.")
        account.disabled_at = uow.now() if disabled else None
        if disabled:
            await _revoke_sessions(uow.session, account.id, uow.now())
        uow.record(PendingEvent(actor=by, action="console.account.disabled" if disabled else "console.account.enabled",
                                details={"account": account.username}))
        await uow.commit()
        return True


async def link_identity(core: Core, *, by: str, username: str, platform: str, workspace: str,
                        user_id: str) -> ConsoleIdentity:
    platform = _identifier(platform, "platform", limit=32).lower()
    workspace = _identifier(workspace, "workspace", optional=True)
    user_id = _identifier(user_id, "user id")
    async with core.uow() as uow:
        account = await _require(uow.session, username)
        taken = (await uow.session.execute(select(ConsoleIdentity).where(
            ConsoleIdentity.platform == platform, ConsoleIdentity.workspace == workspace,
            ConsoleIdentity.user_id == user_id))).scalar_one_or_none()
        if taken is not None:
            if taken.account_id == account.id:
                return taken
            raise Refused("That identity is already linked to another account.")
        identity = ConsoleIdentity(account_id=account.id, platform=platform, workspace=workspace, user_id=user_id,
                                   linked_at=uow.now(), linked_by=by)
        uow.session.add(identity)
        uow.record(PendingEvent(actor=by, action="console.identity.linked", platform=platform,
                                details={"account": account.username, "workspace": workspace, "user": user_id}))
        await uow.commit()
        return identity


async def unlink_identity(core: Core, *, by: str, username: str, identity_id: int) -> None:
    async with core.uow() as uow:
        account = await _require(uow.session, username)
        identity = await uow.session.get(ConsoleIdentity, identity_id)
        if identity is None or identity.account_id != account.id:
            raise NotFound("That identity is not linked to this account.")
        await uow.session.delete(identity)
        uow.record(PendingEvent(actor=by, action="console.identity.unlinked", platform=identity.platform,
                                details={"account": account.username, "workspace": identity.workspace,
                                         "user": identity.user_id}))
        await uow.commit()
