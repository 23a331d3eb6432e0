"""`draftgate serve`: the composition root that wires the core to the web workspace, Slack and
Discord, applies migrations on the embedded default, and runs the periodic sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import DBAPIError

from bot.bootstrap import Runtime, build_runtime, knowledge_base_is_empty, sample_kb_path
from bot.config import Settings
from bot.services import Operator, Refused, add_kb_files
from bot.services.publishing import reconcile_publishing
from bot.services.requester import expire_due
from bot.store.schema import ensure_schema

__all__ = ["Adapter", "Server", "build_server", "prepare", "register_commands", "serve"]

log = logging.getLogger("draftgate.server")
SWEEP_SECONDS = 30.0


class Adapter(Protocol):
    """A platform adapter mounted by the server. `start`/`stop` run inside the server's loop."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(slots=True)
class Server:
    runtime: Runtime
    app: FastAPI
    adapters: list[Adapter] = field(default_factory=list)
    prepared: bool = False


async def prepare(runtime: Runtime) -> None:
    """Schema current (SQLite upgrades itself), the sample knowledge base loaded on first run."""
    await ensure_schema(runtime.engine, runtime.settings)
    if runtime.settings.load_sample_kb and await knowledge_base_is_empty(runtime):
        try:
            report = await add_kb_files(runtime.core, by=Operator("system:sample-kb"), paths=[sample_kb_path()])
            log.info("loaded the sample knowledge base: %d documents", len(report))
        except Refused:  # a replica starting beside this one loaded it first
            log.info("another replica is loading the sample knowledge base")


async def _sweep(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await expire_due(runtime.core)
            await reconcile_publishing(runtime.core)
        except Exception:  # a sweep must never stop the server
            log.exception("periodic sweep failed")


def build_server(runtime: Runtime) -> Server:
    settings = runtime.settings
    server = Server(runtime=runtime, app=FastAPI(title="draftgate", docs_url=None, redoc_url=None, openapi_url=None))

    if settings.slack.bot_token is not None:
        from adapters.slack.mount import mount_slack

        server.adapters.append(mount_slack(server.app, runtime))
    if settings.discord.bot_token is not None:
        from adapters.discord.mount import mount_discord

        server.adapters.append(mount_discord(runtime))
    if settings.web_workspace:
        from adapters.web.app import mount_web

        server.adapters.append(mount_web(server.app, runtime))
    from adapters.web.console.mount import mount_console  # the signed-in console (/console) and its API (/api)

    mount_console(server.app, runtime)

    @server.app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @server.app.exception_handler(DBAPIError)
    async def database_unavailable(request: Request, error: DBAPIError) -> PlainTextResponse:
        log.error("database error on %s %s: %s", request.method, request.url.path, str(error.orig).splitlines()[0])
        return PlainTextResponse("The database is unavailable right now. Nothing was changed; try again in a moment.",
                                 status_code=503)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not server.prepared:
            await prepare(runtime)
        for adapter in server.adapters:
            await adapter.start()
        sweeper = asyncio.create_task(_sweep(runtime))
        try:
            await reconcile_publishing(runtime.core)
            yield
        finally:
            sweeper.cancel()
            for adapter in reversed(server.adapters):
                with contextlib.suppress(Exception):
                    await adapter.stop()
            await runtime.close()

    server.app.router.lifespan_context = lifespan
    return server


async def serve(settings: Settings, *, host: str | None, port: int | None) -> int:
    runtime = build_runtime(settings)
    try:
        await prepare(runtime)  # fail here, with a clear message, if the database is unusable
    except BaseException:
        await runtime.close()
        raise
    server = build_server(runtime)
    server.prepared = True
    bind = host or settings.host
    if settings.web_workspace:
        log.info("web workspace: http://%s:%d/ (a local playground)", bind, port or settings.port)
    log.info("moderator console: http://%s:%d/console/ (accounts: draftgate users add NAME --role admin)",
             bind, port or settings.port)
    config = uvicorn.Config(server.app, host=bind, port=port or settings.port, log_level=settings.log_level.lower(),
                            lifespan="on", access_log=False)
    await uvicorn.Server(config).serve()
    return 0


def register_commands(subparsers: Any) -> None:
    """Commands that live with the adapters (`draftgate users …`), for adapters/cli.py; each sets
    `run(args, runtime)` as its parser default."""
    from adapters.web.console import cli as console_cli

    console_cli.register(subparsers)
