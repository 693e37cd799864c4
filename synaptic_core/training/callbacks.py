"""Keras callbacks that stream a run to its sink: live metrics, stop requests, NaN guard, boundary.

Keras' batch-end ``logs["loss"]`` is the running mean since the epoch began (weighted by
batch size). ``LiveMetrics`` de-averages it: with running means m_j after n_j samples,
the mean over the samples between two emits is (m_k n_k - m_j n_j) / (n_k - n_j). Emits
are throttled in time, so a fast epoch does not flood the parent process or the browser,
and every emitted value is the exact mean over the batches it covers.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Sequence

import keras
import numpy as np

Emit = Callable[[dict[str, Any]], None]


class LiveMetrics(keras.callbacks.Callback):
    """Emits ``batch`` events (throttled) and ``epoch`` events (always)."""

    def __init__(self, emit: Emit, steps: int, epochs: int, batch_size: int, n_train: int,
                 min_interval: float = 0.1):
        super().__init__()
        self.emit, self.steps, self.epochs = emit, steps, epochs
        self.batch_size, self.n_train, self.min_interval = batch_size, n_train, min_interval
        self.t0 = 0.0
        self.seen_before_epoch = 0

    def on_train_begin(self, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.last_emit_t = -1.0
        self.mark = (0, 0.0, 0.0)  # samples, loss*samples, acc*samples at the last emit

    def _samples_after(self, batch: int) -> int:
        return min((batch + 1) * self.batch_size, self.n_train)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        now = time.perf_counter()
        last = batch + 1 >= self.steps
        if not last and now - self.last_emit_t < self.min_interval:
            return
        n = self._samples_after(batch)
        loss = float(logs.get("loss", math.nan))
        acc = float(logs["accuracy"]) if "accuracy" in logs else None  # regressions have no accuracy
        n0, l0, a0 = self.mark
        span = max(n - n0, 1)
        self.emit({
            "type": "batch", "epoch": self.epoch, "batch": batch + 1, "steps": self.steps, "epochs": self.epochs,
            "loss": loss, "accuracy": acc,
            "batch_loss": (loss * n - l0) / span, "batch_accuracy": None if acc is None else (acc * n - a0) / span,
            "seen": self.seen_before_epoch + n, "t": now - self.t0,
        })
        self.mark = (n, loss * n, 0.0 if acc is None else acc * n)
        self.last_emit_t = now

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.seen_before_epoch += self.n_train
        lr = self.model.optimizer.learning_rate
        self.emit({
            "type": "epoch", "epoch": epoch, "epochs": self.epochs,
            "loss": _num(logs.get("loss")), "accuracy": _num(logs.get("accuracy")),
            "val_loss": _num(logs.get("val_loss")), "val_accuracy": _num(logs.get("val_accuracy")),
            "lr": float(np.asarray(lr.numpy() if hasattr(lr, "numpy") else lr)),
            "t": time.perf_counter() - self.t0,
        })


class StopOnRequest(keras.callbacks.Callback):
    """Turns the user's Stop into ``model.stop_training``: checked after every batch."""

    def __init__(self, should_stop: Callable[[], bool]):
        super().__init__()
        self.should_stop = should_stop
        self.stopped_at: tuple[int, int] | None = None
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.stopped_at is None and self.should_stop():
            self.stopped_at = (self.epoch, batch + 1)
            self.model.stop_training = True


class NanGuard(keras.callbacks.Callback):
    """Like keras.callbacks.TerminateOnNaN, but remembers where (epoch, batch) it happened."""

    def __init__(self):
        super().__init__()
        self.nan_at: tuple[int, int] | None = None
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.nan_at = (self.epoch, batch + 1)
            self.model.stop_training = True


class BoundaryStream(keras.callbacks.Callback):
    """For 2-D toy sets: P(class 1) over a grid, emitted a few times a second and at each epoch end."""

    def __init__(self, emit: Emit, x: np.ndarray, resolution: int = 50, min_interval: float = 0.4,
                 features: Sequence[str] = ("x1", "x2")):
        from synaptic_core.data.toy import boundary_grid

        super().__init__()
        self.emit, self.min_interval = emit, min_interval
        # x: the raw 2-D points; the grid gets the same input features as training (data.toy, one place)
        self.xs, self.ys, self.grid = boundary_grid(x, features, resolution)
        self.last = -1.0
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _send(self, batch: int):
        probs = keras.ops.convert_to_numpy(self.model(self.grid, training=False))
        z = probs[:, 1] if probs.shape[1] > 1 else probs[:, 0]
        self.emit({"type": "boundary", "epoch": self.epoch, "batch": batch,
                   "xs": self.xs.round(4).tolist(), "ys": self.ys.round(4).tolist(),
                   "z": z.reshape(len(self.ys), len(self.xs)).round(4).tolist()})
        self.last = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self.last >= self.min_interval:
            self._send(batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._send(-1)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


class TextSamples(keras.callbacks.Callback):
    """Character models: a generated sample after each epoch, so a user reads the model improving."""

    def __init__(self, emit: Emit, alphabet: str, seed_text: str, seq_len: int, length: int = 200,
                 temperature: float = 0.8, seed: int = 0):
        super().__init__()
        self.emit, self.alphabet, self.seed_text = emit, alphabet, seed_text
        self.seq_len, self.length, self.temperature = seq_len, length, temperature
        self.rng = np.random.default_rng(seed)

    def on_epoch_end(self, epoch, logs=None):
        from synaptic_core.sequences.chars import Alphabet, generate

        # predict_on_batch runs the compiled predict step: ~8 ms a character for the seed's LSTM, where an
        # eager self.model(w) call took ~0.46 s (the 200-character sample went from ~116 s to under 1 s;
        # docs/BENCHMARKS.md, "Generation speed")
        text = generate(lambda w: np.asarray(self.model.predict_on_batch(w)), Alphabet(self.alphabet),
                        self.seed_text, self.length, self.temperature, self.seq_len, self.rng)
        self.emit({"type": "sample", "epoch": epoch, "temperature": self.temperature, "seed_text": self.seed_text,
                   "text": text})
