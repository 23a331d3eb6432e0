"""The OpenAI-compatible engine with the real `openai` client against a local stand-in server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.bootstrap import build_runtime
from bot.engines.openai_compat import OpenAICompatibleDrafter
from bot.ports import EngineError, Passage
from bot.services import Actor, Where, ask
from bot.store import kb_index

PASSAGE = Passage(1, "SSH key rotation", "Rotating", "ssh.md", "Rotate keys yearly in Gatekeeper.", 1.0)


class StandIn:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.mode = "ok"
        self.url = ""

    async def completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "error":
            return web.json_response({"error": {"message": "boom"}}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(3)
        return web.json_response({
            "id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "Rotate it in Gatekeeper. [1]"}}]})


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    server = StandIn()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"  # type: ignore[union-attr]
    yield server
    await runner.cleanup()


async def test_the_model_gets_the_passages_as_data_and_no_tools(stand_in):
    drafter = OpenAICompatibleDrafter(base_url=stand_in.url, api_key="k", model="local-model", timeout=2)
    result = await drafter.draft(question="How do I rotate my key?", passages=[PASSAGE])
    await drafter.close()
    assert result.text == "Rotate it in Gatekeeper. [1]" and result.citations[0].title == "SSH key rotation"
    [request] = stand_in.requests
    assert "tools" not in request and "functions" not in request
    assert "Rotate keys yearly in Gatekeeper." in json.dumps(request["messages"])


async def test_nothing_found_does_not_call_the_model(stand_in):
    drafter = OpenAICompatibleDrafter(base_url=stand_in.url, api_key="k", model="m", timeout=2)
    result = await drafter.draft(question="capital of France?", passages=[])
    await drafter.close()
    assert result.found_nothing and stand_in.requests == []


@pytest.mark.parametrize("mode", ["error", "slow"])
async def test_errors_and_timeouts_become_engine_errors(stand_in, mode):
    stand_in.mode = mode
    drafter = OpenAICompatibleDrafter(base_url=stand_in.url, api_key="k", model="m", timeout=0.5)
    with pytest.raises(EngineError):
        await drafter.draft(question="q", passages=[PASSAGE])
    await drafter.close()


async def test_an_engine_failure_fails_the_draft_privately(stand_in, settings, clock, platform, monkeypatch):
    stand_in.mode = "error"
    drafter = OpenAICompatibleDrafter(base_url=stand_in.url, api_key="k", model="m", timeout=0.5)
    runtime = build_runtime(settings, drafter=drafter, clock=clock)
    runtime.core.platforms[platform.name] = platform

    async def no_search(session, question, limit=4):
        return [PASSAGE]

    monkeypatch.setattr(kb_index, "search", no_search)
    try:
        outcome = await ask(runtime.core, actor=Actor("test", "T1", "alice", "Alice"), where=Where("test", "T1", "general"),
                            question="How do I rotate my key?", event_id="e1")
    finally:
        await runtime.close()
    assert outcome.kind == "failed" and "Nothing was posted" in outcome.message
    assert platform.posts == [] and platform.private[outcome.draft_id][-1].status == "failed"
