"""Signing in and out: argon2 hashes, server-side sessions in secure cookies, a lock-out that
survives a restart, and every attempt audited (an unknown user name only by its hash)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from adapters.server import build_server
from adapters.web.console.models import ConsoleAccount, ConsoleSession
from adapters.web.console.sessions import COOKIE
from adapters.web.console.signin import sign_in
from bot.bootstrap import build_runtime
from bot.config import load_settings
from tests.console.conftest import PASSWORD
from tests.live import running


async def test_sign_in_sets_a_server_side_session_in_a_strict_http_only_cookie(console, browserless):
    await console.account("dave", "admin", name="Dave Kim")
    client = await browserless()
    form = await client.get("/console/signin")
    assert form.status_code == 200 and 'name="password"' in form.text
    response = await client.post("/console/signin", username="Dave", password=PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/console/overview"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/console" in flags
    assert "secure" not in flags  # plain http on localhost; behind https the cookie is Secure
    value = cookie.split(";")[0].split("=", 1)[1]
    async with console.core.uow() as uow:
        stored = (await uow.session.execute(select(ConsoleSession))).scalars().all()
        account = (await uow.session.execute(select(ConsoleAccount))).scalar_one()
    assert len(stored) == 1 and stored[0].id != value and value not in stored[0].id  # only its hash is kept
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    page = await client.get("/console/overview")
    assert page.status_code == 200 and "Dave Kim" in page.text
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in page.headers
    [event] = await console.events("console.signin")
    assert event.actor == "console:dave" and PASSWORD not in str(event.details)


async def test_wrong_passwords_lock_the_account_and_the_lock_survives_a_restart(console, browserless, console_database):
    await console.account("dave", "admin")
    client = await browserless()
    for _ in range(4):
        wrong = await client.sign_in("dave", "not the password!")
        assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    fifth = await client.sign_in("dave", "still not the password")
    assert "Too many failed sign-ins" in fifth.text
    right = await client.sign_in("dave", PASSWORD)
    assert right.status_code == 401 and "Too many failed sign-ins" in right.text
    failed = await console.events("console.signin.failed")
    assert [e.details["reason"] for e in failed] == ["wrong password"] * 5 and failed[-1].details["locked"] is True
    assert [e.details["reason"] for e in await console.events("console.signin.refused")] == ["locked"]
    # A new server on the same database (a restart, or another replica) keeps the lock.
    settings = load_settings(database_url=console_database, load_sample_kb=False)
    server = build_server(build_runtime(settings))
    async with running(server) as url:
        other = await browserless()
        other.http.base_url = url
        again = await other.sign_in("dave", PASSWORD)
        assert again.status_code == 401 and "Too many failed sign-ins" in again.text


async def test_the_lock_ends_after_its_time_and_a_success_starts_afresh(console):
    await console.account("dave", "admin")
    core = console.core
    for _ in range(5):
        assert not (await sign_in(core, username="dave", password="wrong password!", ip="10.9.9.9", client="t")).ok
    from adapters.web.console.models import ConsoleSigninThrottle

    async with core.uow() as uow:
        await uow.session.execute(update(ConsoleSigninThrottle).values(
            locked_until=uow.now() - timedelta(seconds=1), first_failure_at=uow.now() - timedelta(minutes=16)))
        await uow.commit()
    assert (await sign_in(core, username="dave", password=PASSWORD, ip="10.9.9.9", client="t")).ok


async def test_an_unknown_user_name_is_audited_by_hash_and_answered_like_a_wrong_password(console, browserless):
    client = await browserless()
    typo = "hunter2-my-actual-password"
    response = await client.sign_in(typo, PASSWORD)
    assert response.status_code == 401 and "Wrong user name or password." in response.text
    [event] = await console.events("console.signin.failed")
    assert typo not in str(event.details) and len(event.details["username_sha256"]) == 64


async def test_the_sign_in_form_needs_its_csrf_token(console, browserless):
    await console.account("dave", "admin")
    client = await browserless()
    response = await client.post("/console/signin", csrf="<none>", username="dave", password=PASSWORD)
    assert response.status_code == 403 and f"{COOKIE}=" not in response.headers.get("set-cookie", "")
    assert [e.details["reason"] for e in await console.events("console.signin.refused")] == ["csrf token missing or wrong"]


async def test_sign_out_ends_the_session_on_the_server(console, browserless):
    await console.account("dave", "admin")
    client = await browserless("dave")
    cookie = client.http.cookies.get(COOKIE)
    out = await client.post("/console/signout")
    assert out.status_code == 303 and out.headers["location"] == "/console/signin"
    replay = await client.http.get("/console/queue", headers={"Cookie": f"{COOKIE}={cookie}"})
    assert replay.status_code == 303 and replay.headers["location"].startswith("/console/signin")
    assert [e.actor for e in await console.events("console.signout")] == ["console:dave"]


async def test_an_idle_or_old_session_is_over(console, browserless):
    await console.account("dave", "admin")
    client = await browserless("dave")
    async with console.core.uow() as uow:
        await uow.session.execute(update(ConsoleSession).values(last_seen_at=uow.now() - timedelta(minutes=31)))
        await uow.commit()
    page = await client.get("/console/queue")
    assert page.status_code == 303 and "signin" in page.headers["location"]


async def test_changing_the_password_signs_out_the_other_sessions(console, browserless):
    await console.account("dave", "admin")
    laptop, phone = await browserless("dave"), await browserless("dave")
    await laptop.get("/console/me")
    wrong = await laptop.post("/console/me/password", current="nope", password="a brand new passphrase",
                              repeat="a brand new passphrase", follow=True)
    assert "current password is wrong" in wrong.text
    done = await laptop.post("/console/me/password", current=PASSWORD, password="a brand new passphrase",
                             repeat="a brand new passphrase", follow=True)
    assert "Password changed" in done.text
    assert (await laptop.get("/console/queue")).status_code == 200
    assert (await phone.get("/console/queue")).status_code == 303
    assert (await (await browserless()).sign_in("dave", "a brand new passphrase")).status_code == 303
    weak = await laptop.post("/console/me/password", current="a brand new passphrase", password="short",
                             repeat="short", follow=True)
    assert "at least 12 characters" in weak.text
