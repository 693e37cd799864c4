"""The activation lab: the plotted curves are Keras' functions and their true derivatives.

Ties the pictures to the maths: every derivative trace of the figure matches a central finite
difference of the same Keras function; a few curves match their textbook formulas; the depth
measurements (gradient norms, dead units) behave as the theory says on synthetic data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synaptic_core.labs import activations as A
from synaptic_core.labs import vanishing as V
from synaptic_core.viz import labs_activations as figs

ISSUE_NAMES = {"relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "silu", "mish", "sigmoid", "hard_sigmoid",
               "tanh", "softplus", "softsign", "exponential", "linear", "hard_silu"}


def test_every_elementwise_keras_activation_is_offered_once():
    names = A.elementwise_names()
    assert ISSUE_NAMES <= set(names)
    assert not {"softmax", "log_softmax", "sparsemax", "glu", "threshold"} & set(names)
    assert "swish" not in names and "hard_swish" not in names  # aliases of silu / hard_silu
    assert len(names) == len(set(names))
    # every discovered activation has a catalog row, so its kinks are known to the checks
    assert set(names) <= set(A.CATALOG)


def test_every_plotted_derivative_matches_a_central_finite_difference():
    x = A.grid(-7.0, 7.0, 281)
    names = A.elementwise_names()
    fig = figs.activation_figure([A.evaluate(n, x) for n in names])
    traces = {t.name: t for t in fig.data}
    for name in names:
        deriv = traces[f"{name}'"]
        xs, ys = np.asarray(deriv.x), np.asarray(deriv.y)
        mask = A.smooth_mask(name, xs, margin=1e-4)
        fd = A.finite_difference(name, xs[mask])
        np.testing.assert_allclose(ys[mask], fd, rtol=1e-4, atol=1e-5, err_msg=name)
        assert A.derivative_error(A.evaluate(name, x)) < 1e-4, name


def test_curves_match_textbook_formulas():
    x = A.grid(-4.0, 4.0, 81)
    sig = 1 / (1 + np.exp(-x))
    expected = {
        "relu": (np.maximum(x, 0), (x > 0).astype(float)),
        "leaky_relu": (np.where(x > 0, x, 0.2 * x), np.where(x > 0, 1.0, 0.2)),
        "sigmoid": (sig, sig * (1 - sig)),
        "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
        "softplus": (np.log1p(np.exp(x)), sig),
        "elu": (np.where(x > 0, x, np.expm1(x)), np.where(x > 0, 1.0, np.exp(x))),
        "silu": (x * sig, sig * (1 + x * (1 - sig))),
        "hard_sigmoid": (np.clip(x / 6 + 0.5, 0, 1), np.where(np.abs(x) < 3, 1 / 6, 0.0)),
    }
    for name, (f, df) in expected.items():
        c = A.evaluate(name, x)
        np.testing.assert_allclose(c.y, f, rtol=1e-6, atol=1e-9, err_msg=name)
        mask = A.smooth_mask(name, x)
        np.testing.assert_allclose(c.dy[mask], df[mask], rtol=1e-6, atol=1e-9, err_msg=name)


def test_grid_rejects_an_empty_range():
    with pytest.raises(ValueError):
        A.grid(1.0, 1.0)


def _data(n=128, f=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, f)).astype("float32"), rng.integers(0, 10, n)


def test_sigmoid_gradients_vanish_towards_the_input_and_he_relu_keeps_them_level():
    x, y = _data()
    sig = V.gradient_norms("sigmoid", 8, 32, x, y, "glorot_uniform")
    relu = V.gradient_norms("relu", 8, 32, x, y, "he_normal")
    assert sig.shape == (9,) and relu.shape == (9,)
    assert np.all(np.isfinite(sig)) and np.all(relu > 0)
    assert sig[0] < 1e-3 * sig[7]  # each sigmoid layer multiplies the gradient by <= 1/4
    assert 0.1 < relu[0] / relu[7] < 10


def test_initialisers_follow_keras_scales_with_a_seed_per_layer():
    model = V.build_deep_mlp("relu", 3, 200, 400, 10, "he_normal", seed=1)
    k0, k1 = (np.asarray(l.kernel) for l in model.layers[:2])
    assert abs(k0.std() - math.sqrt(2 / 400)) < 0.1 * math.sqrt(2 / 400)
    assert not np.allclose(k1, np.asarray(model.layers[2].kernel))  # same shape, different seeds
    glorot = V.build_deep_mlp("tanh", 1, 300, 100, 10, "glorot_uniform")
    limit = math.sqrt(6 / (100 + 300))
    assert np.abs(np.asarray(glorot.layers[0].kernel)).max() <= limit
    with pytest.raises(ValueError):
        V.build_deep_mlp("relu", 1, 4, 4, 2, "nonsense")


def test_dead_fraction_counts_units_with_zero_slope_on_every_input():
    x, _ = _data(64, 10)
    for act, dead in (("relu", 0.5), ("leaky_relu", 0.0)):
        model = V.build_deep_mlp(act, 2, 8, 10, 3)
        bias = np.full(8, 1000.0, "float32")  # positive on every input: alive
        bias[:4] = -1000.0  # these four pre-activations are negative on every input
        model.layers[0].bias.assign(bias)
        frac = V.dead_fractions(model, x)
        assert frac[0] == pytest.approx(dead)
        assert len(frac) == 2


def test_dead_units_after_short_training_reports_per_layer_shares():
    x, y = _data(256, 20)
    r = V.dead_units("relu", 3, 16, x, y, x[:64], lr=0.1, epochs=1, batch_size=32)
    assert len(r.before) == len(r.after) == 3
    assert all(0.0 <= v <= 1.0 for v in r.before + r.after)
    assert 0.0 <= r.train_accuracy <= 1.0 and r.seconds > 0
    assert figs.dead_units_figure([r]).data[0].y == tuple(r.after)


def _events(n_batches: int, loss0: float) -> list[dict]:
    evs = [{"type": "status", "stage": "training"}]
    for b in range(1, n_batches + 1):
        evs.append({"type": "batch", "epoch": 0, "batch": b, "steps": n_batches, "loss": loss0 / b,
                    "batch_loss": loss0 / b, "accuracy": 0.5, "batch_accuracy": 0.1 * b})
    evs.append({"type": "epoch", "epoch": 0, "loss": 1.0, "accuracy": 0.5, "val_loss": 0.9, "val_accuracy": 0.6})
    return evs


def test_race_figure_overlays_one_curve_per_run_in_each_panel():
    fig = figs.race_figure({"relu": _events(5, 2.0), "tanh": _events(4, 3.0), "gelu": []})
    lines = [t for t in fig.data if t.mode == "lines"]
    assert sorted({t.name for t in lines}) == ["relu", "tanh"]  # a run with no batch draws nothing yet
    assert len(lines) == 4 and all(len(t.x) >= 4 for t in lines)
    assert {t.xaxis for t in lines} == {"x", "x2"}
    relu_loss = next(t for t in lines if t.name == "relu" and t.xaxis == "x")
    assert relu_loss.x[-1] == pytest.approx(1.0)  # end of the first epoch
    assert any(t.mode == "markers" and t.y[0] == 0.6 for t in fig.data)  # validation accuracy marker


def test_race_figure_skips_non_finite_values():
    evs = _events(3, 1.0)
    evs[2]["batch_loss"] = float("nan")
    fig = figs.race_figure({"relu": evs})
    loss = next(t for t in fig.data if t.mode == "lines" and t.xaxis == "x")
    assert len(loss.x) == 2 and np.all(np.isfinite(loss.y))


def test_grad_norm_figure_uses_a_log_axis_and_drops_zeros():
    fig = figs.grad_norm_figure({"sigmoid": [0.0, 1e-4, 1e-2], "relu": [0.1, 0.1, 0.2]})
    assert fig.layout.yaxis.type == "log"
    assert fig.data[0].y[0] is None and list(fig.data[0].x) == ["layer 1", "layer 2", "output"]


def test_the_documented_autodiff_tie_of_celu_is_real():
    # Keras' celu is max(0, x) + min(0, ...): at exactly 0 TensorFlow passes the gradient through
    # both branches. The catalog says so and the checks skip that single point.
    c = A.evaluate("celu", np.array([-1e-3, 0.0, 1e-3]))
    assert c.dy[1] == pytest.approx(2.0) and c.dy[0] == pytest.approx(1.0, abs=1e-3)
    assert 0.0 in A.CATALOG["celu"].ties and not A.smooth_mask("celu", np.array([0.0]))[0]
