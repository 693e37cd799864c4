"""Two-dimensional loss surfaces for the optimizer lab.

Each surface is a plain formula in ``x`` and ``y`` written with arithmetic and one
array module ``xp``, so the *same* code runs on numpy arrays (contour grids, the loss
of each step) and on TensorFlow tensors (autodiff gradients for keras.optimizers):
what the picture shows is exactly the function the optimizers descend.

Each row also carries what a lab needs to be honest about the picture: the domain to
draw, default start points, the known minima and their value, and two step-size hints
(``sgd_lr`` for gradient-scaled methods, ``step`` for sign- or RMS-normalised ones) from
which the optimizers' default learning rates are derived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# Ill-conditioned bowl f = 1/2 v^T A v: eigenvalues 1 (along (1, 1)) and 20 (along (1, -1)),
# condition number 20, so the valley runs diagonally and plain gradient descent zig-zags across it.
BOWL_A = np.array([[10.5, -9.5], [-9.5, 10.5]])


def _bowl(x: Any, y: Any, xp: Any) -> Any:
    a, b, d = float(BOWL_A[0, 0]), float(BOWL_A[0, 1]), float(BOWL_A[1, 1])  # python floats: tensor-safe
    return 0.5 * (a * x * x + 2.0 * b * x * y + d * y * y)


def _rosenbrock(x: Any, y: Any, xp: Any) -> Any:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _beale(x: Any, y: Any, xp: Any) -> Any:
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2
            + (2.625 - x + x * y * y * y) ** 2)


def _himmelblau(x: Any, y: Any, xp: Any) -> Any:
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def _saddle(x: Any, y: Any, xp: Any) -> Any:
    # x^2 - y^2 near the origin (a saddle point), bent up by y^4/2 so that two valleys at
    # y = +-1 (value -1/2) catch whoever escapes it.
    return x * x - y * y + 0.5 * y ** 4


def _plateau(x: Any, y: Any, xp: Any) -> Any:
    # An inverted Gaussian: a well around the origin, almost flat (gradient ~ e^-r^2) far away.
    return 1.0 - xp.exp(-(x * x + 3.0 * y * y) / 2.0)


@dataclass(frozen=True)
class Surface:
    """One loss surface f(x, y) with its domain, start points, minima and step-size hints."""

    name: str
    title: str
    latex: str  # the formula, for st.latex
    fn: Callable[[Any, Any, Any], Any]  # fn(x, y, xp) with xp = numpy or tensorflow
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    min_value: float
    starts: tuple[tuple[float, float], ...]  # default start points, the first is the default
    sgd_lr: float  # a learning rate at which plain gradient descent is stable from the starts
    step: float  # a sensible per-step move for sign/RMS-normalised optimizers (Adam, Lion, ...)
    tol: float  # "reached the minimum" = within this distance of a known minimum
    steps: int  # default number of steps: enough for the good settings to arrive
    log_scale: bool  # draw contours of log10(f - f_min): values span many decades
    note: str  # what to look for on this surface
    saddles: tuple[tuple[float, float], ...] = ()

    def __call__(self, x: Any, y: Any, xp: Any = np) -> Any:
        return self.fn(x, y, xp)

    @property
    def span(self) -> float:
        """The larger side of the drawing domain."""
        return max(self.x_range[1] - self.x_range[0], self.y_range[1] - self.y_range[0])

    def grid(self, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``xs`` (n,), ``ys`` (n,) and ``z`` (n, n) with ``z[i, j] = f(xs[j], ys[i])`` (Plotly's layout)."""
        xs = np.linspace(*self.x_range, n)
        ys = np.linspace(*self.y_range, n)
        gx, gy = np.meshgrid(xs, ys)
        return xs, ys, np.asarray(self.fn(gx, gy, np), dtype=np.float64)

    def nearest_minimum(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For points (k, 2): the index of the nearest known minimum and the distance to it."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        d = np.linalg.norm(pts[:, None, :] - np.asarray(self.minima)[None, :, :], axis=-1)
        return d.argmin(axis=1), d.min(axis=1)


SURFACES: dict[str, Surface] = {s.name: s for s in (
    Surface(
        name="bowl", title="Ill-conditioned quadratic bowl",
        latex=r"f(x,y)=\tfrac12\,v^\top A v,\quad A=\begin{pmatrix}10.5&-9.5\\-9.5&10.5\end{pmatrix}"
              r"\ (\lambda=1,\,20)",
        fn=_bowl, x_range=(-3.0, 3.0), y_range=(-3.0, 3.0), minima=((0.0, 0.0),), min_value=0.0,
        starts=((-2.5, -0.5), (2.0, 2.5), (-1.0, 1.5)), sgd_lr=0.05, step=0.05, tol=0.03, steps=200, log_scale=False,
        note="Curvature 20 across the diagonal valley, 1 along it: gradient descent needs lr < 2/20 and "
             "then crawls along the valley; momentum and adaptive methods cut the zig-zag.",
    ),
    Surface(
        name="rosenbrock", title="Rosenbrock's banana",
        latex=r"f(x,y)=(1-x)^2+100\,(y-x^2)^2",
        fn=_rosenbrock, x_range=(-2.0, 2.0), y_range=(-1.0, 3.0), minima=((1.0, 1.0),), min_value=0.0,
        starts=((-1.5, 2.5), (-1.2, 1.0), (1.5, -0.5)), sgd_lr=1e-3, step=0.05, tol=0.05, steps=600, log_scale=True,
        note="The valley floor is found at once; following its curved, almost flat bottom to (1, 1) is the "
             "hard part.",
    ),
    Surface(
        name="beale", title="Beale's function",
        latex=r"f(x,y)=(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2",
        fn=_beale, x_range=(-4.5, 4.5), y_range=(-4.5, 4.5), minima=((3.0, 0.5),), min_value=0.0,
        starts=((1.0, 1.5), (-2.0, -2.5), (0.5, -1.5)), sgd_lr=2e-3, step=0.05, tol=0.05, steps=300, log_scale=True,
        note="Steep walls beside flat valleys: gradient-scaled steps either crawl or overshoot.",
    ),
    Surface(
        name="himmelblau", title="Himmelblau's function",
        latex=r"f(x,y)=(x^2+y-11)^2+(x+y^2-7)^2",
        fn=_himmelblau, x_range=(-5.0, 5.0), y_range=(-5.0, 5.0),
        minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        min_value=0.0, starts=((-0.3, -0.9), (0.0, 0.0), (-4.5, 0.0)), sgd_lr=5e-3, step=0.05, tol=0.05, steps=200,
        log_scale=True,
        note="Four equal minima: from the same start, different optimizers end in different ones.",
    ),
    Surface(
        name="saddle", title="Saddle with two valleys",
        latex=r"f(x,y)=x^2-y^2+\tfrac12 y^4",
        fn=_saddle, x_range=(-2.0, 2.0), y_range=(-2.0, 2.0), minima=((0.0, 1.0), (0.0, -1.0)),
        min_value=-0.5, starts=((-1.8, 0.01), (1.5, -0.001), (-1.5, 0.0)), sgd_lr=0.05, step=0.03, tol=0.03, steps=200,
        log_scale=False, saddles=((0.0, 0.0),),
        note="The gradient points at the saddle (0, 0); only the tiny y component leads away. Gradient "
             "descent escapes at rate (1+2 lr)^k, normalised methods almost at once. From y = 0 exactly "
             "no deterministic method escapes.",
    ),
    Surface(
        name="plateau", title="Plateau around a well",
        latex=r"f(x,y)=1-\exp\!\left(-\tfrac{x^2+3y^2}{2}\right)",
        fn=_plateau, x_range=(-4.0, 4.0), y_range=(-4.0, 4.0), minima=((0.0, 0.0),), min_value=0.0,
        starts=((2.5, 1.5), (3.5, -2.0), (-3.0, 0.5)), sgd_lr=0.5, step=0.05, tol=0.03, steps=300, log_scale=False,
        note="Far from the well the gradient almost vanishes (|g| = 0.008 at (2.5, 1.5), 4e-5 at (3.5, -2)): "
             "gradient-scaled methods barely move, methods that divide by the gradient's size walk across "
             "the plateau at full speed.",
    ),
)}


def get_surface(name: str) -> Surface:
    """The surface called ``name``; a ValueError listing the known names otherwise."""
    try:
        return SURFACES[name]
    except KeyError:
        raise ValueError(f"Unknown surface {name!r}: choose one of {', '.join(SURFACES)}.") from None


def gradient(surface: Surface, points: np.ndarray) -> np.ndarray:
    """The gradient of ``surface`` at points (k, 2), by TensorFlow's automatic differentiation."""
    import tensorflow as tf

    p = tf.constant(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    with tf.GradientTape() as tape:
        tape.watch(p)
        z = surface(p[:, 0], p[:, 1], tf)
    return tape.gradient(z, p).numpy()
