"""The Discord client: slash and context-menu commands, mentions and DMs, button handling.
Each handler defers within Discord's three seconds, makes one core call, renders the result."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.buttons import DraftButton
from adapters.discord.platform import NONE, DiscordPlatform, draft_buttons
from adapters.discord.render import draft_embed, inert
from bot.config import Settings
from bot.ports import PrivateRef
from bot.services import (
    Actor,
    Core,
    DraftgateError,
    Operator,
    Where,
    approve_draft,
    ask,
    confirm_draft,
    discard_draft,
    edit_draft,
    grant_role,
    refresh_private,
    reject_draft,
    retract_answer,
    set_rule,
)
from bot.services.private import remember_private_ref
from bot.services.queries import draft_view, open_drafts, review_item

__all__ = ["DraftgateClient", "Draftgate"]

log = logging.getLogger("draftgate.discord")
SYNCER = Operator("discord:permissions")
MODES = ["off", "private-only", "confirm", "moderated"]
BUSY = "I could not take your question just now (the server is busy or the database is unavailable). Nothing was posted; please ask again."


def actor_of(interaction_or_message: Any) -> Actor:
    user = getattr(interaction_or_message, "user", None) or interaction_or_message.author
    guild = interaction_or_message.guild
    return Actor("discord", str(guild.id) if guild else "dm", str(user.id), user.display_name)


def where_of(source: Any, thread: str | None = None) -> Where:
    guild, channel = source.guild, source.channel
    return Where("discord", str(guild.id) if guild else "dm", str(channel.id), thread, is_direct=guild is None)


class EditModal(discord.ui.Modal, title="Edit draft"):
    def __init__(self, draftgate: Draftgate, draft_id: str, text: str) -> None:
        super().__init__(timeout=None)
        self.draftgate, self.draft_id = draftgate, draft_id
        self.text = discord.ui.TextInput(label="Answer (labelled as edited by you)", style=discord.TextStyle.paragraph,
                                         default=text[:4000], max_length=4000)
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        try:
            await edit_draft(self.draftgate.core, actor=actor_of(interaction), draft_id=self.draft_id, text=self.text.value)
        except DraftgateError as error:
            await interaction.followup.send(error.message, ephemeral=True, allowed_mentions=NONE)
            return
        await refresh_private(self.draftgate.core, draft_id=self.draft_id)


class Draftgate:
    """The adapter's behaviour, shared by commands, events and persistent buttons."""

    def __init__(self, core: Core, platform: DiscordPlatform, settings: Settings) -> None:
        self.core, self.platform, self.settings = core, platform, settings

    async def run_ask(self, interaction: discord.Interaction, question: str, *, thread: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        key = f"int:{interaction.id}"
        self.platform.pending[key] = interaction
        try:
            outcome = await ask(self.core, actor=actor_of(interaction), where=where_of(interaction, thread),
                                question=question, event_id=key, private_hint=PrivateRef({"interaction": key}),
                                correlation={"discord_interaction": str(interaction.id)})
            if outcome.kind == "off":
                await interaction.followup.send(outcome.message, ephemeral=True, allowed_mentions=NONE)
        except DraftgateError as error:
            await interaction.followup.send(error.message, ephemeral=True, allowed_mentions=NONE)
        except Exception:  # never leave the requester with an endless "thinking…"
            log.exception("could not take question %s", key)
            await interaction.followup.send(BUSY, ephemeral=True, allowed_mentions=NONE)
        finally:
            self.platform.pending.pop(key, None)

    async def on_mention(self, message: discord.Message) -> None:
        """A plain message cannot be answered ephemerally: the draft goes by DM, never in public."""
        me = message.guild.me if message.guild else None
        question = message.content
        if me is not None:
            question = question.replace(me.mention, "").replace(f"<@!{me.id}>", "")
        try:
            await ask(self.core, actor=actor_of(message), where=where_of(message, str(message.id) if message.guild else None),
                      question=question.strip(), event_id=f"msg:{message.id}")
            if message.guild:
                await message.add_reaction("\N{MEMO}")
        except DraftgateError as error:
            await message.author.send(error.message, allowed_mentions=NONE)

    async def ensure_roles(self, interaction: discord.Interaction) -> None:
        """Members with Manage Messages (or the configured role) are moderators, Manage Server admins."""
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            return
        perms, actor = interaction.permissions, actor_of(interaction)
        role_id = self.settings.discord.moderator_role_id
        wanted = []
        if perms.manage_messages or (role_id and any(r.id == role_id for r in interaction.user.roles)):
            wanted.append("moderator")
        if perms.manage_guild:
            wanted.append("admin")
        for role in wanted:
            await grant_role(self.core, by=SYNCER, platform="discord", workspace=actor.workspace, user=actor.user_id,
                             role=role, granted=True)

    async def on_button(self, interaction: discord.Interaction, action: str, draft_id: str) -> None:
        actor = actor_of(interaction)
        if action == "edit":
            try:
                view = await draft_view(self.core, actor=actor, draft_id=draft_id)
            except DraftgateError as error:
                await interaction.response.send_message(error.message, ephemeral=True, allowed_mentions=NONE)
                return
            await interaction.response.send_modal(EditModal(self, draft_id, view.text))
            return
        if action in ("approve", "reject", "retract"):
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self.ensure_roles(interaction)
            await self.moderate(interaction, action, actor, draft_id)
            return
        await interaction.response.defer()
        if interaction.message is not None:
            await remember_private_ref(self.core, actor=actor, draft_id=draft_id, data={
                "app_id": str(interaction.application_id), "token": interaction.token,
                "message_id": str(interaction.message.id)})
        try:
            if action == "publish":
                outcome = await confirm_draft(self.core, actor=actor, draft_id=draft_id,
                                              correlation={"discord_interaction": str(interaction.id)})
                if outcome.kind in ("published", "awaiting_approval"):
                    await self.to_review(draft_id, outcome.kind, outcome.permalink)
                elif outcome.kind in ("denied", "failed", "in_progress", "already_published"):
                    await interaction.followup.send(outcome.message, ephemeral=True, allowed_mentions=NONE)
            else:
                await discard_draft(self.core, actor=actor, draft_id=draft_id)
                await refresh_private(self.core, draft_id=draft_id)
        except DraftgateError as error:
            await interaction.followup.send(error.message, ephemeral=True, allowed_mentions=NONE)

    async def moderate(self, interaction: discord.Interaction, action: str, actor: Actor, draft_id: str) -> None:
        try:
            if action == "approve":
                outcome = await approve_draft(self.core, actor=actor, draft_id=draft_id)
                if outcome.kind == "published":
                    await self.to_review(draft_id, "published", outcome.permalink)
                result = outcome.message
            elif action == "reject":
                result = await reject_draft(self.core, actor=actor, draft_id=draft_id)
            else:
                result = await retract_answer(self.core, actor=actor, draft_id=draft_id,
                                              reason="retracted from Discord's review channel")
        except DraftgateError as error:
            await interaction.followup.send(error.message, ephemeral=True, allowed_mentions=NONE)
            return
        await interaction.followup.send(result, ephemeral=True, allowed_mentions=NONE)
        if interaction.message is not None:
            try:
                await interaction.message.edit(content=f"{result} — {actor.display_name}", view=None, allowed_mentions=NONE)
            except discord.HTTPException as error:
                log.info("could not update the review message: %s", error)

    async def to_review(self, draft_id: str, kind: str, permalink: str | None) -> None:
        channel_id = self.settings.discord.review_channel_id
        if not channel_id:
            return
        item = await review_item(self.core, draft_id=draft_id)
        where = await self.platform.channel_label(item.channel)
        buttons = discord.ui.View(timeout=None)
        if kind == "awaiting_approval":
            title = f"Waiting for approval in {where}, asked by {item.requester_name}"
            buttons.add_item(DraftButton("approve", draft_id, label="Approve", style=discord.ButtonStyle.success))
            buttons.add_item(DraftButton("reject", draft_id, label="Reject", style=discord.ButtonStyle.danger))
        else:
            title = f"Published in {where}, confirmed by {item.requester_name}" + (f" · {permalink}" if permalink else "")
            buttons.add_item(DraftButton("retract", draft_id, label="Retract", style=discord.ButtonStyle.danger))
        embed = discord.Embed(title=inert(title)[:250], description=inert(item.text)[:4000])
        embed.add_field(name="Question", value=inert(item.question)[:1024] or "…", inline=False)
        try:
            channel = await self.platform._channel(str(channel_id))
            await channel.send(embed=embed, view=buttons, allowed_mentions=NONE)
        except Exception as error:
            log.warning("could not post draft %s to the review channel: %s", draft_id, error)

    async def list_drafts(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        views = await open_drafts(self.core, actor=actor_of(interaction), limit=5)
        if not views:
            await interaction.followup.send("You have no open drafts.", ephemeral=True)
            return
        for view in views:
            label = await self.platform.channel_label(view.channel)
            await interaction.followup.send(embed=draft_embed(view), view=draft_buttons(view, label), ephemeral=True,
                                            allowed_mentions=NONE)

    async def set_mode(self, interaction: discord.Interaction, mode: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.ensure_roles(interaction)
        actor = actor_of(interaction)
        try:
            message = await set_rule(self.core, by=actor, platform="discord", workspace=actor.workspace,
                                     channel=str(interaction.channel_id), mode=mode)
        except DraftgateError as error:
            message = error.message
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NONE)


class DraftgateClient(discord.Client):
    def __init__(self, draftgate_factory: Any, settings: Settings) -> None:
        intents = discord.Intents.default()  # mentions and DMs carry their content without the privileged intent
        super().__init__(intents=intents, allowed_mentions=NONE)
        self.tree = app_commands.CommandTree(self)
        self.settings = settings
        self.draftgate: Draftgate = draftgate_factory(self)
        self._commands()

    def _commands(self) -> None:
        gate = self.draftgate

        @self.tree.command(name="ask", description="Ask draftgate privately")
        @app_commands.describe(question="What do you want to know?")
        async def ask_command(interaction: discord.Interaction, question: str) -> None:
            await gate.run_ask(interaction, question)

        @self.tree.context_menu(name="Draft a reply privately")
        async def draft_reply(interaction: discord.Interaction, message: discord.Message) -> None:
            await gate.run_ask(interaction, message.content, thread=str(message.id) if interaction.guild else None)

        @self.tree.command(name="drafts", description="Your open drafts")
        async def drafts(interaction: discord.Interaction) -> None:
            await gate.list_drafts(interaction)

        @self.tree.command(name="draftgate-mode", description="Admins: where may draftgate publish in this channel?")
        @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in MODES])
        async def mode(interaction: discord.Interaction, mode: app_commands.Choice[str]) -> None:
            await gate.set_mode(interaction, mode.value)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(DraftButton)
        guilds = self.settings.discord.guild_ids
        if guilds:
            for guild_id in guilds:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None:
            return
        if message.guild is None or self.user.mentioned_in(message) and not message.mention_everyone:
            await self.draftgate.on_mention(message)
