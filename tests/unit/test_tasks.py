"""Task records (synaptic_core.tasks) and the one dataset registry they serve.

The last tests are the proof of the design: a task kind that does not exist in the source
(a tabular regression, and a classification with its own callback) is added as one record
plus one dataset row -- monkeypatched in, no source file edited -- and trains end to end
through ``train()`` with the documented events and result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synaptic_core import presets, tasks
from synaptic_core.data import Dataset, dataset_names, list_datasets, load_dataset, registry
from synaptic_core.data.loader import source_label
from synaptic_core.models import MODELS
from synaptic_core.specs import RunSpec
from synaptic_core.tasks import TASKS, Task, get_task, resolve
from synaptic_core.training import train

from recording_sink import Sink

REPO = Path(__file__).resolve().parents[2]


# -- the table -----------------------------------------------------------------------------------------------
def test_every_dataset_has_a_task_record_a_page_and_models():
    for info in list_datasets():
        task = get_task(info.task)
        assert info.page == task.page and (REPO / task.page).is_file(), info.name
        assert info.kind == task.kind and info.model_task == task.models_for
        assert any(task.models_for in m.tasks for m in MODELS.values()), f"no model trains {info.task} data"


def test_every_task_hook_resolves_to_a_function():
    for task in TASKS.values():
        for hook in (task.read, task.prepare, task.evaluate, task.callbacks, task.model_inputs):
            if hook is not None:
                assert callable(resolve(hook)), (task.name, hook)
        assert task.kind in ("classification", "regression") and task.result_keys and task.view


def test_unknown_task_names_the_known_ones():
    with pytest.raises(ValueError, match="image, toy, tabular"):
        get_task("nope")


@pytest.mark.parametrize("name", list(TASKS))
def test_loss_and_metrics_compile_and_train_a_tiny_model(name):
    import keras

    task = get_task(name)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    if task.is_regression:
        out, y = keras.layers.Dense(1), rng.normal(size=(16,)).astype("float32")
    else:
        out, y = keras.layers.Dense(3, activation="softmax"), rng.integers(0, 3, 16)
    model = keras.Sequential([keras.Input((4,)), out])
    model.compile(optimizer="sgd", loss=task.loss, metrics=list(task.metrics))
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"])
    # the live accuracy curve reads Keras' "accuracy"; a regression has none (its events say None)
    assert ("accuracy" in logs) == (not task.is_regression)


def test_dataset_info_exposes_page_and_defaults_from_the_one_registry():
    infos = {i.name: i for i in list_datasets()}
    assert [n for n, i in infos.items() if i.page == "app_pages/playground.py"] == [
        "mnist", "fashion-mnist", "cifar10", "fer2013", "cifar100", "circle", "xor", "gauss", "spiral", "sonar",
        "churn"]
    assert [n for n, i in infos.items() if i.page == "app_pages/sentiment.py"] == ["imdb", "rt-polarity", "sentences"]
    assert infos["airline-passengers"].defaults["look_back"] == 1 and infos["mnist"].defaults == {}
    for name in dataset_names():
        assert presets.dataset_defaults(name) == infos[name].defaults
    assert presets.dataset_defaults("no-such-set") == {}


@pytest.mark.parametrize("name", ["imdb", "rt-polarity", "sentences", "airline-passengers", "sine", "shakespeare"])
def test_sequence_sets_have_a_real_input_shape(name):
    """The old adapter said input_shape=(); the registry's shape is what the dataset's defaults load."""
    info = {i.name: i for i in list_datasets()}[name]
    ds = load_dataset(presets.layered_spec({"dataset": name, "subset": 50}))
    assert ds.input_shape == info.input_shape and ds.task == info.task
    if info.n_train and not info.name == "imdb":  # imdb's bundled file is a sample; the others are complete
        assert (ds.n_train_available, len(ds.y_test)) == (info.n_train, info.n_test)


def test_old_sequence_table_names_still_work():
    from synaptic_core.sequences.datasets import ENTRIES, locate

    assert list(ENTRIES) == ["imdb", "rt-polarity", "sentences", "airline-passengers", "sine", "shakespeare"]
    assert ENTRIES["imdb"].defaults["seq_len"] == 200 and ENTRIES["sine"].generated
    assert locate("sine") == ("generated", None) and locate("airline-passengers")[0] == "bundled"


# -- adding a task kind: one record + one dataset row ---------------------------------------------------------
def _generate_linear(entry, path, spec):
    """y = x . w + noise over 3 features: a regression a dense network learns in a few epochs."""
    rng = np.random.default_rng(spec.seed)
    x = rng.normal(size=(spec.n_points, 3)).astype("float32")
    y = (x @ np.array([1.5, -2.0, 0.5], "float32") + 0.1 * rng.normal(size=spec.n_points)).astype("float32")
    cut = int(spec.n_points * spec.train_ratio)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def _generate_blobs(entry, path, spec):
    rng = np.random.default_rng(spec.seed)
    y = rng.integers(0, 3, spec.n_points)
    x = (0.5 * rng.normal(size=(spec.n_points, 4)) + 2.0 * (y[:, None] - 1)).astype("float32")  # centred, apart
    cut = int(spec.n_points * spec.train_ratio)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def _prepare_arrays(entry, spec, raw, source):
    x_tr, y_tr, x_te, y_te = raw
    return Dataset(name=entry.name, task=entry.task, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
                   class_names=list(entry.class_names), source=source.source,
                   source_label=source_label(entry, source, len(y_tr), len(y_tr)), n_train_available=len(y_tr))


def _regression_results(spec, model, ds, workdir):
    pred = np.asarray(model.predict(ds.x_test, verbose=0))[:, 0]
    err = pred - ds.y_test
    return {"test": {"loss": float(np.mean(err ** 2)), "rmse": float(np.sqrt(np.mean(err ** 2))),
                     "mae": float(np.mean(np.abs(err))), "baseline_rmse": float(np.std(ds.y_test))}}


def _epoch_marks(spec, emit, ds):
    import keras

    return [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: emit({"type": "mark", "epoch": epoch}))]


REGRESSION = Task(  # room for tabular regression: what a real record would say
    name="tabular-regression", title="Tabular regression", kind="regression", read=_generate_linear,
    prepare=_prepare_arrays, evaluate=_regression_results, loss="mse", metrics=("mae",),
    page="app_pages/playground.py", view="regression", result_keys=("test",),
    model_task="series")  # borrows the models whose output is one linear unit when n_classes == 0
BLOBS = Task(
    name="blobs", title="Gaussian blobs", kind="classification", read=_generate_blobs, prepare=_prepare_arrays,
    evaluate="synaptic_core.training.evaluate:classification_results", loss="sparse_categorical_crossentropy",
    metrics=("accuracy",), page="app_pages/playground.py", view="classification",
    result_keys=("test", "confusion", "per_class_accuracy"), model_task="tabular", callbacks=_epoch_marks)


def _row(name: str, task: str, class_names: tuple[str, ...], n_features: int) -> registry.Entry:
    return registry.Entry(name=name, title=name.title(), task=task, description="Generated for a test.",
                          citation="-", licence="Generated.", class_names=class_names,
                          input_shape=(n_features,), n_train=0, n_test=0, noun="rows")


@pytest.fixture
def new_tasks(monkeypatch):
    monkeypatch.setitem(tasks.TASKS, REGRESSION.name, REGRESSION)
    monkeypatch.setitem(tasks.TASKS, BLOBS.name, BLOBS)
    monkeypatch.setattr(registry, "ENTRIES", registry.ENTRIES + (
        _row("linear", REGRESSION.name, (), 3), _row("blobs", BLOBS.name, ("a", "b", "c"), 4)))


def test_a_new_regression_task_trains_end_to_end(new_tasks, tmp_path):
    info = {i.name: i for i in list_datasets()}["linear"]
    assert (info.page, info.kind, info.model_task) == ("app_pages/playground.py", "regression", "series")
    spec = RunSpec().replace(dataset="linear", model="mlp", hidden=(16,), epochs=8, batch_size=16, lr=0.01,
                             n_points=240, train_ratio=0.75, validation_split=0.2)
    sink = Sink()
    r = train(spec, sink, tmp_path)
    data = sink.of("data")[0]
    assert data["task"] == "tabular-regression" and data["input_shape"] == [3] and data["n_classes"] == 0
    assert all(e["accuracy"] is None for e in sink.of("batch"))  # a regression has no accuracy
    epochs = sink.of("epoch")
    assert len(epochs) == 8 and epochs[-1]["val_loss"] is not None and epochs[-1]["accuracy"] is None
    assert r["history"][-1]["loss"] < r["history"][0]["loss"] and "mae" in r["history"][0]
    assert r["test"]["rmse"] < r["test"]["baseline_rmse"] / 2  # it learned the linear map
    assert r["class_names"] == [] and r["task"] == "tabular-regression" and Path(r["model_path"]).is_file()


def test_a_new_classification_task_gets_its_callbacks_and_evaluation(new_tasks, tmp_path):
    spec = RunSpec().replace(dataset="blobs", model="mlp", hidden=(8,), epochs=3, batch_size=16, lr=0.02, n_points=300)
    sink = Sink()
    r = train(spec, sink, tmp_path)
    assert [e["epoch"] for e in sink.of("mark")] == [0, 1, 2]  # the record's own callback ran
    assert sink.of("data")[0]["class_names"] == ["a", "b", "c"]
    assert set(BLOBS.result_keys) <= set(r) and sum(map(sum, r["confusion"])) == r["n_test"] == 150
    assert r["test"]["accuracy"] > 0.8  # three well-separated blobs
