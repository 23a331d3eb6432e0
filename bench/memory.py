"""Resident memory of `draftgate serve`, idle and after many drafts, against a bare FastAPI app."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from bench.common import Database, gather_limited

__all__ = ["measure_memory"]

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


async def _wait_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


async def measure_memory(db: Database, *, drafts: int) -> dict[str, Any]:
    port = _free_port()
    bare = subprocess.Popen([sys.executable, "-m", "bench.bare_app", str(port)], cwd=ROOT)
    try:
        await _wait_up(f"http://127.0.0.1:{port}/healthz")
        await asyncio.sleep(1)
        bare_mb = _rss_mb(bare.pid)
    finally:
        _stop(bare)

    port = _free_port()
    env = {**os.environ, "DRAFTGATE_DATABASE_URL": db.url, "DRAFTGATE_LOG_LEVEL": "WARNING"}
    serve = subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_up(f"{base}/healthz")
        await asyncio.sleep(1)
        idle_mb = _rss_mb(serve.pid)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            page = await client.get("/who")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            await client.post("/who", data={"csrf": csrf, "person": "alice"})
            questions = ["How do I rotate my SSH key?", "My VPN says certificate expired", "How do I request access?",
                         "I lost my phone", "How do I report an incident?"]

            async def one(i: int) -> None:
                response = await client.post("/c/general/ask", data={"csrf": csrf, "request_id": f"m{i}",
                                                                      "question": questions[i % len(questions)]})
                if response.status_code != 303 or "#d" not in response.headers.get("location", ""):
                    raise RuntimeError(f"ask {i} failed: HTTP {response.status_code}")

            await gather_limited(4, [(lambda i=i: one(i)) for i in range(drafts)])
        loaded_mb = _rss_mb(serve.pid)
    finally:
        _stop(serve)
    return {"bare_fastapi_idle_mb": round(bare_mb, 1), "serve_idle_mb": round(idle_mb, 1),
            f"serve_after_{drafts}_drafts_mb": round(loaded_mb, 1),
            "idle_ratio_to_bare": round(idle_mb / bare_mb, 2), "growth_ratio": round(loaded_mb / idle_mb, 2)}
