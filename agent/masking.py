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


def _masked_card(digits: str) -> str:
    return f"[card number ending {digits[-4:]} removed]"


def _mask_card(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = re.sub(r"\D", "", run)
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return _masked_card(digits)
    return _mask_within(run)


def _mask_within(run: str) -> str:
    """The longest card inside a run of digit groups: the regex takes the longest run, so a card followed
    or preceded by other numbers ("4111 1111 1111 1111 123" with its CVC, "... 404") is not a card as a
    whole. Spans start and end at group boundaries (a space or dash), longest first."""
    parts = re.split(r"([ -])", run)  # digit groups at even indexes, separators between them
    groups = parts[0::2]
    for size in range(len(groups) - 1, 0, -1):
        for start in range(len(groups) - size + 1):
            digits = "".join(groups[start:start + size])
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                before, after = "".join(parts[:2 * start]), "".join(parts[2 * (start + size) - 1:])
                return before + _masked_card(digits) + after
    return run


def mask(text: str) -> str:
    """Replace Luhn-valid card numbers and known secret formats; everything else is kept."""
    if not text:
        return text
    masked = CARD_CANDIDATE.sub(_mask_card, text)
    for pattern in SECRETS:
        masked = pattern.sub("[secret removed]", masked)
    return masked
