"""Ratings of replies: one row per user and reply on SQLite and PostgreSQL (re-rated, or raced, it is
updated), comments masked and bounded, and only an assistant reply of one's own conversation is rated."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from agent.feedback import COMMENT_CHARS, FeedbackStore
from agent.scripted import say
from agent.store_tables import feedback
from billing.errors import InvalidInput, NotFound
from bootstrap.db import create_engine_for, postgres_unavailable, scratch_schema, upgrade
from tests.agent.conftest import ALICE, BOB

PG_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CARD = "4242 4242 4242 4242"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'portal.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    if reason := postgres_unavailable(PG_URL):
        pytest.skip(reason)
    with scratch_schema(PG_URL, "fb") as url:
        engine = create_engine_for(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def _rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(feedback)).mappings()]


def test_a_rating_is_stored_as_plus_or_minus_one_and_read_back(engine):
    store = FeedbackStore(engine)
    saved = store.rate("conv_1", 2, "alice@acme.example", "down", "  The amount was wrong.  ")
    assert (saved.rating, saved.comment) == ("down", "The amount was wrong.")
    assert store.get("conv_1", 2, "alice@acme.example") == saved
    assert store.get("conv_1", 2, "bob@acme.example") is None
    [row] = _rows(engine)
    assert (row["rating"], row["comment"]) == (-1, "The amount was wrong.")


def test_rating_the_same_reply_again_updates_its_one_row(engine):
    store = FeedbackStore(engine)
    first = store.rate("conv_1", 2, "alice@acme.example", "down", "wrong")
    again = store.rate("conv_1", 2, "alice@acme.example", "up")
    assert (again.rating, again.comment) == ("up", "")
    assert again.created_at == first.created_at and again.updated_at >= first.updated_at
    store.rate("conv_1", 2, "bob@acme.example", "up")  # another user's rating of the same reply is their own
    assert sorted((r["user_email"], r["rating"]) for r in _rows(engine)) == [
        ("alice@acme.example", 1),
        ("bob@acme.example", 1),
    ]


def test_first_ratings_sent_at_once_end_as_one_row(engine):
    store, workers = FeedbackStore(engine), 6
    barrier, errors = threading.Barrier(workers), []

    def rate(i: int) -> None:
        barrier.wait()
        try:
            store.rate("conv_1", 4, "alice@acme.example", "up" if i % 2 else "down", f"try {i}")
        except Exception as exc:  # noqa: BLE001 - collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    [row] = _rows(engine)
    assert row["comment"] in {f"try {i}" for i in range(workers)}
    assert row["rating"] == (1 if int(str(row["comment"]).split()[1]) % 2 else -1)  # one request's whole rating


def test_a_card_number_in_a_comment_is_masked_before_it_is_stored(engine):
    saved = FeedbackStore(engine).rate("conv_1", 2, "alice@acme.example", "down", f"I typed {CARD} by mistake")
    assert "4242 4242" not in saved.comment and "ending 4242" in saved.comment
    assert _rows(engine)[0]["comment"] == saved.comment


@pytest.mark.parametrize(
    ("rating", "comment", "field"),
    [("meh", "", "rating"), ("UP", "", "rating"), ("down", "x" * (COMMENT_CHARS + 1), "comment")],
)
def test_bad_input_is_refused_and_changes_nothing(engine, rating, comment, field):
    store = FeedbackStore(engine)
    store.rate("conv_1", 2, "alice@acme.example", "up", "kept")
    with pytest.raises(InvalidInput) as refused:
        store.rate("conv_1", 2, "alice@acme.example", rating, comment)
    assert refused.value.field == field
    [row] = _rows(engine)
    assert (row["rating"], row["comment"]) == (1, "kept")


def test_a_long_comment_of_card_numbers_fits_its_column_masked(engine):
    typed = " ".join([CARD] * 25)[:COMMENT_CHARS]  # at most 500 typed; each masked note is longer than the number
    saved = FeedbackStore(engine).rate("conv_1", 2, "alice@acme.example", "down", typed)
    assert len(saved.comment) == COMMENT_CHARS and "4242 4242" not in saved.comment
    with engine.connect() as conn:
        assert conn.execute(select(func.length(feedback.c.comment))).scalar_one() == COMMENT_CHARS


def test_the_runner_rates_only_assistant_replies_of_ones_own_conversation(world):
    runner, _ = world.scripted(say("Open Invoices and choose Pay Now."))
    conv = runner.start_conversation(ALICE).id
    reply = runner.run_turn(ALICE, conv, "how do I pay?").message_id
    assert reply is not None

    saved = runner.rate(ALICE, conv, reply, "up")
    assert (saved.conversation_id, saved.message_seq, saved.user_email, saved.rating) == (
        conv,
        reply,
        ALICE.email,
        "up",
    )
    with pytest.raises(NotFound) as theirs:
        runner.rate(BOB, conv, reply, "down")
    assert theirs.value.entity == "conversation"  # the same answer as for any other call on someone else's
    for not_a_reply in (reply - 1, reply + 1, 0):  # the user's own message, none yet, none at all
        with pytest.raises(NotFound) as unknown:
            runner.rate(ALICE, conv, not_a_reply, "down")
        assert (unknown.value.entity, unknown.value.entity_id) == ("message", str(not_a_reply))
    assert FeedbackStore(world.engine).get(conv, reply, ALICE.email) == saved
    assert len(_rows(world.engine)) == 1
