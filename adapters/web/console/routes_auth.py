"""Signing in and out, and one's own account (password, linked identities)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from adapters.web.console.accounts import account_by_name, identities_of, set_password
from adapters.web.console.guard import record_refusal
from adapters.web.console.passwords import verify_password
from adapters.web.console.sessions import ABSOLUTE, COOKIE, sessions_of
from adapters.web.console.signin import sign_in, sign_out
from adapters.web.console.web import HERE, PATH, PRE_COOKIE, Web, client_ip
from bot.services import DraftgateError

__all__ = ["auth_routes"]

_STYLES = (HERE.parent / "static" / "style.css", HERE / "static" / "console.css")


def auth_routes(web: Web) -> APIRouter:
    router = APIRouter()
    core = web.core

    @router.get("/")
    async def home(request: Request) -> Response:
        who = await web.who(request)
        return web.redirect(f"{PATH}/overview" if who else f"{PATH}/signin")

    @router.get("/static/{name}")
    async def static(name: str) -> Response:
        for path in _STYLES:
            if path.name == name:
                return FileResponse(path, media_type="text/css", headers={"Cache-Control": "max-age=300"})
        return Response("not found", status_code=404, media_type="text/plain")

    def signin_page(request: Request, status: int = 200, error: str | None = None, username: str = "") -> Response:
        token = secrets.token_urlsafe(24)
        response = web.page(request, "signin.html", None, status, pre_csrf=token, error=error, username=username,
                            next=web.safe_next(request.query_params.get("next")))
        response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", path=PATH,
                            secure=request.url.scheme == "https")
        return response

    @router.get("/signin")
    async def signin_form(request: Request) -> Response:
        if await web.who(request) is not None:
            return web.redirect(web.safe_next(request.query_params.get("next")))
        return signin_page(request)

    @router.post("/signin")
    async def signin(request: Request, username: str = Form("", max_length=200), password: str = Form("", max_length=1000),
                     csrf: str = Form("", max_length=200), next: str = Form("", max_length=600)) -> Response:
        expected = request.cookies.get(PRE_COOKIE) or ""
        if not csrf or not expected or not secrets.compare_digest(csrf.encode(), expected.encode()):
            await record_refusal(core, who=None, action="console.signin", reason="csrf token missing or wrong",
                                 correlation={"via": "console", "ip": client_ip(request)})
            return signin_page(request, 403, "This sign-in form expired. Try again.", username[:64])
        result = await sign_in(core, username=username, password=password, ip=client_ip(request),
                               client=(request.headers.get("user-agent") or "")[:250])
        if not result.ok:
            return signin_page(request, 401, result.message, username[:64])
        response = web.redirect(web.safe_next(next))
        response.set_cookie(COOKIE, result.cookie, httponly=True, samesite="strict", path=PATH,
                            secure=request.url.scheme == "https", max_age=int(ABSOLUTE.total_seconds()))
        response.delete_cookie(PRE_COOKIE, path=PATH)
        return response

    @router.post("/signout")
    async def signout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
        who = await web.form(request, csrf)
        if isinstance(who, Response):
            return who
        assert who.session_id is not None
        await sign_out(core, session_id=who.session_id, username=who.username, ip=client_ip(request))
        response: RedirectResponse = web.redirect(f"{PATH}/signin", flash="Signed out.")  # type: ignore[assignment]
        response.delete_cookie(COOKIE, path=PATH)
        return response

    @router.get("/me")
    async def me(request: Request) -> Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        async with core.uow() as uow:
            identities = await identities_of(uow.session, who.account_id)
            sessions = await sessions_of(uow.session, who.account_id, uow.now())
        return web.page(request, "me.html", who, identities=identities, sessions=sessions, nav="me")

    @router.post("/me/password")
    async def change_own_password(request: Request, csrf: str = Form("", max_length=200),
                                  current: str = Form("", max_length=1000), password: str = Form("", max_length=1000),
                                  repeat: str = Form("", max_length=1000)) -> Response:
        who = await web.form(request, csrf)
        if isinstance(who, Response):
            return who
        async with core.uow() as uow:
            account = await account_by_name(uow.session, who.username)
        if account is None or not await verify_password(account.password_hash, current):
            await record_refusal(core, who=who, action="console.account.password", reason="wrong current password",
                                 correlation=who.correlation)
            return web.redirect(f"{PATH}/me", flash="The current password is wrong. Nothing was changed.", error=True)
        if password != repeat:
            return web.redirect(f"{PATH}/me", flash="The two new passwords differ. Nothing was changed.", error=True)
        try:
            await set_password(core, by=who.label, username=who.username, password=password, keep_session=who.session_id)
        except DraftgateError as error:
            return web.redirect(f"{PATH}/me", flash=error.message, error=True)
        return web.redirect(f"{PATH}/me", flash="Password changed. Your other sessions were signed out.")

    return router
