"""The console and its API on a live `draftgate serve` (random local port), with a fake chat
platform ("test") whose answers the console reviews and retracts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from adapters.server import Server, build_server
from adapters.web.console.accounts import create_account
from adapters.web.console.tokens import create_token
from bot.bootstrap import build_runtime
from bot.config import async_database_url, load_settings
from bot.services import Actor, Core, Operator, Where, ask, confirm_draft, set_rule
from bot.store.models import AuditEvent
from tests.conftest import ON_POSTGRES
from tests.fakes import FakePlatform, ScriptedDrafter
from tests.live import running

CONSOLE_TABLES = ["console_sessions", "console_api_tokens", "console_identities", "console_signin_throttle",
                  "console_accounts"]
PASSWORD = "correct horse battery staple"
ALICE = Actor("test", "T1", "U-alice", "Alice Ng")
BOB = Actor("test", "T1", "U-bob", "Bob Okafor")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def console_database(database_url: str) -> str:
    """The shared fixture empties the core's tables on PostgreSQL; empty the console's too."""
    if ON_POSTGRES:
        import asyncio

        from sqlalchemy.ext.asyncio import create_async_engine

        async def truncate() -> None:
            engine = create_async_engine(async_database_url(database_url))
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(CONSOLE_TABLES)} RESTART IDENTITY CASCADE"))
            await engine.dispose()

        asyncio.run(truncate())
    return database_url


@dataclass
class Console:
    url: str
    server: Server
    platform: FakePlatform
    _asked: int = 0

    @property
    def core(self) -> Core:
        return self.server.runtime.core

    async def account(self, username: str, role: str, *, password: str = PASSWORD, name: str = "") -> None:
        await create_account(self.core, by="test:setup", username=username, role=role, password=password,
                             display_name=name or username.title())

    async def token(self, username: str, *, days: int | None = None) -> tuple[str, int]:
        secret, row = await create_token(self.core, by="test:setup", username=username, name="test", days=days)
        return secret, row.id

    async def draft(self, question: str = "How do I rotate my SSH key?", *, who: Actor = ALICE,
                    channel: str = "C-general") -> str:
        self._asked += 1
        outcome = await ask(self.core, actor=who, where=Where("test", "T1", channel), question=question,
                            event_id=f"ev-{self._asked}")
        assert outcome.draft_id
        return outcome.draft_id

    async def published(self, question: str = "How do I rotate my SSH key?", *, who: Actor = ALICE,
                        channel: str = "C-general") -> str:
        draft_id = await self.draft(question, who=who, channel=channel)
        outcome = await confirm_draft(self.core, actor=who, draft_id=draft_id)
        assert outcome.kind == "published", outcome
        return draft_id

    async def waiting(self, question: str = "How do I report an incident?", *, who: Actor = ALICE,
                      channel: str = "C-security") -> str:
        await set_rule(self.core, by=Operator("test:setup"), platform="test", workspace="T1", channel=channel,
                       mode="moderated")
        draft_id = await self.draft(question, who=who, channel=channel)
        outcome = await confirm_draft(self.core, actor=who, draft_id=draft_id)
        assert outcome.kind == "awaiting_approval", outcome
        return draft_id

    async def events(self, action: str) -> list[AuditEvent]:
        async with self.core.uow() as uow:
            return list((await uow.session.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))).scalars())

    async def count(self, model: Any) -> int:
        async with self.core.uow() as uow:
            return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.fixture
async def console(console_database: str) -> AsyncIterator[Console]:
    settings = load_settings(database_url=console_database, load_sample_kb=False)
    server = build_server(build_runtime(settings, drafter=ScriptedDrafter()))
    platform = FakePlatform()
    server.runtime.core.platforms[platform.name] = platform
    async with running(server) as url:
        yield Console(url, server, platform)


class Browserless:
    """An HTTP client that behaves like a person with a browser: keeps cookies, sends forms with
    the page's CSRF token, does not follow redirects (so tests see them)."""

    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=15)
        self.csrf = ""

    def _remember(self, response: httpx.Response) -> httpx.Response:
        match = CSRF.search(response.text)
        if match:
            self.csrf = match.group(1)
        return response

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return self._remember(await self.http.get(path, **kw))

    async def post(self, path: str, *, csrf: str | None = None, follow: bool = False, **form: str) -> httpx.Response:
        data = {"csrf": self.csrf if csrf is None else csrf, **form}
        if csrf == "<none>":
            data.pop("csrf")
        response = await self.http.post(path, data=data)
        if follow and response.status_code == 303:
            response = await self.http.get(response.headers["location"])
        return self._remember(response)

    async def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        await self.get("/console/signin")
        response = await self.post("/console/signin", username=username, password=password)
        if response.status_code == 303:
            await self.get("/console/overview")
        return response

    async def aclose(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def browserless(console: Console) -> AsyncIterator[Callable[..., Awaitable[Browserless]]]:
    clients: list[Browserless] = []

    async def make(username: str | None = None, password: str = PASSWORD) -> Browserless:
        client = Browserless(console.url)
        clients.append(client)
        if username:
            response = await client.sign_in(username, password)
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        await client.aclose()
