"""Exported scripts of char-rnn runs (synaptic_core/export/script_chars.py), checked against the app:

* a char-rnn run exports instead of being refused; what the script cannot write for every-step
  targets (class handling, focal loss, folds) is refused by name;
* the script's ``load_data`` gives the app's windows with every-step targets (the window shifted by
  one) and the app's test windows; its ``build_model`` the app's stacked model, same initial weights;
* a tiny run trained by the app, exported with ``export_run(RUN_ID, "script")`` and its script's
  main() run here: the same parameter count, example counts, every-step training targets, test
  nats/char and samples; the script's sampler gives the app's samples on the app's model.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

import numpy as np
import pytest

from synaptic_core.export import ExportError, default_data_path, export_run, spec_to_script
from synaptic_core.presets import layered_spec

from test_export_script import load_script

TINY = {"dataset": "shakespeare", "model": "char-rnn", "units": 16, "embed_dim": 8, "seq_len": 20, "stride": 20,
        "subset": 300, "epochs": 1, "batch_size": 32, "seed": 3}


class Sink:
    def __init__(self):
        self.events: list = []

    def emit(self, event):
        self.events.append(event)

    def should_stop(self):
        return False


def test_the_char_rnn_preset_exports_with_every_step_targets():
    source = spec_to_script(layered_spec({"dataset": "shakespeare", "model": "char-rnn"}))
    assert "every_step=True" in source and "[:, -1]" in source and "synaptic_core" not in source


@pytest.mark.parametrize("changes, words", [
    ({"imbalance": "class_weights"}, "imbalance = class_weights"),
    ({"imbalance": "oversample"}, "imbalance = oversample"),
    ({"loss": "focal"}, "loss = focal"),
    ({"cv_folds": 3, "cv_fold": 1}, "cv_folds = 3"),
])
def test_what_the_script_cannot_write_for_every_step_targets_is_refused_by_name(changes, words):
    with pytest.raises(ExportError, match=words) as err:
        spec_to_script(layered_spec({**TINY, **changes}))
    assert "every-step" in str(err.value) and err.value.kind == "unsupported"


def test_script_loads_the_apps_every_step_windows():
    from synaptic_core.data import load_dataset

    spec = layered_spec({**TINY, "stride": 7, "validation_split": 0.2})
    ds = load_dataset(spec)
    assert ds.y_train.shape == ds.x_train.shape  # the app's every-step targets: one per position
    ns = load_script(spec_to_script(spec))
    (x_train, y_train), (x_test, y_test), alphabet = ns["load_data"](default_data_path(spec))
    for mine, app in ((x_train, ds.x_train), (y_train, ds.y_train), (x_test, ds.x_test), (y_test, ds.y_test)):
        assert mine.shape == app.shape and mine.dtype == app.dtype
        np.testing.assert_array_equal(mine, app)
    np.testing.assert_array_equal(y_train[:, :-1], x_train[:, 1:])  # the window shifted by one
    assert alphabet == ds.extra["alphabet"]


@pytest.mark.parametrize("layers, dropout", [(1, 0.0), (2, 0.2), (3, 0.1)])
def test_script_builds_the_apps_stacked_char_rnn_with_the_same_initial_weights(layers, dropout):
    import keras

    from synaptic_core.models import build_model

    spec = layered_spec({**TINY, "rnn_layers": layers, "dropout": dropout})
    keras.utils.set_random_seed(spec.seed)
    app = build_model(spec, (20,), 65, task="chars", vocab=65)
    ns = load_script(spec_to_script(spec))
    keras.utils.set_random_seed(spec.seed)
    mine = ns["build_model"](20, 65, 65)
    assert mine.count_params() == app.count_params()
    assert mine.output_shape == app.output_shape == (None, 20, 65)  # a prediction at every position
    a, b = app.get_weights(), mine.get_weights()
    assert [w.shape for w in a] == [w.shape for w in b]
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)


# -- a run trained by the app, exported by run id, its script's main() run here ---------------------------------

def _run_main(ns, monkeypatch) -> tuple[dict, dict]:
    """Run the script's main() here; returns its JSON line and the targets it passed to fit."""
    import keras

    seen: dict = {}
    fit = keras.Model.fit

    def spy_fit(model, x=None, y=None, *args, **kwargs):
        seen.update(x=x, y=y)
        return fit(model, x, y, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy_fit)
    monkeypatch.setattr(sys, "argv", ["exported.py"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ns["main"]()
    monkeypatch.undo()
    return json.loads(out.getvalue().strip().splitlines()[-1]), seen


@pytest.mark.parametrize("layers", [1, 2])
def test_an_exported_char_rnn_run_reproduces_the_apps_test_nats_and_samples(layers, tmp_path, monkeypatch):
    import keras

    from synaptic_core.sequences.chars import Alphabet, generate_many
    from synaptic_core.store import RunStore
    from synaptic_core.training import train

    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    store = RunStore(tmp_path / "home" / "runs.db")
    spec = layered_spec({**TINY, "rnn_layers": layers, "dropout": 0.1 * (layers - 1)})
    run_id = store.create_run(spec, owner="test")
    sink = Sink()
    app = train(spec, sink, store.artifacts_dir(run_id))  # the model saved where the job runner saves it
    store.set_result(run_id, app, status="done")

    source = export_run(run_id, "script", tmp_path / "char_rnn.py", store=store).read_text()
    assert f"Exported from run {run_id}" in source and "nats/char" in source
    ns = load_script(source)
    mine, seen = _run_main(ns, monkeypatch)

    data = next(e for e in sink.events if e["type"] == "data")
    assert mine["params"] == app["params"]
    assert (mine["n_train"], mine["n_val"], mine["n_test"]) == (data["n_train"], data["n_val"], app["n_test"])
    assert np.asarray(seen["y"]).shape == np.asarray(seen["x"]).shape == (data["n_train"], spec.seq_len)
    # same windows, same initial weights, same batch order: the same test figure (to float rounding)
    assert mine["test"]["nats_per_char"] == pytest.approx(app["test"]["nats_per_char"], abs=1e-4)
    assert mine["test"]["accuracy"] == pytest.approx(app["test"]["accuracy"], abs=1e-3)
    assert mine["seed_text"] == app["seed_text"]
    assert set(mine["samples"]) == set(app["samples"]) and len(mine["samples"]["1"]) == 300
    assert mine["samples"]["0"] == app["samples"]["0"]  # greedy: the same model gives the same text

    # the script's sampler is the app's: on the app's own model, with the same generator, the same texts
    model = keras.saving.load_model(app["model_path"])
    alphabet = Alphabet(Alphabet.of(ns["read_text"](default_data_path(spec))).chars)
    want = generate_many(lambda w: np.asarray(model.predict_on_batch(w)), alphabet, app["seed_text"], 40,
                         (0.0, 0.5, 1.0), spec.seq_len, np.random.default_rng(5))
    got = ns["sample_texts"](model, alphabet.chars, app["seed_text"], 40, [0.0, 0.5, 1.0], np.random.default_rng(5))
    assert got == want
