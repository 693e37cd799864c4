"""Batch vs mini-batch vs stochastic gradient descent, tied to the maths.

* the analytic gradients (full batch and any mini-batch) equal TensorFlow's autodiff of
  keras.losses.MeanSquaredError / BinaryCrossentropy(from_logits=True) and finite differences;
* batch descent on linear regression is the affine recursion theta <- theta - lr (H theta - c),
  converges below 2 / lambda_max and diverges above it;
* mini-batch updates are exactly the gradients of the shuffled contiguous batches;
* the learning-rate sweep's verdicts (too small / good / too large / diverges) are right.
Synthetic data for speed; the real problems load from the bundled sonar and MNIST samples.
"""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.labs import gd_variants as G
from synaptic_core.viz import labs_optim as V


def _problem(kind: str, n: int = 200, seed: int = 0) -> G.Problem:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.5, 1.2, n)
    if kind == "linear":
        y = 0.8 * x - 0.3 + rng.normal(0, 0.5, n)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-(2.0 * x - 1.0)))).astype(float)
    return G.Problem("synthetic", "synthetic", kind, x, y, "x", "y", "generated", (-1.5, 1.5), (-3, 3), (-3, 3))


def _keras_gradient(problem: G.Problem, theta: np.ndarray, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
    import keras
    import tensorflow as tf

    x, y = tf.constant(problem.x[rows]), tf.constant(problem.y[rows])
    t = tf.Variable(theta, dtype=tf.float64)
    loss_fn = (keras.losses.MeanSquaredError() if problem.kind == "linear"
               else keras.losses.BinaryCrossentropy(from_logits=True))
    with tf.GradientTape() as tape:
        z = t[0] * x + t[1]
        loss = loss_fn(tf.reshape(y, (-1, 1)), tf.reshape(z, (-1, 1)))
    return tape.gradient(loss, t).numpy()


@pytest.mark.parametrize("kind", ["linear", "logistic"])
def test_batch_and_minibatch_gradients_equal_keras_autodiff(kind):
    p = _problem(kind)
    for theta in (np.array([-1.5, 1.5]), np.array([0.3, -0.2]), np.array([2.0, 0.7])):
        np.testing.assert_allclose(p.gradient(theta), _keras_gradient(p, theta), rtol=1e-6, atol=1e-9)
        rows = slice(40, 72)
        np.testing.assert_allclose(p.gradient(theta, p.x[rows], p.y[rows]), _keras_gradient(p, theta, rows),
                                   rtol=1e-6, atol=1e-9)
        one = slice(7, 8)
        np.testing.assert_allclose(p.gradient(theta, p.x[one], p.y[one]), _keras_gradient(p, theta, one),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kind", ["linear", "logistic"])
def test_gradient_matches_finite_differences_and_vanishes_at_the_optimum(kind):
    p = _problem(kind)
    theta, h = np.array([0.4, -0.7]), 1e-6
    fd = np.array([(p.loss(theta + h * e) - p.loss(theta - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(p.gradient(theta), fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(p.gradient(p.optimum()), 0.0, atol=1e-10)
    if kind == "linear":
        np.testing.assert_allclose(p.optimum(), np.polyfit(p.x, p.y, 1), rtol=1e-10)
        np.testing.assert_allclose(p.loss(p.optimum()), np.mean((np.polyval(np.polyfit(p.x, p.y, 1), p.x) - p.y) ** 2))


def test_batch_descent_is_the_affine_recursion_and_ignores_the_seed():
    p = _problem("linear")
    lr, epochs = 0.2, 15
    run = G.run_gd(p, p.n, lr, epochs, seed=3)
    again = G.run_gd(p, 10 * p.n, lr, epochs, seed=99)  # batch_size >= N is the full batch
    hess = p.hessian()
    c = hess @ p.optimum()  # gradient = H theta - c for a quadratic with minimiser theta*
    theta = np.array(p.start, dtype=float)
    for k in range(epochs + 1):
        np.testing.assert_allclose(run.params[k], theta, rtol=1e-12, atol=1e-12)
        theta = theta - lr * (hess @ theta - c)
    np.testing.assert_array_equal(run.params, again.params)
    assert run.updates_per_epoch == 1 and run.label == "batch"


def test_minibatch_updates_use_the_shuffled_contiguous_batches():
    p, lr, bs, seed = _problem("logistic", n=50), 0.3, 8, 5
    run = G.run_gd(p, bs, lr, 2, seed=seed)
    assert run.updates_per_epoch == 7 and len(run.params) == 15  # ceil(50 / 8) per epoch, + the start
    rng = np.random.default_rng(seed)
    theta = np.array(p.start, dtype=float)
    k = 0
    for _ in range(2):
        order = rng.permutation(p.n)
        for i in range(0, p.n, bs):
            rows = order[i:i + bs]
            theta = theta - lr * p.gradient(theta, p.x[rows], p.y[rows])
            k += 1
            np.testing.assert_allclose(run.params[k], theta, rtol=1e-12)
    assert G.run_gd(p, 1, lr, 1).updates_per_epoch == p.n


def test_run_records_time_and_full_data_loss_at_its_evaluation_points():
    p = _problem("linear")
    run = G.run_gd(p, 1, 0.01, 3)
    last = len(run.params) - 1
    assert run.eval_at[0] == 0 and run.eval_at[-1] == last
    assert set(range(0, last + 1, p.n)) <= set(run.eval_at.tolist())  # every epoch end
    assert np.all(np.diff(run.times) >= 0) and run.times[0] == 0 and run.times[-1] > 0
    np.testing.assert_allclose(run.losses, p.loss(run.params[run.eval_at]))
    np.testing.assert_allclose(run.epochs_at[-1], 3.0)


def test_the_divergence_threshold_is_two_over_lambda_max():
    p = _problem("linear")
    crit = p.critical_lr()
    np.testing.assert_allclose(crit, 2 / np.linalg.eigvalsh(p.hessian()).max())
    below = G.run_gd(p, p.n, 0.95 * crit, 300)
    above = G.run_gd(p, p.n, 1.05 * crit, 300)
    assert G.classify(below, p) == "good"
    assert G.classify(above, p) == "diverges" and above.losses[-1] > above.losses[0]
    blown = G.run_gd(p, p.n, 50 * crit, 300)
    assert blown.diverged and np.isfinite(blown.params).all() and len(blown.params) < 301


def test_sweep_verdicts_run_from_too_small_to_diverging():
    p = _problem("linear")
    crit = p.critical_lr()
    sweep = G.lr_sweep(p, [1.05 * crit, 1e-4 * crit, 0.5 * crit], p.n, 40)
    assert [r.lr for r, _ in sweep] == sorted(r.lr for r, _ in sweep)
    assert [v for _, v in sweep] == ["too small", "good", "diverges"]
    # just below 2 / lambda_max batch descent zig-zags across the steep direction without settling
    bouncing = G.run_gd(p, p.n, 0.995 * crit, 40)
    steps = np.diff(bouncing.params, axis=0)
    assert np.mean(np.sum(steps[1:] * steps[:-1], axis=1)) < 0 and G.classify(bouncing, p) == "too large"
    # logistic regression: too large a rate bounces (loss rises again) but stays below its start
    q = _problem("logistic")
    assert G.classify(G.run_gd(q, q.n, 18.0, 10), q) == "too large"
    assert G.classify(G.run_gd(q, q.n, 400.0, 10), q) == "diverges"
    assert len(p.suggested_lrs()) == 7 and min(p.suggested_lrs()) < crit < max(p.suggested_lrs())


def test_sgd_path_is_noisier_than_batch_at_the_same_learning_rate():
    p = _problem("linear", n=400)
    runs = G.run_variants(p, {"batch": 0.1, "mini-batch": 0.1, "stochastic": 0.1}, 32, 20, seed=1)
    assert [r.label for r in runs.values()] == ["batch", "mini-batch (32)", "stochastic"]
    # path length over net displacement: 1 for a straight path, large for a noisy one
    winding = {k: np.linalg.norm(np.diff(r.params, axis=0), axis=1).sum() / np.linalg.norm(r.params[-1] - r.params[0])
               for k, r in runs.items()}
    assert winding["batch"] < 1.1 < winding["mini-batch"] < winding["stochastic"]
    assert winding["stochastic"] > 50


def test_real_problems_load_from_the_bundled_data():
    sonar = G.sonar_problem(10)
    assert sonar.kind == "linear" and sonar.n == 208 and "Sonar" in sonar.source_label
    assert 0.6 < np.corrcoef(sonar.x, sonar.y)[0, 1] < 0.95  # neighbouring bands are correlated
    with pytest.raises(ValueError, match="band"):
        G.sonar_problem(60)
    ink = G.mnist_ink_problem()
    assert ink.kind == "logistic" and set(np.unique(ink.y)) == {0.0, 1.0}
    assert abs(ink.x.mean()) < 1e-9 and ink.optimum()[0] < 0  # more ink -> less likely a 1
    for prob in (sonar, ink):
        best = prob.optimum()
        assert prob.w_range[0] < best[0] < prob.w_range[1] and prob.b_range[0] < best[1] < prob.b_range[1]


def test_figures_show_loss_against_epochs_updates_and_time_and_the_paths():
    p = _problem("linear")
    runs = G.run_variants(p, {"batch": 0.1, "mini-batch": 0.1, "stochastic": 0.05}, 16, 5)
    fig = V.gd_loss_figure(p, runs)
    assert len(fig.data) == 9  # 3 variants x (epochs, updates, time)
    sgd_updates = [t for t in fig.data if t.name.startswith("stochastic") and t.xaxis == "x2"][0]
    run = runs["stochastic"]
    later = run.eval_at > 0
    np.testing.assert_allclose(sgd_updates.x, run.eval_at[later])
    np.testing.assert_allclose(sgd_updates.y, run.losses[later] - p.loss(p.optimum()), rtol=1e-5, atol=1e-12)
    assert fig.layout.xaxis2.type == "log" and fig.layout.xaxis3.type == "log"
    plane = V.gd_paths_figure(p, runs)
    assert plane.data[0].type == "contour" and len(plane.data) == 5
    np.testing.assert_allclose(plane.data[1].x, runs["batch"].params[:, 0], rtol=1e-6)
    sweep = G.lr_sweep(p, [0.001, 0.1, 1.05 * p.critical_lr()], p.n, 10)
    sf = V.lr_sweep_figure(p, sweep)
    assert [t.line.color for t in sf.data[:3]] == [V.VERDICT_COLORS[v] for _, v in sweep]
    assert any(abs(s.x0 - p.critical_lr()) < 1e-12 for s in sf.layout.shapes)
