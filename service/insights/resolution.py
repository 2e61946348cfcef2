"""Whether a conversation was resolved: the assistant dealt with it, as far as the records can tell.

A conversation (one with a turn in the window) is **resolved** when none of these happened:
- a **hand-off**: one of its turns opened a support case;
- a **thumbs-down**: a user rated one of its replies -1 (whenever the rating was given);
- a **repeat**: the user asked the same question twice, i.e. two of its answered turns (kind `agent`) have the
  same text once normalised (case folded, punctuation dropped, spaces collapsed) and that text has at least
  REPEAT_MIN_WORDS words. Short answers ("C-1001", "the visa one") are often typed again on purpose when the
  assistant asks, so they are no sign of a question left unanswered.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.insights.query import RatingRow, TurnRow

REPEAT_MIN_WORDS = 3
_NOT_WORD = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class Resolution:
    """Conversations of the window, how many were resolved, and why the others were not (a conversation may
    have several reasons)."""

    conversations: int
    resolved: int
    rate: float | None  # the resolved share; None without conversations (no rate is not a rate of 0)
    handed_off: int
    thumbs_down: int
    repeated: int


def normalised(question: str) -> str:
    """The text two askings of the same question share."""
    return " ".join(_NOT_WORD.sub(" ", question.casefold()).split())


def has_repeat(questions: Iterable[str]) -> bool:
    counts = Counter(normalised(q) for q in questions)
    return any(n > 1 and len(text.split()) >= REPEAT_MIN_WORDS for text, n in counts.items())


def resolution(turns: Sequence[TurnRow], ratings: Sequence[RatingRow]) -> Resolution:
    by_conversation: dict[str, list[TurnRow]] = defaultdict(list)
    for turn in turns:
        by_conversation[turn.conversation_id].append(turn)
    handed = {c for c, ts in by_conversation.items() if any(t.handoff_queue for t in ts)}
    down = {r.conversation_id for r in ratings if r.rating < 0} & by_conversation.keys()
    repeated = {c for c, ts in by_conversation.items() if has_repeat(t.question for t in ts if t.kind == "agent")}
    total = len(by_conversation)
    resolved = total - len(handed | down | repeated)
    return Resolution(total, resolved, share(resolved, total), len(handed), len(down), len(repeated))


def share(part: int, whole: int) -> float | None:
    """`part / whole` to three places; None when there is nothing to divide."""
    return round(part / whole, 3) if whole else None
