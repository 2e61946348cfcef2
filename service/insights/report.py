"""One window's insights together: what `portal-agent insights`, `/insights` and `/v1/insights` show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from service.insights import figures as f
from service.insights.gaps import Embed, KnowledgeGaps, gap_questions, knowledge_gaps
from service.insights.query import Rows, read_rows
from service.insights.resolution import Resolution, resolution
from service.insights.window import Window, parse_window

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Report:
    """Every figure of one window (service/insights/figures.py, resolution.py, gaps.py say how each is
    counted)."""

    window: Window
    generated_at: dt.datetime
    days: tuple[f.Day, ...]
    resolution: Resolution
    handoffs: f.Handoffs
    proposals: dict[str, int]
    refusals: dict[str, int]
    quality: f.Quality
    latency: f.Latency
    satisfaction: f.Satisfaction
    knowledge_gaps: KnowledgeGaps


def compute(rows: Rows, window: Window, now: dt.datetime, embed: Embed) -> Report:
    """The report of rows already read (the figures need no database)."""
    return Report(
        window,
        now,
        tuple(f.per_day(rows.turns, window)),
        resolution(rows.turns, rows.ratings),
        f.handoffs(rows.turns),
        f.proposal_outcomes(rows.proposals, now),
        f.refusals(rows.turns),
        f.quality(rows.turns),
        f.latency(rows.turns),
        f.satisfaction(rows.ratings, window),
        knowledge_gaps(gap_questions(rows.turns, rows.ratings), embed),
    )


def build_report(engine: Engine, window: Window, now: dt.datetime, embed: Embed | None = None) -> Report:
    """Read the window's rows and compute the report. Gaps are grouped with the knowledge base's offline
    embedder unless another `embed` is given; the model loads only when there are gaps to group."""
    return compute(read_rows(engine, window), window, now, embed or _offline_embed)


def report_for(engine: Engine, since: str, until: str | None, now: dt.datetime) -> Report:
    """The report of a period as the CLI and the API are asked for it (`7d`, an ISO date); raises InvalidWindow."""
    return build_report(engine, parse_window(since, now, until), now)


def _offline_embed(texts: list[str]) -> np.ndarray:
    from knowledge.embeddings import get_embedder

    return get_embedder().embed(texts)
