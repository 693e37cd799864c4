"""Every registered architecture builds for the data it accepts, with the parameter count it should have."""

import pytest

from synaptic_core.models import MODELS, build_model, model_summary
from synaptic_core.specs import RunSpec, SpecError


def spec(name, **kw):
    return RunSpec().replace(model=name, **{**MODELS[name].preset, **kw})


def test_logreg_parameter_count_is_inputs_times_classes_plus_bias():
    m = build_model(spec("logreg"), (28, 28, 1), 10)
    assert m.count_params() == 784 * 10 + 10
    assert m.layers[1].name == "rescale"  # images take raw 0..255 pixels


def test_mlp_layers_follow_the_spec():
    m = build_model(spec("mlp", hidden=(16, 8), activation=("relu", "tanh"), dropout=0.0), (2,), 2)
    assert m.count_params() == (2 * 16 + 16) + (16 * 8 + 8) + (8 * 2 + 2)
    acts = [l.activation.__name__ for l in m.layers if type(l).__name__ == "Activation"]
    assert acts == ["relu", "tanh"]


def test_batch_norm_and_dropout_appear_when_asked():
    m = build_model(spec("mlp", hidden=(16,), batch_norm=True, dropout=0.3), (5,), 3)
    types = [type(l).__name__ for l in m.layers]
    assert "BatchNormalization" in types and "Dropout" in types


@pytest.mark.parametrize("name, shape", [("cnn", (28, 28, 1)), ("mini-alexnet", (32, 32, 3)),
                                         ("resnet-small", (32, 32, 3)), ("cnn", (32, 32, 3))])
def test_conv_models_build_and_output_softmax(name, shape):
    import numpy as np
    m = build_model(spec(name), shape, 10)
    out = np.asarray(m(np.zeros((2, *shape), "float32"), training=False))
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_filter_count_changes_the_model():
    small = build_model(spec("cnn", filters=(8,)), (28, 28, 1), 10).count_params()
    big = build_model(spec("cnn", filters=(8, 16)), (28, 28, 1), 10).count_params()
    assert small != big
    # one 3x3 conv with 8 filters on one channel: 8*9 + 8 weights
    assert any(l.count_params() == 80 for l in build_model(spec("cnn", filters=(8,)), (28, 28, 1), 10).layers)


def test_conv_model_on_2d_points_is_refused_with_a_clear_message():
    with pytest.raises(SpecError, match="needs image data"):
        build_model(spec("cnn").replace(dataset="circle"), (2,), 2, task="toy")


def test_summary_rows_match_keras():
    m = build_model(spec("mlp", hidden=(4,)), (3,), 2)
    rows = model_summary(m)
    assert sum(r["params"] for r in rows) == m.count_params()
    assert rows[-1]["name"] == "predictions" and rows[-1]["output_shape"] == "2"
