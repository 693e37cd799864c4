"""Why the model read a drawing as it did: the draw page's names for ``synaptic_core.explain``.

The mechanism lives in ``synaptic_core.explain`` (one copy for every page); these wrappers keep
the names other code and tests use, for a 28x28 drawing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synaptic_core.explain import activation_maps, smoothgrad


def saliency(model: Any, digit28: np.ndarray, target: int | None = None, seed: int = 0) -> tuple[int, np.ndarray]:
    """(class, SmoothGrad map (28, 28), 0..1): where the ink mattered most for P(class)."""
    result = smoothgrad(model, np.asarray(digit28, np.float32).reshape(28, 28, 1), target=target, seed=seed)
    return result.target, result.map


def first_conv_maps(model: Any, digit28: np.ndarray) -> np.ndarray:
    """The first convolution's feature maps for this input, after its activation: (H, W, filters), all of them."""
    first = activation_maps(model, np.asarray(digit28, np.float32).reshape(28, 28, 1), max_channels=10**6)[0]
    return first.maps
