"""Toy-set input features (synaptic_core.data.toy): one transform for training, the boundary grid and
serving; the right features let a model with no hidden layer separate the circle."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.data import load_dataset
from synaptic_core.data.toy import FEATURE_CODE, FEATURES, boundary_grid, feature_matrix
from synaptic_core.specs import PARAM_BY_NAME, TOY_FEATURES, RunSpec

PTS = np.array([[0.0, 0.0], [1.0, -2.0], [np.pi / 2, 3.0]])


def test_feature_table_matches_the_spec_and_the_script_code():
    assert tuple(FEATURES) == TOY_FEATURES == PARAM_BY_NAME["features"].choices
    assert set(FEATURE_CODE) == set(FEATURES)
    x1, x2 = PTS[:, 0], PTS[:, 1]
    for name, code in FEATURE_CODE.items():  # the exported script's formula is the app's formula
        assert np.allclose(eval(code, {"np": np, "x1": x1, "x2": x2}), FEATURES[name][1](x1, x2)), name


def test_feature_matrix_columns_in_the_given_order():
    m = feature_matrix(PTS, ("x2sq", "x1", "sin_x1", "x1x2"))
    assert m.dtype == np.float32 and m.shape == (3, 4)
    assert np.allclose(m[1], [4.0, 1.0, np.sin(1.0), -2.0]) and np.allclose(m[2, 2], 1.0)
    assert np.array_equal(feature_matrix(PTS), PTS.astype(np.float32))
    with pytest.raises(ValueError):
        feature_matrix(PTS, ("x3",))
    with pytest.raises(ValueError):
        feature_matrix(PTS[:, :1], ("x1",))


def test_spec_refuses_empty_or_repeated_features():
    assert RunSpec().replace(features=("x1sq", "x2sq")).errors() == []
    assert any("features" in e for e in RunSpec().replace(features=()).errors())
    assert any("features" in e for e in RunSpec().replace(features=("x1", "x1")).errors())
    assert any("features" in e for e in RunSpec().replace(features=("x1", "cos_x1")).errors())


def test_dataset_gets_the_features_and_keeps_the_raw_points():
    spec = RunSpec().replace(dataset="circle", n_points=200, features=("x1sq", "x2sq", "x1x2"))
    ds = load_dataset(spec)
    raw = load_dataset(spec.replace(features=("x1", "x2")))
    assert ds.input_shape == (3,) and raw.input_shape == (2,)
    assert np.array_equal(ds.extra["points_train"], raw.x_train)
    assert np.allclose(ds.x_train, feature_matrix(raw.x_train, ("x1sq", "x2sq", "x1x2")))
    assert np.array_equal(ds.y_train, raw.y_train) and np.array_equal(ds.y_test, raw.y_test)


def test_boundary_grid_gets_the_same_features():
    xs, ys, inputs = boundary_grid(PTS, ("x1sq", "sin_x2"), resolution=7)
    assert inputs.shape == (49, 2)
    i, j = 3, 5  # row i is ys[i], column j is xs[j]
    assert np.allclose(inputs[i * 7 + j], [xs[j] ** 2, np.sin(ys[i])], atol=1e-6)


def _train(tmp_path, features):
    from synaptic_core.training import train

    from recording_sink import Sink

    spec = RunSpec().replace(dataset="circle", model="logreg", n_points=400, noise=0.0, epochs=15, batch_size=25,
                             lr=0.1, validation_split=0.0, features=features, seed=1)
    sink = Sink()
    return train(spec, sink, tmp_path), next(reversed(sink.of("boundary")), None)  # the last one drawn


@pytest.mark.slow
def test_a_linear_model_separates_the_circle_only_with_squared_features(tmp_path):
    """Logistic regression (no hidden layer) on the circle: with x1, x2 it cannot beat ~chance much;
    with x1², x2² the classes are a threshold on x1² + x2², and it separates them."""
    plain, _ = _train(tmp_path / "plain", ("x1", "x2"))
    squared, boundary = _train(tmp_path / "sq", ("x1sq", "x2sq"))
    assert plain["test"]["accuracy"] < 0.75
    assert squared["test"]["accuracy"] > 0.95
    # the streamed boundary was computed on the same features: P(inside) high at the centre, low at a corner
    z = np.asarray(boundary["z"])
    xs, ys = np.asarray(boundary["xs"]), np.asarray(boundary["ys"])
    centre = z[np.abs(ys).argmin(), np.abs(xs).argmin()]
    assert centre > 0.8 and z[0, 0] < 0.2


def test_exported_script_computes_the_same_features_also_with_rare_class_handling():
    from synaptic_core.export import spec_to_script

    spec = RunSpec().replace(dataset="xor", model="mlp", hidden=(4,), n_points=300, train_ratio=0.6,
                             features=("sin_x2", "x1x2", "x1sq"))
    source = spec_to_script(spec)
    assert "FEATURES = ['sin_x2', 'x1x2', 'x1sq']" in source or 'FEATURES = ["sin_x2", "x1x2", "x1sq"]' in source
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(source, "exported_script.py", "exec"), namespace)
    (x_train, y_train), (x_test, y_test), _ = namespace["load_data"](None)
    ds = load_dataset(spec)
    np.testing.assert_array_equal(x_train, ds.x_train)
    np.testing.assert_array_equal(x_test, ds.x_test)
    np.testing.assert_array_equal(y_train, ds.y_train)
    assert "input_features" not in spec_to_script(spec.replace(features=("x1", "x2")))
    for changes in ({"imbalance": "smote"}, {"loss": "focal"}):  # exported too (tests/unit/test_export_imbalance.py)
        assert "input_features(x_train)" in spec_to_script(spec.replace(**changes))
