"""The JSON API under /api: the console's actions for scripts, authenticated with personal API
tokens (`Authorization: Bearer dgt_…`). OpenAPI at /api/openapi.json. A refused request
(no token, a wrong, revoked or expired token, a moderator doing an admin's job) is audited."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from adapters.web.console import actions
from adapters.web.console.auditlog import AuditFilters, event_record, list_events, story_events, verify
from adapters.web.console.channels import rule_history, seen_channels
from adapters.web.console.guard import record_refusal, require_admin
from adapters.web.console.principal import Principal
from adapters.web.console.queue import AnswerFilters, answer_entry, list_answers, list_waiting
from adapters.web.console.stats import overview
from adapters.web.console.tokens import check_token
from adapters.web.console.web import client_ip
from bot.services import Core, DraftgateError
from bot.store.models import Person, RoleGrant

__all__ = ["build_api"]

_STATUS = {"bad_input": 400, "not_found": 404, "forbidden": 403, "refused": 409}
DraftId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Mode = Literal["off", "private-only", "confirm", "moderated"]
Day = Annotated[date | None, Query()]


class Message(BaseModel):
    message: str


class ErrorOut(BaseModel):
    error: str
    message: str


class ReviewIn(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


class RetractIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="Required: the requester and the audit log see it.")


class RejectIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


class ApproveOut(BaseModel):
    outcome: str
    message: str
    permalink: str | None = None


class RuleIn(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    workspace: str = Field(default="", max_length=128)
    channel: str = Field(min_length=1, max_length=128)
    mode: Mode | None = Field(description="null removes the rule: the default mode applies")


class RoleIn(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    workspace: str = Field(default="", max_length=128)
    user: str = Field(min_length=1, max_length=128)
    role: Literal["admin", "moderator"]
    granted: bool = True


class VerifyOut(BaseModel):
    intact: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    message: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 503)}


_bearer = HTTPBearer(auto_error=False, description="A personal API token an admin created in the console.")


async def _principal(request: Request,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """The account a request's token acts as; a refused token is audited and answered 401."""
    core: Core = request.app.state.core
    check = await check_token(core, credentials.credentials if credentials else None, core.clock())
    correlation = {"via": "api", "ip": client_ip(request), "request": uuid.uuid4().hex}
    if check.account is None:
        details = {"method": request.method, "path": request.url.path[:200]}
        if check.token is not None:
            details |= {"token_id": check.token.id, "prefix": check.token.prefix}
        await record_refusal(core, who=None, action="api.request", reason=check.reason, correlation=correlation,
                             details=details)
        raise HTTPException(401, {"error": "unauthorized", "message": f"Refused: {check.reason}."},
                            headers={"WWW-Authenticate": "Bearer"})
    account, token = check.account, check.token
    assert token is not None
    return Principal(account.id, account.username, account.display_name, account.role, "api", token_id=token.id,
                     correlation={**correlation, "token": token.prefix})


Who = Annotated[Principal, Depends(_principal)]


def build_api(core: Core) -> FastAPI:
    api = FastAPI(title="draftgate API", version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None,
                  description="Review queue, approvals, retractions, channel rules, roles and the audit log. "
                              "Authenticate with a personal API token: `Authorization: Bearer dgt_…`.")
    api.state.core = core

    @api.exception_handler(DraftgateError)
    async def refused(_: Request, error: DraftgateError) -> JSONResponse:
        return JSONResponse({"error": error.code, "message": error.message}, status_code=_STATUS.get(error.code, 400))

    @api.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, dict) else {"error": "error", "message": str(error.detail)}
        return JSONResponse(detail, status_code=error.status_code, headers=error.headers)

    @api.exception_handler(DBAPIError)
    async def database_unavailable(_: Request, error: DBAPIError) -> JSONResponse:
        return JSONResponse({"error": "unavailable", "message": "The database is unavailable right now. Nothing was "
                             "changed; try again in a moment."}, status_code=503)

    router = APIRouter(responses=_ERRORS)

    @router.get("/me", tags=["account"])
    async def me(who: Who) -> dict[str, Any]:
        return {"username": who.username, "display_name": who.display_name, "role": who.role}

    @router.get("/answers", tags=["review"])
    async def answers(who: Who, platform: str = Query("", max_length=32), channel: str = Query("", max_length=128),
                      requester: str = Query("", max_length=128),
                      status: Literal["all", "published", "reviewed", "retracted"] = "all",
                      since: Day = None, until: Day = None, page: int = Query(1, ge=1, le=100_000),
                      per_page: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
        filters = AnswerFilters(platform, channel, requester, status, since, until, page)
        entries, total = await list_answers(core, filters, per_page=per_page)
        return {"total": total, "page": page, "answers": [e.as_json() for e in entries]}

    @router.get("/answers/{draft_id}", tags=["review"])
    async def answer(who: Who, draft_id: DraftId) -> dict[str, Any]:
        entry = await answer_entry(core, draft_id)
        if entry is None:
            raise HTTPException(404, {"error": "not_found", "message": "That draft does not exist."})
        return entry.as_json()

    @router.post("/answers/{draft_id}/review", tags=["review"])
    async def review(who: Who, draft_id: DraftId, body: ReviewIn) -> Message:
        return Message(message=await actions.review(core, who, draft_id=draft_id, note=body.note))

    @router.post("/answers/{draft_id}/retract", tags=["review"])
    async def retract(who: Who, draft_id: DraftId, body: RetractIn) -> Message:
        return Message(message=await actions.retract(core, who, draft_id=draft_id, reason=body.reason))

    @router.get("/drafts/waiting", tags=["approval"])
    async def waiting(who: Who) -> dict[str, Any]:
        return {"drafts": [e.as_json() for e in await list_waiting(core)]}

    @router.post("/drafts/{draft_id}/approve", tags=["approval"])
    async def approve(who: Who, draft_id: DraftId) -> ApproveOut:
        outcome = await actions.approve(core, who, draft_id=draft_id)
        return ApproveOut(outcome=outcome.kind, message=outcome.message, permalink=outcome.permalink)

    @router.post("/drafts/{draft_id}/reject", tags=["approval"])
    async def reject(who: Who, draft_id: DraftId, body: RejectIn) -> Message:
        return Message(message=await actions.reject(core, who, draft_id=draft_id, reason=body.reason))

    @router.get("/rules", tags=["rules"])
    async def rules(who: Who, platform: str = Query("", max_length=32)) -> dict[str, Any]:
        await require_admin(core, who, action="api.rules.view")
        return {"default_mode": core.settings.default_mode.value,
                "shared_channel_mode": core.settings.shared_channel_mode.value,
                "channels": [c.as_json() for c in await seen_channels(core, platform=platform or None)]}

    @router.put("/rules", tags=["rules"])
    async def set_rule(who: Who, body: RuleIn) -> Message:
        return Message(message=await actions.change_rule(core, who, platform=body.platform, workspace=body.workspace,
                                                         channel=body.channel, mode=body.mode))

    @router.get("/rules/history", tags=["rules"])
    async def history(who: Who, platform: str = Query(max_length=32), channel: str = Query(max_length=128),
                      workspace: str = Query("", max_length=128)) -> dict[str, Any]:
        await require_admin(core, who, action="api.rules.view")
        rows = await rule_history(core, platform=platform, workspace=workspace, channel=channel)
        return {"history": [{"version": r.version, "before": r.mode_before, "after": r.mode_after,
                             "changed_by": r.changed_by, "changed_at": r.changed_at.isoformat()} for r in rows]}

    @router.get("/roles", tags=["roles"])
    async def roles(who: Who) -> dict[str, Any]:
        await require_admin(core, who, action="api.roles.view")
        async with core.uow() as uow:
            rows = (await uow.session.execute(select(Person, RoleGrant).join(RoleGrant, RoleGrant.person_id == Person.id)
                                              .order_by(Person.platform, Person.workspace, Person.user_id))).all()
        return {"roles": [{"platform": p.platform, "workspace": p.workspace, "user": p.user_id, "name": p.display_name,
                           "role": g.role, "granted_by": g.granted_by, "granted_at": g.granted_at.isoformat()}
                          for p, g in rows]}

    @router.post("/roles", tags=["roles"])
    async def change_role(who: Who, body: RoleIn) -> Message:
        return Message(message=await actions.change_platform_role(core, who, platform=body.platform,
                                                                  workspace=body.workspace, user=body.user,
                                                                  role=body.role, granted=body.granted))

    @router.get("/audit", tags=["audit"])
    async def audit(who: Who, actor: str = Query("", max_length=200), action: str = Query("", max_length=64),
                    draft: str = Query("", max_length=32), channel: str = Query("", max_length=128),
                    platform: str = Query("", max_length=32), since: Day = None, until: Day = None,
                    page: int = Query(1, ge=1, le=100_000), per_page: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        await require_admin(core, who, action="api.audit.view")
        filters = AuditFilters(actor, action, draft, channel, platform, since, until, page)
        events, total = await list_events(core, filters, per_page=per_page)
        return {"total": total, "page": page, "events": [event_record(e) for e in events]}

    @router.post("/audit/verify", tags=["audit"])
    async def verify_chain(who: Who) -> VerifyOut:
        await require_admin(core, who, action="api.audit.verify")
        result, _ = await verify(core, actor=who.label, correlation=who.correlation)
        return VerifyOut(intact=result.intact, checked=result.checked, first_bad_seq=result.first_bad_seq,
                         reason=result.reason, message=result.describe())

    @router.get("/drafts/{draft_id}/story", tags=["audit"])
    async def story(who: Who, draft_id: DraftId) -> dict[str, Any]:
        await require_admin(core, who, action="api.audit.view")
        entry = await answer_entry(core, draft_id)
        if entry is None:
            raise HTTPException(404, {"error": "not_found", "message": "That draft does not exist."})
        return {"draft": entry.as_json(), "events": [event_record(e) for e in await story_events(core, draft_id)]}

    @router.get("/overview", tags=["overview"])
    async def overview_numbers(who: Who, days: int = Query(14, ge=1, le=366)) -> dict[str, Any]:
        return (await overview(core, days=days, today=core.clock().date())).as_json()

    api.include_router(router)
    return api
