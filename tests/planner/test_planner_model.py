"""The understanding model: a corpus big and varied enough, a stratified held-out split, a shipped
model that matches its corpus (a stale one refuses to load), deterministic training, held-out floors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from agent.planner import classifier
from agent.planner.acts import ACTS
from agent.planner.corpus import CorpusError, Utterance, load_corpus, split
from agent.planner.skills import SKILL_NAMES
from agent.planner.train import INTENTS, TOPICAL, held_out_scores

# Measured on the held-out split when the model was last trained (EVALS.md); a regression fails.
ACT_FLOOR, INTENT_FLOOR = 0.94, 0.86


@pytest.fixture(scope="module")
def corpus() -> list[Utterance]:
    return load_corpus(SKILL_NAMES)


def test_the_corpus_covers_every_act_and_intent(corpus: list[Utterance]) -> None:
    acts, intents = Counter(u.act for u in corpus), Counter(u.intent for u in corpus)
    assert len(corpus) >= 3000
    assert set(acts) == set(ACTS) and min(acts.values()) >= 60, acts
    assert set(intents) == set(INTENTS) and min(intents.values()) >= 60, intents


def test_the_held_out_split_is_about_a_quarter_of_every_act_and_stable(corpus: list[Utterance]) -> None:
    training, held_out = split(corpus)
    assert not {(u.text, u.context) for u in training} & {(u.text, u.context) for u in held_out}
    assert len(held_out) >= 0.24 * len(corpus)
    for act in ACTS:  # a hash decides each item: a quarter in expectation, at least a fifth of every act here
        n = sum(u.act == act for u in corpus)
        assert sum(u.act == act for u in held_out) >= 0.18 * n, act
    assert split(list(reversed(corpus)))[1] == list(reversed(held_out))  # order of the files does not matter
    # Adding items never moves an item from one split to the other (a folded-in batch cannot leak).
    extra = [Utterance(f"new customer message {i}", "request", "pay_invoice") for i in range(200)]
    assert [u for u in split(corpus + extra)[1] if u in corpus] == held_out


def test_a_malformed_item_is_refused(tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text("- {text: 'pay it', act: command, intent: pay_invoice}\n")
    with pytest.raises(CorpusError):
        load_corpus(SKILL_NAMES, tmp_path)


def test_the_shipped_model_matches_its_corpus_and_a_stale_one_refuses_to_load(monkeypatch) -> None:
    classifier.load.cache_clear()
    assert classifier.load().act.labels == ACTS
    monkeypatch.setattr(classifier, "corpus_hash", lambda: "0" * 64)
    classifier.load.cache_clear()
    with pytest.raises(classifier.StaleModel):
        classifier.load()
    monkeypatch.undo()
    classifier.load.cache_clear()


def test_training_is_deterministic() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((60, 12)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    first, second = classifier.fit(x, y, 3, epochs=300), classifier.fit(x, y, 3, epochs=300)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    predicted = (x @ first[0] + first[1]).argmax(axis=1)
    assert (predicted == y).mean() > 0.8  # it learned something, not just a constant


def test_held_out_accuracy_stays_at_its_measured_level() -> None:
    act, intent, held_out = held_out_scores()
    assert len(intent.expected) == sum(u.act in TOPICAL for u in held_out)
    assert act.accuracy >= ACT_FLOOR and intent.accuracy >= INTENT_FLOOR, (act.accuracy, intent.accuracy)
