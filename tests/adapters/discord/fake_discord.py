"""A local stand-in for Discord's REST API and gateway, enough for `serve`'s client:
HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats, command sync, interaction callbacks,
follow-ups, channel messages (honouring nonces) and injected 429s/500s."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID, BOT_ID, GUILD_ID, CHANNEL_ID = "900", "901", "700", "701"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def user(user_id: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": user_id, "username": name, "global_name": name, "discriminator": "0", "avatar": None, "bot": bot}


@dataclass
class FakeDiscord:
    url: str = ""
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_nonce: dict[str, str] = field(default_factory=dict)
    faults: list[dict[str, Any]] = field(default_factory=list)  # {"status": 429|500, "store": bool}
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    _ws: web.WebSocketResponse | None = None
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count = field(default_factory=lambda: itertools.count(10_000))
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def channel_posts(self) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m.get("kind") == "channel"]

    def calls(self, method: str, fragment: str) -> list[Any]:
        return [body for m, path, body in self.requests if m == method and fragment in path]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            if frame["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif frame["op"] == 2:
                await self.dispatch("READY", {
                    "v": 10, "user": user(BOT_ID, "draftgate", bot=True), "guilds": [{"id": GUILD_ID, "unavailable": True}],
                    "session_id": "s1", "resume_gateway_url": self.url.replace("http", "ws") + "/gateway",
                    "application": {"id": APP_ID, "flags": 0}})
                await self.dispatch("GUILD_CREATE", {
                    "id": GUILD_ID, "name": "Guild", "owner_id": "1", "unavailable": False, "member_count": 2,
                    "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "0", "position": 0, "color": 0,
                               "hoist": False, "managed": False, "mentionable": False}],
                    "channels": [{"id": CHANNEL_ID, "type": 0, "name": "general", "position": 0, "guild_id": GUILD_ID,
                                  "permission_overwrites": []}],
                    "members": [{"user": user(BOT_ID, "draftgate", bot=True), "roles": [], "flags": 0,
                                 "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False}],
                    "emojis": [], "stickers": [], "features": [], "threads": [], "stage_instances": [],
                    "guild_scheduled_events": [], "voice_states": [], "presences": [], "large": False})
                self.identified.set()
        return ws

    def _message(self, channel_id: str, body: dict[str, Any], kind: str, flags: int = 0) -> dict[str, Any]:
        message_id = str(next(self._ids))
        message = {"id": message_id, "channel_id": channel_id, "author": user(BOT_ID, "draftgate", bot=True),
                   "content": body.get("content") or "", "embeds": body.get("embeds") or [],
                   "components": body.get("components") or [], "flags": flags | int(body.get("flags") or 0),
                   "timestamp": "2026-11-24T10:00:00+00:00", "edited_timestamp": None, "tts": False,
                   "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
                   "pinned": False, "type": 0, "kind": kind, "nonce": body.get("nonce"),
                   "allowed_mentions": body.get("allowed_mentions")}
        self.messages[message_id] = message
        return message

    async def _rest(self, request: web.Request) -> web.Response:
        path, method = "/" + request.match_info["tail"], request.method
        raw = await request.read()
        body: Any = None
        if raw and request.content_type == "application/json":
            body = json.loads(raw)
        elif raw and request.content_type.startswith("multipart"):
            body = json.loads(raw.split(b'name="payload_json"')[1].split(b"\r\n\r\n", 1)[1].split(b"\r\n--")[0])
        self.requests.append((method, path, body))
        if path == "/users/@me":
            return _json(user(BOT_ID, "draftgate", bot=True))
        if path == "/oauth2/applications/@me":
            return _json({"id": APP_ID, "name": "draftgate", "icon": None, "description": "", "bot_public": True,
                          "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
                          "owner": user("1", "owner"), "summary": ""})
        if path.startswith(f"/applications/{APP_ID}/") and method == "PUT":
            return _json([{"description": "", **c, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1"}
                          for c in body or []])
        if path.startswith("/interactions/") and path.endswith("/callback"):
            kind, data = (body or {}).get("type"), (body or {}).get("data") or {}
            resource: dict[str, Any] = {"type": kind}
            if kind in (4, 7):
                resource["message"] = self._message(CHANNEL_ID, data, "followup")
            return _json({"interaction": {"id": path.split("/")[2], "type": 2,
                                          "response_message_loading": kind == 5,
                                          "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64)},
                          "resource": resource})
        if path.startswith(f"/webhooks/{APP_ID}/"):
            parts = path.split("/")
            if method == "POST":
                return _json(self._message(CHANNEL_ID, body or {}, "followup"))
            if method == "PATCH" and len(parts) > 5:
                message = self.messages.get(parts[-1]) or self._message(CHANNEL_ID, {}, "followup")
                message.update({k: v for k, v in (body or {}).items() if k in ("content", "embeds", "components")})
                return _json(message)
            return _json(self._message(CHANNEL_ID, body or {}, "followup"))
        if path.startswith("/channels/") and path.endswith("/messages") and method == "POST":
            channel_id = path.split("/")[2]
            nonce = (body or {}).get("nonce")
            if self.faults:
                fault = self.faults.pop(0)
                if fault.get("store") and nonce:  # stored, but the response is lost
                    self.by_nonce[nonce] = self._message(channel_id, body, "channel")["id"]
                if fault["status"] == 429:
                    return _json({"message": "You are being rate limited.", "retry_after": 0.25, "global": False},
                                 status=429, headers={"Via": "1.1 google"})
                return _json({"message": "server error", "code": 0}, status=fault["status"])
            if nonce and body.get("enforce_nonce") and nonce in self.by_nonce:
                return _json(self.messages[self.by_nonce[nonce]])
            message = self._message(channel_id, body, "channel")
            if nonce:
                self.by_nonce[nonce] = message["id"]
            return _json(message)
        if path.startswith("/channels/") and path.endswith("/messages") and method == "GET":
            channel_id = path.split("/")[2]
            return _json([m for m in reversed(list(self.messages.values()))
                          if m["channel_id"] == channel_id and m["kind"] == "channel"])
        if path.startswith("/channels/") and method == "GET":
            return _json({"id": path.split("/")[2], "type": 0, "name": "general", "guild_id": GUILD_ID, "position": 0,
                          "permission_overwrites": []})
        return _json({})

    def interaction(self, *, kind: int, data: dict[str, Any], user_id: str, interaction_id: str,
                    message: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = {
            "id": interaction_id, "application_id": APP_ID, "type": kind, "data": data, "guild_id": GUILD_ID,
            "channel_id": CHANNEL_ID, "channel": {"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "general"},
            "member": {"user": user(user_id, f"user{user_id}"), "roles": [], "permissions": "0",
                       "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0},
            "token": f"tok-{interaction_id}", "version": 1, "app_permissions": "0", "locale": "en-US",
            "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0, "attachment_size_limit": 10_000_000,
        }
        if message is not None:
            payload["message"] = {k: v for k, v in message.items() if k not in ("kind", "allowed_mentions", "nonce")}
        return payload
