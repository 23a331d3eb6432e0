"""Pages for admins: the audit log (filtered, paged), one draft's whole story, Verify chain,
and export as JSON Lines or CSV."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse

from adapters.web.console.auditlog import STEP_NAMES, AuditFilters, export_lines, list_events, story_events, verify
from adapters.web.console.guard import record_refusal
from adapters.web.console.principal import Principal
from adapters.web.console.queue import answer_entry
from adapters.web.console.web import Web, parse_date, parse_page
from bot.store.audit import PendingEvent

__all__ = ["audit_routes", "filters_from"]

PER_PAGE = 50


def filters_from(params: Mapping[str, str]) -> AuditFilters:
    get = params.get
    return AuditFilters(actor=(get("actor") or "")[:200], action=(get("action") or "")[:64],
                        draft=(get("draft") or "")[:32], channel=(get("channel") or "")[:128],
                        platform=(get("platform") or "")[:32], since=parse_date(get("since")),
                        until=parse_date(get("until")), page=parse_page(get("page")))


def audit_routes(web: Web) -> APIRouter:
    router = APIRouter()
    core = web.core

    async def admin(request: Request, action: str) -> Principal | Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        if not who.is_admin:
            return await web.forbidden(request, who, action=action)
        return who

    async def render(request: Request, who: Principal, *, verified: object = None, bad: object = None) -> Response:
        filters = filters_from(request.query_params)
        events, total = await list_events(core, filters, per_page=PER_PAGE)
        return web.page(request, "audit.html", who, events=events, total=total, filters=filters, per_page=PER_PAGE,
                        verified=verified, bad=bad, nav="audit")

    @router.get("/audit")
    async def audit(request: Request) -> Response:
        who = await admin(request, "console.audit.view")
        if isinstance(who, Response):
            return who
        return await render(request, who)

    @router.post("/audit/verify")
    async def verify_chain(request: Request, csrf: str = Form("", max_length=200)) -> Response:
        who = await web.form(request, csrf)
        if isinstance(who, Response):
            return who
        if not who.is_admin:
            return await web.forbidden(request, who, action="console.audit.verify")
        result, bad = await verify(core, actor=who.label, correlation=who.correlation)
        return await render(request, who, verified=result, bad=bad)

    @router.get("/audit/export")
    async def export(request: Request) -> Response:
        who = await admin(request, "console.audit.export")
        if isinstance(who, Response):
            return who
        fmt = request.query_params.get("format", "jsonl")
        if fmt not in ("jsonl", "csv"):
            await record_refusal(core, who=who, action="console.audit.export", reason="unknown format",
                                 correlation=who.correlation)
            return web.error(request, who, 400, "Export as jsonl or csv.")
        filters = filters_from(request.query_params)
        async with core.uow() as uow:
            uow.record(PendingEvent(actor=who.label, action="console.audit.exported", correlation=who.correlation,
                                    details={"format": fmt, "filters": filters.query()}))
            await uow.commit()
        stamp = core.clock().strftime("%Y%m%dT%H%M%SZ")
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        return StreamingResponse(export_lines(core, filters, fmt), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="draftgate-audit-{stamp}.{fmt}"',
            "Cache-Control": "no-store"})

    @router.get("/drafts/{draft_id}/story")
    async def story(request: Request, draft_id: str) -> Response:
        who = await admin(request, "console.audit.view")
        if isinstance(who, Response):
            return who
        entry = await answer_entry(core, draft_id)
        if entry is None:
            return web.error(request, who, 404, "That draft does not exist (the link may be wrong).")
        events = await story_events(core, draft_id)
        return web.page(request, "story.html", who, entry=entry, events=events, steps=STEP_NAMES, nav="audit")

    return router
