"""A live `draftgate serve` (the real server composition) on a random local port."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from adapters.server import Server, build_server
from bot.bootstrap import build_runtime
from bot.config import load_settings
from tests.live import running


@dataclass
class Live:
    url: str
    server: Server
    screenshot_dir: Path


@pytest.fixture
async def live(database_url: str, tmp_path: Path) -> AsyncIterator[Live]:
    settings = load_settings(database_url=database_url, load_sample_kb=True)
    server = build_server(build_runtime(settings))
    async with running(server) as url:
        yield Live(url, server, tmp_path)


class Browserless:
    """An HTTP client that behaves like a person with a browser: keeps cookies, sends forms
    with the page's CSRF token."""

    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=10)
        self.csrf = ""

    async def get(self, path: str) -> httpx.Response:
        response = await self.http.get(path)
        match = re.search(r'name="csrf" value="([^"]+)"', response.text)
        if match:
            self.csrf = match.group(1)
        return response

    async def post(self, path: str, **form: str) -> httpx.Response:
        response = await self.http.post(path, data={"csrf": self.csrf, **form})
        match = re.search(r'name="csrf" value="([^"]+)"', response.text)
        if match:
            self.csrf = match.group(1)
        return response

    async def become(self, person: str) -> None:
        await self.get("/who")
        await self.post("/who", person=person)

    async def aclose(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def person_factory(live: Live) -> AsyncIterator:
    clients: list[Browserless] = []

    async def make(person: str) -> Browserless:
        client = Browserless(live.url)
        await client.become(person)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
