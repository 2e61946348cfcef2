"""Field validation shared by every operation's arguments (addresses, contacts, users, PO numbers,
support cases, ids). No field value may hold a card number, whatever it looks like."""

from __future__ import annotations

import re

from billing.errors import InvalidInput
from billing.rules.cards import contains_card_number, mask_cards

CARD_REFUSED = (
    "it looks like a card number, and card numbers are never stored here; to change the card on "
    "file use the secure card form"
)


def refuse_card_number(value: str, field: str) -> None:
    """InvalidInput (with the number masked) if `value` contains a card number in any disguise."""
    if contains_card_number(value):
        raise InvalidInput(field, mask_cards(value), CARD_REFUSED)


EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
PHONE_PATTERN = re.compile(r"\+?[0-9 ()./\-]{7,25}")
POSTAL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{1,11}")
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")


def clean_email(value: str, field: str = "email") -> str:
    refuse_card_number(value or "", field)
    email = (value or "").strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.fullmatch(email):
        raise InvalidInput(field, value or "", "it must be a valid e-mail address like name@example.com")
    return email


def clean_text(value: str, field: str, *, max_len: int, required: bool = True) -> str:
    refuse_card_number(value or "", field)
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidInput(field, value or "", "it must not be empty")
    if len(text) > max_len:
        raise InvalidInput(field, text, f"it must be at most {max_len} characters")
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput(field, text, "it contains control characters")
    return text


def clean_phone(value: str) -> str:
    refuse_card_number(value or "", "phone")
    phone = " ".join((value or "").split())
    if not phone:
        return ""
    digits = sum(ch.isdigit() for ch in phone)
    if not PHONE_PATTERN.fullmatch(phone) or not 7 <= digits <= 15:
        raise InvalidInput("phone", phone, "it must be a phone number of 7 to 15 digits, e.g. +1 415 555 0100")
    return phone


def clean_postal_code(value: str) -> str:
    code = clean_text(value, "postal_code", max_len=12)
    if not POSTAL_PATTERN.fullmatch(code):
        raise InvalidInput("postal_code", code, "use letters, digits, spaces or '-' (2 to 12 characters)")
    return code


def clean_country(value: str) -> str:
    country = (value or "").strip().upper()
    if not COUNTRY_PATTERN.fullmatch(country):
        raise InvalidInput("country", value or "", "use the two-letter country code, e.g. US or GB")
    return country


def clean_id(value: object, field: str) -> str:
    """An invoice or contract id as the records spell it (upper case); required, at most 40 characters."""
    text = str(value or "")
    refuse_card_number(text, field)
    cleaned = text.strip().upper()
    if not cleaned or len(cleaned) > 40:
        example = "INV-1001" if "invoice" in field else "C-1001"
        raise InvalidInput(field, cleaned, "it is required, e.g. " + example)
    return cleaned
