"""Persistent buttons: the custom_id carries only an action and a draft id, so a restart loses
nothing. Who may press is decided by the core, from the interaction's real user."""

from __future__ import annotations

from typing import Any

import discord

__all__ = ["DraftButton"]

TEMPLATE = r"draftgate:(?P<action>publish|edit|discard|approve|reject|retract):(?P<draft>[A-Za-z0-9_-]{1,32})"


class DraftButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(self, action: str, draft_id: str, *, label: str = "",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label or action.title(), style=style,
                                           custom_id=f"draftgate:{action}:{draft_id}"))
        self.action = action
        self.draft_id = draft_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any) -> DraftButton:
        button = item if isinstance(item, discord.ui.Button) else None
        return cls(match["action"], match["draft"], label=(button.label if button else "") or "",
                   style=button.style if button else discord.ButtonStyle.secondary)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await interaction.client.draftgate.on_button(interaction, self.action, self.draft_id)  # type: ignore[attr-defined]
