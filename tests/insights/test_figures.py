"""Each figure of the seeded week (tests/insights/insights_kit.py) against its value worked out by hand, and the
definitions they rest on: the window, a repeated question, nearest-rank percentiles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import insights_kit as kit
import pytest
from sqlalchemy import Engine

from service.insights.export import report_json
from service.insights.figures import percentile
from service.insights.report import build_report
from service.insights.resolution import has_repeat, normalised
from service.insights.window import InvalidWindow, Window, parse_window


@pytest.fixture(scope="module")
def figures(seeded: Engine) -> dict[str, Any]:
    return report_json(build_report(seeded, parse_window("7d", kit.NOW), kit.NOW))


def test_the_window_is_the_seven_days_before_now(figures: dict[str, Any]) -> None:
    assert figures["window"] == {"since": "2026-03-03T12:00:00+00:00", "until": "2026-03-10T12:00:00+00:00"}
    assert figures["generated_at"] == "2026-03-10T12:00:00+00:00"


def test_conversations_and_turns_per_day_include_days_without_any(figures: dict[str, Any]) -> None:
    assert [(d["day"], d["conversations"], d["turns"]) for d in figures["days"]] == kit.EXPECTED_DAYS


def test_resolution_counts_hand_offs_thumbs_down_and_repeats(figures: dict[str, Any]) -> None:
    assert figures["resolution"] == kit.EXPECTED_RESOLUTION


def test_hand_offs_by_queue_and_by_the_subjects_category(figures: dict[str, Any]) -> None:
    assert figures["handoffs"] == kit.EXPECTED_HANDOFFS


def test_proposals_by_outcome_count_an_abandoned_one_as_expired(figures: dict[str, Any]) -> None:
    assert figures["proposals"] == kit.EXPECTED_PROPOSALS


def test_refusals_by_the_domains_error_code(figures: dict[str, Any]) -> None:
    assert figures["refusals"] == kit.EXPECTED_REFUSALS


def test_degraded_turns_and_guard_interventions_by_reason(figures: dict[str, Any]) -> None:
    assert figures["quality"] == kit.EXPECTED_QUALITY


def test_latency_percentiles_of_answered_turns(figures: dict[str, Any]) -> None:
    assert figures["latency"] == kit.EXPECTED_LATENCY


def test_satisfaction_of_ratings_given_in_the_window_with_masked_comments(figures: dict[str, Any]) -> None:
    satisfaction = dict(figures["satisfaction"])
    comments = satisfaction.pop("comments")
    assert satisfaction == kit.EXPECTED_SATISFACTION
    assert [(c["at"], c["rating"], c["text"]) for c in comments] == kit.EXPECTED_COMMENTS
    assert "4111 1111 1111 1111" not in str(figures)


def test_knowledge_gaps_are_unanswered_or_rated_down_questions_grouped_by_meaning(figures: dict[str, Any]) -> None:
    gaps = figures["knowledge_gaps"]
    assert gaps["questions"] == kit.EXPECTED_GAP_QUESTIONS
    assert [(g["count"], tuple(g["examples"]), g["last_asked"]) for g in gaps["groups"]] == kit.EXPECTED_GAPS


def test_an_empty_window_has_zero_counts_and_no_rates(seeded: Engine) -> None:
    window = parse_window("2026-01-01", kit.NOW, "2026-01-02")
    figures = report_json(build_report(seeded, window, kit.NOW, embed=_no_embedder))
    assert figures["days"] == [{"day": "2026-01-01", "conversations": 0, "turns": 0}]
    assert figures["resolution"]["conversations"] == 0 and figures["resolution"]["rate"] is None
    assert figures["latency"] == {"turns": 0, "p50_ms": None, "p95_ms": None}
    assert figures["satisfaction"]["up_share"] is None
    assert set(figures["proposals"].values()) == {0}
    assert figures["knowledge_gaps"] == {"questions": 0, "groups": []}


def _no_embedder(texts: list[str]) -> Any:
    raise AssertionError("nothing to group: the embedding model must not load")


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("7d", None, (kit.NOW - dt.timedelta(days=7), kit.NOW)),
        ("12h", None, (kit.NOW - dt.timedelta(hours=12), kit.NOW)),
        (" 2026-03-01 ", None, (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), kit.NOW)),
        ("2026-03-01T06:00+02:00", "2026-03-02", (dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC), kit.at(2, 0))),
        ("1d", "2026-03-05", (kit.at(4, 0), kit.at(5, 0))),
    ],
)
def test_a_window_is_relative_or_an_iso_date_in_utc(
    since: str, until: str | None, expected: tuple[dt.datetime, dt.datetime]
) -> None:
    assert parse_window(since, kit.NOW, until) == Window(*expected)


@pytest.mark.parametrize(
    ("since", "says"),
    [
        ("last week", "is not a period"),
        ("7x", "e.g. 7d, 12h, 2026-03-01"),
        ("0d", "must be before"),
        ("2026-03-11", "must be before"),
        ("400d", "at most 366 days"),
    ],
)
def test_a_window_that_names_no_period_is_refused_saying_why(since: str, says: str) -> None:
    with pytest.raises(InvalidWindow, match=says):
        parse_window(since, kit.NOW)


def test_a_repeat_is_the_same_question_of_three_words_or_more() -> None:
    assert normalised("  Do you accept   BITCOIN?! ") == "do you accept bitcoin"
    assert has_repeat(["do you accept bitcoin?", "Do you accept Bitcoin"])
    assert not has_repeat(["C-1002", "c-1002"])  # an answer to the assistant's question, typed again
    assert not has_repeat(["do you accept bitcoin?", "do you accept crypto?"])


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.95) == 7
    assert percentile([40, 10, 30, 20], 0.5) == 20
    assert percentile(list(range(1, 21)), 0.95) == 19
