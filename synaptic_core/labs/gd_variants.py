"""Batch, mini-batch and stochastic gradient descent on a real two-parameter problem.

The model has two parameters, a slope ``w`` and an intercept ``b`` on one real feature,
so every update is a point in the (w, b) plane and the path can be drawn over the
loss contours. Two problems, both on data the app ships or loads through
``synaptic_core.data``:

* ``sonar``: linear regression (mean squared error) of one sonar energy band on the
  band below it (UCI sonar, 208 returns, bands standardised by the data layer);
* ``mnist-ink``: logistic regression (binary cross-entropy) telling 0s from 1s by the
  mean ink of the image (a 1 uses about half the ink of a 0).

The three variants differ only in how many rows one update sees: all of them (batch),
``batch_size`` of them (mini-batch) or one (stochastic). The code path is the same for
all three (numpy on a contiguous slice of a shuffled copy), so loss against wall time
compares the real cost of many cheap updates with few expensive ones. The gradients are
written out analytically; the unit tests check them against TensorFlow's autodiff of
keras.losses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

MAX_EVALS = 600  # full-data loss evaluations per run: half evenly spaced, half geometric, + every epoch end


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class Problem:
    """A two-parameter model on a real 1-D feature: prediction ``w * x + b``."""

    name: str
    title: str
    kind: str  # "linear" (mean squared error) | "logistic" (binary cross-entropy on the logit)
    x: np.ndarray  # (N,) float64 feature
    y: np.ndarray  # (N,) float64 target (0/1 for logistic)
    x_label: str
    y_label: str
    source_label: str
    start: tuple[float, float]  # default (w, b) to start from: far enough to show a path
    w_range: tuple[float, float]  # the window of the (w, b) plane drawn under the paths
    b_range: tuple[float, float]
    default_lr: float = 0.05  # a rate at which all three variants converge, SGD visibly noisy
    default_epochs: int = 20

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def loss(self, params: np.ndarray) -> np.ndarray:
        """Full-data loss at params (..., 2); evaluated in row blocks to bound memory."""
        p = np.asarray(params, dtype=np.float64)
        flat = p.reshape(-1, 2)
        out = np.empty(flat.shape[0])
        block = max(1, 2_000_000 // max(self.n, 1))
        for i in range(0, flat.shape[0], block):
            w, b = flat[i:i + block, :1], flat[i:i + block, 1:]
            out[i:i + block] = self._loss_rows(w * self.x + b, self.y).mean(axis=1)
        return out.reshape(p.shape[:-1])

    def _loss_rows(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            return (z - y) ** 2
        return np.logaddexp(0.0, z) - y * z  # -y log s(z) - (1-y) log(1-s(z)), computed stably

    def gradient(self, params: np.ndarray, x: np.ndarray | None = None, y: np.ndarray | None = None) -> np.ndarray:
        """Analytic gradient (dL/dw, dL/db) of the mean loss over rows (x, y) (default: all rows).

        linear:   L = mean((w x + b - y)^2)      -> (2 mean(r x), 2 mean(r)),   r = w x + b - y
        logistic: L = mean(log(1+e^z) - y z)     -> (mean(r x), mean(r)),       r = sigmoid(z) - y
        """
        x = self.x if x is None else x
        y = self.y if y is None else y
        w, b = float(params[0]), float(params[1])
        z = w * x + b
        r = 2.0 * (z - y) if self.kind == "linear" else _sigmoid(z) - y
        return np.array([np.mean(r * x), np.mean(r)])

    def hessian(self, params: np.ndarray | None = None) -> np.ndarray:
        """Hessian of the full-data loss: exact for linear, at ``params`` (default: the optimum) for logistic."""
        design = np.stack([self.x, np.ones_like(self.x)], axis=1)
        if self.kind == "linear":
            weights = np.full(self.n, 2.0)
        else:
            w, b = self.optimum() if params is None else params
            s = _sigmoid(w * self.x + b)
            weights = s * (1.0 - s)
        return (design * weights[:, None]).T @ design / self.n

    def optimum(self) -> np.ndarray:
        """The minimiser (w*, b*): least squares for linear, Newton's method for logistic."""
        design = np.stack([self.x, np.ones_like(self.x)], axis=1)
        if self.kind == "linear":
            return np.linalg.lstsq(design, self.y, rcond=None)[0]
        theta = np.zeros(2)
        for _ in range(50):
            step = np.linalg.solve(self.hessian(theta), self.gradient(theta))
            theta = theta - step
            if np.abs(step).max() < 1e-12:
                break
        return theta

    def critical_lr(self) -> float:
        """2 / largest Hessian eigenvalue: batch GD diverges above it (linear; near the optimum for logistic)."""
        return float(2.0 / np.linalg.eigvalsh(self.hessian()).max())

    def suggested_lrs(self) -> list[float]:
        """Learning rates from far below to above 2 / lambda_max (three significant digits)."""
        crit = self.critical_lr()
        return sorted({float(f"{crit * m:.3g}") for m in (0.001, 0.01, 0.1, 0.5, 0.9, 1.1, 3.0)})

    def grid(self, n: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``ws``, ``bs`` and the loss ``z[i, j]`` at (ws[j], bs[i]) for contour plots."""
        ws, bs = np.linspace(*self.w_range, n), np.linspace(*self.b_range, n)
        gw, gb = np.meshgrid(ws, bs)
        return ws, bs, self.loss(np.stack([gw, gb], axis=-1))


def _window(centre: np.ndarray, start: tuple[float, float], pad: float = 0.6) -> tuple[tuple, tuple]:
    lo = np.minimum(centre, start) - pad * (np.abs(np.subtract(centre, start)) + 0.5)
    hi = np.maximum(centre, start) + pad * (np.abs(np.subtract(centre, start)) + 0.5)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def sonar_problem(band: int = 10) -> Problem:
    """Linear regression of sonar band ``band + 1`` on band ``band`` (1-based band numbers, 1..59)."""
    from synaptic_core.data import load_dataset
    from synaptic_core.specs import RunSpec

    if not 1 <= band <= 59:
        raise ValueError(f"band = {band} is out of range: allowed 1 to 59 (band+1 is predicted).")
    ds = load_dataset(RunSpec().replace(dataset="sonar", subset=0), fallback_to_bundled=True)
    rows = np.concatenate([ds.x_train, ds.x_test]).astype(np.float64)
    x, y = rows[:, band - 1], rows[:, band]
    start = (-1.5, 1.5)
    probe = Problem("sonar", "", "linear", x, y, "", "", "", start, (0, 1), (0, 1))
    w_range, b_range = _window(probe.optimum(), start)
    return Problem(
        name="sonar", title=f"Sonar: predict band {band + 1} from band {band} (linear regression, MSE)",
        kind="linear", x=x, y=y, x_label=f"band {band} energy (standardised)",
        y_label=f"band {band + 1} energy (standardised)",
        source_label=f"{ds.source_label}; all {len(x)} returns", start=start, w_range=w_range, b_range=b_range)


def mnist_ink_problem() -> Problem:
    """Logistic regression: is an MNIST image a 1 (not a 0)? Feature: the image's mean ink, standardised."""
    from synaptic_core.data import load_dataset
    from synaptic_core.specs import RunSpec

    ds = load_dataset(RunSpec().replace(dataset="mnist", classes=(0, 1), subset=0), fallback_to_bundled=True)
    ink = ds.x_train.reshape(len(ds.x_train), -1).mean(axis=1) / 255.0
    x = (ink - ink.mean()) / ink.std()
    y = ds.y_train.astype(np.float64)
    start = (2.0, 2.0)
    probe = Problem("mnist-ink", "", "logistic", x, y, "", "", "", start, (0, 1), (0, 1))
    w_range, b_range = _window(probe.optimum(), start)
    return Problem(
        name="mnist-ink", title="MNIST 0 vs 1 from the mean ink (logistic regression, cross-entropy)",
        kind="logistic", x=x, y=y, x_label="mean ink (standardised)", y_label="P(digit is a 1)",
        source_label=f"{ds.source_label}; {len(x)} images of 0 and 1", start=start, w_range=w_range,
        b_range=b_range, default_lr=0.5, default_epochs=5)


PROBLEMS = {"sonar": sonar_problem, "mnist-ink": mnist_ink_problem}


@dataclass
class GDRun:
    """One gradient-descent run: every update's parameters and time, and the loss at evaluation points."""

    label: str  # "batch" | "mini-batch (32)" | "stochastic" | "lr 0.1"
    batch_size: int
    lr: float
    epochs: int
    updates_per_epoch: int
    params: np.ndarray  # (U+1, 2): start, then (w, b) after each update (cut at divergence)
    times: np.ndarray  # (U+1,) wall seconds of update work so far (loss evaluations excluded)
    eval_at: np.ndarray  # update indices where the full-data loss was evaluated
    losses: np.ndarray  # full-data loss at those updates
    diverged: bool = False

    @property
    def epochs_at(self) -> np.ndarray:
        """The epoch (fractional) of each evaluation point."""
        return self.eval_at / self.updates_per_epoch


def run_gd(problem: Problem, batch_size: int, lr: float, epochs: int, seed: int = 0,
           start: tuple[float, float] | None = None, label: str | None = None) -> GDRun:
    """Gradient descent with ``batch_size`` rows per update (>= N means full batch), ``epochs`` passes.

    Each epoch shuffles the rows (seeded) and walks through them in contiguous batches; the last
    batch of an epoch may be smaller. A run stops early when the parameters stop being finite or
    run past 1e6, and is then flagged ``diverged``.
    """
    n = problem.n
    bs = max(1, min(int(batch_size), n))
    per_epoch = -(-n // bs)
    total = per_epoch * int(epochs)
    params = np.empty((total + 1, 2))
    times = np.zeros(total + 1)
    params[0] = problem.start if start is None else start
    rng = np.random.default_rng(seed)
    theta = params[0].copy()
    k, elapsed, diverged = 0, 0.0, False
    for _ in range(int(epochs)):
        order = rng.permutation(n) if bs < n else np.arange(n)
        xs, ys = problem.x[order], problem.y[order]
        t0 = time.perf_counter()
        for i in range(0, n, bs):
            theta = theta - lr * problem.gradient(theta, xs[i:i + bs], ys[i:i + bs])
            k += 1
            params[k] = theta
            times[k] = elapsed + time.perf_counter() - t0
            if not np.isfinite(theta).all() or np.abs(theta).max() > 1e6:
                diverged = True
                break
        elapsed = times[k]
        if diverged:
            break
    if diverged:
        params, times = params[:k], times[:k]  # drop the point that blew up
    last = len(params) - 1
    half = min(MAX_EVALS // 2, last + 1)  # evenly spaced for linear axes, geometric for log axes
    marks = np.unique(np.concatenate([np.linspace(0, last, half), np.geomspace(1, max(last, 1), half),
                                      np.arange(0, last + 1, per_epoch), [0, last]]).round().astype(int))
    with np.errstate(all="ignore"):
        losses = problem.loss(params[marks])
    name = label or ("batch" if bs >= n else "stochastic" if bs == 1 else f"mini-batch ({bs})")
    return GDRun(name, bs, float(lr), int(epochs), per_epoch, params, times, marks, losses, diverged)


def run_variants(problem: Problem, lrs: dict[str, float], batch_size: int, epochs: int, seed: int = 0,
                 start: tuple[float, float] | None = None) -> dict[str, GDRun]:
    """Batch, mini-batch (``batch_size``) and stochastic runs; ``lrs`` maps each variant to its rate."""
    sizes = {"batch": problem.n, "mini-batch": batch_size, "stochastic": 1}
    return {v: run_gd(problem, sizes[v], lrs[v], epochs, seed, start) for v in ("batch", "mini-batch", "stochastic")
            if v in lrs}


def classify(run: GDRun, problem: Problem) -> str:
    """The verdict on a learning rate, from the run's full-data loss.

    'diverges': blew up, or ended above where it started; 'good': got 90% of the way down to
    the best loss; 'too large': bounced without getting there (the loss rose again by more than
    10% of the initial excess, the updates zig-zag - consecutive steps point against each
    other on average - or it flew 1.5x farther from the optimum than it started); 'too small':
    went down steadily but not far enough.
    """
    best = float(problem.loss(problem.optimum()))
    losses = np.asarray(run.losses, dtype=np.float64)
    first, last = float(losses[0]), float(losses[-1])
    if run.diverged or not np.isfinite(last) or last > first:
        return "diverges"
    excess = first - best
    if (last - best) <= 0.1 * excess:
        return "good"
    steps = np.diff(run.params, axis=0)
    norms = np.linalg.norm(steps, axis=1)
    cosines = np.sum(steps[1:] * steps[:-1], axis=1) / np.maximum(norms[1:] * norms[:-1], 1e-300)
    zigzag = len(cosines) > 0 and float(np.mean(cosines)) < -0.5
    distance = np.linalg.norm(run.params - problem.optimum(), axis=1)
    overshoot = float(distance.max()) > 1.5 * float(distance[0])
    if zigzag or overshoot or np.max(losses - np.minimum.accumulate(losses)) > 0.1 * excess:
        return "too large"
    return "too small"


def lr_sweep(problem: Problem, lrs: list[float], batch_size: int, epochs: int, seed: int = 0,
             start: tuple[float, float] | None = None) -> list[tuple[GDRun, str]]:
    """One run per learning rate (same batches, same start), each with its verdict from ``classify``."""
    out = []
    for lr in sorted(lrs):
        run = run_gd(problem, batch_size, lr, epochs, seed, start, label=f"lr {lr:g}")
        out.append((run, classify(run, problem)))
    return out
