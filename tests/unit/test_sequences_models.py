"""The sequence model builders: each family builds for its tasks with the right input and output,
and the Transformer's position embedding is a trained, saved part of the model."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.models import build_model
from synaptic_core.specs import RunSpec, SpecError

TEXT = ("rnn", "lstm", "gru", "bilstm", "bigru", "conv1d", "transformer")
LAYER = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "bilstm": "Bidirectional", "bigru": "Bidirectional",
         "conv1d": "Conv1D", "transformer": "MultiHeadAttention"}


def _spec(model: str, **kw) -> RunSpec:
    return RunSpec.from_mapping({"dataset": "sentences", "model": model, "units": 8, "embed_dim": 16, **kw})


@pytest.mark.parametrize("name", TEXT)
def test_text_models_embed_tokens_and_output_a_softmax(name):
    model = build_model(_spec(name, dropout=0.2), (12,), 2, task="text", vocab=50)
    types = [type(layer).__name__ for layer in model.layers]
    assert types[1] == "Embedding" and LAYER[name] in types and "Dropout" in types
    assert model.input.dtype == "int32" and tuple(model.output.shape) == (None, 2)
    x = np.random.default_rng(0).integers(0, 50, (3, 12)).astype("int32")
    probs = np.asarray(model.predict_on_batch(x))
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)


def test_bidirectional_reads_both_ways_with_twice_the_recurrent_weights():
    one = build_model(_spec("lstm"), (12,), 2, task="text", vocab=50)
    two = build_model(_spec("bilstm"), (12,), 2, task="text", vocab=50)
    assert two.get_layer("bi_lstm").count_params() == 2 * one.get_layer("lstm").count_params()


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "mlp"])
def test_series_models_read_float_windows_and_regress_one_value(name):
    model = build_model(_spec(name, hidden=(4,)), (6, 1), 0, task="series")
    out = model.layers[-1]
    assert tuple(model.input.shape) == (None, 6, 1) and tuple(model.output.shape) == (None, 1)
    assert type(out).__name__ == "Dense" and out.get_config()["activation"] == "linear"
    assert "Embedding" not in [type(layer).__name__ for layer in model.layers]


def test_character_model_predicts_one_of_the_alphabet():
    model = build_model(_spec("lstm"), (20,), 30, task="chars", vocab=30)
    assert tuple(model.output.shape) == (None, 30)
    assert model.get_layer("embedding").input_dim == 30


def test_text_only_models_refuse_a_series():
    with pytest.raises(SpecError, match="needs text data"):
        build_model(_spec("bigru"), (6, 1), 0, task="series")


def test_transformer_position_embedding_is_trained_and_saved(tmp_path):
    import keras

    model = build_model(_spec("transformer"), (10,), 2, task="text", vocab=40)
    pos = model.get_layer("position_embedding")
    assert pos.input_dim == 10 and pos.count_params() == 10 * 16
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 40, (32, 10)).astype("int32"), rng.integers(0, 2, 32)
    before = pos.get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(before, pos.get_weights()[0]), "positions must be learned"
    model.save(tmp_path / "t.keras")
    loaded = keras.saving.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(loaded.predict_on_batch(x), model.predict_on_batch(x), atol=1e-5)
    # the order of the words matters to it (a bag of embeddings would not care)
    assert not np.allclose(model.predict_on_batch(x), model.predict_on_batch(x[:, ::-1]), atol=1e-6)
