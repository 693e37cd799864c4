"""The exported script, checked in this process against the app itself.

* every dataset/model pair the app trains either gives a script that compiles, or an
  ExportError naming the pair (never a wrong script);
* the script's ``build_model`` builds the app's model: same parameter count AND the same
  initial weights under the same seed (so the same layers in the same order);
* the script's ``load_data`` gives the app's arrays, example for example, for every data kind;
* the script's optimizer is the optimizer training builds.

Running scripts in fresh processes is tests/unit/test_export_run.py's job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synaptic_core.export import ExportError, default_data_path, spec_to_script
from synaptic_core.export.support import combinations, task_of
from synaptic_core.presets import layered_spec
from synaptic_core.specs import OPTIMIZERS, RunSpec

# what the exporter refuses among the app's presets, and why (the report lists these)
REFUSED_PRESETS = {("mnist", "digit-cnn"): "augment"}  # the digit CNN's preset trains with pen-stroke augmentation


def load_script(source: str) -> dict:
    """The script's functions and settings, without running its main()."""
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(source, "exported_script.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("dataset, model", combinations())
def test_every_combination_the_app_trains_compiles_or_is_refused_by_name(dataset, model):
    spec = layered_spec({"dataset": dataset, "model": model})
    if (dataset, model) in REFUSED_PRESETS:
        with pytest.raises(ExportError, match=REFUSED_PRESETS[(dataset, model)]) as err:
            spec_to_script(spec)
        assert model in str(err.value) and err.value.kind == "unsupported"
        return
    source = spec_to_script(spec)
    compile(source, f"{dataset}_{model}.py", "exec")
    assert "synaptic_core" not in source  # standalone: it never imports the app
    assert "def build_model(" in source and "def load_data(" in source and 'if __name__ == "__main__":' in source
    imports = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"argparse", "csv", "gzip", "json", "lzma", "os", "re", "sys", "time", "collections",
                       "numpy", "pandas", "keras"}, imports
    assert ("pandas" in imports) == (dataset == "churn")


@pytest.mark.parametrize("changes, words", [
    ({"dataset": "mnist", "model": "cnn", "augment": True}, "augment"),
    ({"dataset": "mnist", "model": "mlp", "synthetic_digits": 100}, "synthetic"),
    ({"dataset": "circle", "model": "cnn"}, "does not build"),
    ({"dataset": "shakespeare", "model": "conv1d"}, "does not build"),
    ({"dataset": "no-such-set", "model": "mlp"}, "no-such-set"),
])
def test_what_cannot_be_reproduced_is_refused_with_a_reason(changes, words):
    spec = RunSpec().replace(**changes)
    with pytest.raises(ExportError, match=words):
        spec_to_script(spec)


# -- models: same layers, same order, same initial weights -------------------------------------------------

MODEL_CASES = [
    # (spec values, input shape, classes / vocab)
    ({"dataset": "mnist", "model": "logreg", "l2": 1e-4}, (28, 28, 1), 10),
    ({"dataset": "circle", "model": "logreg"}, (2,), 2),
    ({"dataset": "circle", "model": "mlp", "hidden": (8, 4), "activation": ("tanh", "relu")}, (2,), 2),
    ({"dataset": "churn", "model": "mlp", "batch_norm": True, "dropout": 0.3, "l2": 1e-3}, (45,), 2),
    ({"dataset": "mnist", "model": "mlp"}, (28, 28, 1), 10),
    ({"dataset": "mnist", "model": "cnn"}, (28, 28, 1), 10),
    ({"dataset": "cifar10", "model": "cnn", "batch_norm": True, "pool": "avg", "filters": (8, 8, 16), "kernel": 5,
      "l2": 1e-4, "activation": ("elu",)}, (32, 32, 3), 3),
    ({"dataset": "fashion-mnist", "model": "cnn", "pool": "none", "filters": (4,), "dropout": 0.0}, (28, 28, 1), 10),
    ({"dataset": "cifar10", "model": "mini-alexnet"}, (32, 32, 3), 10),
    ({"dataset": "cifar10", "model": "mini-alexnet", "batch_norm": False, "dropout": 0.0}, (32, 32, 3), 10),
    ({"dataset": "cifar10", "model": "resnet-small", "dropout": 0.2, "l2": 1e-4}, (32, 32, 3), 10),
    ({"dataset": "mnist", "model": "resnet-small", "filters": (8, 8, 16)}, (28, 28, 1), 10),
    ({"dataset": "mnist", "model": "digit-cnn", "augment": False}, (28, 28, 1), 10),
    ({"dataset": "imdb", "model": "lstm"}, (200,), 2, 5000),
    ({"dataset": "imdb", "model": "bigru", "dropout": 0.2}, (30,), 2, 300),
    ({"dataset": "rt-polarity", "model": "bilstm"}, (50,), 2, 800),
    ({"dataset": "sentences", "model": "rnn"}, (40,), 2, 700),
    ({"dataset": "imdb", "model": "conv1d", "kernel": 1}, (40,), 2, 500),
    ({"dataset": "imdb", "model": "transformer"}, (40,), 2, 500),
    ({"dataset": "sentences", "model": "mlp", "hidden": (16,)}, (40,), 2, 500),
    ({"dataset": "shakespeare", "model": "lstm"}, (100,), 65, 65),
    ({"dataset": "shakespeare", "model": "gru", "dropout": 0.0}, (40,), 60, 60),
    ({"dataset": "shakespeare", "model": "transformer", "embed_dim": 48}, (40,), 60, 60),
    ({"dataset": "airline-passengers", "model": "lstm"}, (1, 1), 0),
    ({"dataset": "airline-passengers", "model": "gru", "look_back": 3, "dropout": 0.1}, (3, 1), 0),
    ({"dataset": "sine", "model": "rnn"}, (20, 1), 0),
    ({"dataset": "sine", "model": "mlp", "hidden": (16, 8)}, (20, 1), 0),
    ({"dataset": "sine", "model": "conv1d"}, (20, 1), 0),
]


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: f"{c[0]['model']}-{c[0]['dataset']}")
def test_script_builds_the_apps_model_with_the_same_initial_weights(case):
    import keras

    from synaptic_core.models import build_model

    values, shape, n_classes, *vocab = case
    spec = layered_spec({**values, "seed": 7})
    task = task_of(spec.dataset)
    vocab_size = vocab[0] if vocab else None
    keras.utils.set_random_seed(spec.seed)
    app = build_model(spec, shape, n_classes, task=task, vocab=vocab_size)
    ns = load_script(spec_to_script(spec))
    keras.utils.set_random_seed(spec.seed)
    if task == "series":
        mine = ns["build_model"](shape[0])
    elif task in ("text", "chars"):
        mine = ns["build_model"](shape[0], vocab_size, n_classes)
    else:
        mine = ns["build_model"](shape, n_classes)
    assert mine.count_params() == app.count_params()
    a, b = app.get_weights(), mine.get_weights()
    assert [w.shape for w in a] == [w.shape for w in b]
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    assert len(mine.losses) == len(app.losses)  # the same L2 penalties


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_script_compiles_with_the_optimizer_training_builds(name):
    import keras

    from synaptic_core.training.optimizers import make_optimizer

    spec = layered_spec({"dataset": "circle", "model": "logreg", "optimizer": name, "lr": 0.0123})
    source = spec_to_script(spec)
    call = next(line for line in source.splitlines() if "model.compile(optimizer=" in line)
    expr = call.split("optimizer=", 1)[1].rstrip(",")
    mine = eval(expr, {"keras": keras, "LEARNING_RATE": spec.lr})
    app = make_optimizer(spec)
    assert type(mine) is type(app)
    skip = {"name"}
    assert {k: v for k, v in mine.get_config().items() if k not in skip} == \
        {k: v for k, v in app.get_config().items() if k not in skip}


# -- data: the same examples in the same order ---------------------------------------------------------

DATA_CASES = [
    {"dataset": "mnist", "source": "bundled", "subset": 500, "classes": (3, 8, 1)},
    {"dataset": "cifar10", "source": "bundled", "subset": 300},
    {"dataset": "circle", "n_points": 300, "noise": 0.3},
    {"dataset": "xor", "train_ratio": 0.7, "classes": (1, 0)},
    {"dataset": "gauss", "noise": 0.4, "seed": 3},
    {"dataset": "spiral", "n_points": 301, "subset": 100},
    {"dataset": "sonar", "seed": 5},
    {"dataset": "churn", "subset": 1000},
    {"dataset": "imdb", "subset": 300, "vocab_size": 2000, "seq_len": 60},
    {"dataset": "rt-polarity", "subset": 500, "seq_len": 30},
    {"dataset": "sentences", "seed": 2},
    {"dataset": "airline-passengers", "look_back": 3},
    {"dataset": "sine", "n_points": 300, "cycle": 30, "noise": 0.2, "seed": 4},
    {"dataset": "shakespeare", "subset": 500, "seq_len": 40, "stride": 7},
]


@pytest.mark.parametrize("values", DATA_CASES, ids=lambda v: v["dataset"])
def test_script_loads_the_same_examples_as_the_app(values):
    from synaptic_core.data import load_dataset

    spec = layered_spec({**values, "validation_split": 0.2})
    ds = load_dataset(spec)
    ns = load_script(spec_to_script(spec))
    path = default_data_path(spec)
    (x_train, y_train), (x_test, y_test), third = ns["load_data"](path)
    for mine, app in ((x_train, ds.x_train), (y_train, ds.y_train), (x_test, ds.x_test), (y_test, ds.y_test)):
        assert mine.shape == app.shape
        np.testing.assert_array_equal(mine, app)
    (x_fit, _), val = ns["split_validation"](x_train, y_train)
    n_val = int(len(ds.x_train) * 0.2)
    assert len(x_fit) == len(ds.x_train) - n_val and len(val[0]) == n_val
    task = task_of(spec.dataset)
    if task == "text":
        assert third == len(ds.extra["vocab"]) + 2
    elif task == "chars":
        assert third == ds.extra["alphabet"]
    elif task == "series":
        scaler = ds.extra["split"].scaler
        assert third == (scaler.lo, scaler.hi)
    else:
        assert third == list(ds.class_names)


SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.mark.skipif(not (SHARED / "sentiment_labelled_sentences").is_dir(), reason="no ../shared/datasets here")
def test_script_reads_the_uci_sentence_folder_as_the_app_does(monkeypatch):
    from synaptic_core.data import load_dataset

    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(SHARED))
    spec = layered_spec({"dataset": "sentences", "seed": 1})
    path = default_data_path(spec)
    assert path == str(SHARED / "sentiment_labelled_sentences")
    ds = load_dataset(spec)
    (x_train, y_train), (x_test, y_test), vocab_size = load_script(spec_to_script(spec))["load_data"](path)
    for mine, app in ((x_train, ds.x_train), (y_train, ds.y_train), (x_test, ds.x_test), (y_test, ds.y_test)):
        np.testing.assert_array_equal(mine, app)
    assert vocab_size == len(ds.extra["vocab"]) + 2


def test_default_data_path_is_the_file_the_app_reads(monkeypatch, tmp_path):
    assert default_data_path(RunSpec().replace(dataset="circle")) is None
    assert default_data_path(RunSpec().replace(dataset="sine")) is None
    assert default_data_path(RunSpec().replace(dataset="mnist")).endswith("assets/data/mnist_sample.npz")
    assert default_data_path(RunSpec().replace(dataset="airline-passengers")).endswith("airline-passengers.csv")
    (tmp_path / "mnist.npz").write_bytes(b"")
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    assert default_data_path(RunSpec().replace(dataset="mnist")) == str(tmp_path / "mnist.npz")
    bundled = default_data_path(RunSpec().replace(dataset="mnist", source="bundled"))
    assert bundled.endswith("assets/data/mnist_sample.npz")
