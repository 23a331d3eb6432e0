"""What every console page needs: who is signed in, the CSRF check, rendering, redirects and
flash messages, and an audited refusal. Pages are plain HTML forms; no JavaScript is needed."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from adapters.web.console.guard import record_refusal
from adapters.web.console.principal import Principal
from adapters.web.console.sessions import COOKIE, load_session
from bot.services import Core

__all__ = ["PRE_COOKIE", "Web", "client_ip", "parse_date", "parse_page"]

HERE = Path(__file__).parent
PRE_COOKIE, FLASH_COOKIE = "dg_console_pre", "dg_console_flash"
PATH = "/console"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


def parse_page(value: str | None) -> int:
    try:
        return min(max(1, int(value or 1)), 100_000)
    except ValueError:
        return 1


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _query_string(params: dict[str, str], **changes: object) -> str:
    return urlencode({**params, **{k: str(v) for k, v in changes.items() if v not in (None, "")}})


def _same_origin(request: Request) -> bool:
    """A browser's Origin (when it sends one) must be this site."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == (request.headers.get("host") or "").lower()


@dataclass(slots=True)
class Web:
    core: Core
    templates: Jinja2Templates

    @classmethod
    def create(cls, core: Core) -> Web:
        templates = Jinja2Templates(directory=str(HERE / "templates"))
        templates.env.filters["when"] = _when
        templates.env.globals["qs"] = _query_string
        return cls(core, templates)

    # --- who -----------------------------------------------------------------------------------

    async def who(self, request: Request) -> Principal | None:
        async with self.core.uow() as uow:
            live = await load_session(uow.session, request.cookies.get(COOKIE), uow.now())
            if live is None:
                return None
            await uow.commit()  # the idle timer moved on
        account = live.account
        return Principal(account.id, account.username, account.display_name, account.role, "console", csrf=live.csrf,
                         session_id=live.id,
                         correlation={"via": "console", "ip": client_ip(request), "session": live.id[:12],
                                      "request": uuid.uuid4().hex})

    async def signed_out(self, request: Request) -> Response:
        """Signed-out: a page request goes to the sign-in page; a form post is also audited."""
        if request.method != "GET":
            await record_refusal(self.core, who=None, action="console.request", reason="not signed in",
                                 correlation={"via": "console", "ip": client_ip(request)},
                                 details={"method": request.method, "path": request.url.path})
            return self.redirect(f"{PATH}/signin", flash="Sign in first. Nothing was changed.", error=True)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return self.redirect(f"{PATH}/signin?next={quote(target[:500])}")

    async def form(self, request: Request, csrf: str) -> Principal | Response:
        """The signed-in account for a form post, if its CSRF token is the session's (else refused)."""
        who = await self.who(request)
        if who is None:
            return await self.signed_out(request)
        reason = ("cross-site origin" if not _same_origin(request) else "csrf token missing" if not csrf
                  else "" if secrets.compare_digest(csrf.encode(), who.csrf.encode()) else "csrf token wrong")
        if reason:
            await record_refusal(self.core, who=who, action="console.request", reason=reason,
                                 correlation=who.correlation, details={"path": request.url.path[:200]})
            return self.error(request, who, 403, "This form expired or did not come from this console. "
                                                  "Go back, reload the page and try again. Nothing was changed.")
        return who

    async def forbidden(self, request: Request, who: Principal, *, action: str, **where: Any) -> Response:
        await record_refusal(self.core, who=who, action=action, reason="not an admin", correlation=who.correlation,
                             details={"path": request.url.path[:200]}, **where)
        return self.error(request, who, 403, "Only an admin can see or do that. Nothing was changed.")

    # --- responses -----------------------------------------------------------------------------

    def page(self, request: Request, name: str, who: Principal | None, status: int = 200, **context: Any) -> Response:
        flash = request.cookies.get(FLASH_COOKIE)
        message = unquote(flash) if flash else None
        response = self.templates.TemplateResponse(request, name, {
            "who": who, "csrf": who.csrf if who else "", "today": self.core.clock().date(),
            "flash": message.lstrip("!") if message else None, "flash_error": bool(message and message.startswith("!")),
            **context,
        }, status_code=status)
        if flash:
            response.delete_cookie(FLASH_COOKIE, path=PATH)
        return response

    def error(self, request: Request, who: Principal | None, status: int, message: str) -> Response:
        return self.page(request, "error.html", who, status, message=message)

    def redirect(self, to: str, *, flash: str | None = None, error: bool = False) -> Response:
        response = RedirectResponse(to, status_code=303)
        if flash:
            response.set_cookie(FLASH_COOKIE, quote(("!" if error else "") + flash[:500]), max_age=60, httponly=True,
                                samesite="strict", path=PATH)
        return response

    def safe_next(self, value: str | None) -> str:
        value = value or ""
        if value.startswith(f"{PATH}/") and not value.startswith("//") and "\\" not in value and "\n" not in value:
            return value
        return f"{PATH}/overview"
