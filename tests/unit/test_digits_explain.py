"""Why the model decided: saliency is the shared SmoothGrad map, feature maps are the first conv's output,
and the page's figures show exactly those numbers (winner highlighted, one tile per filter)."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.viz import digits as figs


@pytest.fixture(scope="module")
def tiny_model():
    """Rescaling -> Conv2D(3 filters, tanh) -> Dense softmax: smooth, so finite differences are accurate."""
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    x = keras.layers.Conv2D(3, 3, activation="tanh", name="conv")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10, activation="softmax",
                                 kernel_initializer=keras.initializers.RandomNormal(stddev=0.3, seed=4))(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.zeros((28, 28), np.float32)
    x[6:22, 12:16] = 255
    x[6:9, 9:16] = 200
    return np.clip(x + rng.uniform(0, 30, x.shape), 0, 255)


def test_saliency_is_the_shared_smoothgrad_map(tiny_model, digit):
    """The draw page's saliency is synaptic_core.explain's SmoothGrad (one mechanism; tests/unit/test_explain.py)."""
    from synaptic_core.digits.explain import saliency
    from synaptic_core.explain import smoothgrad

    cls, sal = saliency(tiny_model, digit)
    probs = np.asarray(tiny_model(digit.reshape(1, 28, 28, 1)))[0]
    assert cls == int(probs.argmax())
    assert sal.shape == (28, 28) and sal.min() >= 0 and sal.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(sal, smoothgrad(tiny_model, digit.reshape(28, 28, 1)).map)


def test_saliency_of_a_chosen_class(tiny_model, digit):
    from synaptic_core.digits.explain import saliency

    probs = np.asarray(tiny_model(digit.reshape(1, 28, 28, 1)))[0]
    loser = int(probs.argmin())
    cls, sal = saliency(tiny_model, digit, target=loser)
    _, sal_winner = saliency(tiny_model, digit)
    assert cls == loser and not np.allclose(sal, sal_winner)


def test_first_conv_maps_are_the_first_convolution_of_the_input(tiny_model, digit):
    from scipy.signal import correlate2d

    from synaptic_core.digits.explain import first_conv_maps

    maps = first_conv_maps(tiny_model, digit)
    assert maps.shape == (26, 26, 3)
    kernel, bias = tiny_model.get_layer("conv").get_weights()
    for f in range(3):
        want = np.tanh(correlate2d(digit / 255.0, kernel[:, :, 0, f], mode="valid") + bias[f])
        np.testing.assert_allclose(maps[:, :, f], want, atol=1e-4)


def test_first_conv_maps_needs_a_convolution():
    import keras

    from synaptic_core.digits.explain import first_conv_maps

    mlp = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    with pytest.raises(ValueError, match="no convolution"):
        first_conv_maps(mlp, np.zeros((28, 28)))


# -- the figures ------------------------------------------------------------------------------
def test_probability_bars_highlight_the_winner():
    p = np.full(10, 0.02)
    p[7] = 0.82
    fig = figs.probability_bars(p)
    bar = fig.data[0]
    assert list(bar.x) == [str(d) for d in range(10)]
    np.testing.assert_allclose(bar.y, p)
    colors = list(bar.marker.color)
    assert colors[7] == figs.WINNER_COLOR and colors.count(figs.WINNER_COLOR) == 1
    with pytest.raises(ValueError):
        figs.probability_bars(np.ones(9) / 9)


def test_compare_bars_show_both_models_on_the_same_digits():
    a, b = np.eye(10)[3], np.full(10, 0.1)
    fig = figs.compare_bars(a, b, ("shipped CNN", "run x"))
    assert [t.name for t in fig.data] == ["shipped CNN", "run x"] and fig.layout.barmode == "group"
    np.testing.assert_allclose(fig.data[0].y, a)
    np.testing.assert_allclose(fig.data[1].y, b)


def test_model_input_figure_holds_the_28x28_values():
    x = np.arange(784, dtype=np.uint8).reshape(28, 28)
    fig = figs.model_input_figure(x)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), x)
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 on top, as the canvas


def test_feature_maps_mosaic_puts_each_filter_in_its_tile_scaled_to_its_peak():
    maps = np.zeros((4, 5, 10))
    for f in range(10):
        maps[:, :, f] = f  # constant maps...
        maps[0, 0, f] = 10 + 3 * f  # ...with a peak at the top-left corner
    mosaic, index = figs.feature_maps_mosaic(maps, cols=4, pad=1)
    assert mosaic.shape == (3 * 5 - 1, 4 * 6 - 1)
    for f in range(10):
        r, c = divmod(f, 4)
        top, left = r * 5, c * 6
        assert mosaic[top, left] == 1.0 and mosaic[top + 1, left + 1] == 0.0
        assert (index[top:top + 4, left:left + 5] == f).all()
    assert np.isnan(mosaic[4, :]).all()  # the gap between rows stays empty
    assert np.isnan(mosaic[10:, 2 * 6:]).all() and (index[10:, 2 * 6:] == -1).all()  # two unused cells
