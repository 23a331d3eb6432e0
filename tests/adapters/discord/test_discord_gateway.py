"""`draftgate serve`'s Discord client through discord.py's real aiohttp REST and websocket code,
against a local REST + gateway stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
import yarl

from adapters.server import build_server
from bot.bootstrap import build_runtime
from bot.config import load_settings
from tests.adapters.discord.fake_discord import CHANNEL_ID, FakeDiscord
from tests.fakes import ScriptedDrafter
from tests.live import running


@pytest.fixture
async def fake(database_url: str) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    settings = load_settings(database_url=database_url, load_sample_kb=False, web_workspace=False,
                             discord={"bot_token": "test-token", "api_url": f"{fake.url}/api/v10",
                                      "gateway_url": fake.url.replace("http", "ws") + "/gateway"})
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    server = build_server(build_runtime(settings, drafter=ScriptedDrafter("Ping @everyone: rotate keys.")))
    try:
        async with running(server):
            await asyncio.wait_for(fake.identified.wait(), 10)
            await _until(lambda: fake.calls("PUT", "/commands"))
            yield fake
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, yarl.URL(str(gateway))
        await fake.stop()


async def _until(predicate, timeout: float = 10.0):
    for _ in range(int(timeout / 0.02)):
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def _ask_and_draft(fake: FakeDiscord) -> dict:
    await fake.dispatch("INTERACTION_CREATE", fake.interaction(
        kind=2, user_id="11", interaction_id="5001",
        data={"id": "1", "name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": "How do I rotate keys?"}]}))
    followups = await _until(lambda: [m for m in fake.messages.values() if m["kind"] == "followup" and m["components"]])
    return followups[-1]


def _custom_id(message: dict) -> str:
    return message["components"][0]["components"][0]["custom_id"]


async def _click(fake: FakeDiscord, message: dict, user_id: str, interaction_id: str) -> None:
    await fake.dispatch("INTERACTION_CREATE", fake.interaction(
        kind=3, user_id=user_id, interaction_id=interaction_id, message=message,
        data={"custom_id": _custom_id(message), "component_type": 2}))


async def test_ask_defers_then_sends_an_ephemeral_draft_with_persistent_buttons(fake):
    draft = await _ask_and_draft(fake)
    [defer] = fake.calls("POST", "/interactions/5001/tok-5001/callback")
    assert defer["type"] == 5 and defer["data"]["flags"] & 64
    assert draft["flags"] & 64 and _custom_id(draft).startswith("draftgate:publish:")
    assert "AI-generated draft" in draft["embeds"][0]["footer"]["text"]


async def test_publish_survives_a_429_and_is_sent_once_with_a_nonce_and_no_mentions(fake):
    draft = await _ask_and_draft(fake)
    fake.faults.append({"status": 429})
    await _click(fake, draft, "11", "5002")
    [post] = await _until(fake.channel_posts)
    await asyncio.sleep(0.3)
    assert len(fake.channel_posts()) == 1 and post["channel_id"] == CHANNEL_ID
    assert post["nonce"] and post["allowed_mentions"]["parse"] == []
    assert "@everyone" not in post["content"]
    assert len(fake.calls("POST", f"/channels/{CHANNEL_ID}/messages")) == 2


async def test_a_lost_response_is_retried_with_the_same_nonce_and_makes_one_message(fake):
    draft = await _ask_and_draft(fake)
    fake.faults.append({"status": 500, "store": True})  # Discord stored it; the answer was lost
    await _click(fake, draft, "11", "5003")
    await _until(lambda: len(fake.calls("POST", f"/channels/{CHANNEL_ID}/messages")) >= 2)
    await asyncio.sleep(0.3)
    nonces = {body["nonce"] for body in fake.calls("POST", f"/channels/{CHANNEL_ID}/messages")}
    assert len(nonces) == 1 and len(fake.channel_posts()) == 1


async def test_another_members_click_posts_nothing(fake):
    draft = await _ask_and_draft(fake)
    await _click(fake, draft, "12", "5004")
    refusal = await _until(lambda: [m for m in fake.messages.values()
                                    if m["kind"] == "followup" and "Only the person who asked" in m["content"]])
    assert refusal and fake.channel_posts() == []
