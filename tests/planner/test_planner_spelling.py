"""The speller that corrects what the classifier reads (agent/planner/spelling.py)."""

from __future__ import annotations

import pytest

from agent.planner.spelling import Speller, one_edit, word_counts

# A corpus in miniature: how often each word is typed in lower case.
COUNTS = {"pay": 500, "invoice": 300, "access": 300, "acess": 5, "the": 3000, "him": 40, "thx": 30, "page": 20}


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("pai the invoce", "pay the invoice"),  # a letter changed, a letter dropped
        ("pya INV-2001", "pay INV-2001"),  # two neighbours swapped; the id as typed
        ("i need acess", "i need access"),  # used a few times in the corpus, still far rarer than "access"
        ("Pai it now", "pay it now"),  # capitalised where the message starts
        ("paye INV-1001", "pay INV-1001"),  # an extra letter that is no English ending
    ],
)
def test_a_misspelt_word_is_read_as_the_corpus_spells_it(typed: str, read: str) -> None:
    assert Speller(COUNTS).correct(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "this is a pain",  # a word of the embedding's vocabulary, however close to "paid" or "pay"
        "hii there",  # three letters: only a very common word corrects them ("him" is not)
        "ok thx",  # chat-speak the corpus uses is no typo of "the"
        "it was invoiced",  # an ending, not a typo
        "ask Pai about it",  # a capitalised word inside a message may be a name
        "pai@acme.example and INV-1001",  # an e-mail and an id are exact
    ],
)
def test_words_and_exact_values_are_left_as_typed(typed: str) -> None:
    assert Speller(COUNTS).correct(typed) == typed


def test_one_edit_is_one_letter_added_dropped_changed_or_two_neighbours_swapped() -> None:
    assert one_edit("invoce", "invoice") and one_edit("pya", "pay") and one_edit("pai", "pay")
    assert not one_edit("pyx", "pay") and not one_edit("invioce", "invoiced") and not one_edit("ab", "ba c")


def test_the_counts_are_of_words_typed_in_lower_case() -> None:
    counts = word_counts(["Pay Hana now", "pay hana", "e-mail hana@acme.example about INV-1001"])
    assert counts["pay"] == 1 and counts["hana"] == 1 and "inv" not in counts and "mail" not in counts
