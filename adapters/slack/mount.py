"""Mount the Slack app on `serve`: HTTP at POST /slack/events, or Socket Mode with an app token."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.handlers import register
from adapters.slack.platform import SlackPlatform
from bot.bootstrap import Runtime
from bot.config import ConfigError

__all__ = ["SlackAdapter", "mount_slack"]

log = logging.getLogger("draftgate.slack")


@dataclass(slots=True)
class SlackAdapter:
    app: AsyncApp
    platform: SlackPlatform
    socket: AsyncSocketModeHandler | None
    name: str = "slack"

    async def start(self) -> None:
        # one HTTP session for every Web API call (kept-alive connections), instead of slack_sdk's
        # default of a new session and connection per call
        client = self.platform.client
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
        if self.socket is not None:
            await self.socket.connect_async()
            log.info("Slack connected over Socket Mode")

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()
        session, self.platform.client.session = self.platform.client.session, None
        if session is not None:
            await session.close()


def mount_slack(api: FastAPI, runtime: Runtime) -> SlackAdapter:
    settings = runtime.settings.slack
    assert settings.bot_token is not None
    client = AsyncWebClient(
        token=settings.bot_token.get_secret_value(),
        base_url=settings.api_url,
        timeout=15,
        retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )
    socket_mode = settings.app_token is not None
    if not socket_mode and settings.signing_secret is None:
        raise ConfigError("DRAFTGATE_SLACK__SIGNING_SECRET: required unless DRAFTGATE_SLACK__APP_TOKEN is set")
    app = AsyncApp(
        client=client,
        signing_secret=settings.signing_secret.get_secret_value() if settings.signing_secret else None,
        request_verification_enabled=settings.signing_secret is not None,
        process_before_response=False,
    )
    platform = SlackPlatform(client)
    runtime.core.platforms[platform.name] = platform
    register(app, runtime.core, platform, runtime.settings)

    if settings.signing_secret is not None:  # HTTP only with signatures to verify
        handler = AsyncSlackRequestHandler(app)

        @api.post("/slack/events", include_in_schema=False)
        async def slack_events(request: Request) -> Response:
            return await handler.handle(request)

    socket = None
    if socket_mode:
        assert settings.app_token is not None
        socket = AsyncSocketModeHandler(app, settings.app_token.get_secret_value(), web_client=client)
    return SlackAdapter(app=app, platform=platform, socket=socket)
