"""Softmax regression written from scratch in NumPy: the seed notebook's model, one step per function.

The model is ``p = softmax(X W + b)`` on flattened 28x28 images scaled to [0, 1], trained by
mini-batch SGD on the mean cross-entropy. Each function below does one thing and is short
enough to show on the page next to its equation:

    softmax        exp(z - max z) / sum exp(z - max z)   (stable: no overflow)
    forward        P = softmax(X W + b)
    cross_entropy  L = -mean_i log P[i, y_i]
    gradients      dZ = (P - onehot(y)) / n;  dW = X^T dZ;  db = sum_i dZ
    sgd_step       W <- W - lr dW;  b <- b - lr db

Weights start at zero, as in the seed: the loss is convex, so the starting point changes
nothing but the first few steps, and zeros make the run deterministic up to data order.

``ScratchRun`` trains in a background thread for the page: the work is pure NumPy (its BLAS
calls release the GIL), touches no Keras or TensorFlow global state, and the per-epoch
results are appended to a list that the page polls. It needs no separate process, which
the job runner's Keras-only ``RunSpec`` could not describe anyway.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np


def prepare(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28, 1) -> float32 rows (N, 784) in [0, 1]."""
    return np.asarray(images).reshape(len(images), -1).astype(np.float32) / 255.0


def init_params(n_features: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Zero weights and biases: W (features, classes), b (classes,)."""
    return np.zeros((n_features, n_classes), np.float32), np.zeros(n_classes, np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax; subtracting each row's max leaves it unchanged and avoids overflow."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Class probabilities P = softmax(X W + b), one row per example."""
    return softmax(X @ W + b)


def cross_entropy(P: np.ndarray, y: np.ndarray) -> float:
    """Mean of -log P[i, y_i] (clipped at 1e-12 so a zero probability gives a finite loss)."""
    return float(-np.mean(np.log(np.clip(P[np.arange(len(y)), y], 1e-12, 1.0))))


def gradients(X: np.ndarray, P: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d loss / d W and d loss / d b of the mean cross-entropy: dZ = (P - onehot(y)) / n."""
    dZ = P.copy()
    dZ[np.arange(len(y)), y] -= 1.0
    dZ /= len(y)
    return X.T @ dZ, dZ.sum(axis=0)


def sgd_step(W: np.ndarray, b: np.ndarray, dW: np.ndarray, db: np.ndarray,
             lr: float) -> tuple[np.ndarray, np.ndarray]:
    """One plain gradient-descent update."""
    return W - lr * dW, b - lr * db


def accuracy(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """Share of rows whose most probable class is the label."""
    return float(np.mean(np.argmax(X @ W + b, axis=1) == y))


def train_epoch(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray, lr: float,
                batch_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """One pass over shuffled mini-batches; returns the new W, b and the mean batch loss."""
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        P = forward(X[idx], W, b)
        losses.append(cross_entropy(P, y[idx]))
        dW, db = gradients(X[idx], P, y[idx])
        W, b = sgd_step(W, b, dW, db, lr)
    return W, b, float(np.mean(losses))


@dataclass
class Epoch:
    """What one epoch produced: the numbers the page and the CLI report."""

    epoch: int  # 0-based
    loss: float  # mean training batch loss during the epoch
    train_accuracy: float  # on the whole training set after the epoch
    test_accuracy: float
    test_loss: float
    t: float  # seconds since training started

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def train(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, epochs: int = 20,
          lr: float = 0.1, batch_size: int = 100, seed: int = 0,
          should_stop: Callable[[], bool] = lambda: False) -> Iterator[tuple[Epoch, np.ndarray, np.ndarray]]:
    """Yield (Epoch, W, b) after each epoch; stops early when ``should_stop()`` turns true."""
    n_classes = int(max(y.max(), y_test.max())) + 1
    W, b = init_params(X.shape[1], n_classes)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        if should_stop():
            return
        W, b, loss = train_epoch(X, y, W, b, lr, batch_size, rng)
        P_test = forward(X_test, W, b)
        yield Epoch(epoch, loss, accuracy(X, y, W, b), accuracy(X_test, y_test, W, b),
                    cross_entropy(P_test, y_test), time.perf_counter() - t0), W, b


@dataclass
class ScratchRun:
    """A from-scratch training run in a background thread, polled by the page.

    ``history`` grows by one ``Epoch`` per epoch (appending to a list is atomic in CPython);
    ``weights`` holds the latest (W, b). ``stop()`` ends it after the current epoch.
    """

    epochs: int = 20
    lr: float = 0.1
    batch_size: int = 100
    seed: int = 0
    history: list[Epoch] = field(default_factory=list)
    weights: tuple[np.ndarray, np.ndarray] | None = None
    error: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _future: Future | None = field(default=None, repr=False)

    def start(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> "ScratchRun":
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="softmax-scratch")
        self._future = pool.submit(self._run, X, y, X_test, y_test)
        pool.shutdown(wait=False)  # the thread ends when the run does
        return self

    def _run(self, X, y, X_test, y_test) -> None:
        try:
            for ep, W, b in train(X, y, X_test, y_test, self.epochs, self.lr, self.batch_size, self.seed,
                                  self._stop.is_set):
                self.weights = (W, b)
                self.history.append(ep)
        except Exception as exc:  # noqa: BLE001 - reported on the page instead of lost in a thread
            self.error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        self._stop.set()

    @property
    def running(self) -> bool:
        return self._future is not None and not self._future.done()
