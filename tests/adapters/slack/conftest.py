"""`draftgate serve` with the Slack adapter on, against a local fake of Slack."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.server import Server, build_server
from bot.bootstrap import build_runtime
from bot.config import load_settings
from tests.adapters.slack.fake_slack import FakeSlack
from tests.fakes import ScriptedDrafter
from tests.live import running

SECRET = "test-signing-secret"
TEAM = "T1"


@dataclass
class SlackHarness:
    url: str
    fake: FakeSlack
    server: Server
    drafter: ScriptedDrafter
    http: httpx.AsyncClient
    _events: int = 0

    @property
    def core(self):  # noqa: ANN201
        return self.server.runtime.core

    async def send(self, body: str, content_type: str, *, timestamp: int | None = None,
                   secret: str = SECRET, headers: dict[str, str] | None = None) -> httpx.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        return await self.http.post("/slack/events", content=body, headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
            **(headers or {})})

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any) -> httpx.Response:
        self._events += 1
        body = {"token": "x", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                "event_id": event_id or f"Ev{self._events}", "event_time": int(time.time()), "event": event,
                "is_ext_shared_channel": kw.pop("shared", False)}
        return await self.send(json.dumps(body), "application/json", **kw)

    async def mention(self, text: str, *, user: str = "U1", channel: str = "C1", **kw: Any) -> httpx.Response:
        return await self.event({"type": "app_mention", "user": user, "text": f"<@UBOT> {text}",
                                 "ts": f"1699999999.{self._events:06d}", "channel": channel,
                                 "event_ts": "1699999999.000001"}, **kw)

    async def interaction(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        return await self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **kw)

    async def click(self, action_id: str, draft_id: str, *, user: str = "U1", channel: str = "C1",
                    container: dict[str, Any] | None = None) -> httpx.Response:
        return await self.interaction({
            "type": "block_actions", "user": {"id": user, "team_id": TEAM, "username": user.lower()},
            "team": {"id": TEAM}, "channel": {"id": channel}, "trigger_id": f"trig-{time.monotonic_ns()}",
            "response_url": f"{self.fake.url}/response/{user}", "container": container or {"type": "message"},
            "actions": [{"action_id": action_id, "value": draft_id, "type": "button"}]})

    async def command(self, command: str, text: str, *, user: str = "U1", channel: str = "C1") -> httpx.Response:
        form = {"command": command, "text": text, "team_id": TEAM, "user_id": user, "user_name": user.lower(),
                "channel_id": channel, "trigger_id": f"trig-{time.monotonic_ns()}",
                "response_url": f"{self.fake.url}/response/cmd-{user}"}
        return await self.send(urlencode(form), "application/x-www-form-urlencoded")

    def draft_ids(self) -> list[str]:
        ids = []
        for params in self.fake.called("chat.postEphemeral") + self.fake.responses + self.fake.called("chat.postMessage"):
            for block in params.get("blocks") or []:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element.get("action_id") == "draftgate_publish" or element.get("action_id") == "draftgate_discard":
                        if element["value"] not in ids:
                            ids.append(element["value"])
        return ids


@pytest.fixture
def drafter() -> ScriptedDrafter:
    return ScriptedDrafter("Rotate your key in Gatekeeper. [1]")


@pytest.fixture
async def slack(database_url: str, drafter: ScriptedDrafter) -> AsyncIterator[SlackHarness]:
    fake = FakeSlack()
    await fake.start()
    settings = load_settings(database_url=database_url, load_sample_kb=False, web_workspace=False,
                             slack={"bot_token": "xoxb-test", "signing_secret": SECRET, "api_url": f"{fake.url}/api/",
                                    "review_channel": "CR"})
    server = build_server(build_runtime(settings, drafter=drafter))
    try:
        async with running(server) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield SlackHarness(url, fake, server, drafter, http)
    finally:
        await fake.stop()
