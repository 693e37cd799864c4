"""The playground toy sets: shapes, balance, noise semantics, separability at noise 0, seeds."""

import numpy as np
import pytest

from synaptic_core.data import load_dataset
from synaptic_core.data.toy import GENERATORS, make_toy
from synaptic_core.specs import RunSpec

TOYS = ("circle", "xor", "gauss", "spiral")


def _raw(name, n=400, noise=0.0, seed=0):
    return GENERATORS[name](np.random.default_rng(seed), n, noise)


@pytest.mark.parametrize("name", TOYS)
def test_shapes_dtypes_and_split(name):
    x_tr, y_tr, x_te, y_te = make_toy(name, n_points=601, noise=0.2, train_ratio=0.7, seed=1)
    assert x_tr.shape == (420, 2) and x_te.shape == (181, 2)
    assert x_tr.dtype == np.float32 and y_tr.dtype == np.int64
    assert set(np.unique(np.r_[y_tr, y_te])) == {0, 1}


@pytest.mark.parametrize("name", TOYS)
def test_seed_reproducible_and_seed_changes_data(name):
    a = make_toy(name, 300, 0.1, 0.5, seed=7)
    b = make_toy(name, 300, 0.1, 0.5, seed=7)
    c = make_toy(name, 300, 0.1, 0.5, seed=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("name", ("circle", "gauss", "spiral"))
def test_balanced_classes(name):
    _, y = _raw(name, n=500)
    assert np.bincount(y).tolist() == [250, 250]


def test_xor_roughly_balanced():
    _, y = _raw("xor", n=2000, noise=0.3)
    assert 0.45 < y.mean() < 0.55


def test_circle_noise_zero_is_disc_inside_ring():
    xy, y = _raw("circle", noise=0.0)
    r = np.hypot(xy[:, 0], xy[:, 1])
    assert np.all(r[y == 1] < 2.5) and np.all((r[y == 0] >= 3.5) & (r[y == 0] <= 5))


def test_circle_noise_flips_labels_but_not_positions():
    xy, y = _raw("circle", n=2000, noise=0.5)
    r = np.hypot(xy[:, 0], xy[:, 1])
    assert np.all((r < 2.5) | (r >= 3.5))  # positions are drawn without noise
    assert 0 < np.mean((r < 2.5) != (y == 1)) < 0.5  # labels come from jittered positions


def test_xor_noise_zero_is_sign_of_product_with_padding():
    xy, y = _raw("xor", noise=0.0)
    np.testing.assert_array_equal(y, (xy[:, 0] * xy[:, 1] >= 0).astype(int))
    assert np.all(np.abs(xy) >= 0.3)
    xy2, y_noisy = _raw("xor", n=2000, noise=0.5)
    assert np.mean(y_noisy != (xy2[:, 0] * xy2[:, 1] >= 0)) > 0.05  # noise flips labels


def test_gauss_noise_zero_is_linearly_separable_and_noise_widens():
    xy, y = _raw("gauss", n=1000, noise=0.0)
    np.testing.assert_array_equal(y, (xy.sum(axis=1) > 0).astype(int))
    assert np.allclose(xy[y == 1].var(axis=0), 0.5, atol=0.1)  # playground: variance 0.5 at noise 0
    wide, yw = _raw("gauss", n=4000, noise=0.5)
    assert np.allclose(wide[yw == 1].var(axis=0), 4.0, atol=0.4)  # ... and 4 at noise 0.5


def test_spiral_noise_zero_arms_are_point_mirrors_and_noise_jitters():
    xy, y = _raw("spiral", n=400, noise=0.0)
    np.testing.assert_allclose(xy[y == 0], -xy[y == 1], atol=1e-12)  # turned by pi
    jittered, _ = _raw("spiral", n=400, noise=0.5)
    shift = np.abs(jittered - xy)
    assert shift.max() <= 0.5 and shift.max() > 0.3


@pytest.mark.parametrize("name", TOYS)
def test_load_dataset_toy(name):
    spec = RunSpec().replace(dataset=name, n_points=200, noise=0.05, train_ratio=0.5, seed=3)
    ds = load_dataset(spec)
    assert ds.task == "toy" and ds.source == "generated" and ds.path is None
    assert ds.x_train.shape == (100, 2) and ds.x_test.shape == (100, 2)
    assert ds.input_shape == (2,) and ds.n_classes == 2 and ds.class_names == ["negative", "positive"]
    assert ds.y_train.dtype == np.int64 and ds.x_train.dtype == np.float32
    assert " — generated, 100 of 100 training points used (noise 0.05, seed 3)" in ds.source_label
    again = load_dataset(spec)
    np.testing.assert_array_equal(ds.x_train, again.x_train)
