"""Stacked recurrent layers (``rnn_layers``, 1-4): the spec row, the builder, the size twin and the exporter.

Every layer but the last hands its whole sequence of states to the next; the last hands on only its final
state, except char-rnn's, which predicts after every position. One layer is exactly the model from before
stacking existed, so the shipped char-rnn and older runs still load into it.
"""

from __future__ import annotations

import re

import pytest

from synaptic_core.models import MODELS, build_model
from synaptic_core.models.size import DataShape, estimate
from synaptic_core.specs import PARAM_BY_NAME, RunSpec

TEXT, CHARS, SERIES = DataShape((12,), 2, "text", vocab=40), DataShape((15,), 9, "chars", vocab=9), \
    DataShape((6, 1), 0, "series")
RECURRENT = [name for name, info in MODELS.items() if info.builder.endswith(":build_recurrent")]


def _build(model: str, data: DataShape, **kw):
    spec = RunSpec().replace(model=model, units=6, embed_dim=4, **kw)
    return spec, build_model(spec, data.input_shape, data.n_classes, task=data.task, vocab=data.vocab)


def _recurrent_layers(model) -> list:
    return [layer for layer in model.layers if type(layer).__name__ in ("SimpleRNN", "LSTM", "GRU", "Bidirectional")]


def _returns_sequences(layer) -> bool:
    inner = getattr(layer, "forward_layer", layer)
    return bool(inner.return_sequences)


# -- the spec row ---------------------------------------------------------------------------------------------
def test_rnn_layers_is_one_by_default_and_allows_one_to_four():
    p = PARAM_BY_NAME["rnn_layers"]
    assert (p.kind, p.default, p.lo, p.hi, p.section) == ("int", 1, 1, 4, "model")
    assert RunSpec().rnn_layers == 1 and "rnn_layers" not in RunSpec().to_query()
    assert RunSpec.from_query({"rnn_layers": "3"}).rnn_layers == 3
    for bad in (0, 5):
        assert any("rnn_layers" in e and "allowed 1 to 4" in e for e in RunSpec().replace(rnn_layers=bad).errors())


def test_the_cli_trains_a_two_layer_char_rnn():
    from synaptic_core.cli import build_parser, spec_from_args

    args = build_parser().parse_args(["train", "--dataset", "shakespeare", "--model", "char-rnn", "--rnn-layers", "2"])
    spec = spec_from_args(args)
    assert (spec.dataset, spec.model, spec.rnn_layers) == ("shakespeare", "char-rnn", 2)
    assert spec.errors() == []


def test_only_the_recurrent_models_read_it():
    assert set(RECURRENT) == {"rnn", "lstm", "gru", "bilstm", "bigru", "char-rnn"}
    for name, info in MODELS.items():
        for task in info.tasks:
            assert ("rnn_layers" in info.reads_for(task)) == (name in RECURRENT), (name, task)


# -- the builder -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, data", [("gru", TEXT), ("lstm", SERIES), ("rnn", CHARS), ("bilstm", TEXT),
                                         ("bigru", TEXT), ("char-rnn", CHARS)])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_stacked_layers_hand_their_sequences_on(model, data, layers):
    spec, built = _build(model, data, rnn_layers=layers, dropout=0.2)
    rnns = _recurrent_layers(built)
    assert len(rnns) == layers
    every_step = model == "char-rnn"
    assert [_returns_sequences(r) for r in rnns] == [True] * (layers - 1) + [every_step]
    assert [type(r).__name__ == "Bidirectional" for r in rnns] == [model.startswith("bi")] * layers
    # dropout between stacked layers and after the last, all at the spec's rate
    drops = [layer for layer in built.layers if type(layer).__name__ == "Dropout"]
    assert len(drops) == layers and {d.rate for d in drops} == {0.2}
    names = [layer.name for layer in built.layers]
    assert len(names) == len(set(names))
    steps = (data.input_shape[0],) if every_step else ()
    assert tuple(built.output.shape) == (None, *steps, data.n_classes or 1)


def test_layer_names_are_stable_and_the_first_keeps_the_one_layer_name():
    _, one = _build("gru", TEXT, dropout=0.1)
    assert [layer.name for layer in one.layers] == ["tokens", "embedding", "gru", "dropout", "predictions"]
    _, three = _build("gru", TEXT, rnn_layers=3, dropout=0.1)
    assert [layer.name for layer in three.layers] == ["tokens", "embedding", "gru", "dropout_1", "gru_2",
                                                      "dropout_2", "gru_3", "dropout", "predictions"]
    _, bi = _build("bilstm", TEXT, rnn_layers=2)
    assert [layer.name for layer in bi.layers] == ["tokens", "embedding", "bi_lstm", "bi_lstm_2", "predictions"]


def _card_flag(command: str, flag: str, default: str) -> str:
    match = re.search(rf"--{flag} (\S+)", command)
    return match.group(1) if match else default


def test_the_builder_rebuilds_the_shipped_char_rnn():
    """The model the shipped file was saved from, rebuilt from the settings in its card's command: same
    layers, names, settings and weight shapes (so the builder's names stay those the file was saved with)."""
    import keras

    from synaptic_core.sequences.shipped import shipped_char_model

    shipped = shipped_char_model()
    if shipped is None:
        pytest.skip("no shipped char-rnn in assets/models")
    saved = keras.saving.load_model(shipped.model_path, compile=False)
    alphabet, command = len(shipped.card["alphabet"]), shipped.card["command"]
    spec = RunSpec().replace(model="char-rnn", embed_dim=int(_card_flag(command, "embed-dim", "32")),
                             units=int(_card_flag(command, "units", "64")),
                             dropout=float(_card_flag(command, "dropout", "0")),
                             rnn_layers=int(_card_flag(command, "rnn-layers", "1")))
    built = build_model(spec, (shipped.card["seq_len"],), alphabet, task="chars", vocab=alphabet)
    assert [(type(layer).__name__, layer.name) for layer in built.layers] == \
        [(type(layer).__name__, layer.name) for layer in saved.layers]
    assert [w.shape for w in built.weights] == [w.shape for w in saved.weights]
    assert [w.path for w in built.weights] == [w.path for w in saved.weights]
    assert built.get_layer("char-rnn").get_config()["return_sequences"]
    built.set_weights(saved.get_weights())  # the saved weights fit, in order


def test_one_layer_keeps_the_names_models_were_saved_with_before_stacking():
    """Runs saved before stacking existed (one GRU named "char-rnn", one "dropout") load into today's builder."""
    spec = RunSpec().replace(model="char-rnn", embed_dim=8, units=6, dropout=0.1, rnn_layers=1)
    built = build_model(spec, (20,), 65, task="chars", vocab=65)
    assert [layer.name for layer in built.layers] == ["tokens", "embedding", "char-rnn", "dropout", "predictions"]


# -- the size twin ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, data", [("lstm", TEXT), ("gru", SERIES), ("rnn", CHARS), ("bilstm", TEXT),
                                         ("bigru", TEXT), ("char-rnn", CHARS)])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_size_estimate_counts_every_stacked_layer(model, data, layers):
    spec, built = _build(model, data, rnn_layers=layers, dropout=0.1)
    assert estimate(spec, data).params == built.count_params()


def test_more_layers_mean_more_activations_in_the_estimate():
    spec = RunSpec().replace(model="gru", units=6, embed_dim=4)
    one, two = estimate(spec, TEXT), estimate(spec.replace(rnn_layers=2), TEXT)
    assert two.activations > one.activations and two.params > one.params


# -- the exported script -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("values, shape, n_classes, vocab", [
    ({"dataset": "imdb", "model": "gru", "rnn_layers": 2, "dropout": 0.2}, (30,), 2, 300),
    ({"dataset": "imdb", "model": "bilstm", "rnn_layers": 2}, (30,), 2, 300),
    ({"dataset": "sine", "model": "lstm", "rnn_layers": 3, "dropout": 0.1}, (20, 1), 0, None),
    ({"dataset": "shakespeare", "model": "rnn", "rnn_layers": 2}, (40,), 60, 60),
])
def test_the_exported_script_builds_the_same_stack(values, shape, n_classes, vocab):
    import keras

    from synaptic_core.export import spec_to_script
    from synaptic_core.export.support import task_of
    from synaptic_core.presets import layered_spec

    spec = layered_spec({**values, "seed": 3})
    task = task_of(spec.dataset)
    source = spec_to_script(spec)
    assert source.count("return_sequences=True") == spec.rnn_layers - 1
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(source, "exported_script.py", "exec"), namespace)
    keras.utils.set_random_seed(spec.seed)
    app = build_model(spec, shape, n_classes, task=task, vocab=vocab)
    keras.utils.set_random_seed(spec.seed)
    build = namespace["build_model"]
    mine = build(shape[0]) if task == "series" else build(shape[0], vocab, n_classes)
    assert mine.count_params() == app.count_params()

    def structure(model) -> list[tuple[str, bool | None]]:
        return [(type(layer).__name__, _returns_sequences(layer) if layer in _recurrent_layers(model) else None)
                for layer in model.layers if type(layer).__name__ != "InputLayer"]

    assert structure(mine) == structure(app)
    assert len(_recurrent_layers(mine)) == spec.rnn_layers
    for a, b in zip(app.get_weights(), mine.get_weights()):  # same order, so the same initial weights
        assert a.shape == b.shape and (a == b).all()
