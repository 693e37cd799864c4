"""Training-time augmentation, fed to Keras through a PyDataset.

Digits (28x28x1) use synaptic_core.digits.augment (shifts, rotation, scale, stroke
thickness, elastic distortion: what makes a model read real drawings). Other images get
random shifts, plus horizontal flips for photos (flipping a digit would change its class).
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np

Augmenter = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def shift_and_flip(x: np.ndarray, rng: np.random.Generator, max_shift: int = 3, flip: bool = True) -> np.ndarray:
    """Random translation by up to ``max_shift`` pixels (zero fill) and optional left-right flip."""
    n, h, w = x.shape[:3]
    padded = np.pad(x, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    dy = rng.integers(0, 2 * max_shift + 1, n)
    dx = rng.integers(0, 2 * max_shift + 1, n)
    rows = dy[:, None] + np.arange(h)[None, :]
    cols = dx[:, None] + np.arange(w)[None, :]
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    if flip:
        mask = rng.random(n) < 0.5
        out[mask] = out[mask, :, ::-1]
    return out


def augmenter_for(dataset_name: str, input_shape: tuple[int, ...]) -> Augmenter:
    if tuple(input_shape) == (28, 28, 1) and dataset_name == "mnist":
        from synaptic_core.digits.augment import augment_digits
        return augment_digits
    photos = dataset_name == "cifar10"
    return lambda x, rng: shift_and_flip(x, rng, max_shift=3 if photos else 2, flip=photos)


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled batches of (augment(x), y), reshuffled every epoch, reproducible from a seed."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, augment: Augmenter, seed: int):
        super().__init__()
        self.x, self.y, self.batch_size, self.augment = x, y, batch_size, augment
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x))

    def __len__(self) -> int:
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, idx: int):
        sel = self.order[idx * self.batch_size:(idx + 1) * self.batch_size]
        return self.augment(self.x[sel], self.rng), self.y[sel]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))
