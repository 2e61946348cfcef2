"""Turning auto-renewal off: only inside the window before the end date."""

from __future__ import annotations

import datetime as dt

from billing.entities import Account, Contract, ContractStatus
from billing.errors import AutoRenewNotEligible

WINDOW_MIN_DAYS = 30  # exclusive: more than 30 days before the end date
WINDOW_MAX_DAYS = 180  # inclusive: at most 180 days before the end date


def auto_renew_off_reason(contract: Contract, today: dt.date) -> str | None:
    """Reason code why auto-renewal cannot be turned off today, or None."""
    days = (contract.end_date - today).days
    if contract.status != ContractStatus.ACTIVE:
        return "not_active"
    if not contract.auto_renew:
        return "already_off"
    if days <= WINDOW_MIN_DAYS:
        return "too_close"
    if days > WINDOW_MAX_DAYS:
        return "too_far"
    return None


def check_auto_renew_off(contract: Contract, account: Account, today: dt.date) -> None:
    reason = auto_renew_off_reason(contract, today)
    if reason:
        raise AutoRenewNotEligible(
            contract.id, reason, (contract.end_date - today).days, account.ae_name, account.ae_email
        )
