"""The figures of one window, each computed from its rows (service/insights/query.py) by a pure function."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.masking import mask
from service.insights.query import ProposalRow, RatingRow, TurnRow
from service.insights.resolution import share
from service.insights.window import Window

# Every status a pending action can have (billing/entities.py ActionStatus), in the order a reader expects.
OUTCOMES = ("executed", "rejected", "expired", "failed", "in_progress", "pending")
RECENT_COMMENTS = 5
NO_SUBJECT = "(no subject)"
REASON_CHARS = 60


@dataclass(frozen=True)
class Day:
    """One UTC day: conversations with a turn that day, and the turns."""

    day: dt.date
    conversations: int
    turns: int


@dataclass(frozen=True)
class Handoffs:
    """Support cases the assistant opened, by queue and by reason."""

    total: int
    by_queue: dict[str, int]
    by_reason: dict[str, int]


@dataclass(frozen=True)
class Quality:
    """Turns the model answered, how many of them the built-in assistant answered instead (degraded), and
    the output guard's interventions by reason."""

    agent_turns: int
    degraded: int
    guard: dict[str, int]


@dataclass(frozen=True)
class Latency:
    """Reply time of answered turns (kind `agent`), nearest-rank percentiles; None without turns."""

    turns: int
    p50_ms: int | None
    p95_ms: int | None


@dataclass(frozen=True)
class Comment:
    """A rating's comment, masked."""

    at: dt.datetime
    rating: int
    text: str


@dataclass(frozen=True)
class Satisfaction:
    """Ratings given (or changed) in the window: thumbs up and down, and the latest comments."""

    ratings: int
    up: int
    down: int
    up_share: float | None
    comments: tuple[Comment, ...]


def counted(values: Iterable[str]) -> dict[str, int]:
    """How often each value occurs, most frequent first (ties alphabetically: the same rows, the same order)."""
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def per_day(turns: Sequence[TurnRow], window: Window) -> list[Day]:
    days = {day: (set[str](), 0) for day in window.days()}
    for turn in turns:
        conversations, count = days[turn.at.date()]
        days[turn.at.date()] = (conversations | {turn.conversation_id}, count + 1)
    return [Day(day, len(conversations), count) for day, (conversations, count) in days.items()]


def handoff_reason(subject: str) -> str:
    """The subject's leading category ("Payment / collections question: ..."), else the subject itself."""
    head = subject.split(":", 1)[0].strip() if ":" in subject else subject.strip()
    return head[:REASON_CHARS] or NO_SUBJECT


def handoffs(turns: Sequence[TurnRow]) -> Handoffs:
    handed = [t for t in turns if t.handoff_queue]
    return Handoffs(
        len(handed),
        counted(t.handoff_queue for t in handed),
        counted(handoff_reason(t.handoff_subject) for t in handed),
    )


def proposal_outcomes(proposals: Sequence[ProposalRow], now: dt.datetime) -> dict[str, int]:
    """Proposals by what became of them. One still pending past its expiry can no longer be confirmed: it is
    counted as expired (abandoned) before the expiry job gets to mark it."""
    outcomes = Counter("expired" if p.status == "pending" and p.expires_at <= now else p.status for p in proposals)
    known = {o: outcomes.pop(o, 0) for o in OUTCOMES}
    return known | counted(outcomes.elements())


def refusals(turns: Sequence[TurnRow]) -> dict[str, int]:
    """Tool calls the domain refused, by its error code (`already_paid`, `not_found`, ...)."""
    return counted(code for t in turns for code in t.refusals)


def quality(turns: Sequence[TurnRow]) -> Quality:
    answered = [t for t in turns if t.kind == "agent"]
    return Quality(len(answered), sum(t.degraded for t in answered), counted(g for t in turns for g in t.guard))


def percentile(values: Sequence[int], share: float) -> int | None:
    """Nearest rank: the smallest value at least `share` of the values are at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def latency(turns: Sequence[TurnRow]) -> Latency:
    values = [t.latency_ms for t in turns if t.kind == "agent"]
    return Latency(len(values), percentile(values, 0.5), percentile(values, 0.95))


def satisfaction(ratings: Sequence[RatingRow], window: Window) -> Satisfaction:
    given = [r for r in ratings if window.since <= r.at < window.until]
    latest = sorted((r for r in given if r.comment.strip()), key=lambda r: r.at, reverse=True)[:RECENT_COMMENTS]
    up = sum(r.rating > 0 for r in given)
    return Satisfaction(
        len(given),
        up,
        sum(r.rating < 0 for r in given),
        share(up, len(given)),
        tuple(Comment(r.at, r.rating, mask(r.comment.strip())) for r in latest),
    )
