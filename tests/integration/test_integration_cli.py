"""`portal-agent db init --demo`, then the read commands, in-process with a temporary data directory."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from service.cli import app


@pytest.fixture
def cli(tmp_path, monkeypatch, clear_service_caches):
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    for name in ("PORTAL_DATABASE_URL", "PORTAL_TODAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, list(args))
        return result, result.output + (getattr(result, "stderr", "") if result.stderr_bytes is not None else "")

    result, out = invoke("db", "init", "--demo")
    assert result.exit_code == 0, out
    assert "Demo world created." in out and (tmp_path / "data" / "portal.db").exists()
    yield invoke
    from service.container import get_container

    get_container().engine.dispose()


def _ids(pattern: str, text: str) -> list[str]:
    return sorted(set(re.findall(pattern, text)))


def test_db_init_is_idempotent(cli):
    result, out = cli("db", "init", "--demo")
    assert result.exit_code == 0 and "already present" in out


def test_alice_sees_four_invoices_on_two_contracts(cli):
    result, out = cli("invoices", "--as", "alice@acme.example")
    assert result.exit_code == 0, out
    assert _ids(r"INV-\d{4}", out) == ["INV-1001", "INV-1002", "INV-1003", "INV-1004"]
    assert "over_card_limit" in out and "disputed" in out
    result, out = cli("contracts", "--as", "alice@acme.example")
    assert result.exit_code == 0 and _ids(r"C-\d{4}", out) == ["C-1001", "C-1002"]
    assert "Visa ending 4242" in out


def test_bob_sees_only_c1001(cli):
    result, out = cli("invoices", "--as", "bob@acme.example")
    assert result.exit_code == 0, out
    assert _ids(r"INV-\d{4}", out) == ["INV-1001", "INV-1002", "INV-1003"]
    result, out = cli("contracts", "--as", "bob@acme.example")
    assert _ids(r"C-\d{4}", out) == ["C-1001"]


@pytest.mark.parametrize("command", ["invoices", "contracts"])
def test_reseller_is_refused(cli, command):
    result, out = cli(command, "--as", "dave@initech.example")
    assert result.exit_code != 0
    assert "not available to partners and resellers" in " ".join(out.split())
    assert "INV-" not in out and "C-1" not in out


@pytest.mark.parametrize("command", ["invoices", "contracts"])
def test_user_without_contracts_is_told_how_access_is_granted(cli, command):
    result, out = cli(command, "--as", "erin@acme.example")
    assert result.exit_code == 0, out
    assert "Manage Users" in out and "INV-" not in out


def test_unknown_user_is_refused(cli):
    result, out = cli("invoices", "--as", "mallory@evil.example")
    assert result.exit_code != 0 and "not a Billing Portal user" in out
