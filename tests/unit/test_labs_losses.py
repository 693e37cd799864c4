"""The loss lab: values equal the textbook formulas and keras.losses' classes, gradients equal
finite differences, the outlier fits are the known estimators, focal loss reduces to CE at gamma 0.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from synaptic_core.labs import losses as L
from synaptic_core.viz import labs_losses as figs

P_REG = np.linspace(-3, 3, 121)
P_PROB = np.linspace(0.01, 0.99, 99)


def _formula(name: str, t: float, p: np.ndarray, delta: float) -> np.ndarray:
    r = p - t
    # Keras' kl_divergence clips both distributions to [1e-7, 1] (so 0 log 0 is 1e-7 log 1e-7)
    xlogx = lambda a, b: max(a, 1e-7) * np.log(max(a, 1e-7) / b)  # noqa: E731
    formulas = {
        "mean_squared_error": lambda: r ** 2,
        "mean_absolute_error": lambda: np.abs(r),
        "huber": lambda: np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta)),
        "log_cosh": lambda: np.log(np.cosh(r)),
        "binary_crossentropy": lambda: -(t * np.log(p) + (1 - t) * np.log(1 - p)),
        "categorical_crossentropy": lambda: -(t * np.log(p) + (1 - t) * np.log(1 - p)),
        "kl_divergence": lambda: xlogx(t, p) + xlogx(1 - t, 1 - p),
        "hinge": lambda: np.maximum(0, 1 - t * p),
        "squared_hinge": lambda: np.maximum(0, 1 - t * p) ** 2,
    }
    return formulas[name]()


PROBABILITY = ("binary_crossentropy", "categorical_crossentropy", "kl_divergence")
CASES = ([(n, t) for n in L.REGRESSION for t in (0.0, 1.3)]
         + [(n, t) for n in PROBABILITY for t in (0.0, 0.3, 1.0)]
         + [(n, t) for n in ("hinge", "squared_hinge") for t in (1.0, -1.0)])


@pytest.mark.parametrize("name,target", CASES)
def test_values_match_the_formula_and_gradients_match_finite_differences(name, target):
    kind = L.LOSSES[name].kind
    p = P_PROB if kind == "probability" else P_REG
    loss, grad = L.curve(name, target, p, delta=0.7)
    # atol: Keras' log-cosh subtracts log 2 computed in float32 (about 2e-9 off at r = 0)
    np.testing.assert_allclose(loss, _formula(name, target, p, 0.7), rtol=1e-6, atol=1e-8)
    assert L.gradient_error(name, target, p, delta=0.7) < 1e-5


def test_values_match_keras_loss_classes():
    t, p = np.array([[0.0], [1.0], [2.0]]), np.array([[0.5], [-1.0], [5.0]])
    assert np.allclose(L.keras_loss("huber", 0.7)(t, p), keras.losses.Huber(delta=0.7, reduction=None)(t, p))
    assert np.allclose(L.keras_loss("mean_squared_error")(t, p), keras.losses.MeanSquaredError(reduction=None)(t, p))
    assert np.allclose(L.keras_loss("log_cosh")(t, p), keras.losses.LogCosh(reduction=None)(t, p))
    yt, yp = np.array([[1.0, 0.0], [0.3, 0.7]]), np.array([[0.8, 0.2], [0.4, 0.6]])
    assert np.allclose(L.keras_loss("kl_divergence")(yt, yp), keras.losses.KLDivergence(reduction=None)(yt, yp))
    assert np.allclose(L.keras_loss("categorical_crossentropy")(yt, yp),
                       keras.losses.CategoricalCrossentropy(reduction=None)(yt, yp))


def test_closed_form_gradients():
    _, g = L.curve("mean_squared_error", 0.5, P_REG)
    np.testing.assert_allclose(g, 2 * (P_REG - 0.5), atol=1e-12)
    _, g = L.curve("huber", 0.0, P_REG, delta=1.5)
    np.testing.assert_allclose(g, np.clip(P_REG, -1.5, 1.5), atol=1e-12)
    _, g = L.curve("binary_crossentropy", 1.0, P_PROB)
    np.testing.assert_allclose(g, -1 / P_PROB, rtol=1e-5)


def test_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        L.keras_loss("nope")


def test_outlier_fits_are_the_known_estimators():
    x, y = L.outlier_data(n=15, shift=20.0, seed=3)
    fits = {f.name: f for f in L.outlier_fits(x, y, delta=1.0)}
    slope, intercept = np.polyfit(x, y, 1)  # least squares = the MSE fit
    assert fits["mean_squared_error"].slope == pytest.approx(slope, abs=1e-4)
    assert fits["mean_squared_error"].intercept == pytest.approx(intercept, abs=1e-4)
    for robust in ("mean_absolute_error", "huber", "log_cosh"):  # near the true line y = 0.5 x + 1
        assert abs(fits[robust].slope - 0.5) < 0.1, robust
        assert abs(fits["mean_squared_error"].slope - 0.5) > 3 * abs(fits[robust].slope - 0.5)
    # the pull: MSE's grows with the residual (2r), MAE's is 1, Huber's is delta
    r = y[-1] - (fits["mean_squared_error"].slope * x[-1] + fits["mean_squared_error"].intercept)
    assert fits["mean_squared_error"].pull == pytest.approx(2 * abs(r), rel=1e-6)
    assert fits["mean_absolute_error"].pull == pytest.approx(1.0)
    assert fits["huber"].pull == pytest.approx(1.0)
    assert all(0 < f.loss_share <= 1 for f in fits.values())


def test_mae_fit_of_a_constant_is_the_median():
    x = np.zeros(7)  # all points at one x: the best line through them is their median there
    y = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 50.0])
    slope, intercept = L.fit_line("mean_absolute_error", x, y)
    assert intercept == pytest.approx(0.3, abs=1e-3)


def test_focal_loss_reduces_to_cross_entropy_at_gamma_zero_and_weights_by_the_factor():
    p = np.linspace(0.01, 0.99, 50)
    c0 = L.focal_curves(p, 0.0)
    np.testing.assert_allclose(c0["focal"], c0["ce"], rtol=1e-6)
    np.testing.assert_allclose(c0["ce"], -np.log(p), rtol=1e-6)
    c2 = L.focal_curves(p, 2.0)
    np.testing.assert_allclose(c2["focal"], (1 - p) ** 2 * -np.log(p), rtol=1e-5)
    np.testing.assert_allclose(c2["factor"], c2["focal"] / c2["ce"], rtol=1e-5)


def test_focal_loss_moves_the_loss_onto_the_rare_hard_examples():
    s = L.imbalance_shares(990, 0.95, 10, 0.3, gamma=2.0)
    assert s["ce_hard_share"] < 0.25 < 0.9 < s["focal_hard_share"]
    assert L.imbalance_shares(990, 0.95, 10, 0.3, gamma=0.0)["focal_hard_share"] == pytest.approx(s["ce_hard_share"])


def test_figures_carry_the_computed_numbers():
    loss, grad = L.curve("mean_squared_error", 0.0, P_REG)
    fig = figs.loss_figure({"MSE": (P_REG, loss, grad)}, "prediction")
    assert [t.name for t in fig.data] == ["MSE", "MSE gradient"]
    np.testing.assert_allclose(fig.data[1].y, grad)
    x, y = L.outlier_data()
    fits = L.outlier_fits(x, y, names=("mean_squared_error",))
    fig = figs.outlier_figure(x, y, fits, {"mean_squared_error": "MSE"})
    line = fig.data[-1]
    assert line.name == "MSE" and line.y[0] == pytest.approx(fits[0].slope * x.min() + fits[0].intercept)
    p = np.linspace(0.01, 0.99, 20)
    fig = figs.focal_figure(p, L.focal_curves(p, 0)["ce"], {2.0: L.focal_curves(p, 2.0)["focal"]}, {"easy": 0.9})
    weight = next(t for t in fig.data if t.name == "focal γ = 2 weight")
    np.testing.assert_allclose(weight.y, (1 - p) ** 2)
