"""`draftgate users add|list|disable|enable|passwd`: the first admin comes from the command line."""

from __future__ import annotations

import asyncio
import io
import sys

import pytest
from sqlalchemy import select

from adapters.web.console.models import ConsoleAccount
from adapters.web.console.signin import sign_in
from bot.bootstrap import build_runtime
from adapters.cli import main
from bot.config import load_settings
from bot.store.models import AuditEvent


@pytest.fixture
def cli(console_database, monkeypatch, capsys):
    monkeypatch.setenv("DRAFTGATE_DATABASE_URL", console_database)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _query(database_url: str, work):  # noqa: ANN001, ANN202
    async def go():  # noqa: ANN202
        runtime = build_runtime(load_settings(database_url=database_url))
        try:
            return await work(runtime.core)
        finally:
            await runtime.close()

    return asyncio.run(go())


def test_users_add_list_passwd_disable_enable(cli, console_database):
    code, out, _ = cli("users", "add", "Dave", "--role", "admin", "--display-name", "Dave Kim",
                       stdin="a long admin passphrase\n")
    assert code == 0 and "created admin dave" in out
    code, out, _ = cli("users", "list")
    assert code == 0 and out.startswith("dave\tadmin\tactive\tDave Kim")

    async def can_sign_in(core, password="a long admin passphrase"):  # noqa: ANN001, ANN202
        return (await sign_in(core, username="dave", password=password, ip="127.0.0.1", client="cli-test")).ok

    assert _query(console_database, can_sign_in)
    assert cli("users", "passwd", "dave", stdin="another admin passphrase\n")[0] == 0
    assert _query(console_database, lambda core: can_sign_in(core, "another admin passphrase"))
    code, _, err = cli("users", "disable", "dave")
    assert code == 1 and "last active admin" in err
    cli("users", "add", "carol", "--role", "moderator", stdin="a moderator passphrase\n")
    code, out, _ = cli("users", "disable", "carol")
    assert code == 0 and "carol disabled" in out
    assert "disabled" in cli("users", "list")[1].splitlines()[0]
    assert "carol enabled" in cli("users", "enable", "carol")[1]

    async def audit(core):  # noqa: ANN001, ANN202
        async with core.uow() as uow:
            rows = (await uow.session.execute(select(AuditEvent).where(AuditEvent.action.startswith("console.account")))).scalars()
            return [(e.action, e.actor.startswith("cli:")) for e in rows]

    assert _query(console_database, audit) == [
        ("console.account.created", True), ("console.account.password_changed", True),
        ("console.account.created", True), ("console.account.disabled", True), ("console.account.enabled", True)]


def test_users_add_refuses_a_weak_password_a_bad_name_or_a_duplicate(cli, console_database):
    code, _, err = cli("users", "add", "dave", "--role", "admin", stdin="short\n")
    assert code == 2 and "at least 12 characters" in err
    code, _, err = cli("users", "add", "no spaces please", "--role", "admin", stdin="a long admin passphrase\n")
    assert code == 2 and "user name" in err
    assert cli("users", "add", "dave", "--role", "admin", stdin="a long admin passphrase\n")[0] == 0
    code, _, err = cli("users", "add", "dave", "--role", "moderator", stdin="a long admin passphrase\n")
    assert code == 1 and "exists already" in err
    code, _, err = cli("users", "passwd", "nobody", stdin="a long admin passphrase\n")
    assert code == 1 and "no account" in err

    async def count(core):  # noqa: ANN001, ANN202
        async with core.uow() as uow:
            return len((await uow.session.execute(select(ConsoleAccount))).scalars().all())

    assert _query(console_database, count) == 1
