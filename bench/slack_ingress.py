"""Slack ingress: signed app_mention events over real HTTP at rising rates, into `draftgate serve`
(kb engine) and into a bare slack-bolt app, side by side, both against the same fake Web API."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.signature import SignatureVerifier

from bench.common import Database, distribution
from bench.memory import _free_port, _stop, _wait_up
from tests.adapters.slack.fake_slack import FakeSlack

__all__ = ["measure_slack_ingress"]

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
QUESTIONS = ["How do I rotate my SSH key?", "My VPN says certificate expired", "How do I request access?",
             "I lost my phone, how do I sign in?", "How do I report a security incident?"]


class Arrivals:
    """When the fake Slack received each private answer, keyed by the question's marker."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake, self.seen = fake, len(fake.calls)
        self.at: dict[str, float] = {}

    def poll(self) -> None:
        calls = self.fake.calls
        for call in calls[self.seen:]:
            if call.method == "chat.postEphemeral":
                text = json.dumps(call.params)
                start = text.find("[q")
                if start >= 0:
                    self.at.setdefault(text[start:text.find("]", start) + 1], call.at)
        self.seen = len(calls)


async def _load(url: str, rate: int, seconds: float, arrivals: Arrivals) -> dict[str, Any]:
    verifier = SignatureVerifier(SECRET)
    acks: list[float] = []
    sent: dict[str, float] = {}
    errors = 0
    total = int(rate * seconds)
    async with httpx.AsyncClient(base_url=url, timeout=10, limits=httpx.Limits(max_connections=200)) as http:

        async def one(i: int) -> None:
            nonlocal errors
            marker = f"[q{rate}-{i}]"
            body = json.dumps({"team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                               "event_id": f"Ev{rate}-{i}-{time.monotonic_ns()}", "event_time": int(time.time()),
                               "event": {"type": "app_mention", "user": f"U{i % 50}", "channel": "C1",
                                         "ts": f"1700000000.{i:06d}",
                                         "text": f"<@UBOT> {QUESTIONS[i % len(QUESTIONS)]} {marker}"}})
            ts = str(int(time.time()))
            headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                       "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body)}
            started = time.perf_counter()
            sent[marker] = started
            try:
                response = await http.post("/slack/events", content=body, headers=headers)
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            acks.append(time.perf_counter() - started)

        begin = time.perf_counter()
        tasks = []
        for i in range(total):  # open loop: send on schedule, whatever the server does
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            arrivals.poll()
            if all(m in arrivals.at for m in sent):
                break
            await asyncio.sleep(0.05)
        elapsed = max(arrivals.at.get(m, begin) for m in sent) - begin
    delivered = [arrivals.at[m] - sent[m] for m in sent if m in arrivals.at]
    return {"offered_per_s": rate, "sustained_per_s": round(len(delivered) / elapsed, 1) if elapsed > 0 else 0,
            "errors": errors, "undelivered": total - len(delivered),
            "ack": distribution(acks), "to_private_draft": distribution(delivered)}


async def measure_slack_ingress(db: Database, *, rates: list[int], seconds: float) -> dict[str, Any]:
    fake = FakeSlack()
    await fake.start()
    results: dict[str, Any] = {}
    try:
        for name in ("bare_bolt", "draftgate"):
            port = _free_port()
            if name == "bare_bolt":
                command = [sys.executable, "-m", "bench.bare_bolt", str(port), f"{fake.url}/api/", SECRET]
                env = dict(os.environ)
            else:
                command = [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)]
                env = {**os.environ, "DRAFTGATE_DATABASE_URL": db.url, "DRAFTGATE_LOG_LEVEL": "WARNING",
                       "DRAFTGATE_WEB_WORKSPACE": "false", "DRAFTGATE_SLACK__BOT_TOKEN": "xoxb-bench",
                       "DRAFTGATE_SLACK__SIGNING_SECRET": SECRET, "DRAFTGATE_SLACK__API_URL": f"{fake.url}/api/"}
            process = subprocess.Popen(command, cwd=ROOT, env=env)
            try:
                await _wait_up(f"http://127.0.0.1:{port}/healthz")
                arrivals = Arrivals(fake)
                results[name] = [await _load(f"http://127.0.0.1:{port}", rate, seconds, arrivals) for rate in rates]
            finally:
                _stop(process)
    finally:
        await fake.stop()
    summary: dict[str, Any] = {"rates": {}}
    for bare, ours in zip(results["bare_bolt"], results["draftgate"], strict=True):
        summary["rates"][str(bare["offered_per_s"])] = {"draftgate": ours, "bare_bolt": bare,
                                                        "throughput_ratio": round(ours["sustained_per_s"] / bare["sustained_per_s"], 2) if bare["sustained_per_s"] else None}
    under_100 = [r for r, v in summary["rates"].items() if v["draftgate"]["ack"]["p99_ms"] < 100 and not v["draftgate"]["errors"]]
    summary["highest_rate_with_p99_ack_under_100ms"] = max(map(int, under_100), default=None)
    return summary
