"""Horizontal bar charts as inline SVG: no script and no external asset, so they pass the pages' strict CSP and
work on an air-gapped host. Every bar carries its label and value as text; screen readers get the same
values from the chart's description."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 680
LABEL_WIDTH = 210
BAR_WIDTH = 280  # leaves 190 px for the longest value written beside its bar
ROW = 26
LABEL_CHARS = 34


@dataclass(frozen=True)
class Bar:
    """One bar: what it counts, how long it is, and the value written beside it."""

    label: str
    value: float
    text: str
    tone: str = ""  # a CSS class: "down" for the bars that count something bad


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], empty: str = "None in this period.") -> str:
    """A captioned figure: one row per bar, or the `empty` sentence when there is nothing to draw."""
    if not bars:
        return f'<figure id="{chart_id}"><figcaption>{html.escape(title)}</figcaption><p class="note">{html.escape(empty)}</p></figure>'
    longest = max(b.value for b in bars) or 1
    rows = "".join(_row(n, bar, longest) for n, bar in enumerate(bars))
    summary = "; ".join(f"{b.label}: {b.text}" for b in bars)
    height = ROW * len(bars) + 4
    return (
        f'<figure id="{chart_id}"><figcaption id="{chart_id}-title">{html.escape(title)}</figcaption>'
        f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<desc id="{chart_id}-desc">{html.escape(summary)}</desc>{rows}</svg></figure>'
    )


def _row(n: int, bar: Bar, longest: float) -> str:
    y = n * ROW
    length = max(round(BAR_WIDTH * bar.value / longest), 1 if bar.value else 0)
    label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
    tone = f"bar {bar.tone}".strip()
    return (
        f"<g><title>{html.escape(bar.label)}: {html.escape(bar.text)}</title>"
        f'<text x="0" y="{y + 17}">{html.escape(label)}</text>'
        f'<rect class="{tone}" x="{LABEL_WIDTH}" y="{y + 5}" width="{length}" height="16" rx="2"></rect>'
        f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 17}">{html.escape(bar.text)}</text></g>'
    )
