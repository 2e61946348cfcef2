"""The report as JSON (`--json`, `/v1/insights`) and its knowledge gaps as CSV (`--csv`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from service.insights.gaps import EXAMPLES, Gap
from service.insights.report import Report

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ["count", "last_asked"] + [f"example_{n}" for n in range(1, EXAMPLES + 1)]


def report_json(report: Report) -> dict[str, Any]:
    """Every figure, with dates and times in ISO 8601 (UTC)."""
    return {key: _plain(value) for key, value in asdict(report).items()}


def _plain(value: object) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def gaps_csv(gaps: Sequence[Gap]) -> str:
    """One row per group of questions, most asked first; examples are masked as recorded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for gap in gaps:
        examples = [_cell(e) for e in gap.examples] + [""] * (EXAMPLES - len(gap.examples))
        writer.writerow([gap.count, gap.last_asked.isoformat(), *examples])
    return out.getvalue()


def _cell(text: str) -> str:
    """A customer's words as text: a spreadsheet would run one starting with = + - @ as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text
