"""Signing in and out: the throttle, the password check, a fresh session, all audited."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from adapters.web.console.inputs import plain
from adapters.web.console.accounts import account_by_name
from adapters.web.console.passwords import hash_password, needs_rehash, verify_password, waste_time
from adapters.web.console.principal import ANONYMOUS
from adapters.web.console.sessions import open_session, revoke_session
from adapters.web.console.throttle import begin_attempt, forget, settle_failure
from bot.services import Core
from bot.store.audit import PendingEvent

__all__ = ["SigninResult", "WRONG", "sign_in", "sign_out"]

WRONG = "Wrong user name or password."


@dataclass(frozen=True, slots=True)
class SigninResult:
    ok: bool
    message: str = ""
    cookie: str = ""
    csrf: str = ""
    username: str = ""


def _who(username: str, known: bool) -> dict[str, str]:
    # An unknown "user name" may be a password typed in the wrong field: record only its hash.
    if known:
        return {"username": username}
    return {"username_sha256": hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()}


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def sign_in(core: Core, *, username: str, password: str, ip: str, client: str) -> SigninResult:
    name = " ".join(plain(username, 200).split()).lower()[:64]
    user_key, ip_key = f"user:{name}", f"ip:{plain(ip, 100)}"
    correlation = {"ip": ip}
    async with core.uow() as uow:
        now = uow.now()
        account = await account_by_name(uow.session, name) if name else None
        attempt = await begin_attempt(uow.session, [user_key, ip_key], now)
        if not attempt.allowed:
            uow.record(PendingEvent(actor=ANONYMOUS, action="console.signin.refused", correlation=correlation,
                                    details={**_who(name, account is not None), "reason": "locked"}))
            await uow.commit()
            wait = (attempt.locked_until - now).total_seconds() if attempt.locked_until else 900
            return SigninResult(False, f"Too many failed sign-ins. Try again in {_minutes(wait)}.")
        await uow.commit()
    if account is None:
        await waste_time(password or "")
        valid = False
    else:
        valid = await verify_password(account.password_hash, password or "")
    async with core.uow() as uow:
        now = uow.now()
        fresh = await account_by_name(uow.session, name) if account is not None else None
        if not valid or fresh is None or fresh.disabled_at is not None:
            reason = "unknown user" if account is None else "wrong password" if not valid else "account disabled"
            locked_until = await settle_failure(uow.session, [user_key, ip_key], now)
            uow.record(PendingEvent(actor=ANONYMOUS, action="console.signin.failed", correlation=correlation,
                                    details={**_who(name, account is not None), "reason": reason,
                                             "locked": locked_until is not None}))
            await uow.commit()
            if locked_until is not None:
                return SigninResult(False, f"{WRONG} Too many failed sign-ins: try again in "
                                           f"{_minutes((locked_until - now).total_seconds())}.")
            return SigninResult(False, WRONG)
        await forget(uow.session, user_key, ip_key, now)
        if needs_rehash(fresh.password_hash):
            fresh.password_hash = await hash_password(password)
        cookie, csrf = await open_session(uow.session, fresh, now, client)
        uow.record(PendingEvent(actor=f"console:{fresh.username}", action="console.signin", correlation=correlation,
                                details={"account": fresh.username, "role": fresh.role}))
        await uow.commit()
        return SigninResult(True, cookie=cookie, csrf=csrf, username=fresh.username)


async def sign_out(core: Core, *, session_id: str, username: str, ip: str) -> None:
    async with core.uow() as uow:
        await revoke_session(uow.session, session_id, uow.now())
        uow.record(PendingEvent(actor=f"console:{username}", action="console.signout", correlation={"ip": ip},
                                details={"account": username}))
        await uow.commit()
