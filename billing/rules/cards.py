"""Card numbers in free text: the one detector the domain, the masking and the logs share.

A card number is 13-19 digits passing the Luhn check. People (and attackers) write them in many
shapes, so the text is normalised before matching: Unicode NFKC (full-width and other digit forms
become ASCII), invisible format characters (zero-width spaces, soft hyphens, BOMs) dropped, and any
short run of whitespace (non-breaking too) or `.` `/` `_` `,` `-` between digits is a separator,
also a `-` right before the digits ("PO-4111..."). Within a longer run of digit groups, the longest
card-shaped span at group boundaries counts, so a card followed by its CVC or preceded by an order
number is still found. Spans are reported in the original text's positions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

SEPARATORS = r"[\s.,/_\-]{1,3}"
DIGIT_RUN = re.compile(rf"\d+(?:{SEPARATORS}\d+)*")
MIN_DIGITS, MAX_DIGITS = 13, 19


@dataclass(frozen=True)
class CardSpan:
    start: int  # in the original text
    end: int
    digits: str


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    return MIN_DIGITS <= len(digits) <= MAX_DIGITS and digits.isdigit() and luhn_valid(digits)


def _normalised(text: str) -> tuple[str, Sequence[int]]:
    """NFKC per character with format characters dropped, and each output character's source index."""
    if text.isascii():  # ASCII is its own NFKC and holds no format characters: most text, at C speed
        return text, range(len(text))
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue
        for out in unicodedata.normalize("NFKC", ch):
            chars.append(out)
            origin.append(index)
    return "".join(chars), origin


def _groups(run: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each digit group of a run, positions in the normalised text."""
    return [(offset + m.start(), offset + m.end(), m.group(0)) for m in re.finditer(r"\d+", run)]


def _cards_in(groups: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Leftmost, longest card-shaped spans of whole groups, not overlapping."""
    found, i = [], 0
    while i < len(groups):
        best = None
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > MAX_DIGITS:
                break
            if is_card_number(digits):
                best = (j, digits)
        if best is None:
            i += 1
            continue
        j, digits = best
        found.append((groups[i][0], groups[j][1], digits))
        i = j + 1
    return found


def card_spans(text: str) -> list[CardSpan]:
    """Every card number in `text`, however it is spaced, dotted, dashed or disguised."""
    if not text:
        return []
    normal, origin = _normalised(text)
    spans = []
    for run in DIGIT_RUN.finditer(normal):
        for start, end, digits in _cards_in(_groups(run.group(0), run.start())):
            spans.append(CardSpan(origin[start], origin[end - 1] + 1, digits))
    return spans


def contains_card_number(text: str) -> bool:
    return bool(card_spans(text))


def masked_card(digits: str) -> str:
    return f"[card number ending {digits[-4:]} removed]"


def mask_cards(text: str) -> str:
    """`text` with every card number replaced by a note naming only its last four digits."""
    spans = card_spans(text)
    for span in reversed(spans):
        text = text[: span.start] + masked_card(span.digits) + text[span.end :]
    return text
