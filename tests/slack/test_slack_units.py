"""Pure pieces: de-duplication across workers, Slack text in and out, e-mail verification rules."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import text

from bootstrap.db import create_engine_for, upgrade
from service.slack.dedup import claim, prune
from service.slack.identity import verified_email
from service.slack.render import button_value, mrkdwn, parse_button_value, slack_text_to_plain

PG_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _race(engine, key: str, workers: int = 8) -> list[bool]:
    results: list[bool] = []
    barrier = threading.Barrier(workers)

    def worker() -> None:
        barrier.wait()
        results.append(claim(engine, key))

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_claim_is_first_wins_across_concurrent_workers_sqlite(tmp_path):
    engine = create_engine_for(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(engine)
    assert sorted(_race(engine, "event:Ev1")) == [False] * 7 + [True]
    assert claim(engine, "event:Ev2") is True and claim(engine, "event:Ev2") is False
    assert prune(engine) == 0  # fresh keys are kept for the retry window
    engine.dispose()


@pytest.mark.postgres
def test_claim_is_first_wins_across_concurrent_workers_postgres():
    try:
        import psycopg

        psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2).close()
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at {PG_URL}: {type(exc).__name__}")
    schema = "slack_" + uuid.uuid4().hex[:8]
    admin = create_engine_for(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine_for(PG_URL + f"?options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        assert sorted(_race(engine, "event:Ev1")) == [False] * 7 + [True]
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_slack_markup_is_turned_into_what_the_user_typed():
    raw = "<@UBOT> add <mailto:new@acme.example|new@acme.example> see <https://x.example/a?b=1&amp;c=2> &lt;3 &amp; go"
    assert slack_text_to_plain(raw, "UBOT") == "add new@acme.example see https://x.example/a?b=1&c=2 <3 & go"


def test_replies_are_escaped_for_mrkdwn_so_text_cannot_inject_mentions_or_links():
    assert (
        mrkdwn("<!channel> **PO** & [help](https://h.example/x)")
        == "&lt;!channel&gt; *PO* &amp; help (`https://h.example/x`)"
    )  # not our URL: shown, not clickable


def test_button_values_round_trip():
    value = button_value("act_1", "conv_1", "UALICE", "1700.1")
    assert len(value) < 2000
    assert parse_button_value(value) == {
        "action_id": "act_1",
        "conversation_id": "conv_1",
        "requester": "UALICE",
        "thread_ts": "1700.1",
    }


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"team_id": "T1", "is_email_confirmed": True, "profile": {"email": "A@B.example"}}, "a@b.example"),
        ({"team_id": "T2", "is_email_confirmed": True, "profile": {"email": "a@b.example"}}, None),  # untrusted team
        ({"team_id": "T1", "profile": {"email": "a@b.example"}}, None),  # not confirmed
        ({"team_id": "T1", "is_email_confirmed": True, "is_bot": True, "profile": {"email": "a@b.example"}}, None),
        (
            {
                "team_id": "T1",
                "is_email_confirmed": True,
                "is_ultra_restricted": True,
                "profile": {"email": "a@b.example"},
            },
            None,
        ),
        ({"team_id": "T1", "is_email_confirmed": True, "deleted": True, "profile": {"email": "a@b.example"}}, None),
        ({"team_id": "T1", "is_email_confirmed": True, "profile": {}}, None),
    ],
)
def test_only_confirmed_member_emails_of_trusted_workspaces_count(user, expected):
    assert verified_email(user, frozenset({"T1"})) == expected


def test_relative_links_in_replies_become_absolute():
    assert (
        mrkdwn("Get [INV-1001.pdf](/v1/links/abc.def) now", "https://portal.example/")
        == "Get <https://portal.example/v1/links/abc.def|INV-1001.pdf> now"
    )
