"""Full datasets from ../shared/datasets through $SYNAPTIC_DATA_DIR (skipped when that folder is absent)."""

from pathlib import Path

import numpy as np
import pytest

from synaptic_core.data import load_dataset, resolve_source
from synaptic_core.specs import RunSpec

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def shared_dir(monkeypatch, tmp_path):
    if not (SHARED / "mnist.npz").is_file():
        pytest.skip(f"{SHARED} is absent")
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(SHARED))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def test_full_mnist():
    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=0))
    assert ds.source == "local" and len(ds.y_train) == 60_000 and len(ds.y_test) == 10_000
    assert ds.x_train.shape == (60_000, 28, 28, 1) and ds.x_train.dtype == np.uint8
    assert ds.source_label == f"MNIST — local data dir ({SHARED}), 60,000 of 60,000 training images used"
    assert np.bincount(ds.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    small = load_dataset(RunSpec().replace(dataset="mnist", subset=5000))
    assert small.source_label.endswith("5,000 of 60,000 training images used")


def test_cifar_subset_cat_vs_dog():
    ds = load_dataset(RunSpec().replace(dataset="cifar10", classes=(3, 5), subset=0))
    assert resolve_source("cifar10").path.name == "cifar10_subset.npz"
    assert ds.class_names == ["cat", "dog"] and len(ds.y_train) == 4000 and len(ds.y_test) == 2000


def test_tabular_from_shared_equals_bundled(monkeypatch):
    for name in ("sonar", "churn"):
        local = load_dataset(RunSpec().replace(dataset=name, subset=0, seed=2))
        monkeypatch.delenv("SYNAPTIC_DATA_DIR")
        bundled = load_dataset(RunSpec().replace(dataset=name, subset=0, seed=2))
        monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(SHARED))
        assert local.source == "local" and bundled.source == "bundled"
        np.testing.assert_array_equal(local.x_train, bundled.x_train)
        np.testing.assert_array_equal(local.y_test, bundled.y_test)
    churn = load_dataset(RunSpec().replace(dataset="churn", subset=0))
    assert churn.x_train.shape == (5634, 45) and np.bincount(churn.y_train).tolist() == [4139, 1495]
