"""`portal-agent db init --demo`, then the read commands, in-process with a temporary data directory."""

from __future__ import annotations

import re

import pytest

from billing.operations.registry import command


@pytest.fixture
def cli(demo_cli):
    return demo_cli


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


def test_a_lost_gateway_answer_is_reconciled_then_settled_from_the_command_line(cli, tmp_path):
    """The gateway's ledger is its own file in the data dir: a payment whose answer was lost in one
    process is completed by `payments reconcile` in another, and `settle --all` settles it."""
    from billing.principal import Principal
    from bootstrap.container import get_container

    billing, alice = get_container().billing, Principal("alice@acme.example", "cli")
    card = billing.gateway.tokenize("4000 0000 0000 3220", 12, 2030, "123")  # charged, then the answer is lost
    form = billing.propose(
        alice,
        "form",
        command(
            "update_card",
            {
                "contract_id": "C-1001",
                "token": card.token,
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": 12,
                "exp_year": 2030,
            },
        ),
    )
    billing.execute(alice, form.id)
    action = billing.propose(alice, "conv", command("pay_invoice", {"invoice_id": "INV-1001"}))
    assert billing.execute(alice, action.id).status.value == "in_progress"
    assert (tmp_path / "data" / "gateway.db").exists()
    result, out = cli("invoices", "--as", "alice@acme.example")
    assert "payment_in_progress" in " ".join(out.split())
    result, out = cli("payments", "reconcile", "--older-than", "0")
    assert result.exit_code == 0, out
    assert "1 went through (INV-1001)" in out and "0 did not" in out
    result, out = cli("payments", "reconcile", "--older-than", "0")
    assert "Checked 0 payment(s)" in out
    result, out = cli("settle")
    assert "Settled 0 payment(s)" in out  # the gateway settles 24 hours after the charge
    result, out = cli("settle", "--all")
    assert result.exit_code == 0 and "Settled 1 payment(s): INV-1001" in out, out
