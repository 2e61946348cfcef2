"""Masking of card numbers and secrets before text reaches the model, the transcript, logs or traces."""
from __future__ import annotations

import re

from billing.adapters.gateway import luhn_valid

# 13-19 digits, optionally grouped with single spaces or dashes.
CARD_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")
SECRETS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),  # OpenAI-style API keys
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),  # Slack tokens
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWTs
]


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return f"[card number ending {digits[-4:]} removed]"
    return match.group(0)


def mask(text: str) -> str:
    """Replace Luhn-valid card numbers and known secret formats; everything else is kept."""
    if not text:
        return text
    masked = CARD_CANDIDATE.sub(_mask_card, text)
    for pattern in SECRETS:
        masked = pattern.sub("[secret removed]", masked)
    return masked


def contains_card_number(text: str) -> bool:
    return mask(text) != text and "[card number ending" in mask(text)
