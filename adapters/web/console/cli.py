"""`draftgate users add|list|disable|enable|passwd`: console accounts from the command line
(audited with the operator, `cli:<login>`, as actor). A password is asked for twice on a
terminal, or read from the first line of standard input."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from adapters.web.console.accounts import (
    account_by_name,
    create_account,
    list_accounts,
    normalise_username,
    set_disabled,
    set_password,
)
from adapters.web.console.passwords import MIN_PASSWORD
from adapters.web.console.principal import ROLES
from bot.bootstrap import Runtime
from bot.services import BadInput, NotFound

__all__ = ["read_password", "register", "run"]


def register(subparsers: Any) -> None:
    users = subparsers.add_parser("users", help="console accounts (moderators and admins)")
    users.set_defaults(run=run)
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account (password asked for, or read from stdin)")
    add.add_argument("name", help="user name: lower-case letters, digits, '.', '_' or '-'")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--display-name", default="", help="the name shown in the console and the audit log")
    actions.add_parser("list", help="list accounts, roles, status and linked identities")
    for name, text in (("disable", "disable an account (signs it out; its API tokens stop working)"),
                       ("enable", "enable a disabled account"),
                       ("passwd", "set a new password (signs the account out everywhere)")):
        cmd = actions.add_parser(name, help=text)
        cmd.add_argument("name")


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli:unknown"


def read_password(stdin: Any = None) -> str:
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
        if getpass.getpass("Repeat the password: ") != first:
            raise BadInput("The passwords differ. Nothing was changed.")
        return first
    return stdin.readline().rstrip("\r\n")


async def run(args: argparse.Namespace, runtime: Runtime) -> int:
    core, by = runtime.core, _operator()
    if args.action == "list":
        rows = await list_accounts(core)
        if not rows:
            print("No console accounts yet. Create the first admin with: draftgate users add NAME --role admin")
        for view in rows:
            account = view.account
            linked = ", ".join(f"{i.platform}:{i.workspace + '/' if i.workspace else ''}{i.user_id}"
                               for i in view.identities) or "-"
            status = "active" if view.active else f"disabled {account.disabled_at:%Y-%m-%d}"
            print(f"{account.username}\t{account.role}\t{status}\t{account.display_name}\t{linked}")
        return 0
    if args.action == "add":
        normalise_username(args.name)  # a bad name fails before the password is asked for
        account = await create_account(core, by=by, username=args.name, role=args.role, password=read_password(),
                                       display_name=args.display_name)
        print(f"created {account.role} {account.username}: sign in at /console/")
        return 0
    if args.action == "passwd":
        async with core.uow() as uow:
            if await account_by_name(uow.session, args.name) is None:
                raise NotFound(f"There is no account {args.name[:64]!r}.")
        await set_password(core, by=by, username=args.name, password=read_password())
        print(f"password of {args.name} changed; its sessions were signed out")
        return 0
    changed = await set_disabled(core, by=by, username=args.name, disabled=args.action == "disable")
    state = "disabled" if args.action == "disable" else "enabled"
    print(f"{args.name} {state}" if changed else f"{args.name} was already {state}")
    return 0
