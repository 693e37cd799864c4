"""Which words pushed a sentiment prediction: leave-one-word-out (occlusion) contributions.

Each word's contribution is P(positive | review) minus P(positive | review without that
word). It needs only the model's predictions, so it works the same for RNNs, CNNs and
Transformers, and the numbers mean what they say.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from synaptic_core.sequences.text import Vocabulary, tokenize


def word_contributions(predict: Callable[[np.ndarray], np.ndarray], vocab: Vocabulary, text: str,
                       seq_len: int, positive: int = 1) -> tuple[float, list[tuple[str, float]]]:
    """Returns (P(positive), [(word, contribution), ...] in the review's order)."""
    words = tokenize(text)[-seq_len:]
    if not words:
        raise ValueError("Type a few words first.")
    variants = [" ".join(words)] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probs = np.asarray(predict(vocab.encode(variants, seq_len)))[:, positive]
    base = float(probs[0])
    return base, [(w, base - float(p)) for w, p in zip(words, probs[1:])]
