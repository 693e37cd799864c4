"""Exported scripts of runs with rare-class handling, focal loss or a cross-validation fold
(synaptic_core/export/script_imbalance.py), checked against training itself:

* such runs export instead of being refused; what training itself refuses stays refused, by name;
* the script resamples the very rows training resamples (random under/over-sampling, SMOTE, with
  the seed), weights classes as training does, and validates on the very fold training does;
* the script's main(), run in this process next to the app's train(), passes model.fit the same
  class weights and label form and model.compile Keras' focal loss with the same config, reports
  the same training counts, and reaches the same test metrics (same data, weights, batch order);
* a focal-loss, class-weighted run's .keras file and SavedModel export as any run's.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

import numpy as np
import pytest

from synaptic_core.export import ExportError, default_data_path, export_run, spec_to_script
from synaptic_core.export.support import task_of
from synaptic_core.presets import layered_spec
from synaptic_core.training import imbalance
from synaptic_core.training.folds import fold_split

from recording_sink import Sink
from test_export_script import load_script

# a tiny churn run on the bundled file: 1,000 shuffled training rows, about 27% churners
CHURN = {"dataset": "churn", "source": "bundled", "model": "mlp", "hidden": (16,), "subset": 1000, "epochs": 2,
         "batch_size": 64, "seed": 3}


def _imports(source: str) -> set[str]:
    return {line for line in source.splitlines() if line.startswith(("import ", "from "))}


@pytest.mark.parametrize("values", [
    {"dataset": "churn", "model": "mlp", "imbalance": "class_weights"},
    {"dataset": "circle", "model": "mlp", "imbalance": "smote", "loss": "focal"},
    {"dataset": "mnist", "model": "cnn", "imbalance": "oversample", "classes": (3, 8, 1)},
    {"dataset": "imdb", "model": "lstm", "imbalance": "undersample"},
    {"dataset": "shakespeare", "model": "lstm", "loss": "focal"},
    {"dataset": "sonar", "model": "mlp", "cv_folds": 5, "cv_fold": 4},
    {"dataset": "airline-passengers", "model": "lstm", "cv_folds": 3, "cv_fold": 0},
], ids=lambda v: f"{v['dataset']}-{v.get('imbalance', v.get('loss', 'folds'))}")
def test_rare_class_and_fold_runs_export_instead_of_being_refused(values):
    spec = layered_spec(values)
    source = spec_to_script(spec)
    assert "synaptic_core" not in source
    method = spec.imbalance
    resamples = method in ("undersample", "oversample", "smote")
    imblearn = {line.split("#")[0].strip() for line in _imports(source) if "imblearn" in line}
    sampler = {"undersample": "under_sampling import RandomUnderSampler", "oversample":
               "over_sampling import RandomOverSampler", "smote": "over_sampling import SMOTE"}.get(method)
    assert imblearn == ({f"from imblearn.{sampler}"} if resamples else set())  # only the sampler used
    assert ("imbalanced-learn." in source) == resamples  # the docstring's "Needs ..." line
    assert ("class_weight=class_weight" in source) == (method == "class_weights")
    assert ("FOCAL_GAMMA = 2.0" in source) == (spec.loss == "focal")
    assert ('loss="sparse_categorical_crossentropy"' in source) == (spec.loss != "focal" and task_of(
        spec.dataset) != "series")
    folds = bool(spec.cv_folds)
    assert (f"CV_FOLD = {spec.cv_fold}" in source) == folds and ("\nVALIDATION_SPLIT = " in source) != folds
    assert source.count("def split_validation(") == 1


@pytest.mark.parametrize("changes, words", [
    ({"dataset": "sine", "model": "lstm", "imbalance": "smote"}, "classification only"),
    ({"dataset": "airline-passengers", "model": "mlp", "loss": "focal"}, "classification only"),
    ({"dataset": "imdb", "model": "lstm", "imbalance": "smote"}, "token ids"),
    ({"dataset": "sonar", "model": "mlp", "cv_folds": 3, "cv_fold": 3}, "no cross-validation fold"),
    ({"dataset": "sonar", "model": "mlp", "cv_folds": 1}, "no cross-validation fold"),
])
def test_what_training_refuses_is_still_refused_with_a_reason(changes, words):
    with pytest.raises(ExportError, match=words):
        spec_to_script(layered_spec(changes))


# -- the rows: resampled, weighted and split as training does ---------------------------------------------------

def _script_rows(spec):
    """(script namespace, its training rows and validation pair after the split, the app's dataset)."""
    from synaptic_core.data import load_dataset

    ns = load_script(spec_to_script(spec))
    (x_train, y_train), _, _ = ns["load_data"](default_data_path(spec))
    (x_fit, y_fit), val = ns["split_validation"](x_train, y_train)
    return ns, x_fit, y_fit, val, load_dataset(spec)


@pytest.mark.parametrize("values", [
    {**CHURN, "imbalance": "smote"},
    {**CHURN, "imbalance": "undersample", "seed": 5},
    {**CHURN, "imbalance": "oversample"},
    {"dataset": "mnist", "source": "bundled", "model": "mlp", "subset": 300, "classes": (3, 8, 1),
     "imbalance": "smote", "seed": 2},  # uint8 images: SMOTE's pixels rounded back
    {"dataset": "mnist", "source": "bundled", "model": "mlp", "subset": 300, "classes": (3, 8, 1),
     "imbalance": "oversample", "seed": 2},
], ids=lambda v: f"{v['dataset']}-{v['imbalance']}")
def test_script_resamples_the_training_rows_training_resamples(values):
    spec = layered_spec(values)
    ns, x_fit, y_fit, _, ds = _script_rows(spec)
    np.testing.assert_array_equal(x_fit, ds.x_train[:len(x_fit)])  # training's rows: all but the last share
    app_x, app_y = imbalance.resample(ds.x_train[:len(x_fit)], ds.y_train[:len(x_fit)], spec.imbalance, spec.seed)
    mine_x, mine_y = ns["resample"](x_fit, y_fit, spec.seed)
    assert mine_x.dtype == app_x.dtype and mine_x.shape == app_x.shape and len(mine_x) > len(x_fit) * 0.5
    np.testing.assert_array_equal(mine_x, app_x)
    np.testing.assert_array_equal(mine_y, app_y)


def test_script_weights_classes_as_training_does():
    spec = layered_spec({**CHURN, "imbalance": "class_weights"})
    ns, _, y_fit, _, ds = _script_rows(spec)
    app = imbalance.balanced_weights(ds.y_train[:len(y_fit)], 2)
    assert ns["balanced_weights"](y_fit, 2) == app and app[1] > 1.5 > 0.75 > app[0]  # churners count more
    assert ns["balanced_weights"](np.array([0, 0, 2]), 3) == imbalance.balanced_weights(np.array([0, 0, 2]), 3)


@pytest.mark.parametrize("values", [
    {**CHURN, "cv_folds": 5, "cv_fold": 2},
    {"dataset": "sonar", "model": "mlp", "cv_folds": 3, "cv_fold": 0, "seed": 9},
    {"dataset": "airline-passengers", "model": "lstm", "cv_folds": 4, "cv_fold": 3},  # numbers: shuffled folds
], ids=lambda v: v["dataset"])
def test_script_validates_on_the_fold_training_validates_on(values):
    spec = layered_spec(values)
    _, x_fit, y_fit, (x_val, y_val), ds = _script_rows(spec)
    app_x, app_y, (app_xv, app_yv) = fold_split(ds.x_train, ds.y_train, spec.cv_folds, spec.cv_fold, spec.seed)
    for mine, app in ((x_fit, app_x), (y_fit, app_y), (x_val, app_xv), (y_val, app_yv)):
        np.testing.assert_array_equal(mine, app)
    assert len(y_val) == pytest.approx(len(ds.y_train) / spec.cv_folds, abs=1)


# -- main(): the script's whole run beside the app's train() ----------------------------------------------------

def _run_main(ns, monkeypatch) -> tuple[dict, dict]:
    """Run the script's main() here; returns its JSON line and what it passed to compile and fit."""
    import keras

    seen: dict = {}
    compile_, fit = keras.Model.compile, keras.Model.fit

    def spy_compile(model, *args, **kwargs):
        seen["loss"] = kwargs.get("loss")
        return compile_(model, *args, **kwargs)

    def spy_fit(model, x=None, y=None, *args, **kwargs):
        seen.update(y=y, class_weight=kwargs.get("class_weight"), validation=kwargs.get("validation_data"))
        return fit(model, x, y, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "compile", spy_compile)
    monkeypatch.setattr(keras.Model, "fit", spy_fit)
    monkeypatch.setattr(sys, "argv", ["exported.py"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ns["main"]()
    monkeypatch.undo()
    return json.loads(out.getvalue().strip().splitlines()[-1]), seen


@pytest.mark.parametrize("changes", [
    {"imbalance": "class_weights"},
    {"imbalance": "smote", "loss": "focal", "cv_folds": 5, "cv_fold": 1},
    {"imbalance": "undersample", "cv_folds": 3, "cv_fold": 2},
    {"loss": "focal"},
], ids=lambda c: "-".join(str(v) for v in c.values()))
def test_script_main_trains_the_run_training_trained(changes, tmp_path, monkeypatch):
    from synaptic_core.tasks import get_task
    from synaptic_core.training import train

    spec = layered_spec({**CHURN, **changes})
    sink = Sink()
    app = train(spec, sink, tmp_path / "run")
    ns = load_script(spec_to_script(spec, data_path=default_data_path(spec)))
    mine, seen = _run_main(ns, monkeypatch)

    data = next(e for e in sink.events if e["type"] == "data")
    assert (mine["n_train"], mine["n_val"], mine["n_test"]) == (data["n_train"], data["n_val"], app["n_test"])
    if spec.imbalance != "none":
        assert mine["imbalance"] == app["imbalance"]  # method, class counts before/after, weights
    else:
        assert "imbalance" not in mine
    weights = app["imbalance"]["class_weight"]
    assert seen["class_weight"] == (None if weights is None else pytest.approx(dict(enumerate(weights))))
    focal = spec.loss == "focal"
    assert np.asarray(seen["y"]).ndim == (2 if focal else 1)  # one-hot labels for Keras' focal loss
    assert np.asarray(seen["validation"][1]).ndim == (2 if focal else 1)
    want = imbalance.loss_for(spec, get_task("tabular"), 2)
    if focal:
        assert type(seen["loss"]) is type(want) and seen["loss"].get_config() == want.get_config()
    else:
        assert seen["loss"] == want
    # same rows, same initial weights, same batch order: the same test metrics (to float rounding)
    assert mine["test"]["accuracy"] == pytest.approx(app["test"]["accuracy"], abs=1e-3)
    assert mine["test"]["loss"] == pytest.approx(app["test"]["loss"], abs=1e-3)
    for name in ("precision", "recall", "f1"):  # the rarer class's scores at threshold 0.5, as the results show
        assert mine["test"]["class_1"][name] == pytest.approx(app["binary"]["per_class"][1][name], abs=1e-3)


# -- keras and SavedModel exports of such a run --------------------------------------------------------------

def test_a_focal_class_weighted_run_exports_as_keras_savedmodel_and_script(tmp_path, monkeypatch):
    import keras
    import tensorflow as tf

    from synaptic_core.store import RunStore
    from synaptic_core.training import train

    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    store = RunStore(tmp_path / "home" / "runs.db")
    spec = layered_spec({**CHURN, "epochs": 1, "imbalance": "class_weights", "loss": "focal", "cv_folds": 4})
    run_id = store.create_run(spec, owner="test")
    result = train(spec, Sink(), store.artifacts_dir(run_id))  # the model saved where the job runner saves it
    store.set_result(run_id, result, status="done")

    copy = export_run(run_id, "keras", tmp_path / "run.keras", store=store)
    model = keras.saving.load_model(copy)  # compiled: Keras' focal loss comes back with its gamma
    assert isinstance(model.loss, keras.losses.BinaryFocalCrossentropy) and model.loss.gamma == 2.0
    saved = tf.saved_model.load(str(export_run(run_id, "savedmodel", tmp_path / "saved", store=store)))
    x = np.random.default_rng(0).normal(size=(6, 45)).astype("float32")
    np.testing.assert_allclose(saved.serve(x).numpy(), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    script = export_run(run_id, "script", tmp_path / "run.py", store=store).read_text()
    assert "CV_FOLDS = 4" in script and "class_weight=class_weight" in script and "BinaryFocal" in script
