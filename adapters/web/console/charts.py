"""Charts drawn on the server as SVG: nothing is loaded from anywhere at run time. Colours come
from classes in console.css (no inline styles, so a strict Content-Security-Policy holds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Series", "grouped_bars", "horizontal_bars", "stacked_bars"]

_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 12, 28


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    css: str
    values: Sequence[int]


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return int(math.ceil(top))
    return value


def _frame(title: str, width: int, height: int, body: list[str], legend: Sequence[Series]) -> Markup:
    keys = "".join(f'<span class="key"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" '
                   f'class="{escape(s.css)}"/></svg> {escape(s.name)}</span>' for s in legend)
    svg = (f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
           + "".join(body) + "</svg>")
    return Markup(f'<figure class="chart"><figcaption>{escape(title)}</figcaption>{svg}'
                  f'<div class="legend">{keys}</div></figure>')


def _axes(labels: Sequence[str], top: int, width: int, height: int) -> tuple[list[str], float, float]:
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    body = []
    for i in range(5):
        value = top * i / 4
        y = _TOP + plot_h - plot_h * i / 4
        body.append(f'<line class="grid" x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    slot = plot_w / max(1, len(labels))
    every = max(1, math.ceil(len(labels) / 10))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x = _LEFT + slot * (i + 0.5)
            body.append(f'<text class="tick" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{escape(label)}</text>')
    return body, slot, plot_h


def grouped_bars(title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 720,
                 height: int = 220, hints: Sequence[str] | None = None) -> Markup:
    top = _nice_max(max([0, *(v for s in series for v in s.values)]))
    body, slot, plot_h = _axes(labels, top, width, height)
    bar = slot * 0.8 / max(1, len(series))
    for i, label in enumerate(labels):
        for j, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / top
            x = _LEFT + slot * i + slot * 0.1 + bar * j
            hint = hints[i] if hints else label
            body.append(f'<rect class="{escape(s.css)}" x="{x:.1f}" y="{_TOP + plot_h - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                        f'height="{h:.1f}"><title>{escape(hint)}: {value} {escape(s.name)}</title></rect>')
    return _frame(title, width, height, body, series)


def stacked_bars(title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 720,
                 height: int = 220, hints: Sequence[str] | None = None) -> Markup:
    sums = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_max(max([0, *sums]))
    body, slot, plot_h = _axes(labels, top, width, height)
    for i, label in enumerate(labels):
        base = 0
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y = _TOP + plot_h - plot_h * base / top - h
            hint = hints[i] if hints else label
            body.append(f'<rect class="{escape(s.css)}" x="{_LEFT + slot * i + slot * 0.15:.1f}" y="{y:.1f}" '
                        f'width="{max(slot * 0.7, 1):.1f}" height="{h:.1f}"><title>{escape(hint)}: {value} '
                        f'{escape(s.name)}</title></rect>')
            base += value
    return _frame(title, width, height, body, series)


def horizontal_bars(title: str, items: Sequence[tuple[str, int]], *, css: str = "s-retracted", width: int = 720) -> Markup:
    row, label_w = 26, 220
    height = max(1, len(items)) * row + 10
    top = _nice_max(max([0, *(v for _, v in items)]))
    plot_w = width - label_w - 50
    body = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = plot_w * value / top
        short = label if len(label) <= 32 else label[:31] + "…"
        body.append(f'<text class="tick" x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(short)}</text>')
        body.append(f'<rect class="{escape(css)}" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}">'
                    f'<title>{escape(label)}: {value}</title></rect>')
        body.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 16}">{value}</text>')
    return _frame(title, width, height, body, [])
