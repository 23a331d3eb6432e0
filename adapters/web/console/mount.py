"""Mount the console at /console and its JSON API at /api on the server's app."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import DBAPIError

from adapters.web.console.api import build_api
from adapters.web.console.routes_admin import admin_routes
from adapters.web.console.routes_audit import audit_routes
from adapters.web.console.routes_auth import auth_routes
from adapters.web.console.routes_moderation import moderation_routes
from adapters.web.console.web import Web
from bot.bootstrap import Runtime

__all__ = ["SecurityHeaders", "mount_console"]

log = logging.getLogger("draftgate.console")

_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                                 b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pure ASGI middleware: strict headers on every console and API response; nothing cached
    unless the response says otherwise."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _HEADERS if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_console(app: FastAPI, runtime: Runtime) -> None:
    core = runtime.core
    web = Web.create(core)
    console = FastAPI(title="draftgate console", openapi_url=None, docs_url=None, redoc_url=None)
    for routes in (auth_routes, moderation_routes, admin_routes, audit_routes):
        console.include_router(routes(web))

    @console.exception_handler(DBAPIError)
    async def database_unavailable(request: Request, error: DBAPIError) -> PlainTextResponse:
        log.error("database error on %s %s: %s", request.method, request.url.path, str(error.orig).splitlines()[0])
        return PlainTextResponse("The database is unavailable right now. Nothing was changed; try again in a moment.",
                                 status_code=503)

    console.add_middleware(SecurityHeaders)
    api = build_api(core)
    api.add_middleware(SecurityHeaders)
    app.mount("/console", console)
    app.mount("/api", api)
