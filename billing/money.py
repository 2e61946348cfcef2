"""Money helpers: amounts are `Decimal` with two places, always paired with a currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_amount(value: Decimal | str | int | float) -> Decimal:
    """Quantize to cents; strings avoid float noise (`to_amount("1200")` -> 1200.00)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(currency: str, amount: Decimal) -> str:
    """`USD 1,200.00` — the form used in summaries, replies and receipts."""
    return f"{currency} {amount:,.2f}"


def amount_str(amount: Decimal) -> str:
    """Decimal string for JSON (`"1200.00"`)."""
    return f"{to_amount(amount):.2f}"
