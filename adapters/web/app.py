"""The web workspace's pages: translate form posts into core calls, render the results.

Plain HTML forms (no JavaScript needed). A local playground: it trusts the person you pick."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import or_, select

from adapters.web import workspace
from adapters.web.models import WebMessage
from adapters.web.platform import WebPlatform
from bot.bootstrap import Runtime
from bot.ports import PrivateDraftView
from bot.services import (
    Actor,
    DraftgateError,
    Where,
    approve_draft,
    ask,
    confirm_draft,
    discard_draft,
    edit_draft,
    reject_draft,
    retract_answer,
    set_rule,
)
from bot.services.queries import draft_view, is_admin, is_moderator, open_drafts, published_answers, waiting_for_approval
from bot.store.rules import read_rule

__all__ = ["WebWorkspace", "mount_web"]

HERE = Path(__file__).parent
WHO_COOKIE, CSRF_COOKIE, FLASH_COOKIE = "dg_who", "dg_csrf", "dg_flash"
MAX_FORM_CHARS = 200_000


@dataclass(slots=True)
class WebWorkspace:
    """The adapter handle the server starts and stops."""

    runtime: Runtime
    platform: WebPlatform
    name: str = "web"

    async def start(self) -> None:
        await workspace.seed(self.runtime.core)

    async def stop(self) -> None:
        return None


def _actor(request: Request) -> Actor | None:
    sample = workspace.person(request.cookies.get(WHO_COOKIE))
    if sample is None:
        return None
    return Actor(workspace.PLATFORM, workspace.WORKSPACE, sample.user_id, sample.name)


def _redirect(to: str, *, flash: str | None = None, error: bool = False) -> RedirectResponse:
    response = RedirectResponse(to, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(("!" if error else "") + flash[:500]), max_age=30, httponly=True, samesite="strict")
    return response


def mount_web(app: FastAPI, runtime: Runtime) -> WebWorkspace:
    core = runtime.core
    platform = WebPlatform(runtime.sessions, core.clock)
    core.platforms[platform.name] = platform
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    router = APIRouter()

    async def roles(actor: Actor | None) -> set[str]:
        """The person's roles as stored (granted by the seed, the CLI or the console)."""
        if actor is None:
            return set()
        found = set()
        if await is_moderator(core, actor=actor):
            found.add("moderator")
        if await is_admin(core, actor=actor):
            found.add("admin")
        return found

    async def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        flash = request.cookies.get(FLASH_COOKIE)
        message = unquote(flash) if flash else None
        actor = _actor(request)
        my_roles = await roles(actor)
        response = templates.TemplateResponse(request, name, {
            "me": workspace.person(actor.user_id) if actor else None, "people": workspace.PEOPLE,
            "my_roles": my_roles, "my_role": "admin" if "admin" in my_roles else next(iter(my_roles), None),
            "channels": workspace.CHANNELS, "csrf": token,
            "flash": message.lstrip("!") if message else None, "flash_error": bool(message and message.startswith("!")),
            **context,
        }, status_code=status)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
        if flash:
            response.delete_cookie(FLASH_COOKIE)
        return response

    def check_csrf(request: Request, token: str) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE)
        return bool(cookie) and secrets.compare_digest(cookie or "", token or "")

    async def guard(request: Request, csrf: str) -> Actor | Response:
        if not check_csrf(request, csrf):
            return await page(request, "error.html", 403, message="This form expired or did not come from this page. Go back, reload and try again.")
        actor = _actor(request)
        if actor is None:
            return _redirect("/who", flash="Pick who you are first.")
        return actor

    @router.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        return _redirect("/c/general" if _actor(request) else "/who")

    @router.get("/who")
    async def who(request: Request) -> Response:
        return await page(request, "who.html")

    @router.post("/who")
    async def choose(request: Request, person: str = Form(""), csrf: str = Form("")) -> Response:
        if not check_csrf(request, csrf):
            return await page(request, "error.html", 403, message="This form expired. Reload the page and try again.")
        sample = workspace.person(person)
        if sample is None:
            return await page(request, "who.html", 400, error="Pick one of the sample people.")
        response = _redirect("/c/general", flash=f"You are now {sample.name}.")
        response.set_cookie(WHO_COOKIE, sample.user_id, httponly=True, samesite="strict")
        return response

    @router.get("/c/{name}")
    async def channel_page(request: Request, name: str) -> Response:
        room = workspace.channel(name)
        if room is None:
            return await page(request, "error.html", 404, message=f"There is no channel #{name[:64]}.")
        actor = _actor(request)
        if actor is None:
            return _redirect("/who")
        async with core.uow() as uow:
            rule = await read_rule(uow.session, platform=workspace.PLATFORM, workspace=workspace.WORKSPACE, channel=name,
                                   default=core.settings.default_mode, shared_default=core.settings.shared_channel_mode)
            rows = (await uow.session.execute(
                select(WebMessage).where(WebMessage.channel == name,
                                         or_(WebMessage.visible_to.is_(None), WebMessage.visible_to == actor.user_id))
                .order_by(WebMessage.created_at.desc()).limit(100)
            )).scalars().all()
        items: list[tuple[WebMessage, PrivateDraftView | None]] = []
        for row in reversed(rows):
            view = None
            if row.kind == "private" and row.draft_id:
                try:
                    view = await draft_view(core, actor=actor, draft_id=row.draft_id)
                except DraftgateError:
                    continue
            items.append((row, view))
        return await page(request, "channel.html", room=room, rule=rule, items=items, request_id=uuid.uuid4().hex,
                    max_chars=core.settings.max_question_chars)

    @router.post("/c/{name}/ask")
    async def ask_question(request: Request, name: str, question: str = Form("", max_length=MAX_FORM_CHARS),
                           request_id: str = Form(""), csrf: str = Form("")) -> Response:
        actor = await guard(request, csrf)
        if isinstance(actor, Response):
            return actor
        room = workspace.channel(name)
        if room is None:
            return await page(request, "error.html", 404, message=f"There is no channel #{name[:64]}.")
        event_id = request_id if request_id and len(request_id) <= 64 else uuid.uuid4().hex
        try:
            outcome = await ask(core, actor=actor, where=Where(workspace.PLATFORM, workspace.WORKSPACE, name),
                                question=question, event_id=f"{actor.user_id}:{event_id}")
        except DraftgateError as error:
            return _redirect(f"/c/{name}", flash=error.message, error=True)
        anchor = f"#d{outcome.draft_id}" if outcome.draft_id else ""
        return _redirect(f"/c/{name}{anchor}", flash=outcome.message, error=outcome.kind in ("off", "failed"))

    async def back_to(draft_id: str, actor: Actor, fallback: str = "/c/general") -> str:
        try:
            view = await draft_view(core, actor=actor, draft_id=draft_id)
            return f"/c/{view.channel}#d{draft_id}"
        except DraftgateError:
            return fallback

    @router.post("/d/{draft_id}/publish")
    async def publish(request: Request, draft_id: str, csrf: str = Form(""), content_hash: str = Form("")) -> Response:
        actor = await guard(request, csrf)
        if isinstance(actor, Response):
            return actor
        try:
            result = await confirm_draft(core, actor=actor, draft_id=draft_id, expected_hash=content_hash or None,
                                         correlation={"web_request": uuid.uuid4().hex})
        except DraftgateError as error:
            return _redirect(await back_to(draft_id, actor), flash=error.message, error=True)
        return _redirect(await back_to(draft_id, actor), flash=result.message,
                         error=result.kind in ("denied", "failed"))

    @router.post("/d/{draft_id}/discard")
    async def discard(request: Request, draft_id: str, csrf: str = Form("")) -> Response:
        actor = await guard(request, csrf)
        if isinstance(actor, Response):
            return actor
        try:
            await discard_draft(core, actor=actor, draft_id=draft_id)
        except DraftgateError as error:
            return _redirect(await back_to(draft_id, actor), flash=error.message, error=True)
        return _redirect(await back_to(draft_id, actor), flash="Draft discarded.")

    @router.get("/d/{draft_id}/edit")
    async def edit_form(request: Request, draft_id: str) -> Response:
        actor = _actor(request)
        if actor is None:
            return _redirect("/who")
        try:
            view = await draft_view(core, actor=actor, draft_id=draft_id)
        except DraftgateError as error:
            return await page(request, "error.html", 404 if error.code == "not_found" else 403, message=error.message)
        return await page(request, "edit.html", view=view, max_chars=core.settings.max_draft_chars)

    @router.post("/d/{draft_id}/edit")
    async def edit(request: Request, draft_id: str, text: str = Form("", max_length=MAX_FORM_CHARS), csrf: str = Form("")) -> Response:
        actor = await guard(request, csrf)
        if isinstance(actor, Response):
            return actor
        try:
            await edit_draft(core, actor=actor, draft_id=draft_id, text=text)
        except DraftgateError as error:
            return _redirect(f"/d/{draft_id}/edit" if error.code == "bad_input" else await back_to(draft_id, actor),
                             flash=error.message, error=True)
        return _redirect(await back_to(draft_id, actor), flash="Draft updated. Check it, then publish.")

    @router.get("/drafts")
    async def my_drafts(request: Request) -> Response:
        actor = _actor(request)
        if actor is None:
            return _redirect("/who")
        return await page(request, "drafts.html", views=await open_drafts(core, actor=actor))

    @router.get("/review")
    async def review(request: Request) -> Response:
        actor = _actor(request)
        if actor is None:
            return _redirect("/who")
        if not await roles(actor):
            return await page(request, "error.html", 403, message="Only moderators can see the review queue.")
        waiting = await waiting_for_approval(core, platform=workspace.PLATFORM)
        published = await published_answers(core, platform=workspace.PLATFORM)
        return await page(request, "review.html", waiting=waiting, published=published)

    @router.post("/d/{draft_id}/{decision}")
    async def moderate(request: Request, draft_id: str, decision: str, csrf: str = Form(""), reason: str = Form("", max_length=2000)) -> Response:
        actor = await guard(request, csrf)
        if isinstance(actor, Response):
            return actor
        try:
            if decision == "approve":
                message = (await approve_draft(core, actor=actor, draft_id=draft_id)).message
            elif decision == "reject":
                message = await reject_draft(core, actor=actor, draft_id=draft_id, reason=reason)
            elif decision == "retract":
                message = await retract_answer(core, actor=actor, draft_id=draft_id, reason=reason)
            else:
                return await page(request, "error.html", 404, message="Unknown action.")
        except DraftgateError as error:
            return _redirect("/review", flash=error.message, error=True)
        return _redirect("/review", flash=message)

    @router.get("/admin")
    async def admin(request: Request) -> Response:
        actor = _actor(request)
        if actor is None:
            return _redirect("/who")
        if "admin" not in await roles(actor):
            return await page(request, "error.html", 403, message="Only admins can change where the bot may publish.")
        async with core.uow() as uow:
            rules = {room.name: await read_rule(uow.session, platform=workspace.PLATFORM, workspace=workspace.WORKSPACE,
                                                channel=room.name, default=core.settings.default_mode,
                                                shared_default=core.settings.shared_channel_mode)
                     for room in workspace.CHANNELS}
        return await page(request, "admin.html", rules=rules, modes=["off", "private-only", "confirm", "moderated"])

    @router.post("/admin/rules")
    async def change_rule(request: Request, channel: str = Form(""), mode: str = Form(""), csrf: str = Form("")) -> Response:
        actor = await guard(request, csrf)
        if isinstance(actor, Response):
            return actor
        if workspace.channel(channel) is None:
            return _redirect("/admin", flash="Unknown channel.", error=True)
        try:
            message = await set_rule(core, by=actor, platform=workspace.PLATFORM, workspace=workspace.WORKSPACE,
                                     channel=channel, mode=mode)
        except DraftgateError as error:
            return _redirect("/admin", flash=error.message, error=True)
        return _redirect("/admin", flash=message)

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return WebWorkspace(runtime=runtime, platform=platform)

