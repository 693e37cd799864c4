"""Per-word contributions by occlusion: P(positive) minus P(positive) without the word."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.sequences.explain import word_contributions
from synaptic_core.sequences.text import Vocabulary

VOCAB = Vocabulary(("good", "bad", "movie"))  # ids 2, 3, 4
WEIGHTS = {2: 1.5, 3: -2.0, 4: 0.0}


def bag_of_words(x: np.ndarray) -> np.ndarray:
    """A logistic model on word counts: "good" up, "bad" down, everything else nothing."""
    x = np.asarray(x)
    score = sum(w * (x == i).sum(1) for i, w in WEIGHTS.items())
    p = 1 / (1 + np.exp(-score))
    return np.stack([1 - p, p], 1)


def sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))


def test_contributions_by_hand():
    prob, contribs = word_contributions(bag_of_words, VOCAB, "Good movie, BAD ending", seq_len=10)
    assert prob == pytest.approx(sigmoid(1.5 - 2.0))
    assert [w for w, _ in contribs] == ["good", "movie", "bad", "ending"]
    c = dict(contribs)
    assert c["good"] == pytest.approx(sigmoid(-0.5) - sigmoid(-2.0))
    assert c["bad"] == pytest.approx(sigmoid(-0.5) - sigmoid(1.5))
    assert c["movie"] == pytest.approx(0.0, abs=1e-12) and c["ending"] == pytest.approx(0.0, abs=1e-12)
    assert c["good"] > 0 > c["bad"]


def test_only_the_words_the_model_reads_are_explained():
    prob, contribs = word_contributions(bag_of_words, VOCAB, "bad bad bad good movie", seq_len=3)
    assert [w for w, _ in contribs] == ["bad", "good", "movie"]  # the last seq_len words, as the model sees them
    assert prob == pytest.approx(sigmoid(-0.5))


def test_one_model_call_for_the_review_and_all_its_variants():
    calls = []

    def predict(x):
        calls.append(np.asarray(x).shape)
        return bag_of_words(x)

    word_contributions(predict, VOCAB, "good bad movie", seq_len=5)
    assert calls == [(4, 5)]


def test_an_empty_review_says_what_to_do():
    with pytest.raises(ValueError, match="Type a few words"):
        word_contributions(bag_of_words, VOCAB, " ...<br />", seq_len=5)
