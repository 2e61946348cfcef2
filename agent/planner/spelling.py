"""Typos in what the classifier reads: "pai the invoce" is read as "pay the invoice".

The sentence embedding splits an unknown word into meaningless pieces ("invoce" -> "in", "##vo", "##ce"),
so a misspelt verb or noun can carry a message to the wrong intent. Before the classifier reads a
message, a word the embedding's vocabulary lacks is replaced by the most frequent word of the training
corpus one edit away (a letter added, dropped, changed, or two neighbours swapped, the first letter kept)
when that word is far more frequent than the typed one ("acess", used a few times in the corpus, is
still "access"). Real words ("pain", "pair") are in the vocabulary and stay; a word that only adds an
ending ("invoiced", "logins") is not a typo; a three-letter word is corrected only to a very common one
("pai" -> "pay", but "hii" is not "him") and never when the corpus uses it ("thx"). Only the classifier's
copy is corrected: ids, e-mails, names, addresses and PO numbers are always read from the message as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.embeddings import VOCAB_PATH

KNOWN_COUNT = 2  # words used less often are kept with the model only as far as they count
TARGET_COUNT = 5  # only a word the corpus uses this often is a correction
DOMINANT = 20  # ... and only if it is this many times as frequent as the typed word
SHORTEST = 3  # shorter words have too many neighbours one edit away
SHORT_TARGET_COUNT = 100  # a three-letter word has many neighbours: only a very common one corrects it
# A plain word standing alone: a word joined to digits, @, hyphens or dots (ids, e-mails, "e-mail",
# "auto-renew") is exact.
_WORD = re.compile(r"(?<![\w@.\-])[A-Za-z][a-z]*(?![\w@\-]|\.\w)")
_OPENING = re.compile(r"^\W*$")  # nothing but spaces and punctuation before the word


def one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by adding, dropping or changing one letter, or swapping two neighbours."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each plain word is typed in lower case in `texts` (what training keeps with the model);
    capitalised words are left out, so that names are no corrections."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _WORD.findall(text) if w.islower())
    return counts


def _ending_only(word: str, target: str) -> bool:
    """ "invoiced" / "invoice", "login" / "logins": the two differ only by an ending ("paye" is a typo)."""
    longer, shorter = (word, target) if len(word) > len(target) else (target, word)
    return len(longer) == len(shorter) + 1 and longer.startswith(shorter) and longer[-1] in "sd"


@lru_cache(maxsize=1)
def _embedding_words() -> frozenset[str]:
    """The whole words of the embedding model's vocabulary (not its "##" word pieces)."""
    lines = VOCAB_PATH.read_text(encoding="utf-8").split()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


@dataclass(frozen=True)
class Speller:
    """Corrects the words of a message the training corpus and the embedding's vocabulary do not know."""

    counts: Mapping[str, int]
    _targets: dict[tuple[str, int], list[tuple[int, str]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        targets: dict[tuple[str, int], list[tuple[int, str]]] = {}
        for word, n in self.counts.items():
            if n >= TARGET_COUNT and len(word) >= SHORTEST:
                targets.setdefault((word[0], len(word)), []).append((-n, word))
        for found in targets.values():
            found.sort()  # most frequent first; ties alphabetically, so the choice never depends on order
        object.__setattr__(self, "_targets", targets)

    def fix(self, word: str) -> str:
        """The word as the corpus spells it, or the word itself when it is a word or has no near match."""
        if len(word) < SHORTEST or word in _embedding_words():
            return word
        typed = self.counts.get(word, 0)
        floor = max(TARGET_COUNT, DOMINANT * typed)
        if len(word) == SHORTEST:
            if typed >= KNOWN_COUNT:  # chat-speak the corpus uses ("thx", "pls") is no typo of "the"
                return word
            floor = max(floor, SHORT_TARGET_COUNT)
        candidates = [
            (n, target)
            for size in (len(word) - 1, len(word), len(word) + 1)
            for n, target in self._targets.get((word[0], size), [])
            if -n >= floor and one_edit(word, target) and not _ending_only(word, target)
        ]
        return min(candidates)[1] if candidates else word

    def correct(self, text: str) -> str:
        """`text` with its unknown words corrected; everything else as typed. A capitalised word is corrected
        only where a message starts ("Pai it"); elsewhere it may be a name."""

        def replace(m: re.Match[str]) -> str:
            word = m.group(0)
            if word.islower():
                return self.fix(word)
            if not _OPENING.match(text, 0, m.start()):
                return word
            fixed = self.fix(word.lower())
            return word if fixed == word.lower() else fixed

        return _WORD.sub(replace, text)
