"""A local stand-in for Slack's Web API, response_url and Socket Mode, recording every call.

Faults are queued per method: `fake.fail("chat.postMessage", status=429, retry_after=1)`,
`fake.fail("chat.postMessage", error="channel_not_found")`, `fake.fail(..., status=500)`."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)  # when the call arrived
    connection: int = 0  # the client's port: calls over one kept-alive connection share it


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # payloads sent to response_url
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    channel_names: dict[str, str] = field(default_factory=lambda: {"C1": "general", "C2": "security", "CR": "review"})
    socket_envelopes: list[dict[str, Any]] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    # -- assertions helpers ---------------------------------------------------------------
    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def public_posts(self, channel: str = "C1") -> list[dict[str, Any]]:
        return [p for p in self.called("chat.postMessage") if p.get("channel") == channel]

    def fail(self, method: str, **fault: Any) -> None:
        self.faults.setdefault(method, []).append(fault)

    async def wait_for(self, predicate: Any, timeout: float = 8.0) -> None:
        for _ in range(int(timeout / 0.02)):
            if predicate():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out waiting for Slack calls; calls were: "
                             + ", ".join(c.method for c in self.calls))

    # -- server ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if request.method == "GET":
            params = dict(request.query)
        elif request.content_type == "application/json":
            params = json.loads(raw or "{}")
        else:
            params = {**dict(request.query), **{k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}}
        for key in ("blocks", "metadata", "view"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.calls.append(Call(method, params, connection=peer[1] if peer else 0))
        queued = self.faults.get(method)
        if queued:
            fault = queued.pop(0)
            if fault.get("hang"):
                await asyncio.sleep(fault["hang"])
            if fault.get("status") == 429:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(fault.get("retry_after", 1))})
            if fault.get("status"):
                return web.Response(status=fault["status"], text="server error")
            if fault.get("error"):
                return web.json_response({"ok": False, "error": fault["error"]})
            if fault.get("crash_after_post"):  # Slack accepted the post, the response never arrives
                self._post(params)
                return web.Response(status=500, text="connection reset")
        return web.json_response(self._answer(method, params))

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        message = {"ts": ts, "text": params.get("text"), "metadata": params.get("metadata"),
                   "thread_ts": params.get("thread_ts")}
        self.history.setdefault(params.get("channel", ""), []).insert(0, message)
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "draftgate"}
        if method == "chat.postMessage":
            return self._post(params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method == "chat.delete":
            channel = self.history.get(params.get("channel", ""), [])
            self.history[params.get("channel", "")] = [m for m in channel if m["ts"] != params.get("ts")]
            return {"ok": True}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": f"https://example.slack.com/archives/{params.get('channel')}/p{params.get('message_ts', '').replace('.', '')}"}
        if method == "conversations.info":
            channel = params.get("channel", "")
            return {"ok": True, "channel": {"id": channel, "name": self.channel_names.get(channel, channel.lower())}}
        if method in ("conversations.history", "conversations.replies"):
            messages = self.history.get(params.get("channel", ""), [])
            include = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
            return {"ok": True, "messages": [m if include else {**m, "metadata": None} for m in messages]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{params.get('users', 'X')}"}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http", "ws") + "/socket"}
        return {"ok": True}

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append(json.loads(await request.text() or "{}"))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        for envelope in self.socket_envelopes:
            await ws.send_json(envelope)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws
