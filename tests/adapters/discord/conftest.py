"""The real discord.py client of `serve`, run against SimCord's in-memory Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import discord
import pytest

from adapters.discord.mount import build_client
from bot.bootstrap import Runtime, build_runtime
from bot.config import load_settings
from tests.fakes import ScriptedDrafter


@dataclass
class DiscordWorld:
    env: Any
    runtime: Runtime
    guild: Any
    general: Any
    review: Any
    alice: Any
    bob: Any
    mod: Any

    async def until(self, predicate: Callable[[], Any], timeout: float = 8.0) -> Any:
        for _ in range(int(timeout / 0.02)):
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.02)
            await self.env.settle()
        raise AssertionError("timed out")

    def messages(self, channel: Any, viewer: Any = None) -> list[discord.Message]:
        return channel.history(viewer=viewer) if viewer is not None else channel.history()

    def public(self) -> list[discord.Message]:
        return [m for m in self.general.history() if not m.flags.ephemeral and m.author.bot]

    def drafts_for(self, viewer: Any) -> list[discord.Message]:
        return [m for m in self.general.history(viewer=viewer) if m.flags.ephemeral and m.embeds]


@pytest.fixture
def drafter() -> ScriptedDrafter:
    return ScriptedDrafter("Rotate your key in Gatekeeper. [1]")


def _runtime(database_url: str, drafter: ScriptedDrafter, review_channel_id: int | None) -> Runtime:
    settings = load_settings(database_url=database_url, load_sample_kb=False, web_workspace=False,
                             discord={"bot_token": "test", "review_channel_id": review_channel_id})
    return build_runtime(settings, drafter=drafter)


@pytest.fixture
async def discord_runtime(database_url: str, drafter: ScriptedDrafter) -> AsyncIterator[Runtime]:
    runtime = _runtime(database_url, drafter, None)
    yield runtime
    await runtime.close()


@pytest.fixture
def simcord_bot(discord_runtime: Runtime) -> discord.Client:
    return build_client(discord_runtime)


@pytest.fixture
def world(simcord_env: Any, discord_runtime: Runtime) -> DiscordWorld:
    env = simcord_env
    guild = env.create_guild()
    general = guild.create_text_channel("general")
    review = guild.create_text_channel("review")
    discord_runtime.settings.discord.review_channel_id = review.id
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    mod = guild.add_member(env.create_user("mod"), roles=[mods])
    return DiscordWorld(env, discord_runtime, guild, general, review, alice, bob, mod)
