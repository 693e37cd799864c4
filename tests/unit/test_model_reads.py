"""Each model declares the spec parameters it reads (``ModelInfo.reads``), and the builder agrees.

Changing a declared parameter changes the built model's config; changing any other parameter
does not. The pages show exactly the declared parameters, so a widget that does nothing, or a
parameter a user cannot reach, makes this test fail.
"""

from __future__ import annotations

import json

import pytest

from synaptic_core.models import MODELS, build_model
from synaptic_core.specs import PARAM_BY_NAME, RunSpec

# What may influence a builder: the model section, the L2 penalty, the seed (the digit CNN seeds its
# initialisers); the learning rate is a control that no builder reads.
CANDIDATES = tuple(p.name for p in PARAM_BY_NAME.values() if p.section == "model" and p.name != "model") + \
    ("l2", "seed", "lr")
BASE = {"hidden": (6,), "filters": (4, 6), "units": 5, "embed_dim": 4, "dropout": 0.2, "kernel": 3}
OTHER = {"hidden": (7, 3), "activation": ("tanh",), "units": 3, "rnn_layers": 2, "embed_dim": 6, "dropout": 0.4,
         "batch_norm": True, "filters": (3, 5), "kernel": 2, "pool": "avg", "l2": 0.01, "seed": 7, "lr": 0.5}
# (task, input shape, classes, vocabulary) for a tiny build of each kind
SHAPES = {"image": ("image", (8, 8, 1), 3, None), "toy": ("toy", (2,), 2, None),
          "text": ("text", (6,), 2, 30), "series": ("series", (4, 1), 0, None), "chars": ("chars", (6,), 9, 9)}
SEQUENCE_TASKS = ("text", "series", "chars")


def _builder(name: str, task: str) -> tuple[str, str]:
    """Which builder code runs, and on which kind of input (token ids or float windows or images)."""
    info = MODELS[name]
    builder = "window_mlp" if name == "mlp" and task in SEQUENCE_TASKS else info.builder
    return builder, {"text": "tokens", "chars": "tokens", "series": "windows"}.get(task, "arrays")


def _cases() -> list[tuple[str, str]]:
    """One model per (builder, input kind): the other models on that builder share its declaration."""
    seen, cases = set(), []
    for name, info in MODELS.items():
        for task in info.tasks:
            if task in SHAPES and _builder(name, task) not in seen:
                seen.add(_builder(name, task))
                cases.append((name, task))
    return cases


CASES = _cases()

def _config(spec: RunSpec, task: str) -> str:
    import keras

    kind, shape, n_classes, vocab = SHAPES[task]
    keras.backend.clear_session(free_memory=False)  # layer names restart: two builds of one spec compare equal
    model = build_model(spec, shape, n_classes, task=kind, vocab=vocab)
    return json.dumps(model.get_config(), sort_keys=True, default=str)


def test_declared_parameters_are_spec_parameters():
    for info in MODELS.values():
        for task in (None, *info.task_reads):
            assert set(info.reads_for(task)) <= set(CANDIDATES), (info.name, task)
        assert set(info.labels) <= set(PARAM_BY_NAME)


def test_models_on_one_builder_declare_the_same_parameters():
    declared: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    for name, info in MODELS.items():
        for task in info.tasks:
            first = declared.setdefault(_builder(name, task), (name, info.reads_for(task)))
            assert set(info.reads_for(task)) == set(first[1]), f"{name} on {task} vs {first[0]}"


@pytest.mark.parametrize("name, task", CASES)
def test_builder_reads_exactly_the_declared_parameters(name, task):
    info = MODELS[name]
    spec = RunSpec().replace(model=name, **BASE)
    base = _config(spec, task)
    reads = set(info.reads_for(task))
    changed = {p for p in CANDIDATES if _config(spec.replace(**{p: OTHER[p]}), task) != base}
    assert changed == reads, f"{name} on {task}: reads {sorted(changed)}, declares {sorted(reads)}"
