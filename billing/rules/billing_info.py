"""Billing address and billing contact changes: merge a partial change, validate, refuse no-ops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from billing.entities import Address, Contact, Contract
from billing.errors import CountryChangeNotAllowed, InvalidInput, NoChange
from billing.rules.fields import clean_country, clean_email, clean_phone, clean_postal_code, clean_text

ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")
CONTACT_FIELDS = ("name", "email", "phone")


def clean_address_changes(changes: dict[str, str]) -> dict[str, str]:
    """Validate each provided address field; unknown fields are an error, absent ones stay as they are."""
    unknown = set(changes) - set(ADDRESS_FIELDS)
    if unknown:
        raise InvalidInput("address", ", ".join(sorted(unknown)), f"known fields are {', '.join(ADDRESS_FIELDS)}")
    cleaners = {
        "line1": lambda v: clean_text(v, "line1", max_len=100),
        "line2": lambda v: clean_text(v, "line2", max_len=100, required=False),
        "city": lambda v: clean_text(v, "city", max_len=60),
        "region": lambda v: clean_text(v, "region", max_len=60, required=False),
        "postal_code": clean_postal_code,
        "country": clean_country,
    }
    if not changes:
        raise InvalidInput("address", "", "say which part of the address should change")
    return {k: cleaners[k](v) for k, v in changes.items()}


def merged_address(contract: Contract, changes: dict[str, str]) -> Address:
    """The address after the change; the country must stay the same (tax implications)."""
    current = contract.billing_address
    country = changes.get("country", current.country)
    if country != current.country:
        raise CountryChangeNotAllowed(contract.id, current.country, country)
    new = replace(current, **changes)
    if new == current:
        raise NoChange(contract.id, "the billing address already reads like that")
    return new


def clean_contact_changes(changes: dict[str, str]) -> dict[str, str]:
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise InvalidInput("contact", ", ".join(sorted(unknown)), f"known fields are {', '.join(CONTACT_FIELDS)}")
    if not changes:
        raise InvalidInput("contact", "", "say what should change: name, email or phone")
    cleaners: dict[str, Callable[[str], str]] = {
        "name": lambda v: clean_text(v, "name", max_len=100),
        "email": clean_email,
        "phone": clean_phone,
    }
    return {k: cleaners[k](v) for k, v in changes.items()}


def merged_contact(contract: Contract, changes: dict[str, str]) -> Contact:
    new = replace(contract.billing_contact, **changes)
    if new == contract.billing_contact:
        raise NoChange(contract.id, "the billing contact already reads like that")
    return new


def address_text(address: Address) -> str:
    parts = [address.line1, address.line2, address.city, address.region, address.postal_code, address.country]
    return ", ".join(p for p in parts if p)
