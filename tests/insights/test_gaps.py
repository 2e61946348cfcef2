"""Knowledge gaps grouped by meaning with the knowledge base's own offline embedder, and their CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np

from knowledge.embeddings import get_embedder
from service.insights.export import gaps_csv
from service.insights.gaps import Gap, GapQuestion, gap_questions, knowledge_gaps
from service.insights.query import RatingRow, TurnRow

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
REFUNDS = [
    "can I get a refund for an invoice I paid twice?",
    "how do I get my money back for a duplicate payment",
    "I was charged twice, please refund me",
    "refund request for double payment",
    "I was charged twice, please refund me!",  # the same question again
]
BITCOIN = [
    "do you accept bitcoin?",
    "is cryptocurrency accepted for payments",
    "can I pay with crypto like bitcoin or ethereum?",
]


def _asked(texts: list[str]) -> list[GapQuestion]:
    return [GapQuestion(text, START + dt.timedelta(hours=n)) for n, text in enumerate(texts)]


def _embed(texts: list[str]) -> np.ndarray:
    return get_embedder().embed(texts)


def test_paraphrases_on_two_topics_make_two_groups_with_their_counts() -> None:
    gaps = knowledge_gaps(_asked(REFUNDS + BITCOIN), _embed)
    assert gaps.questions == 8
    assert [g.count for g in gaps.groups] == [5, 3]
    refunds, bitcoin = gaps.groups
    assert refunds.examples[0] == "I was charged twice, please refund me!"  # asked twice, last put this way
    assert len(refunds.examples) == 3 and set(refunds.examples) <= set(REFUNDS)
    assert set(bitcoin.examples) == set(BITCOIN)
    assert refunds.last_asked == START + dt.timedelta(hours=4)
    assert bitcoin.last_asked == START + dt.timedelta(hours=7)


def test_the_groups_do_not_depend_on_the_order_questions_were_asked_in() -> None:
    def topics(texts: list[str]) -> list[tuple[int, str]]:
        groups = knowledge_gaps(_asked(texts), _embed).groups
        return [(g.count, "bitcoin" if set(g.examples) <= set(BITCOIN) else "refunds") for g in groups]

    assert topics(REFUNDS + BITCOIN) == topics(BITCOIN[::-1] + REFUNDS[::-1]) == [(5, "refunds"), (3, "bitcoin")]


def test_a_gap_is_an_unanswered_question_or_a_searched_answer_rated_down() -> None:
    def turn(seq: int, question: str, **fields: bool) -> TurnRow:
        return TurnRow("c1", seq, START, "agent", question, **fields)

    turns = [
        turn(2, "not in the articles", searched=True, unanswered=True),
        turn(4, "answered, rated down", searched=True),
        turn(6, "answered, rated up", searched=True),
        turn(8, "no search, rated down"),
    ]
    ratings = [RatingRow("c1", seq, value, "", START) for seq, value in ((4, -1), (6, 1), (8, -1))]
    assert [q.text for q in gap_questions(turns, ratings)] == ["not in the articles", "answered, rated down"]


def test_gaps_export_as_csv_with_formulas_kept_as_text() -> None:
    gaps = [
        Gap(3, ("=HYPERLINK(1)", "do you accept bitcoin?"), START),
        Gap(1, ("refund?",), START + dt.timedelta(days=1)),
    ]
    rows = list(csv.reader(io.StringIO(gaps_csv(gaps))))
    assert rows == [
        ["count", "last_asked", "example_1", "example_2", "example_3"],
        ["3", "2026-03-02T09:00:00+00:00", "'=HYPERLINK(1)", "do you accept bitcoin?", ""],
        ["1", "2026-03-03T09:00:00+00:00", "refund?", "", ""],
    ]
