"""A schema-driven fuzz of the API: schemathesis generates requests from /api/openapi.json
(valid and invalid: bodies, paths, query strings), sent with an admin's token to a live server
on this machine. No request may get a 5xx."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from adapters.server import build_server
from adapters.web.console.accounts import create_account
from adapters.web.console.tokens import create_token
from bot.bootstrap import build_runtime
from bot.config import load_settings
from tests.console.conftest import Console
from tests.fakes import FakePlatform, ScriptedDrafter
from tests.live import running

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def api_server(console_database: str) -> Iterator[tuple[str, str, list[str]]]:
    """A live server in a thread of its own (schemathesis sends blocking requests), with an admin
    token, published answers and a draft waiting for approval."""
    ready: dict[str, str] = {}
    started, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        settings_ = load_settings(database_url=console_database, load_sample_kb=False)
        server = build_server(build_runtime(settings_, drafter=ScriptedDrafter()))
        platform = FakePlatform()
        server.runtime.core.platforms[platform.name] = platform
        async with running(server) as url:
            console = Console(url, server, platform)
            await create_account(server.runtime.core, by="test:setup", username="dave", role="admin",
                                 password="correct horse battery staple")
            ready["token"], _ = await create_token(server.runtime.core, by="test:setup", username="dave", name="fuzz",
                                                  days=None)
            drafts = [await console.published(), await console.waiting(), await console.draft("Still a draft?")]
            ready["drafts"] = ",".join(drafts)
            ready["url"] = url
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert started.wait(30), "the server did not start"
    yield ready["url"], ready["token"], ready["drafts"].split(",")
    stop.set()
    thread.join(30)


def test_no_generated_request_gets_a_server_error(api_server):
    url, token, drafts = api_server
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    auth = {"Authorization": f"Bearer {token}"}
    seen: dict[str, set[int]] = {}
    sent: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    strategies = []
    for operation in operations:
        strategies.append((operation, operation.as_strategy(GenerationMode.POSITIVE)))
        strategies.append((operation, operation.as_strategy(GenerationMode.NEGATIVE)))
        if "{draft_id}" in operation.path:  # real drafts too, in every state: published, waiting, drafted
            for draft_id in drafts:
                strategies.append((operation, operation.as_strategy(path_parameters={"draft_id": draft_id})))

    for operation, strategy in strategies:
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def probe(case) -> None:  # noqa: ANN001
            response = case.call(base_url=f"{url}/api", headers=auth, timeout=15)
            seen.setdefault(operation.label, set()).add(response.status_code)
            sent.append(response.status_code)
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:500]}"

        probe()
    assert len(sent) >= 300, len(sent)
    assert len(seen) == len(operations)
    assert any(200 in codes for codes in seen.values()) and any(422 in codes for codes in seen.values())
