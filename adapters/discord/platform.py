"""Discord as a draftgate platform: ephemeral or DM drafts, labelled replies sent with a nonce."""

from __future__ import annotations

import io
import logging
from typing import Any

import discord

from adapters.discord.render import PREVIEW_LIMIT, answer_messages, draft_embed
from bot.domain.labels import LabelledAnswer
from bot.ports import PlatformError, PrivateDraftView, PrivateRef, PublishedRef

__all__ = ["DiscordPlatform", "draft_buttons"]

log = logging.getLogger("draftgate.discord")
NONE = discord.AllowedMentions.none()


def draft_buttons(view: PrivateDraftView, channel_label: str) -> discord.ui.View:
    from adapters.discord.buttons import DraftButton

    buttons = discord.ui.View(timeout=None)
    if view.can_publish:
        label = "Send for approval" if view.mode.value == "moderated" else f"Publish to {channel_label}"
        buttons.add_item(DraftButton("publish", view.draft_id, label=label[:80], style=discord.ButtonStyle.success))
    if view.status == "drafted":
        buttons.add_item(DraftButton("edit", view.draft_id, label="Edit"))
    if view.status in ("drafted", "awaiting_approval", "publish_failed"):
        buttons.add_item(DraftButton("discard", view.draft_id, label="Discard", style=discord.ButtonStyle.danger))
    return buttons


def _failure(error: Exception) -> PlatformError:
    if isinstance(error, discord.HTTPException):
        return PlatformError(f"Discord answered HTTP {error.status} ({error.code})",
                             retryable=error.status >= 500 or error.status == 429)
    return PlatformError(f"Discord could not be reached ({type(error).__name__})")


class DiscordPlatform:
    """Implements the `Platform` port with a running discord.py client."""

    name = "discord"

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.pending: dict[str, discord.Interaction] = {}  # interactions waiting for their draft

    async def channel_label(self, channel_id: str) -> str:
        channel = self.client.get_channel(int(channel_id)) if channel_id.isdigit() else None
        name = getattr(channel, "name", None)
        return f"#{name}" if name else "this channel"

    async def _payload(self, view: PrivateDraftView, *, editing: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {"embed": draft_embed(view), "allowed_mentions": NONE,
                                   "view": draft_buttons(view, await self.channel_label(view.channel))}
        if len(view.text) > PREVIEW_LIMIT:  # never hide part of what the requester confirms
            attachment = discord.File(io.BytesIO(view.text.encode("utf-8")), filename="draft.txt")
            payload["attachments" if editing else "files"] = [attachment]
        return payload

    async def deliver_private(self, *, user: str, view: PrivateDraftView, hint: PrivateRef | None) -> PrivateRef:
        payload = await self._payload(view)
        interaction = self.pending.pop((hint.data if hint else {}).get("interaction", ""), None)
        if interaction is not None:
            try:
                message = await interaction.followup.send(ephemeral=True, wait=True, **payload)
                return PrivateRef({"app_id": str(interaction.application_id), "token": interaction.token,
                                   "message_id": str(message.id), "user": user})
            except discord.HTTPException as error:  # the token expired: fall back to a DM
                log.info("ephemeral follow-up failed (%s); sending the draft by DM", error)
        return await self._direct(user, payload)

    async def _direct(self, user: str, payload: dict[str, Any]) -> PrivateRef:
        try:
            person = self.client.get_user(int(user)) or await self.client.fetch_user(int(user))
            message = await person.send(**payload)
            return PrivateRef({"dm_channel": str(message.channel.id), "message_id": str(message.id), "user": user})
        except Exception as error:
            raise _failure(error) from error

    async def update_private(self, *, user: str, ref: PrivateRef, view: PrivateDraftView) -> PrivateRef:
        data, payload = dict(ref.data), await self._payload(view, editing=True)
        try:
            if data.get("token"):
                webhook = discord.Webhook.partial(int(data["app_id"]), data["token"], client=self.client)
                await webhook.edit_message(int(data["message_id"]), **payload)
                return ref
            if data.get("dm_channel"):
                channel = self.client.get_channel(int(data["dm_channel"])) or await self.client.fetch_channel(int(data["dm_channel"]))
                message = await channel.fetch_message(int(data["message_id"]))  # type: ignore[union-attr]
                await message.edit(**payload)
                return ref
        except Exception as error:  # expired token or deleted DM: send a fresh copy by DM
            log.info("could not edit the private draft (%s); sending a new DM", error)
        return await self._direct(user, await self._payload(view))

    async def _channel(self, channel_id: str) -> Any:
        return self.client.get_channel(int(channel_id)) or await self.client.fetch_channel(int(channel_id))

    async def publish(self, *, answer: LabelledAnswer) -> PublishedRef:
        try:
            channel = await self._channel(answer.channel)
            reference = (discord.MessageReference(message_id=int(answer.thread), channel_id=int(answer.channel),
                                                  fail_if_not_exists=False) if answer.thread else None)
            ids = []
            for number, (content, embed) in enumerate(answer_messages(answer)):
                message = await channel.send(content=content, embed=embed, allowed_mentions=NONE,
                                             reference=reference if number == 0 else None,
                                             nonce=f"{answer.nonce[:22]}-{number}")
                ids.append(str(message.id))
        except Exception as error:
            raise _failure(error) from error
        return PublishedRef(message_id=ids[0], permalink=message.jump_url,
                            data={"channel": answer.channel, "messages": ",".join(ids)})

    async def find_published(self, *, answer: LabelledAnswer) -> PublishedRef | None:
        try:
            channel = await self._channel(answer.channel)
            found = [m async for m in channel.history(limit=200)
                     if m.author.id == getattr(self.client.user, "id", None)
                     and any(answer.draft_id in (e.footer.text or "") for e in m.embeds)]
        except Exception as error:
            raise _failure(error) from error
        if not found:
            return None
        found.sort(key=lambda m: m.id)
        return PublishedRef(message_id=str(found[0].id), permalink=found[0].jump_url,
                            data={"channel": answer.channel, "messages": ",".join(str(m.id) for m in found)})

    async def retract(self, *, ref: PublishedRef, channel: str, note: str) -> None:
        data = dict(ref.data)
        try:
            target = await self._channel(data.get("channel", channel))
            for message_id in (data.get("messages") or ref.message_id).split(","):
                try:
                    await target.get_partial_message(int(message_id)).delete()
                except discord.NotFound:
                    pass
        except Exception as error:
            raise _failure(error) from error
        try:
            await target.send(content=note, allowed_mentions=NONE)
        except Exception as error:
            log.warning("retraction note failed: %s", error)
