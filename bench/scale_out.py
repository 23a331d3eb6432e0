"""Scale-out: 1, 2 and 4 `draftgate serve` processes on one PostgreSQL behind no balancer but
round-robin. Some events are delivered to two replicas; some drafts get Publish clicked on two
replicas at once. Reports drafts/s per replica count and the duplicate counts (must be 0)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bench.common import Database
from bench.memory import _free_port, _stop, _wait_up
from bench.slack_ingress import QUESTIONS, ROOT, SECRET
from bot.store.models import DraftRow, Publication
from tests.adapters.slack.fake_slack import FakeSlack

__all__ = ["measure_scale_out"]


def _signed(body: str, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)}


def _draft_ids(fake: FakeSlack) -> dict[str, str]:
    """marker → draft id, from the private drafts the fake received."""
    found = {}
    for call in fake.calls:
        if call.method != "chat.postEphemeral":
            continue
        text = json.dumps(call.params)
        start = text.find("[s")
        if start < 0:
            continue
        for block in call.params.get("blocks") or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == "draftgate_publish":
                    found[text[start:text.find("]", start) + 1]] = element["value"]
    return found


async def _round(db: Database, fake: FakeSlack, replicas: int, events: int, rate: int) -> dict[str, Any]:
    processes, urls = [], []
    for _ in range(replicas):
        port = _free_port()
        env = {**os.environ, "DRAFTGATE_DATABASE_URL": db.url, "DRAFTGATE_LOG_LEVEL": "WARNING",
               "DRAFTGATE_WEB_WORKSPACE": "false", "DRAFTGATE_LOAD_SAMPLE_KB": "true",
               "DRAFTGATE_SLACK__BOT_TOKEN": "xoxb-bench", "DRAFTGATE_SLACK__SIGNING_SECRET": SECRET,
               "DRAFTGATE_SLACK__API_URL": f"{fake.url}/api/"}
        processes.append(subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)], cwd=ROOT, env=env))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            await _wait_up(f"{url}/healthz")
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200)) as http:
            tag = f"{replicas}r"
            begin = time.perf_counter()
            tasks = []
            for i in range(events):
                delay = begin + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = json.dumps({"team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                                   "event_id": f"Ev{tag}{i}", "event_time": int(time.time()),
                                   "event": {"type": "app_mention", "user": f"U{i % 40}", "channel": "C1",
                                             "ts": f"1700000000.{i:06d}",
                                             "text": f"<@UBOT> {QUESTIONS[i % len(QUESTIONS)]} [s{tag}-{i}]"}})
                targets = [urls[i % replicas]] + ([urls[(i + 1) % replicas]] if i % 5 == 0 and replicas > 1 else [])
                for url in targets:  # every fifth event is delivered to two replicas
                    tasks.append(asyncio.create_task(http.post(f"{url}/slack/events", content=body,
                                                               headers=_signed(body, "application/json"))))
            sent = await asyncio.gather(*tasks, return_exceptions=True)
            event_errors = sum(1 for a in sent if isinstance(a, BaseException) or a.status_code != 200)
            wanted = {f"[s{tag}-{i}]" for i in range(events)}
            for _ in range(1200):
                ids = _draft_ids(fake)
                if wanted <= set(ids):
                    break
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - begin
            ids = {marker: draft for marker, draft in _draft_ids(fake).items() if marker in wanted}
        # the clicks on fresh connections: the drafting wait can outlast the servers' keep-alive,
        # and a request sent on a connection the server is just closing fails in transit
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200)) as http:
            clicks = []
            for marker in sorted(ids)[:20]:  # Publish pressed on two replicas at once
                user = f"U{int(marker.split('-')[1].rstrip(']')) % 40}"
                payload = urlencode({"payload": json.dumps({
                    "type": "block_actions", "user": {"id": user, "team_id": "T1"}, "team": {"id": "T1"},
                    "channel": {"id": "C1"}, "trigger_id": f"t{marker}", "container": {"type": "message"},
                    "actions": [{"action_id": "draftgate_publish", "value": ids[marker], "type": "button"}]})})
                for url in urls[:2] if replicas > 1 else urls * 2:
                    clicks.append(http.post(f"{url}/slack/events", content=payload,
                                            headers=_signed(payload, "application/x-www-form-urlencoded")))
            answers = await asyncio.gather(*clicks, return_exceptions=True)
            click_errors = sum(1 for a in answers if isinstance(a, BaseException) or a.status_code != 200)
            await asyncio.sleep(3)
    finally:
        for process in processes:
            _stop(process)
    runtime = await db.runtime()
    try:
        async with runtime.core.uow() as uow:
            drafts = (await uow.session.execute(select(func.count()).select_from(DraftRow)
                                                .where(DraftRow.question_id.isnot(None)))).scalar_one()
            publications = Counter((await uow.session.execute(select(Publication.draft_id))).scalars())
    finally:
        await runtime.close()
    posts = Counter((m.get("metadata") or {}).get("event_payload", {}).get("draft_id")
                    for m in fake.history.get("C1", []))
    return {"drafts_per_s": round(len(ids) / elapsed, 1), "events": events, "drafts": len(ids),
            "duplicate_drafts": drafts - events, "duplicate_publications": sum(n - 1 for n in publications.values()),
            "duplicate_posts": sum(n - 1 for d, n in posts.items() if d), "event_errors": event_errors, "clicks": len(answers),
            "click_errors": click_errors, "published": len(publications)}


async def measure_scale_out(db: Database, *, events: int, rate: int) -> dict[str, Any]:
    if db.label != "postgresql":
        return {"skipped": "several replicas need PostgreSQL"}
    result: dict[str, Any] = {}
    for replicas in (1, 2, 4):
        fake = FakeSlack()
        await fake.start()
        try:
            from bench.common import fresh_database

            fresh = await fresh_database("postgresql", db.url, f"scale{replicas}")
            try:
                result[f"replicas_{replicas}"] = await _round(fresh, fake, replicas, events, rate)
            finally:
                await fresh.cleanup()
        finally:
            await fake.stop()
    base = result["replicas_1"]["drafts_per_s"] or 1
    for replicas in (2, 4):
        result[f"replicas_{replicas}"]["throughput_ratio_to_1"] = round(result[f"replicas_{replicas}"]["drafts_per_s"] / base, 2)
    return result
