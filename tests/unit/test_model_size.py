"""Every builder's twin in models/size.py counts exactly what Keras builds (``count_params``).

If a builder changes (a layer added, a bias dropped) without its twin, the size check would
let too-large models through or refuse good ones: this test fails instead.
"""

from __future__ import annotations

import pytest

from synaptic_core.models import MODELS, build_model
from synaptic_core.models.size import TWINS, DataShape, builder_of, estimate
from synaptic_core.specs import RunSpec

IMAGE, CIFAR = DataShape((28, 28, 1), 10, "image"), DataShape((32, 32, 3), 10, "image")
TEXT, CHARS = DataShape((20,), 2, "text", vocab=102), DataShape((30,), 65, "chars", vocab=65)
SERIES, TOY = DataShape((12, 1), 0, "series"), DataShape((2,), 2, "toy")
CASES = [
    ("logreg", IMAGE, {}),
    ("mlp", IMAGE, {"hidden": (64, 32), "batch_norm": True, "dropout": 0.2}),
    ("mlp", TOY, {"hidden": (4,)}),
    ("cnn", IMAGE, {"filters": (8, 16), "kernel": 3, "pool": "max", "hidden": (32,), "batch_norm": True}),
    ("cnn", CIFAR, {"filters": (8,), "kernel": 5, "pool": "none", "hidden": (16,)}),
    ("cnn", DataShape((27, 27, 1), 10, "image"), {"filters": (8, 8, 8), "pool": "avg", "hidden": ()}),
    ("mini-alexnet", CIFAR, {"hidden": (16, 16), "batch_norm": True}),
    ("resnet-small", CIFAR, {"filters": (8, 16, 16)}),
    ("resnet-small", IMAGE, {"filters": (8,)}),
    ("digit-cnn", IMAGE, {}),
    *[(m, TEXT, {"units": 8, "embed_dim": 4}) for m in ("rnn", "lstm", "gru", "bilstm", "bigru")],
    ("lstm", SERIES, {"units": 8}), ("gru", SERIES, {"units": 8}), ("rnn", CHARS, {"units": 8, "embed_dim": 4}),
    ("char-rnn", CHARS, {"units": 8, "embed_dim": 4}),
    ("conv1d", TEXT, {"units": 8, "embed_dim": 4, "kernel": 3}), ("conv1d", SERIES, {"units": 8, "kernel": 1}),
    ("transformer", TEXT, {"units": 16, "embed_dim": 32}), ("transformer", CHARS, {"units": 16, "embed_dim": 8}),
    ("mlp", SERIES, {"hidden": (8, 4)}), ("mlp", TEXT, {"hidden": (8,), "embed_dim": 4}),
]


def test_every_model_has_a_twin_and_a_case():
    for name, info in MODELS.items():
        for task in info.tasks:
            assert builder_of(name, task) in TWINS, f"{name} on {task} data has no size twin in models/size.py"
    assert {m for m, _, _ in CASES} == set(MODELS)


@pytest.mark.parametrize("model,data,changes", CASES, ids=[f"{m}-{d.task}" for m, d, _ in CASES])
def test_twin_counts_what_keras_builds(model, data, changes):
    spec = RunSpec().replace(model=model, **changes)
    built = build_model(spec, data.input_shape, data.n_classes, task=data.task, vocab=data.vocab)
    assert estimate(spec, data).params == built.count_params()


def test_expected_shapes_match_the_loaded_data():
    """The shapes the size check predicts from the dataset table are the ones the data layer produces."""
    from synaptic_core.data import load_dataset
    from synaptic_core.models.size import expected_data
    from synaptic_core.tasks import get_task

    for spec in (RunSpec().replace(dataset="circle", n_points=100), RunSpec().replace(dataset="sonar"),
                 RunSpec().replace(dataset="mnist", subset=50, classes=(1, 7)),
                 RunSpec().replace(dataset="sine", look_back=9, n_points=200)):
        ds = load_dataset(spec)
        want = expected_data(spec)
        assert (want.input_shape, want.n_classes, want.task) == (ds.input_shape, ds.n_classes,
                                                                  get_task(ds.task).models_for), spec.dataset
