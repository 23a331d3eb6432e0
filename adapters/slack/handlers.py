"""Slack listeners: each acks at once, turns the verified payload into one core call, and renders
the result. Identities come from the signed payload, never from a button's value."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import blocks
from adapters.slack.platform import SlackPlatform
from bot.config import Settings
from bot.ports import PrivateRef
from bot.services import (
    Actor,
    AskOutcome,
    Core,
    DraftgateError,
    Where,
    approve_draft,
    ask,
    confirm_draft,
    discard_draft,
    edit_draft,
    refresh_private,
    reject_draft,
    retract_answer,
    set_rule,
)
from bot.services.private import remember_private_ref
from bot.services.queries import draft_view, open_drafts, review_item

__all__ = ["register"]

log = logging.getLogger("draftgate.slack")
MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")
DRAFTING_NOTE = "Drafting a private answer… only you can see this."
BUSY = "I could not take your question just now (the server is busy or the database is unavailable). Nothing was posted; please ask again."
SLOW_SECONDS = 1.5
MODES = ("off", "private-only", "confirm", "moderated")


def _actor(body: dict[str, Any]) -> Actor:
    """Who acted, from the signed payload: interactions carry `user`, commands `user_id`."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    user_id = user.get("id") or body.get("user_id") or ""
    team = user.get("team_id") or body.get("team_id") or (body.get("team") or {}).get("id") or ""
    name = user.get("username") or user.get("name") or body.get("user_name")
    return Actor("slack", str(team), str(user_id), name)


def register(app: AsyncApp, core: Core, platform: SlackPlatform, settings: Settings) -> None:
    review_channel = settings.slack.review_channel

    async def tell(body: dict[str, Any], text: str) -> None:
        """A private message to whoever caused this, in place of the public answer."""
        actor = _actor(body)
        channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
        try:
            if channel and not str(channel).startswith("D"):
                await platform.client.chat_postEphemeral(channel=channel, user=actor.user_id, text=text)
            else:
                await platform.direct_message(actor.user_id, {"text": text})
        except Exception as error:
            log.warning("could not tell %s: %s", actor.user_id, error)

    async def asked(outcome: AskOutcome, body: dict[str, Any]) -> None:
        if outcome.kind == "off":
            await tell(body, outcome.message)

    async def run_ask(body: dict[str, Any], *, where: Where, question: str, event_id: str,
                      hint: PrivateRef | None, origin: dict[str, Any] | None = None) -> None:
        actor = _actor(body)
        task = asyncio.create_task(ask(core, actor=actor, where=where, question=question, event_id=event_id,
                                       origin=origin, private_hint=hint, correlation={"slack_event": event_id}))
        done, _ = await asyncio.wait({task}, timeout=SLOW_SECONDS)
        if not done and not hint:  # slow: a private "drafting…" note first
            await tell(body, DRAFTING_NOTE)
        try:
            await asked(await task, body)
        except DraftgateError as error:
            await tell(body, error.message)
        except Exception:  # acked already, so Slack will not redeliver: say so rather than go silent
            log.exception("could not take question %s", event_id)
            await tell(body, BUSY)

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        where = Where("slack", str(body.get("team_id", "")), event["channel"], event.get("thread_ts"),
                      externally_shared=bool(body.get("is_ext_shared_channel")))
        body = {**body, "user": {"id": event.get("user"), "team_id": body.get("team_id")},
                "channel": {"id": event["channel"]}}
        await run_ask(body, where=where, question=MENTION.sub("", event.get("text", "")).strip(),
                      event_id=str(body.get("event_id") or event["ts"]), hint=None)

    @app.event("message")
    async def on_direct_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        where = Where("slack", str(body.get("team_id", "")), event["channel"], None, is_direct=True)
        body = {**body, "user": {"id": event.get("user"), "team_id": body.get("team_id")},
                "channel": {"id": event["channel"]}}
        await run_ask(body, where=where, question=MENTION.sub("", event.get("text", "")).strip(),
                      event_id=str(body.get("event_id") or event["ts"]), hint=None)

    @app.command("/ask")
    async def on_ask(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=DRAFTING_NOTE)
        channel = str(body.get("channel_id", ""))
        where = Where("slack", str(body.get("team_id", "")), channel, None, is_direct=channel.startswith("D"))
        hint = PrivateRef({"response_url": body["response_url"]}) if body.get("response_url") else None
        await run_ask(body, where=where, question=str(body.get("text", "")), event_id=f"cmd:{body.get('trigger_id')}",
                      hint=hint)

    @app.shortcut("draft_reply")
    async def on_shortcut(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
        where = Where("slack", _actor(body).workspace, channel, message.get("thread_ts") or message.get("ts"),
                      is_direct=str(channel).startswith("D"))
        await run_ask(body, where=where, question=str(message.get("text", "")), event_id=f"sc:{body.get('trigger_id')}",
                      hint=None, origin={"message_ts": message.get("ts"), "author": message.get("user")})

    async def with_draft(body: dict[str, Any], work: Callable[[Actor, str], Awaitable[Any]]) -> None:
        actor, action = _actor(body), body["actions"][0]
        draft_id = str(action.get("value", ""))
        if body.get("response_url"):
            await remember_private_ref(core, actor=actor, draft_id=draft_id, data={"response_url": body["response_url"]})
        try:
            await work(actor, draft_id)
        except DraftgateError as error:
            await tell(body, error.message)
        if (body.get("view") or {}).get("type") == "home":
            await publish_home(actor)

    @app.action(blocks.PUBLISH)
    async def on_publish(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()

        async def work(actor: Actor, draft_id: str) -> None:
            outcome = await confirm_draft(core, actor=actor, draft_id=draft_id,
                                          correlation={"slack_action": body.get("trigger_id")})
            if outcome.kind in ("published", "awaiting_approval"):
                await to_review(draft_id, actor, outcome.kind, outcome.permalink)
            elif outcome.kind in ("denied", "failed"):
                await tell(body, outcome.message)
        await with_draft(body, work)

    @app.action(blocks.DISCARD)
    async def on_discard(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()

        async def work(actor: Actor, draft_id: str) -> None:
            await discard_draft(core, actor=actor, draft_id=draft_id)
            await refresh_private(core, draft_id=draft_id)
        await with_draft(body, work)

    @app.action(blocks.EDIT)
    async def on_edit(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any) -> None:
        await ack()

        async def work(actor: Actor, draft_id: str) -> None:
            view = await draft_view(core, actor=actor, draft_id=draft_id)
            await client.views_open(trigger_id=body["trigger_id"], view=blocks.edit_modal(view))
        await with_draft(body, work)

    @app.view(blocks.EDIT_MODAL)
    async def on_edit_submit(ack: Callable[..., Awaitable[None]], body: dict[str, Any], view: dict[str, Any]) -> None:
        actor, draft_id = _actor(body), str(view.get("private_metadata", ""))
        text = str(((view.get("state") or {}).get("values") or {}).get("text", {}).get("value", {}).get("value") or "")
        try:
            await edit_draft(core, actor=actor, draft_id=draft_id, text=text)
        except DraftgateError as error:
            await ack(response_action="errors", errors={"text": error.message[:150]})
            return
        await ack()
        await refresh_private(core, draft_id=draft_id)

    async def moderate(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any,
                       work: Callable[[Actor, str], Awaitable[str]]) -> None:
        await ack()
        actor, draft_id = _actor(body), str(body["actions"][0].get("value", ""))
        try:
            result = await work(actor, draft_id)
        except DraftgateError as error:
            await tell(body, error.message)
            return
        container = body.get("container") or {}
        if container.get("channel_id") and container.get("message_ts"):
            await client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                     text=result, blocks=blocks.note_blocks(f"{result} (by {actor.display_name or actor.user_id})"))

    @app.action(blocks.APPROVE)
    async def on_approve(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any) -> None:
        async def work(actor: Actor, draft_id: str) -> str:
            outcome = await approve_draft(core, actor=actor, draft_id=draft_id)
            if outcome.kind == "published":
                await to_review(draft_id, actor, "published", outcome.permalink)
            return outcome.message
        await moderate(ack, body, client, work)

    @app.action(blocks.REJECT)
    async def on_reject(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any) -> None:
        await moderate(ack, body, client, lambda actor, draft_id: reject_draft(core, actor=actor, draft_id=draft_id))

    @app.action(blocks.RETRACT)
    async def on_retract(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any) -> None:
        await moderate(ack, body, client, lambda actor, draft_id: retract_answer(
            core, actor=actor, draft_id=draft_id, reason="retracted from Slack's review channel"))

    async def to_review(draft_id: str, actor: Actor, kind: str, permalink: str | None) -> None:
        """Moderators see drafts waiting for approval, and every published answer with Retract."""
        if not review_channel:
            return
        item = await review_item(core, draft_id=draft_id)
        where = await platform.channel_label(item.channel)
        if kind == "awaiting_approval":
            title = f"*Waiting for approval* in {where}, asked by <@{item.requester}>"
            actions = [blocks.APPROVE, blocks.REJECT]
        else:
            link = f" · <{permalink}|open>" if permalink else ""
            title = f"*Published* in {where}, confirmed by <@{item.requester}>{link}"
            actions = [blocks.RETRACT]
        try:
            await platform.client.chat_postMessage(
                channel=review_channel, text=title, unfurl_links=False, unfurl_media=False,
                blocks=blocks.review_blocks(title=title, question=item.question, text=item.text, draft_id=draft_id,
                                            actions=actions))
        except Exception as error:
            log.warning("could not post draft %s to the review channel: %s", draft_id, error)

    async def publish_home(actor: Actor) -> None:
        views = await open_drafts(core, actor=actor)
        labelled = [(view, await platform.channel_label(view.channel)) for view in views]
        await platform.client.views_publish(user_id=actor.user_id, view=blocks.home_view(labelled))

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        await publish_home(Actor("slack", str(body.get("team_id", "")), str(event.get("user", ""))))

    @app.command("/draftgate-mode")
    async def on_mode(ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Any) -> None:
        mode = str(body.get("text", "")).strip()
        if mode not in MODES:
            await ack(response_type="ephemeral", text=f"Usage: /draftgate-mode {' | '.join(MODES)}")
            return
        await ack()
        actor = _actor(body)
        try:
            message = await set_rule(core, by=actor, platform="slack", workspace=actor.workspace,
                                     channel=str(body.get("channel_id", "")), mode=mode)
        except DraftgateError as error:
            message = error.message
        await respond(response_type="ephemeral", replace_original=False, text=message)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("slack listener failed: %s", error)
