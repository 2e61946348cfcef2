"""The simulated gateway honours idempotency keys like a real processor, over either ledger (in memory,
and its own SQLite file): one charge per key, the first result replayed, another amount refused, test
cards that decline, fail before charging and time out after charging, void, and settlement."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from billing.adapters.gateway import MemoryLedger, SimulatedGateway
from billing.adapters.gateway_sql import SqlLedger
from billing.adapters.sql_uow import make_engine
from billing.clock import FixedClock
from billing.ports import ChargeOutcomeUnknown, ChargeRefused

USD = Decimal("1200.00")


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request, tmp_path: Path):
    if request.param == "memory":
        yield MemoryLedger()
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    yield SqlLedger(engine)
    engine.dispose()


@pytest.fixture
def gw(ledger, clock: FixedClock) -> SimulatedGateway:
    return SimulatedGateway(ledger, clock)


def _token(gw: SimulatedGateway, number: str = "4242 4242 4242 4242") -> str:
    return gw.tokenize(number, 12, 2030, "123").token


def test_the_same_key_returns_the_first_charge_and_never_charges_twice(gw):
    token = _token(gw)
    first = gw.charge(token, USD, "USD", "act_1")
    assert gw.charge(token, USD, "USD", "act_1") == first
    [record] = gw.records()
    assert (record.outcome, record.idempotency_key, record.amount, record.charge_id) == (
        "succeeded",
        "act_1",
        USD,
        first.charge_id,
    )
    assert gw.charge(token, USD, "USD", "act_2").charge_id != first.charge_id  # another key: another charge
    assert len(gw.records()) == 2


@pytest.mark.parametrize(
    ("amount", "currency", "other_card"), [(Decimal("1199.99"), "USD", False), (USD, "EUR", False), (USD, "USD", True)]
)
def test_the_same_key_with_other_charge_details_is_refused(gw, amount, currency, other_card):
    gw.charge(_token(gw), USD, "USD", "act_1")
    token = _token(gw, "5555 5555 5555 4444") if other_card else _token(gw)
    with pytest.raises(ChargeRefused, match="already used"):
        gw.charge(token, amount, currency, "act_1")
    assert len(gw.records()) == 1


@pytest.mark.parametrize(
    ("number", "reason"),
    [("4000 0000 0000 0002", "the card was declined"), ("4000 0000 0000 0119", "payment service error")],
)
def test_declines_and_errors_charge_nothing_and_are_recorded_as_refused(gw, number, reason):
    token = _token(gw, number)
    for _ in range(2):  # the replay refuses the same way
        with pytest.raises(ChargeRefused) as refused:
            gw.charge(token, USD, "USD", "act_1")
        assert refused.value.reason == reason
    record = gw.lookup("act_1")
    assert record is not None and (record.outcome, record.charge_id, record.reason) == ("refused", "", reason)


def test_timeout_card_is_charged_although_the_caller_sees_a_timeout(gw):
    token = _token(gw, "4000 0000 0000 3220")
    with pytest.raises(ChargeOutcomeUnknown):
        gw.charge(token, USD, "USD", "act_1")
    record = gw.lookup("act_1")
    assert record is not None and record.succeeded and record.amount == USD
    assert gw.charge(token, USD, "USD", "act_1").charge_id == record.charge_id  # a retry gets the first answer
    assert len(gw.records()) == 1


def test_void_closes_an_unused_key_and_returns_a_charge_already_made(gw):
    assert gw.lookup("act_1") is None
    voided = gw.void("act_1")
    assert voided.outcome == "voided" and gw.void("act_1") == voided
    with pytest.raises(ChargeRefused):
        gw.charge(_token(gw), USD, "USD", "act_1")
    made = gw.charge(_token(gw), USD, "USD", "act_2")
    kept = gw.void("act_2")
    assert kept.succeeded and kept.charge_id == made.charge_id
    assert [r.outcome for r in sorted(gw.records(), key=lambda r: r.idempotency_key)] == ["voided", "succeeded"]


def test_charges_settle_after_the_settlement_delay_or_when_the_batch_closes(gw, clock):
    early = gw.charge(_token(gw), USD, "USD", "act_1").charge_id
    clock.advance(hours=1)
    late = gw.charge(_token(gw), USD, "USD", "act_2").charge_id
    clock.advance(hours=23)
    [settled] = gw.settlement_report([early, late, "ch_unknown"])
    assert (settled.charge_id, settled.settled_at) == (early, clock.now())
    assert gw.close_batch() == 1
    assert {r.charge_id for r in gw.settlement_report([early, late])} == {early, late}
    assert gw.close_batch() == 0


def test_the_sqlite_ledger_is_shared_by_gateways_in_other_processes(tmp_path, clock):
    """Two gateway objects on one file stand for two processes: the key is honoured across them."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engines = [make_engine(url), make_engine(url)]
    try:
        one, two = (SimulatedGateway(SqlLedger(e), clock) for e in engines)
        token = _token(one)
        with pytest.raises(ChargeOutcomeUnknown):
            one.charge(_token(one, "4000 0000 0000 3220"), USD, "USD", "act_t")
        first = one.charge(token, USD, "USD", "act_1")
        assert two.charge(token, USD, "USD", "act_1") == first
        assert two.lookup("act_t") is not None and two.lookup("act_t").succeeded
        assert len(two.records()) == 2
    finally:
        for e in engines:
            e.dispose()


def test_tokenize_keeps_brand_and_last4_only(gw):
    card = gw.tokenize("5555-5555-5555-4444", 6, 2031, "123")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("Mastercard", "4444", 6, 2031)
    assert "5555555555554444" not in card.token and card.token.startswith("tok_ok_")
