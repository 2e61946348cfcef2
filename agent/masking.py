"""Masking of card numbers and secrets before text reaches the model, the transcript, logs or traces.

Card numbers are found by the domain's detector (billing/rules/cards.py: normalised text, any common
separator or invisible character), so what the domain refuses and what is masked are the same thing.
"""

from __future__ import annotations

import re
from typing import Any

from billing.rules.cards import mask_cards

SECRETS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),  # OpenAI-style API keys
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),  # Slack tokens
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWTs
]


def mask(text: str) -> str:
    """Replace card numbers and known secret formats; everything else is kept as written."""
    if not text:
        return text
    masked = mask_cards(text)
    for pattern in SECRETS:
        masked = pattern.sub("[secret removed]", masked)
    return masked


def mask_data(value: Any) -> Any:
    """`mask` applied to every string inside JSON-like data (tool-call arguments, records)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value
