"""Character-level text: the alphabet, training windows, and sampling with a temperature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

#: models that predict the next character at every position of a window (trained on (N, seq_len) targets,
#: output (N, seq_len, alphabet)), not only after its last character: Karpathy's char-rnn. A window of 100
#: characters then teaches 100 next-character lessons for the price of one pass, which is what makes a
#: model good enough to ship (<= 1.6 nats/char) trainable on a CPU in half an hour.
EVERY_STEP_MODELS = ("char-rnn",)


def every_step(model: str) -> bool:
    """Whether ``model`` learns the next character at every position (its targets are whole windows)."""
    return model in EVERY_STEP_MODELS


@dataclass(frozen=True)
class Alphabet:
    chars: str

    @classmethod
    def of(cls, text: str) -> "Alphabet":
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        idx = {c: i for i, c in enumerate(self.chars)}
        return np.array([idx[c] for c in text if c in idx], np.int32)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def char_windows(ids: np.ndarray, seq_len: int, stride: int,
                 all_steps: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ids[s:s+seq_len] and the next character as target, every ``stride`` characters.

    ``all_steps``: the target is the window shifted by one, ids[s+1:s+seq_len+1] (the next character
    after every position), for the models in ``EVERY_STEP_MODELS``.
    """
    starts = np.arange(0, len(ids) - seq_len, stride)
    x = ids[starts[:, None] + np.arange(seq_len)[None, :]]
    if all_steps:
        return x.astype(np.int32), ids[starts[:, None] + 1 + np.arange(seq_len)[None, :]].astype(np.int64)
    return x.astype(np.int32), ids[starts + seq_len].astype(np.int64)


def last_step(probs: np.ndarray) -> np.ndarray:
    """(N, alphabet) next-character probabilities: an every-step model's (N, seq_len, alphabet) at the end."""
    probs = np.asarray(probs)
    return probs[:, -1] if probs.ndim == 3 else probs


def sample_index(probs: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Temperature 0 is greedy (argmax); higher temperatures flatten the distribution."""
    p = np.asarray(probs, np.float64)
    if temperature <= 0:
        return int(np.argmax(p))
    logits = np.log(np.clip(p, 1e-12, 1.0)) / temperature
    logits -= logits.max()
    q = np.exp(logits)
    return int(rng.choice(len(q), p=q / q.sum()))


def generate(next_probs: Callable[[np.ndarray], np.ndarray], alphabet: Alphabet, seed_text: str, length: int,
             temperature: float, seq_len: int, rng: np.random.Generator) -> str:
    """Extend ``seed_text`` by ``length`` characters, one model call per character."""
    return generate_many(next_probs, alphabet, seed_text, length, [temperature], seq_len, rng)[0]


def generate_many(next_probs: Callable[[np.ndarray], np.ndarray], alphabet: Alphabet, seed_text: str, length: int,
                  temperatures: Sequence[float], seq_len: int, rng: np.random.Generator) -> list[str]:
    """One continuation of ``seed_text`` per temperature, all in the same model calls.

    The windows of every temperature go through the model as one batch, so several
    temperatures side by side cost about what one does: ``length`` calls in all.
    A seed shorter than ``seq_len`` is left-padded with its own first character.
    """
    start = list(alphabet.encode(seed_text)) or [0]
    if len(start) < seq_len:
        start = [start[0]] * (seq_len - len(start)) + start
    windows = np.tile(np.array(start[-seq_len:], np.int32), (len(temperatures), 1))
    out: list[list[str]] = [[] for _ in temperatures]
    for _ in range(length):
        probs = last_step(next_probs(windows))
        nxt = [sample_index(probs[k], t, rng) for k, t in enumerate(temperatures)]
        windows = np.concatenate([windows[:, 1:], np.array(nxt, np.int32)[:, None]], axis=1)
        for k, i in enumerate(nxt):
            out[k].append(alphabet.chars[i])
    return ["".join(o) for o in out]
