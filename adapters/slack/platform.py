"""Slack as a draftgate platform: ephemeral drafts, labelled public answers, reconcile by metadata."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import answer_blocks, draft_blocks, note_blocks
from adapters.slack.escape import escape
from bot.domain.labels import LabelledAnswer
from bot.ports import PlatformError, PrivateDraftView, PrivateRef, PublishedRef

__all__ = ["METADATA_EVENT", "SlackPlatform"]

log = logging.getLogger("draftgate.slack")
METADATA_EVENT = "draftgate_publication"
_PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text", "invalid_auth",
              "account_inactive", "token_revoked", "missing_scope", "restricted_action", "cant_update_message"}
_NO_EPHEMERAL = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived", "restricted_action"}


def _failure(error: Exception) -> PlatformError:
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", "unknown_error"))
        return PlatformError(f"Slack answered {code}", retryable=code not in _PERMANENT)
    return PlatformError(f"Slack could not be reached ({type(error).__name__})", retryable=True)


class SlackPlatform:
    """Implements the `Platform` port with the Slack Web API."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, timeout: float = 10.0) -> None:
        self.client = client
        self._names: dict[str, str] = {}
        self._timeout = timeout

    async def channel_label(self, channel: str) -> str:
        """"#general" for a channel id (cached); the DM and unknown cases get a neutral label."""
        if channel.startswith("D"):
            return "this conversation"
        if channel not in self._names:
            try:
                info = await self.client.conversations_info(channel=channel)
                self._names[channel] = f"#{info['channel']['name']}"
            except Exception:
                return "this channel"
        return self._names[channel]

    async def _respond(self, response_url: str, payload: dict[str, Any]) -> None:
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(response_url, json=payload) as response:
                if response.status >= 300:
                    raise PlatformError(f"response_url answered HTTP {response.status}")

    async def _view_payload(self, view: PrivateDraftView) -> dict[str, Any]:
        blocks = draft_blocks(view, await self.channel_label(view.channel))
        return {"text": f"{view.label}: {view.text[:200]}", "blocks": blocks}

    async def deliver_private(self, *, user: str, view: PrivateDraftView, hint: PrivateRef | None) -> PrivateRef:
        payload = await self._view_payload(view)
        hint_data = dict(hint.data) if hint else {}
        if hint_data.get("response_url"):
            try:
                await self._respond(hint_data["response_url"], {**payload, "replace_original": True,
                                                                "response_type": "ephemeral"})
                return PrivateRef(hint_data)
            except Exception as error:
                log.info("response_url delivery failed (%s); posting an ephemeral instead", error)
        if view.channel.startswith("D"):
            return await self.direct_message(user, payload, channel=view.channel)
        try:
            await self.client.chat_postEphemeral(channel=view.channel, user=user, thread_ts=view.thread,
                                                 **payload)
            return PrivateRef({"channel": view.channel, "user": user})
        except SlackApiError as error:
            if str(error.response.get("error")) not in _NO_EPHEMERAL:
                raise _failure(error) from error
        except Exception as error:
            raise _failure(error) from error
        return await self.direct_message(user, payload)  # never a public fallback: a direct message

    async def direct_message(self, user: str, payload: dict[str, Any], channel: str | None = None) -> PrivateRef:
        """Post to the user's DM with the bot (the private fallback)."""
        try:
            if channel is None:
                opened = await self.client.conversations_open(users=user)
                channel = str(opened["channel"]["id"])
            posted = await self.client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False,
                                                        **payload)
            return PrivateRef({"dm_channel": channel, "ts": str(posted["ts"]), "user": user})
        except Exception as error:
            raise _failure(error) from error

    async def update_private(self, *, user: str, ref: PrivateRef, view: PrivateDraftView) -> PrivateRef:
        data = dict(ref.data)
        payload = await self._view_payload(view)
        if data.get("dm_channel") and data.get("ts"):
            try:
                await self.client.chat_update(channel=data["dm_channel"], ts=data["ts"], **payload)
                return ref
            except Exception as error:
                raise _failure(error) from error
        return await self.deliver_private(user=user, view=view, hint=ref)

    async def publish(self, *, answer: LabelledAnswer) -> PublishedRef:
        try:
            posted = await self.client.chat_postMessage(
                channel=answer.channel, thread_ts=answer.thread, text=escape(f"{answer.text}\n\n{answer.label}"),
                blocks=answer_blocks(answer), unfurl_links=False, unfurl_media=False, parse="none", link_names=False,
                metadata={"event_type": METADATA_EVENT,
                          "event_payload": {"draft_id": answer.draft_id, "nonce": answer.nonce}},
            )
        except Exception as error:
            raise _failure(error) from error
        return await self._ref(answer.channel, str(posted["ts"]), answer.thread)

    async def _ref(self, channel: str, ts: str, thread: str | None) -> PublishedRef:
        permalink = None
        try:
            permalink = str((await self.client.chat_getPermalink(channel=channel, message_ts=ts))["permalink"])
        except Exception as error:
            log.info("no permalink for %s/%s: %s", channel, ts, error)
        data = {"channel": channel, "ts": ts, **({"thread": thread} if thread else {})}
        return PublishedRef(message_id=ts, permalink=permalink, data=data)

    async def find_published(self, *, answer: LabelledAnswer) -> PublishedRef | None:
        """Look for a message carrying this draft's id in its metadata (thread or channel history)."""
        try:
            if answer.thread:
                page = await self.client.conversations_replies(channel=answer.channel, ts=answer.thread,
                                                               include_all_metadata=True, limit=200)
            else:
                page = await self.client.conversations_history(channel=answer.channel, include_all_metadata=True,
                                                               limit=200)
        except Exception as error:
            raise _failure(error) from error
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("draft_id") == answer.draft_id:
                return await self._ref(answer.channel, str(message["ts"]), answer.thread)
        return None

    async def retract(self, *, ref: PublishedRef, channel: str, note: str) -> None:
        data = dict(ref.data)
        target = data.get("channel", channel)
        try:
            await self.client.chat_delete(channel=target, ts=ref.message_id)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise _failure(error) from error
        except Exception as error:
            raise _failure(error) from error
        try:
            await self.client.chat_postMessage(channel=target, thread_ts=data.get("thread"), text=note,
                                               blocks=note_blocks(note), unfurl_links=False, unfurl_media=False)
        except Exception as error:  # the answer is gone; the note is a courtesy
            log.warning("retraction note in %s failed: %s", target, error)
