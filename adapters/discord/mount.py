"""Run the Discord client inside `serve`'s event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import discord
import yarl

from adapters.discord.client import Draftgate, DraftgateClient
from adapters.discord.platform import DiscordPlatform
from bot.bootstrap import Runtime
from bot.config import DiscordSettings

__all__ = ["DiscordAdapter", "mount_discord", "point_at"]

log = logging.getLogger("draftgate.discord")


def point_at(settings: DiscordSettings) -> None:
    """Use another REST base and gateway (a local stand-in in tests). Called at start, not import."""
    discord.http.Route.BASE = settings.api_url.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


@dataclass(slots=True)
class DiscordAdapter:
    client: DraftgateClient
    token: str
    settings: DiscordSettings
    name: str = "discord"
    task: asyncio.Task[None] | None = field(default=None)

    async def start(self) -> None:
        point_at(self.settings)
        self.task = asyncio.create_task(self._run(), name="discord-client")

    async def _run(self) -> None:
        try:
            await self.client.start(self.token)  # reconnects on gateway drops by itself
        except discord.LoginFailure:
            log.error("Discord refused DRAFTGATE_DISCORD__BOT_TOKEN; the Discord adapter is not running")
        except Exception:
            log.exception("the Discord client stopped")

    async def stop(self) -> None:
        await self.client.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


def build_client(runtime: Runtime) -> DraftgateClient:
    def factory(client: DraftgateClient) -> Draftgate:
        platform = DiscordPlatform(client)
        runtime.core.platforms[platform.name] = platform
        return Draftgate(runtime.core, platform, runtime.settings)

    return DraftgateClient(factory, runtime.settings)


def mount_discord(runtime: Runtime) -> DiscordAdapter:
    settings = runtime.settings.discord
    assert settings.bot_token is not None
    return DiscordAdapter(client=build_client(runtime), token=settings.bot_token.get_secret_value(), settings=settings)
