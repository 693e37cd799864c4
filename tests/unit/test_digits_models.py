"""Which playground runs the draw page offers as digit readers: done, all of MNIST, model file on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from synaptic_core.digits.models import DigitModel, digit_models, is_digit_reader


class FakeStore:
    """``list_runs`` as ``RunStore`` answers it: newest first, filtered by owner and status."""

    def __init__(self, runs: list[dict]):
        self.runs = runs
        self.calls: list[dict] = []

    def list_runs(self, limit: int = 50, owner: str | None = None, status: str | None = None) -> list[dict]:
        self.calls.append({"limit": limit, "owner": owner, "status": status})
        rows = [r for r in self.runs
                if (owner is None or r["owner"] == owner) and (status is None or r["status"] == status)]
        return sorted(rows, key=lambda r: r["created"], reverse=True)[:limit]


def run(tmp_path: Path, run_id: str, created: float = 1.0, status: str = "done", dataset: str = "mnist",
        classes: tuple = (), n_classes: int = 10, accuracy: float | None = 0.98, owner: str = "me",
        model_file: bool = True, model: str = "cnn", input_shape: list | None = None) -> dict:
    path = tmp_path / run_id / "model.keras"
    if model_file:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"zip")
    result = {"dataset": dataset, "model": model, "class_names": [str(i) for i in range(n_classes)],
              "test": {"loss": 0.1, "accuracy": accuracy}, "model_path": str(path),
              "spec": {"dataset": dataset, "classes": list(classes)}}
    if input_shape is not None:
        result["input_shape"] = input_shape
    return {"id": run_id, "created": created, "owner": owner, "status": status, "dataset": dataset, "model": model,
            "spec": {"dataset": dataset, "model": model, "classes": list(classes)},
            "result": result if status == "done" else None}


def test_lists_only_finished_full_mnist_runs_with_a_model_file(tmp_path):
    store = FakeStore([
        run(tmp_path, "good-old", created=1.0, accuracy=0.97),
        run(tmp_path, "good-new", created=5.0, accuracy=0.991, model="mlp"),
        run(tmp_path, "running", created=2.0, status="running"),
        run(tmp_path, "failed", created=2.5, status="failed"),
        run(tmp_path, "fashion", created=3.0, dataset="fashion-mnist"),
        run(tmp_path, "cifar", created=3.1, dataset="cifar10", input_shape=[32, 32, 3]),
        run(tmp_path, "two-classes", created=3.2, classes=(3, 8), n_classes=2),
        run(tmp_path, "deleted-file", created=3.3, model_file=False),
        run(tmp_path, "someone-else", created=4.0, owner="other"),
    ])
    found = digit_models(store, owner="me")
    assert [m.run_id for m in found] == ["good-new", "good-old"]  # newest first
    new = found[0]
    assert isinstance(new, DigitModel)
    assert new.test_accuracy == pytest.approx(0.991) and new.architecture == "mlp"
    assert new.path == tmp_path / "good-new" / "model.keras" and new.path.is_file()
    assert len(new.date) == len("2025-01-31 14:05") and new.date[4] == "-"
    assert "good-new" in new.label and "99.1%" in new.label
    assert store.calls[-1]["owner"] == "me" and store.calls[-1]["status"] == "done"


def test_everyones_runs_without_an_owner(tmp_path):
    store = FakeStore([run(tmp_path, "mine"), run(tmp_path, "theirs", created=2.0, owner="other")])
    assert {m.run_id for m in digit_models(store)} == {"mine", "theirs"}


def test_a_reported_input_shape_must_be_28x28x1(tmp_path):
    assert is_digit_reader(run(tmp_path, "a", input_shape=[28, 28, 1]))
    assert not is_digit_reader(run(tmp_path, "b", input_shape=[28, 28, 3]))


def test_missing_accuracy_and_empty_store(tmp_path):
    m = digit_models(FakeStore([run(tmp_path, "x", accuracy=None)]))[0]
    assert m.test_accuracy is None and "—" in m.label
    assert digit_models(FakeStore([])) == []


def test_real_run_store(tmp_path):
    from synaptic_core.store import RunStore

    store = RunStore(tmp_path / "runs.db")
    good = run(tmp_path, "r1")
    run_id = store.create_run(good["spec"], owner="me", run_id="r1", status="running")
    store.set_result(run_id, good["result"])
    store.create_run({"dataset": "mnist", "classes": []}, owner="me", run_id="r2", status="queued")
    assert [m.run_id for m in digit_models(store, owner="me")] == ["r1"]
    assert digit_models(store, owner="nobody") == []
