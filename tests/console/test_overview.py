"""The overview's numbers per day (from the audit log) and its server-side SVG charts."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

from adapters.web.console.charts import Series, grouped_bars, horizontal_bars, stacked_bars
from adapters.web.console.stats import overview
from bot.services import Operator, Where, ask, confirm_draft, discard_draft, retract_answer
from tests.console.conftest import ALICE, BOB


async def _ask(runtime, n: int, channel: str = "C-general", who=ALICE) -> str:  # noqa: ANN001
    outcome = await ask(runtime.core, actor=who, where=Where("test", "T1", channel), question=f"Question {n}?",
                        event_id=f"ev-{n}")
    return outcome.draft_id


async def test_counts_per_day_publish_rate_median_and_most_retracted(runtime, clock):
    core = runtime.core
    day1 = clock.now.date()
    a, b = await _ask(runtime, 1), await _ask(runtime, 2)
    clock.advance(minutes=10)
    await confirm_draft(core, actor=ALICE, draft_id=a)  # published 10 minutes after drafting
    await discard_draft(core, actor=ALICE, draft_id=b)
    clock.advance(days=1)
    c = await _ask(runtime, 3, channel="C-it", who=BOB)
    d = await _ask(runtime, 4, channel="C-it", who=BOB)
    clock.advance(minutes=30)
    await confirm_draft(core, actor=BOB, draft_id=c)  # 30 minutes
    await confirm_draft(core, actor=BOB, draft_id=d)
    await retract_answer(core, actor=Operator("console:carol"), draft_id=c, reason="wrong")
    await retract_answer(core, actor=Operator("console:carol"), draft_id=a, reason="old")
    stats = await overview(core, days=7, today=clock.now.date())
    assert [d.day for d in stats.days][-2:] == [day1, day1 + timedelta(days=1)] and len(stats.days) == 7
    first, second = stats.days[-2], stats.days[-1]
    assert (first["asked"], first["published"], first["discarded"], first["retracted"]) == (2, 1, 1, 0)
    assert (second["asked"], second["published"], second["retracted"]) == (2, 2, 2)
    assert stats.totals == {"asked": 4, "published": 3, "discarded": 1, "expired": 0, "denied": 0, "retracted": 2}
    assert stats.publish_rate == 3 / 4
    assert stats.median_seconds is not None and 29 * 60 < stats.median_seconds < 31 * 60
    assert stats.top_retracted == [("test", "C-it", 1, 2), ("test", "C-general", 1, 1)]
    assert [d["asked"] for d in (await overview(core, days=1, today=clock.now.date())).days] == [2]


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)  # the whole figure is well-formed markup


def test_charts_are_well_formed_svg_with_escaped_labels_and_no_inline_style():
    labels = ["11-23", "11-24"]
    series = [Series("asked", "s-asked", [3, 0]), Series("<published>", "s-published", [1, 2])]
    for chart in (grouped_bars("Per <day>", labels, series), stacked_bars("Per day", labels, series)):
        tree = _svg(str(chart))
        bars = [e for e in tree.iter() if e.tag.endswith("rect")]
        assert bars and all(float(b.get("height")) >= 0 for b in bars)
        assert "style=" not in str(chart) and "<published>" not in str(chart) and "&lt;published&gt;" in str(chart)
    retracted = str(horizontal_bars("Most retracted", [("slack:<script>alert(1)</script>", 3)]))
    assert "<script>" not in retracted and _svg(retracted) is not None
    empty = grouped_bars("Nothing", ["11-24"], [Series("asked", "s-asked", [0])])
    assert _svg(str(empty)) is not None
