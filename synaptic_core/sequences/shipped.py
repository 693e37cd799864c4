"""The pre-trained character model shipped in ``assets/models``: where it is and what it was measured at.

The text-generation page lets a student generate with it at once, before training anything,
and compare it with the model they trained in a minute. It was trained by the project's own
CLI (the command is in its JSON card and in docs/BENCHMARKS.md, "Shipped character model"):
a char-rnn GRU that learns the next character at every position. The card beside the model
(``char_rnn_shakespeare.json``) holds what generation needs (alphabet, window length, a start
text) with the same keys as a run's ``alphabet.json``, plus its held-out figures. JSON only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
SHIPPED_CHAR_MODEL = MODELS_DIR / "char_rnn_shakespeare.keras"
SHIPPED_CHAR_CARD = MODELS_DIR / "char_rnn_shakespeare.json"
TITLE = "Shipped model (a two-layer Char-RNN GRU trained for about half an hour on tiny-shakespeare)"


@dataclass(frozen=True)
class ShippedCharModel:
    model_path: Path
    card_path: Path
    card: dict[str, Any]

    @property
    def nats_per_char(self) -> float | None:
        value = (self.card.get("test") or {}).get("nats_per_char")
        return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None

    def as_result(self) -> dict[str, Any]:
        """The fields of a run's result the page's generator reads (``model_path``, ``alphabet_path``, ``test``)."""
        return {"model_path": str(self.model_path), "alphabet_path": str(self.card_path),
                "test": dict(self.card.get("test") or {}), "train_seconds": self.card.get("train_seconds")}


def _valid_card(card: Any) -> bool:
    return (isinstance(card, dict) and isinstance(card.get("alphabet"), str) and len(card["alphabet"]) > 1
            and isinstance(card.get("seq_len"), int) and 1 <= card["seq_len"] <= 10_000
            and isinstance(card.get("seed_text", ""), str))


def shipped_char_model(model_path: Path | None = None, card_path: Path | None = None) -> ShippedCharModel | None:
    """The shipped model and its card, or None when either file is missing or the card is not valid."""
    model_path = SHIPPED_CHAR_MODEL if model_path is None else model_path
    card_path = SHIPPED_CHAR_CARD if card_path is None else card_path
    if not Path(model_path).is_file() or not Path(card_path).is_file():
        return None
    try:
        card = json.loads(Path(card_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ShippedCharModel(Path(model_path), Path(card_path), card) if _valid_card(card) else None


def held_out_nats(model: Any, text: str, alphabet: str, seq_len: int, limit: int | None = None,
                  batch_size: int = 256) -> float:
    """Nats per character of the next character after each window of the held-out text (last 10%),
    windows every ``seq_len`` characters as the training task's test set; ``limit`` keeps the first few."""
    from synaptic_core.sequences.chars import Alphabet, char_windows, last_step

    ids = Alphabet(alphabet).encode(text)
    x, y = char_windows(ids[int(len(ids) * 0.9):], seq_len, seq_len)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    probs = last_step(np.asarray(model.predict(x, batch_size=batch_size, verbose=0), np.float64))
    return float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0)).mean())


def held_out_nats_every_position(model: Any, text: str, alphabet: str, seq_len: int, batch_size: int = 256) -> float:
    """An every-step model's nats per character over *every* character of the held-out text: windows every
    ``seq_len // 2``, each scoring its second half (50-99 characters of context for a 100-window).

    The task's test figure scores one character per window (1 in ``seq_len``); this one all of them.
    """
    from synaptic_core.sequences.chars import Alphabet

    ids = Alphabet(alphabet).encode(text)
    held, half = ids[int(len(ids) * 0.9):], seq_len // 2
    starts = np.arange(0, len(held) - seq_len, half)
    x = held[starts[:, None] + np.arange(seq_len)]
    y = held[starts[:, None] + 1 + np.arange(seq_len)]
    probs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0][:, half:]
    return float(-np.log(np.clip(picked.astype(np.float64), 1e-7, 1.0)).mean())
