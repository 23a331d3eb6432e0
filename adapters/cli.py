"""The `draftgate` command line (an adapter, like the chat platforms: it turns commands into core
calls). Changes made here are audited with the operator as actor."""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.bootstrap import Runtime, build_runtime, upgrade_database
from bot.config import ConfigError, Settings, load_settings
from bot.domain.rules import ChannelMode
from bot.services import DraftgateError, Operator, add_kb_files, grant_role, set_rule
from bot.services.publishing import reconcile_publishing
from bot.services.requester import expire_due
from bot.store import kb_index
from bot.store.audit import iter_events, verify_chain
from bot.store.models import KbDocument, Person, RoleGrant
from bot.store.rules import list_rules
from bot.store.schema import SchemaNotReady, ensure_schema

__all__ = ["main"]

EXIT_USAGE, EXIT_REFUSED, EXIT_DATABASE, EXIT_TAMPERED = 2, 1, 3, 4


def _operator() -> Operator:
    try:
        return Operator(f"cli:{getpass.getuser()}")
    except Exception:
        return Operator("cli:unknown")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="draftgate", description="An AI assistant that drafts privately and publishes only when you say so.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (web workspace, and Slack/Discord when configured)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply all migrations")

    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(dest="action", required=True)
    kb_add = kb.add_parser("add", help="add Markdown or text files (or folders of them)")
    kb_add.add_argument("paths", nargs="+", type=Path)
    kb.add_parser("list", help="list documents")
    kb_search = kb.add_parser("search", help="show the passages a question finds")
    kb_search.add_argument("query")

    rules = sub.add_parser("rules", help="channel rules").add_subparsers(dest="action", required=True)
    rules_list = rules.add_parser("list", help="list rules and the defaults")
    rules_list.add_argument("--platform")
    for name in ("set", "unset"):
        cmd = rules.add_parser(name, help=f"{name} a channel's rule")
        cmd.add_argument("--platform", required=True)
        cmd.add_argument("--workspace", default="")
        cmd.add_argument("--channel", required=True)
        if name == "set":
            cmd.add_argument("--mode", required=True, choices=[m.value for m in ChannelMode])

    roles = sub.add_parser("roles", help="admin and moderator roles").add_subparsers(dest="action", required=True)
    roles.add_parser("list", help="list role grants")
    for name in ("grant", "revoke"):
        cmd = roles.add_parser(name, help=f"{name} a role")
        cmd.add_argument("--platform", required=True)
        cmd.add_argument("--workspace", default="")
        cmd.add_argument("--user", required=True)
        cmd.add_argument("--role", required=True, choices=["admin", "moderator"])

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="check the hash chain; exit 4 and name the first bad event if broken")
    export = audit.add_parser("export", help="write every event")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    drafts = sub.add_parser("drafts", help="maintenance of drafts").add_subparsers(dest="action", required=True)
    drafts.add_parser("expire", help="expire drafts past their lifetime")
    drafts.add_parser("reconcile", help="settle publishes interrupted by a crash (never posts)")
    from adapters.server import register_commands  # imported here: `draftgate rules …` need not load the server

    register_commands(sub)  # each sets `run(args, runtime)` as its handler
    return parser


async def _with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[int]]) -> int:
    runtime = build_runtime(settings)
    try:
        await ensure_schema(runtime.engine, settings)
        return await work(runtime)
    finally:
        await runtime.close()


async def _kb(args: argparse.Namespace, runtime: Runtime) -> int:
    core = runtime.core
    if args.action == "add":
        for line in await add_kb_files(core, by=_operator(), paths=args.paths):
            print(line)
        return 0
    async with core.uow() as uow:
        if args.action == "list":
            documents = (await uow.session.execute(select(KbDocument).order_by(KbDocument.source))).scalars().all()
            for doc in documents:
                print(f"{doc.source}\t{doc.title}\t{doc.chunks} passages\tadded {doc.added_at:%Y-%m-%d %H:%M} by {doc.added_by}")
            if not documents:
                print("The knowledge base is empty. Add files with: draftgate kb add PATH…")
            return 0
        passages = await kb_index.search(uow.session, args.query, limit=core.settings.kb_top_k)
    if not passages:
        print("Nothing found.")
    for number, passage in enumerate(passages, start=1):
        print(f"[{number}] {passage.title}" + (f" — {passage.section}" if passage.section else "") + f"  ({passage.source})")
        print("    " + passage.text.replace("\n", "\n    ")[:600])
    return 0


async def _rules(args: argparse.Namespace, runtime: Runtime) -> int:
    core = runtime.core
    if args.action == "list":
        print(f"default: {core.settings.default_mode.value}    externally shared channels: {core.settings.shared_channel_mode.value}")
        async with core.uow() as uow:
            for rule in await list_rules(uow.session, platform=args.platform):
                where = f"{rule.platform}:{rule.workspace + '/' if rule.workspace else ''}{rule.channel}"
                print(f"{where}\t{rule.mode}\tv{rule.version}\t{rule.updated_by}\t{rule.updated_at:%Y-%m-%d %H:%M}")
        return 0
    mode = args.mode if args.action == "set" else None
    print(await set_rule(core, by=_operator(), platform=args.platform, workspace=args.workspace,
                         channel=args.channel, mode=mode))
    return 0


async def _roles(args: argparse.Namespace, runtime: Runtime) -> int:
    core = runtime.core
    if args.action == "list":
        async with core.uow() as uow:
            rows = await uow.session.execute(
                select(Person, RoleGrant).join(RoleGrant, RoleGrant.person_id == Person.id).order_by(Person.platform, Person.user_id)
            )
            for person, grant in rows:
                print(f"{person.platform}:{person.workspace + '/' if person.workspace else ''}{person.user_id}\t{grant.role}\tby {grant.granted_by}")
        return 0
    print(await grant_role(core, by=_operator(), platform=args.platform, workspace=args.workspace,
                           user=args.user, role=args.role, granted=args.action == "grant"))
    return 0


_EXPORT_FIELDS = ["seq", "occurred_at", "actor", "action", "draft_id", "platform", "channel", "rule_version",
                  "before", "after", "correlation", "details", "prev_hash", "hash"]


async def _audit(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.core.uow() as uow:
        if args.action == "verify":
            result = await verify_chain(uow.session)
            print(result.describe(), file=sys.stdout if result.intact else sys.stderr)
            return 0 if result.intact else EXIT_TAMPERED
        out: TextIO = args.output.open("w", encoding="utf-8", newline="") if args.output else sys.stdout
        try:
            writer = csv.writer(out) if args.format == "csv" else None
            if writer:
                writer.writerow(_EXPORT_FIELDS)
            async for event in iter_events(uow.session):
                record: dict[str, Any] = {name: getattr(event, name) for name in _EXPORT_FIELDS}
                record["occurred_at"] = event.occurred_at.isoformat()
                if writer:
                    writer.writerow([json.dumps(v, sort_keys=True) if isinstance(v, dict) else ("" if v is None else v)
                                     for v in record.values()])
                else:
                    out.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        finally:
            if args.output:
                out.close()
    return 0


async def _drafts(args: argparse.Namespace, runtime: Runtime) -> int:
    if args.action == "expire":
        print(f"expired {len(await expire_due(runtime.core))} drafts")
        return 0
    if not runtime.core.platforms:
        print("reconcile needs the platforms; it runs inside `draftgate serve` every minute")
        return 0
    print(f"settled {len(await reconcile_publishing(runtime.core))} publishes")
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from adapters.server import serve  # imported here: only `serve` needs the web stack

        return await serve(settings, host=args.host, port=args.port)
    if args.command == "db":
        await upgrade_database(settings)
        print("database schema is up to date")
        return 0
    handlers = {"kb": _kb, "rules": _rules, "roles": _roles, "audit": _audit, "drafts": _drafts}
    handler = handlers.get(args.command) or args.run
    return await _with_runtime(settings, lambda runtime: handler(args, runtime))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"draftgate: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(args, settings))
    except ConfigError as error:
        print(f"draftgate: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DraftgateError as error:
        print(f"draftgate: {error.message}", file=sys.stderr)
        return EXIT_USAGE if error.code == "bad_input" else EXIT_REFUSED
    except SchemaNotReady as error:
        print(f"draftgate: {error}", file=sys.stderr)
        return EXIT_DATABASE
    except (OperationalError, DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"draftgate: cannot use the database ({reason}). Check DRAFTGATE_DATABASE_URL and that the "
              "database server is running.", file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
