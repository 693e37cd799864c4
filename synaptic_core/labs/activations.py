"""Activation functions and their derivatives, computed by Keras and TensorFlow autodiff.

The lab plots ``keras.activations.<name>`` itself and its derivative from
``tf.GradientTape``, so the curves are exactly what a ``Dense(..., activation=name)`` layer
computes in training; nothing is re-derived by hand. ``finite_difference`` is the
independent check (a central difference on the same Keras function) that the page shows
and the tests assert.

Which names qualify is discovered from ``keras.activations`` (every public function that
maps each number to a number on its own); ``CATALOG`` adds a one-line description and the
points where the function has a kink (there the derivative jumps, a finite difference
straddling the kink measures neither side, and the check skips those points), plus "ties":
points where the function is smooth but Keras' formula switches branches with
``maximum``/``minimum``, and TensorFlow's autodiff at exactly that point passes the gradient
through both branches. The only one today: ``celu`` at 0, where autodiff reports 2 (the true
slope is 1). Training never lands on exactly 0.0 in practice, so it is documented, not hidden.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class ActivationInfo:
    """What the page says about one activation: a short description and its kinks."""

    name: str
    description: str
    kinks: tuple[float, ...] = ()
    ties: tuple[float, ...] = ()  # smooth here, but autodiff at exactly this x is off (see above)


CATALOG: dict[str, ActivationInfo] = {a.name: a for a in (
    ActivationInfo("relu", "max(0, x): the default; units can die (zero gradient for x < 0).", (0.0,)),
    ActivationInfo("leaky_relu", "x for x > 0, 0.2·x below: a small slope keeps units alive.", (0.0,)),
    ActivationInfo("relu6", "min(max(0, x), 6): ReLU capped at 6 (MobileNet).", (0.0, 6.0)),
    ActivationInfo("elu", "x for x > 0, exp(x) - 1 below: smooth, negative outputs.", ()),
    ActivationInfo("celu", "Continuously differentiable ELU: max(0,x) + min(0, α(exp(x/α) - 1)). "
                   "Autodiff at exactly x = 0 adds both branches' slopes and says 2.", (), (0.0,)),
    ActivationInfo("selu", "Scaled ELU: self-normalising with lecun_normal init.", (0.0,)),
    ActivationInfo("gelu", "x·Φ(x): the Gaussian error linear unit of transformers.", ()),
    ActivationInfo("silu", "x·sigmoid(x), also called swish.", ()),
    ActivationInfo("mish", "x·tanh(softplus(x)).", ()),
    ActivationInfo("sigmoid", "1 / (1 + exp(-x)): saturates at both ends, slope at most 1/4.", ()),
    ActivationInfo("hard_sigmoid", "Piecewise-linear sigmoid: x/6 + 1/2 clipped to [0, 1].", (-3.0, 3.0)),
    ActivationInfo("hard_silu", "x·hard_sigmoid(x), also called hard_swish.", (-3.0, 3.0)),
    ActivationInfo("log_sigmoid", "log(sigmoid(x)) = -softplus(-x).", ()),
    ActivationInfo("tanh", "Hyperbolic tangent: zero-centred, saturates at ±1.", ()),
    ActivationInfo("hard_tanh", "tanh's piecewise-linear version: x clipped to [-1, 1].", (-1.0, 1.0)),
    ActivationInfo("tanh_shrink", "x - tanh(x).", ()),
    ActivationInfo("softplus", "log(1 + exp(x)): a smooth ReLU.", ()),
    ActivationInfo("softsign", "x / (1 + |x|): like tanh, with polynomial tails.", ()),
    ActivationInfo("squareplus", "(x + sqrt(x² + 4)) / 2: a softplus made of square roots.", ()),
    ActivationInfo("sparse_plus", "0 below -1, (x + 1)²/4 in between, x above 1.", ()),
    ActivationInfo("sparse_sigmoid", "0 below -1, (x + 1)/2 in between, 1 above 1.", (-1.0, 1.0)),
    ActivationInfo("hard_shrink", "x where |x| > 0.5, else 0 (jumps at ±0.5).", (-0.5, 0.5)),
    ActivationInfo("soft_shrink", "x ∓ 0.5 where |x| > 0.5, else 0.", (-0.5, 0.5)),
    ActivationInfo("exponential", "exp(x): unbounded, grows fast.", ()),
    ActivationInfo("linear", "x: no non-linearity (a deep linear net is still one linear map).", ()),
)}

NOT_ELEMENTWISE = {
    "softmax": "normalises across a vector",
    "log_softmax": "normalises across a vector",
    "sparsemax": "projects a vector onto the simplex",
    "glu": "splits the last axis in two halves",
    "threshold": "needs a threshold and a replacement value (no defaults)",
}


@dataclass
class Curve:
    """One activation sampled on a grid: f(x) and f'(x) as float64 arrays."""

    name: str
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray


def _function(name: str):
    import keras

    return getattr(keras.activations, name)


def _is_elementwise(fn) -> bool:
    """True when fn(x) of a row equals fn applied to each number alone (a column)."""
    x = np.linspace(-2.0, 2.0, 5)
    try:
        with warnings.catch_warnings():  # softmax warns about its size-1 axis: that is the point
            warnings.simplefilter("ignore")
            row = np.asarray(fn(x.reshape(1, -1)), dtype=np.float64).ravel()
            col = np.asarray(fn(x.reshape(-1, 1)), dtype=np.float64).ravel()
    except Exception:  # noqa: BLE001 - any failure means "not a plain R -> R function"
        return False
    return row.shape == x.shape and np.allclose(row, col)


@lru_cache(maxsize=1)
def elementwise_names() -> tuple[str, ...]:
    """Every public ``keras.activations`` function that maps R -> R elementwise, aliases folded.

    ``swish`` is ``silu`` and ``hard_swish`` is ``hard_silu`` (the same function objects), so
    each appears once, under the name that comes first alphabetically unless the catalog
    uses the other. Cached: the answer depends only on the installed Keras.
    """
    import keras

    seen: dict[int, str] = {}
    for name in sorted(n for n in dir(keras.activations) if not n.startswith("_")):
        fn = getattr(keras.activations, name)
        if name in ("get", "serialize", "deserialize") or not callable(fn):
            continue
        key = id(fn)
        if key in seen:
            if name in CATALOG:
                seen[key] = name
            continue
        if _is_elementwise(fn):
            seen[key] = name
    known = [n for n in CATALOG if n in seen.values()]
    return tuple(known + sorted(n for n in seen.values() if n not in CATALOG))


def grid(lo: float, hi: float, n: int = 401) -> np.ndarray:
    """The x values the page samples: n evenly spaced float64 points from lo to hi."""
    if not hi > lo:
        raise ValueError(f"the range needs lo < hi, got {lo} .. {hi}")
    return np.linspace(lo, hi, int(n), dtype=np.float64)


def evaluate(name: str, x: np.ndarray) -> Curve:
    """f(x) from keras.activations and f'(x) from tf.GradientTape, in float64.

    Each output depends only on its own input, so the gradient of sum(f(x)) with respect
    to x is the vector of derivatives f'(x_i).
    """
    import tensorflow as tf

    fn = _function(name)
    xt = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = fn(xt)
    dy = tape.gradient(y, xt)
    dy = np.zeros_like(x, dtype=np.float64) if dy is None else dy.numpy()
    return Curve(name, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), dy)


def finite_difference(name: str, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """(f(x + h) - f(x - h)) / 2h on the same Keras function: the independent derivative check."""
    fn = _function(name)
    x = np.asarray(x, dtype=np.float64)
    return (np.asarray(fn(x + h), dtype=np.float64) - np.asarray(fn(x - h), dtype=np.float64)) / (2 * h)


def smooth_mask(name: str, x: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    """True where x is farther than ``margin`` from every kink (and tie) of the function."""
    x = np.asarray(x, dtype=np.float64)
    mask = np.ones(x.shape, dtype=bool)
    info = CATALOG.get(name)
    for k in (info.kinks + info.ties) if info else ():
        mask &= np.abs(x - k) > margin
    return mask


def derivative_error(curve: Curve, h: float = 1e-5) -> float:
    """Largest |autodiff - finite difference| / max(1, |f'|) over the smooth points of a curve."""
    mask = smooth_mask(curve.name, curve.x, margin=10 * h)
    fd = finite_difference(curve.name, curve.x[mask], h)
    scale = np.maximum(1.0, np.abs(curve.dy[mask]))
    return float(np.max(np.abs(curve.dy[mask] - fd) / scale)) if mask.any() else 0.0


def describe(name: str) -> str:
    """The catalog's one-liner, or a plain fallback for an activation Keras added later."""
    info = CATALOG.get(name)
    return info.description if info else f"keras.activations.{name}"
