"""Pages for moderators (and admins): the overview, the review queue, one answer, drafts
waiting for approval, and the actions on them."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from adapters.web.console import actions
from adapters.web.console.charts import Series, grouped_bars, horizontal_bars, stacked_bars
from adapters.web.console.queue import ANSWER_STATUSES, AnswerFilters, answer_entry, list_answers, list_waiting
from adapters.web.console.stats import overview, humane_duration
from adapters.web.console.web import PATH, Web, parse_date, parse_page
from bot.services import DraftgateError

__all__ = ["moderation_routes"]

PERIODS = (7, 14, 30, 90)


def moderation_routes(web: Web) -> APIRouter:
    router = APIRouter()
    core = web.core

    @router.get("/overview")
    async def overview_page(request: Request) -> Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        asked = request.query_params.get("days", "")
        days = int(asked) if asked.isdigit() and int(asked) in PERIODS else 14
        stats = await overview(core, days=days, today=core.clock().date())
        labels = [d.day.strftime("%m-%d") for d in stats.days]
        hints = [d.day.isoformat() for d in stats.days]
        flow = grouped_bars("Questions asked and answers published per day", labels, [
            Series("asked", "s-asked", [d["asked"] for d in stats.days]),
            Series("published", "s-published", [d["published"] for d in stats.days]),
        ], hints=hints)
        outcomes = stacked_bars("What happened to drafts, per day", labels, [
            Series(name, f"s-{name}", [d[name] for d in stats.days])
            for name in ("published", "discarded", "expired", "denied", "retracted")
        ], hints=hints)
        retracted = horizontal_bars("Channels with the most retracted answers",
                                    [(f"{p}:{c}", n) for p, c, n, _ in stats.top_retracted]) if stats.top_retracted else None
        return web.page(request, "overview.html", who, stats=stats, flow=flow, outcomes=outcomes, retracted=retracted,
                        periods=PERIODS, days=days, median=humane_duration(stats.median_seconds), nav="overview")

    @router.get("/queue")
    async def queue(request: Request) -> Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        q = request.query_params
        status = q.get("status") or "all"
        filters = AnswerFilters(platform=(q.get("platform") or "")[:32], channel=(q.get("channel") or "")[:128],
                                requester=(q.get("requester") or "")[:128],
                                status=status if status in ANSWER_STATUSES else "all",
                                since=parse_date(q.get("since")), until=parse_date(q.get("until")),
                                page=parse_page(q.get("page")))
        entries, total = await list_answers(core, filters)
        return web.page(request, "queue.html", who, entries=entries, total=total, filters=filters,
                        statuses=ANSWER_STATUSES, per_page=20, nav="queue")

    @router.get("/answers/{draft_id}")
    async def answer(request: Request, draft_id: str) -> Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        entry = await answer_entry(core, draft_id)
        if entry is None:
            return web.error(request, who, 404, "That draft does not exist (the link may be wrong).")
        return web.page(request, "answer.html", who, entry=entry, nav="queue")

    @router.post("/answers/{draft_id}/{verb}")
    async def act_on_answer(request: Request, draft_id: str, verb: str, csrf: str = Form("", max_length=200),
                            note: str = Form("", max_length=5000), reason: str = Form("", max_length=5000),
                            back: str = Form("", max_length=600)) -> Response:
        who = await web.form(request, csrf)
        if isinstance(who, Response):
            return who
        to = web.safe_next(back) if back else f"{PATH}/answers/{draft_id}"
        try:
            if verb == "review":
                message = await actions.review(core, who, draft_id=draft_id, note=note)
            elif verb == "retract":
                message = await actions.retract(core, who, draft_id=draft_id, reason=reason)
            else:
                return web.error(request, who, 404, "Unknown action.")
        except DraftgateError as error:
            return web.redirect(to, flash=error.message, error=True)
        return web.redirect(to, flash=message)

    @router.get("/waiting")
    async def waiting(request: Request) -> Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        return web.page(request, "waiting.html", who, entries=await list_waiting(core), nav="waiting")

    @router.post("/drafts/{draft_id}/{verb}")
    async def act_on_draft(request: Request, draft_id: str, verb: str, csrf: str = Form("", max_length=200),
                           reason: str = Form("", max_length=5000)) -> Response:
        who = await web.form(request, csrf)
        if isinstance(who, Response):
            return who
        try:
            if verb == "approve":
                outcome = await actions.approve(core, who, draft_id=draft_id)
                failed = outcome.kind in ("denied", "failed")
                return web.redirect(f"{PATH}/waiting", flash=outcome.message, error=failed)
            if verb == "reject":
                message = await actions.reject(core, who, draft_id=draft_id, reason=reason)
                return web.redirect(f"{PATH}/waiting", flash=message)
            return web.error(request, who, 404, "Unknown action.")
        except DraftgateError as error:
            return web.redirect(f"{PATH}/waiting", flash=error.message, error=True)

    return router
