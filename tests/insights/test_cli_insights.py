"""`portal-agent insights` on the seeded week (JSON, tables, the HTML page and the gaps as CSV), `portal-agent
token` for an operator who is no portal user, and PORTAL_OPERATOR_EMAILS read and checked like other settings."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import insights_kit as kit
import pytest

from bootstrap.settings import Settings

OPERATOR = "ops@support.example"
# The seeded week, asked for by its dates: the CLI's clock is the real one.
WEEK = ("--since", "2026-03-03T12:00", "--until", "2026-03-10T12:00")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clear_service_caches: None) -> Iterator[Callable[..., Any]]:
    """`portal-agent` in-process on a migrated database in a temporary data dir, holding the seeded week."""
    from typer.testing import CliRunner

    from bootstrap.container import get_container
    from service.cli import app

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in [n for n in os.environ if n.startswith("PORTAL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_OPERATOR_EMAILS", OPERATOR)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "init"]).exit_code == 0
    kit.seed(get_container().engine)
    yield lambda *args: runner.invoke(app, list(args))
    get_container().engine.dispose()


def test_json_holds_every_figure_of_the_week(cli: Callable[..., Any]) -> None:
    result = cli("insights", *WEEK, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert [(d["day"], d["conversations"], d["turns"]) for d in figures["days"]] == kit.EXPECTED_DAYS
    assert figures["resolution"] == kit.EXPECTED_RESOLUTION
    assert figures["handoffs"] == kit.EXPECTED_HANDOFFS
    assert figures["refusals"] == kit.EXPECTED_REFUSALS
    assert figures["quality"] == kit.EXPECTED_QUALITY
    assert figures["latency"] == kit.EXPECTED_LATENCY
    assert figures["satisfaction"]["up_share"] == kit.EXPECTED_SATISFACTION["up_share"]
    assert [g["count"] for g in figures["knowledge_gaps"]["groups"]] == [3, 2]
    # Status as of now (months later): the one that could still be confirmed at the week's end has expired since.
    assert figures["proposals"] == kit.EXPECTED_PROPOSALS | {"expired": 3, "pending": 0}


def test_tables_summarise_the_week(cli: Callable[..., Any]) -> None:
    result = cli("insights", *WEEK)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Conversations 9, resolved 5 (56 %)" in out and "p50 220 ms, p95 1200 ms" in out
    assert "Hand-offs by queue" in out and "outside_renewal_window" in out
    assert "Knowledge gaps (5 questions)" in out and kit.BITCOIN in out


def test_html_and_csv_are_written_to_files(cli: Callable[..., Any], tmp_path: Path) -> None:
    page, gaps = tmp_path / "insights.html", tmp_path / "gaps.csv"
    result = cli("insights", *WEEK, "--html", str(page), "--csv", str(gaps))
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert ">Knowledge gaps</h2>" in html and "<script" not in html and "Clear answer" in html
    rows = list(csv.reader(io.StringIO(gaps.read_text(encoding="utf-8"))))
    assert [r[:3] for r in rows[1:]] == [
        ["3", "2026-03-07T08:00:00+00:00", kit.BITCOIN],
        ["2", "2026-03-09T10:00:00+00:00", kit.REFUND],
    ]


def test_a_period_that_is_none_is_refused(cli: Callable[..., Any]) -> None:
    result = cli("insights", "--since", "last week")
    assert result.exit_code == 2 and "is not a period" in result.output


def test_an_operator_gets_a_token_without_being_a_portal_user(cli: Callable[..., Any]) -> None:
    from bootstrap.settings import get_settings
    from service.auth import tokens_for

    result = cli("token", "--as", OPERATOR)
    assert result.exit_code == 0, result.output
    assert tokens_for(get_settings()).verify(result.stdout.strip()) == OPERATOR


@pytest.mark.parametrize("value", ["ops@", "ops support.example", "a@b.example,,@c.example"])
def test_operator_emails_must_be_addresses(value: str) -> None:
    with pytest.raises(ValueError, match="PORTAL_OPERATOR_EMAILS must be comma-separated e-mail addresses"):
        Settings(_env_file=None, portal_operator_emails=value)


def test_operator_emails_are_a_case_free_set() -> None:
    settings = Settings(_env_file=None, portal_operator_emails=" Ops@Support.example, b@x.example ,")
    assert settings.operator_emails == frozenset({"ops@support.example", "b@x.example"})
    assert Settings(_env_file=None).operator_emails == frozenset()
