"""Transfer learning: a stored network's features with a new head, frozen layers that stay frozen, the
source untouched, the from-scratch twin with fresh weights, and the comparison on the same rows."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core import transfer
from synaptic_core.specs import RunSpec

SPEC = RunSpec().replace(dataset="mnist", model="cnn", filters=(4, 6), hidden=(8,), kernel=3, dropout=0.0,
                         batch_norm=True)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    import keras

    from synaptic_core.models import build_model

    keras.utils.set_random_seed(0)
    model = build_model(SPEC, (28, 28, 1), 10)
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.integers(0, 256, (64, 28, 28, 1)).astype("float32"), rng.integers(0, 10, 64), epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("src") / "source.keras"
    model.save(path)
    return model, path


def _weights(model, name):
    return [np.array(w) for w in model.get_layer(name).get_weights()]


def test_same_size_keeps_every_feature_layer_and_replaces_the_head(source):
    model, _ = source
    new = transfer.transfer_model(model, (28, 28, 1), 3, freeze=1)
    assert new.output_shape == (None, 3) and new.layers[-1].name == "transfer_predictions"
    for name in ("block1_conv", "block2_conv", "head_dense1"):
        for a, b in zip(_weights(new, name), _weights(model, name)):
            np.testing.assert_array_equal(a, b)
    frozen = {layer.name for layer in new.layers if not layer.trainable}
    assert {"block1_conv", "block1_bn"} <= frozen and "block2_conv" not in frozen


def test_frozen_layers_stay_and_the_source_is_untouched(source):
    import keras

    model, _ = source
    before_src = _weights(model, "block2_conv")
    new = transfer.transfer_model(model, (28, 28, 1), 2, freeze=1)
    first, second = _weights(new, "block1_conv"), _weights(new, "block2_conv")
    new.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    rng = np.random.default_rng(1)
    new.fit(rng.integers(0, 256, (32, 28, 28, 1)).astype("float32"), rng.integers(0, 2, 32), epochs=1, verbose=0)
    for a, b in zip(_weights(new, "block1_conv"), first):
        np.testing.assert_array_equal(a, b)  # frozen
    assert not np.allclose(_weights(new, "block2_conv")[0], second[0])  # fine-tuned
    for a, b in zip(_weights(model, "block2_conv"), before_src):
        np.testing.assert_array_equal(a, b)  # the source network is a clone's origin, never changed


def test_other_image_size_keeps_only_the_convolutions(source):
    model, _ = source
    new = transfer.transfer_model(model, (48, 48, 1), 7, freeze=2)
    assert new.input_shape == (None, 48, 48, 1) and new.output_shape == (None, 7)
    assert "head_dense1" not in [layer.name for layer in new.layers]
    with pytest.raises(ValueError, match="channel"):
        transfer.transfer_model(model, (32, 32, 3), 10)
    with pytest.raises(ValueError, match="only 2 convolution"):
        transfer.transfer_model(model, (28, 28, 1), 10, freeze=3)


def test_scratch_twin_has_fresh_weights_and_nothing_frozen(source):
    model, _ = source
    new = transfer.transfer_model(model, (28, 28, 1), 3, freeze=2)
    twin = transfer.scratch_model(new)
    assert all(layer.trainable for layer in twin.layers)
    assert [layer.name for layer in twin.layers] == [layer.name for layer in new.layers]
    assert not np.allclose(_weights(twin, "block1_conv")[0], _weights(new, "block1_conv")[0])


def test_residual_networks_are_refused():
    from synaptic_core.models import build_model

    resnet = build_model(RunSpec().replace(model="resnet-small", filters=(4,)), (28, 28, 1), 10)
    with pytest.raises(ValueError, match="chain-shaped"):
        transfer.transfer_model(resnet, (28, 28, 1), 3)


@pytest.mark.slow
def test_compare_trains_both_on_the_same_rows(source, monkeypatch, tmp_path):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    model, path = source
    loaded, where = transfer.load_source(str(path))
    assert loaded.output_shape == (None, 10) and where == str(path)
    spec = RunSpec().replace(dataset="fashion-mnist", subset=64, epochs=1, batch_size=32, validation_split=0.0)
    out = transfer.compare(loaded, spec, freeze=1)
    assert out["n_train"] == 64 and out["freeze"] == 1
    for name in ("transfer", "scratch"):
        assert 0.0 <= out[name]["test_accuracy"] <= 1.0 and len(out[name]["history"]) == 1
    assert out["transfer"]["frozen_layers"] and not out["scratch"]["frozen_layers"]
    assert out["transfer"]["trainable_params"] < out["scratch"]["trainable_params"]
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    with pytest.raises(ValueError, match="neither a .keras file nor a finished run"):
        transfer.load_source("no-such-run")


def test_a_run_id_loads_only_the_model_in_that_runs_own_folder(source, tmp_path):
    import shutil

    from synaptic_core.store import RunStore

    _, path = source
    store = RunStore(tmp_path / "home" / "runs.db")
    inside = store.create_run(SPEC, owner="me")
    folder = store.artifacts_dir(inside)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / "model.keras")
    store.set_result(inside, {"model": "cnn", "dataset": "mnist", "model_path": str(folder / "model.keras")})
    model, where = transfer.load_source(inside, store=store)
    assert model.output_shape == (None, 10) and where.startswith(f"run {inside} (cnn on mnist)")
    outside = store.create_run(SPEC, owner="me")
    store.set_result(outside, {"model": "cnn", "dataset": "mnist", "model_path": str(path)})  # another folder
    with pytest.raises(ValueError, match="outside its artifact folder"):
        transfer.load_source(outside, store=store)
