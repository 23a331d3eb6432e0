"""Run the benchmarks: `make bench` (or `python -m bench.run --help`).

Prints a Markdown table and writes JSON. Each figure is a ratio against a baseline measured in
the same run, or a distribution."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.audit_chain import measure_audit_chain
from bench.common import fresh_database
from bench.kb_search import measure_kb
from bench.memory import measure_memory
from bench.publish_gate import measure_publish_gate
from bench.scale_out import measure_scale_out
from bench.slack_ingress import measure_slack_ingress


def _machine() -> dict[str, Any]:
    return {"python": sys.version.split()[0], "cpus": os.cpu_count(), "platform": platform.platform(),
            "when": datetime.now(UTC).isoformat(timespec="seconds")}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    report: dict[str, Any] = {"machine": _machine(), "quick": quick, "results": {}}
    for kind in args.db:
        section: dict[str, Any] = {}
        measures = {
            "slack_ingress": lambda db: measure_slack_ingress(db, rates=[10, 25] if quick else [10, 25, 50, 100, 200],
                                                              seconds=3 if quick else 5),
            "publish_gate": lambda db: measure_publish_gate(db, rounds=2 if quick else 5, drafts=50 if quick else 300),
            "audit_chain": lambda db: measure_audit_chain(db, appends=200 if quick else 1000, rounds=2 if quick else 5),
            "kb_search": lambda db: measure_kb(db, sizes=[1000, 10_000] if quick else [1000, 10_000, 100_000],
                                               queries=50 if quick else 200),
            "scale_out": lambda db: measure_scale_out(db, events=100 if quick else 400, rate=100),
            "memory": lambda db: measure_memory(db, drafts=300 if quick else 10_000),
        }
        for name, measure in measures.items():
            if args.only and name not in args.only:
                continue
            print(f"… {kind}: {name}", file=sys.stderr, flush=True)
            db = await fresh_database(kind, args.postgres_url, name)
            try:
                section[name] = await measure(db)
            except Exception as error:  # one failed measure must not lose the others' figures
                print(f"! {kind}: {name} failed: {error!r}", file=sys.stderr, flush=True)
                section[name] = {"error": repr(error)}
            finally:
                await db.cleanup()
        report["results"][kind] = section
    return report


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key, inner in value.items() for pair in _flatten(f"{prefix}.{key}" if prefix else str(key), inner)]
    return [(prefix, value)]


def _markdown(report: dict[str, Any]) -> str:
    lines = ["| database | measure | figure | value |", "|---|---|---|---|"]
    for db, measures in report["results"].items():
        for measure, figures in measures.items():
            lines += [f"| {db} | {measure} | {key} | {value} |" for key, value in _flatten("", figures)]
    machine = report["machine"]
    lines.append("")
    lines.append(f"Python {machine['python']}, {machine['cpus']} CPUs, {machine['platform']}, {machine['when']}"
                 + (" (quick run)" if report["quick"] else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=os.environ.get("DRAFTGATE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", nargs="+", help="slack_ingress publish_gate audit_chain kb_search scale_out memory")
    parser.add_argument("--output", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args()
    report = asyncio.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(_markdown(report))
    print(f"\nJSON: {args.output}", file=sys.stderr)
    failed = [f"{db}: {name}" for db, section in report["results"].items() for name, figures in section.items()
              if "error" in figures]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
