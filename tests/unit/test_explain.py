"""Inside the CNN (synaptic_core.explain, viz.cnn): saliency a person can read and every conv layer's maps.

Integrated gradients must be complete (the attributions add up to P(x) - P(baseline)); SmoothGrad
must be the gradient when there is no noise, and the same map for the same seed; activation maps
must be each convolution's real output after its activation, capped per layer.
"""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core import explain
from synaptic_core.viz import cnn as figs


def _smooth_cnn(shape: tuple[int, int, int], seed: int = 3):
    """Rescaling -> Conv(tanh) -> Conv(linear) -> BN -> Activation -> Dense softmax: smooth, two conv layers."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape)
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    x = keras.layers.Conv2D(3, 3, activation="tanh", name="conv1")(x)
    x = keras.layers.Conv2D(5, 3, name="conv2")(x)
    x = keras.layers.BatchNormalization(name="bn2")(x)
    x = keras.layers.Activation("tanh", name="act2")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(4, activation="softmax",
                                 kernel_initializer=keras.initializers.RandomNormal(stddev=0.3, seed=4))(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def grey_model():
    return _smooth_cnn((12, 12, 1))


@pytest.fixture(scope="module")
def rgb_model():
    return _smooth_cnn((10, 10, 3), seed=5)


def _image(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)


@pytest.mark.parametrize("which,shape", [("grey_model", (12, 12, 1)), ("rgb_model", (10, 10, 3))])
def test_integrated_gradients_add_up_to_the_change_in_probability(request, which, shape):
    model = request.getfixturevalue(which)
    x = _image(shape)
    for target in (None, 2):
        ig = explain.integrated_gradients(model, x, target=target, steps=128)
        p = np.asarray(model(x[None]), np.float64)[0]
        p0 = np.asarray(model(np.zeros((1, *shape), np.float32)), np.float64)[0]
        cls = int(p.argmax()) if target is None else target
        assert ig.target == cls and ig.values.shape == shape
        assert ig.probability == pytest.approx(p[cls], abs=1e-6)
        assert ig.baseline_probability == pytest.approx(p0[cls], abs=1e-6)
        delta = p[cls] - p0[cls]
        assert abs(delta) > 1e-3  # the check means something
        assert ig.values.sum() == pytest.approx(delta, abs=2e-3 + 0.02 * abs(delta))


def test_integrated_gradients_from_another_baseline(grey_model):
    x, base = _image((12, 12, 1)), np.full((12, 12, 1), 128.0, np.float32)
    ig = explain.integrated_gradients(grey_model, x, baseline=base, steps=128)
    p = np.asarray(grey_model(np.stack([x, base])), np.float64)[:, ig.target]
    assert ig.values.sum() == pytest.approx(p[0] - p[1], abs=2e-3 + 0.02 * abs(p[0] - p[1]))


@pytest.mark.parametrize("score", ["probability", "logit"])
def test_smoothgrad_without_noise_is_the_gradient_by_finite_differences(grey_model, score):
    from synaptic_core.explain.attribution import scorer

    x = _image((12, 12, 1), seed=1).astype(np.float64)
    sg = explain.smoothgrad(grey_model, x, samples=1, noise=0.0, score=score)
    assert sg.score == score
    flat = np.argsort(np.abs(sg.values).ravel())[::-1][:8].tolist() + [0, 50, 100]
    eps = 2.0
    batch = np.repeat(x[None], 2 * len(flat), axis=0)
    for i, k in enumerate(flat):
        batch[2 * i].reshape(-1)[k] += eps
        batch[2 * i + 1].reshape(-1)[k] -= eps
    out = np.asarray(scorer(grey_model, score)[0](batch.astype(np.float32)), np.float64)[:, sg.target]
    fd = (out[0::2] - out[1::2]) / (2 * eps)
    np.testing.assert_allclose(sg.values.ravel()[flat], fd, rtol=0.05, atol=1e-3 * np.abs(sg.values).max())


def test_logits_are_the_scores_before_the_softmax(grey_model):
    from synaptic_core.explain.attribution import scorer

    x = np.stack([_image((12, 12, 1), seed=s) for s in range(3)])
    logits = np.asarray(scorer(grey_model, "logit")[0](x), np.float64)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(axis=1, keepdims=True), np.asarray(grey_model(x)), atol=1e-5)
    with pytest.raises(ValueError, match="score must be"):
        scorer(grey_model, "loss")


def test_smoothgrad_reads_a_saturated_model():
    """A model sure of its answer (P = 1.0 in float32): the probability's gradient vanishes, the logit's does not."""
    import keras

    keras.utils.set_random_seed(1)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    x = keras.layers.Conv2D(2, 3, activation="relu")(x)
    x = keras.layers.Flatten()(x)
    out = keras.layers.Dense(3, activation="softmax", kernel_initializer="zeros",
                             bias_initializer=keras.initializers.Constant([60.0, 0.0, 0.0]))(x)
    sure = keras.Model(inputs, out)
    sure.layers[-1].kernel.assign(np.full((72, 3), 0.5, np.float32) * np.array([1.0, -1.0, 0.0], np.float32))
    img = _image((8, 8, 1), seed=9)
    assert float(np.asarray(sure(img[None]))[0, 0]) == 1.0
    by_prob = explain.smoothgrad(sure, img, samples=4, score="probability")
    by_logit = explain.smoothgrad(sure, img, samples=4)
    assert np.abs(by_prob.values).max() < 1e-6 < np.abs(by_logit.values).max()


def test_smoothgrad_shape_and_determinism_with_a_seed(rgb_model):
    x = _image((10, 10, 3), seed=2)
    a = explain.smoothgrad(rgb_model, x, samples=8, seed=7)
    b = explain.smoothgrad(rgb_model, x, samples=8, seed=7)
    c = explain.smoothgrad(rgb_model, x, samples=8, seed=8)
    assert a.values.shape == (10, 10, 3) and a.method == "smoothgrad"
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)
    m = a.map
    assert m.shape == (10, 10) and m.min() >= 0 and m.max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="reads"):
        explain.smoothgrad(rgb_model, np.zeros((12, 12)))
    with pytest.raises(ValueError, match="not one of"):
        explain.smoothgrad(rgb_model, x, target=9)


def test_readable_map_clips_outliers_and_keeps_signs():
    v = np.zeros((10, 10))
    v[0, 0] = 1000.0  # one extreme pixel
    v[1:4, 1:4] = 1.0
    v[5, 5] = -1.0
    unsigned = explain.readable_map(v, clip_percentile=98)
    assert unsigned[0, 0] == 1.0 and unsigned[2, 2] == pytest.approx(1.0) and unsigned[5, 5] == pytest.approx(1.0)
    signed = explain.readable_map(v, signed=True, clip_percentile=98)
    assert signed[5, 5] == pytest.approx(-1.0) and signed[2, 2] == pytest.approx(1.0)
    assert explain.readable_map(np.zeros((3, 3, 2))).tolist() == np.zeros((3, 3)).tolist()


def test_activation_maps_are_every_conv_layers_output_after_its_activation(grey_model):
    import keras

    x = _image((12, 12, 1), seed=3)
    layers = explain.activation_maps(grey_model, x)
    assert [(m.conv, m.name) for m in layers] == [("conv1", "conv1"), ("conv2", "act2")]
    for m, layer in zip(layers, ("conv1", "act2")):
        probe = keras.Model(grey_model.inputs[0], grey_model.get_layer(layer).output)
        want = np.asarray(probe(x[None]))[0]
        np.testing.assert_allclose(m.maps, want, atol=1e-5)
        assert m.n_channels == want.shape[-1] and m.channels.tolist() == list(range(want.shape[-1]))
    assert layers[0].maps.shape == (10, 10, 3) and layers[1].maps.shape == (8, 8, 5)


def test_activation_maps_cap_the_channels_at_the_most_active(grey_model):
    x = _image((12, 12, 1), seed=4)
    full = explain.activation_maps(grey_model, x)[1]
    capped = explain.activation_maps(grey_model, x, max_channels=2)[1]
    strongest = np.argsort(-full.maps.reshape(-1, 5).mean(axis=0))[:2]
    assert capped.n_channels == 5 and capped.channels.tolist() == sorted(strongest.tolist())
    np.testing.assert_allclose(capped.maps, full.maps[:, :, capped.channels])


def test_kernels_and_no_convolution():
    import keras

    model = _smooth_cnn((10, 10, 3), seed=6)
    name, k = explain.first_kernels(model)
    assert name == "conv1" and k.shape == (3, 3, 3, 3)
    np.testing.assert_array_equal(k, model.get_layer("conv1").get_weights()[0])
    mlp = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")])
    assert not explain.has_conv(mlp) and explain.has_conv(model)
    with pytest.raises(ValueError, match="no convolution"):
        explain.activation_maps(mlp, np.zeros((4, 4)))
    with pytest.raises(ValueError, match="no convolution"):
        explain.first_kernels(mlp)


# -- the figures ------------------------------------------------------------------------------------------------
def test_saliency_overlay_holds_the_image_and_the_map():
    img = np.arange(64, dtype=np.float32).reshape(8, 8)
    sal = np.linspace(0, 1, 64).reshape(8, 8)
    fig = figs.saliency_overlay(img, sal)
    trace = next(t for t in fig.data if t.name == "saliency")
    np.testing.assert_allclose(np.asarray(trace.z), sal)
    assert trace.zmin == 0 and trace.zmax == 1
    np.testing.assert_allclose(np.asarray(fig.data[0].z), img)  # the input, grey
    signed = figs.saliency_overlay(img, sal * 2 - 1, signed=True)
    assert next(t for t in signed.data if t.name == "saliency").zmin == -1
    rgb = figs.saliency_overlay(np.zeros((8, 8, 3)), sal)
    assert rgb.data[0].type == "image"
    with pytest.raises(ValueError):
        figs.saliency_overlay(img, np.zeros((7, 8)))


def test_activation_grid_names_each_tiles_channel():
    maps = np.random.default_rng(0).random((4, 4, 3))
    fig = figs.activation_grid(maps, channels=[5, 9, 30], cols=8)
    custom = np.asarray(fig.data[0].customdata)
    assert set(np.unique(custom)) == {5, 9, 30, -1}
    assert custom[0, 0] == 5 and custom[0, -1] == 30


def test_kernel_mosaic_rgb_and_grey():
    k = np.zeros((3, 3, 3, 2))
    k[:, :, 0, 0] = 2.0  # a red kernel
    k[1, 1, :, 1] = -1.0
    rgb = figs.kernel_mosaic(k, cols=8)
    assert rgb.shape == (3, 7, 3)
    np.testing.assert_allclose(rgb[0, 0], [1.0, 0.5, 0.5])  # red at full, other channels at zero weight
    grey = figs.kernel_mosaic(np.ones((5, 5, 1, 70)), cols=8)  # capped at 64 kernels: 8 rows
    assert grey.shape == (8 * 6 - 1, 8 * 6 - 1) and np.nanmax(grey) == 1.0
    assert figs.kernels_figure(k).data[0].type == "image"
    assert figs.kernels_figure(np.ones((5, 5, 1, 4))).data[0].type == "heatmap"


def test_top_classes_marks_the_true_class():
    fig = figs.top_classes([0.1, 0.6, 0.3], ["a", "b", "c"], top=2, true_class=2)
    bar = fig.data[0]
    assert list(bar.y) == ["c", "b"] and bar.marker.color[0] == "#2ca02c"
