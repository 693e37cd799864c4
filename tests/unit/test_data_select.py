"""What load_dataset does after reading: class filtering/remapping, shuffle and subset."""

from pathlib import Path

import numpy as np
import pytest

from synaptic_core.data import DataError, load_dataset
from synaptic_core.specs import RunSpec


@pytest.fixture(autouse=True)
def cifar_dir(monkeypatch, tmp_path) -> Path:
    """A fake CIFAR-10 in $SYNAPTIC_DATA_DIR: 20 training images per class, pixel = row index."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    n = 200
    x_tr = np.broadcast_to((np.arange(n) % 256).astype(np.uint8)[:, None, None, None], (n, 32, 32, 3)).copy()
    y_tr = (np.arange(n) % 10).astype(np.uint8)[:, None]
    x_te = np.zeros((50, 32, 32, 3), np.uint8)
    y_te = (np.arange(50) % 10).astype(np.uint8)[:, None]
    np.savez(tmp_path / "cifar10_subset.npz", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    return tmp_path


def spec(**kw):
    return RunSpec().replace(dataset="cifar10", **kw)


def test_binary_classes_remapped_in_given_order():
    ds = load_dataset(spec(classes=(3, 5), subset=0))
    assert ds.class_names == ["cat", "dog"] and ds.n_classes == 2
    assert ds.n_train_available == 40 and len(ds.y_train) == 40 and len(ds.y_test) == 10
    assert set(ds.y_train.tolist()) == {0, 1} and ds.y_train.dtype == np.int64
    # pixel value = original row index, whose class is index % 10: cat (3) -> 0, dog (5) -> 1
    original = ds.x_train[:, 0, 0, 0].astype(int) % 10
    np.testing.assert_array_equal(np.where(original == 3, 0, 1), ds.y_train)
    assert ds.source_label.startswith("CIFAR-10 (cat, dog) — local data dir")

    swapped = load_dataset(spec(classes=(5, 3), subset=0))
    assert swapped.class_names == ["dog", "cat"]
    np.testing.assert_array_equal(swapped.x_train[:, 0, 0, 0].astype(int) % 10 == 5, swapped.y_train == 0)


def test_three_classes():
    ds = load_dataset(spec(classes=(0, 1, 9), subset=0))
    assert ds.class_names == ["airplane", "automobile", "truck"]
    assert np.bincount(ds.y_test).tolist() == [5, 5, 5]


@pytest.mark.parametrize("classes,msg", [((3, 12), "12 not a class of CIFAR-10"), ((3, 3), "repeats")])
def test_bad_classes(classes, msg):
    with pytest.raises(DataError, match=msg):
        load_dataset(spec(classes=classes))


def test_subset_shuffle_is_deterministic_per_seed():
    a = load_dataset(spec(subset=50, seed=1))
    b = load_dataset(spec(subset=50, seed=1))
    c = load_dataset(spec(subset=50, seed=2))
    assert len(a.y_train) == 50 and a.n_train_available == 200
    assert a.source_label.endswith("50 of 200 training images used")
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.x_train[:, 0, 0, 0], c.x_train[:, 0, 0, 0])
    rows = a.x_train[:, 0, 0, 0]
    assert len(set(rows.tolist())) == 50 and not np.all(np.diff(rows.astype(int)) > 0)  # distinct, shuffled


def test_subset_zero_or_too_large_keeps_all_shuffled():
    for n in (0, 10_000):
        ds = load_dataset(spec(subset=n, seed=0))
        assert len(ds.y_train) == 200
        assert sorted(ds.x_train[:, 0, 0, 0].tolist()) == sorted((np.arange(200) % 256).tolist())
    assert len(load_dataset(spec(subset=0)).y_test) == 50  # the test set is never subsampled


def test_subset_applies_after_class_filter():
    ds = load_dataset(spec(classes=(3, 5), subset=7, seed=4))
    assert len(ds.y_train) == 7 and ds.n_train_available == 40


def test_bare_name_uses_spec_defaults():
    ds = load_dataset("cifar10")
    assert ds.name == "cifar10" and ds.task == "image" and len(ds.y_train) == 200  # default subset 10,000 > 200
    assert ds.x_train.dtype == np.uint8 and ds.input_shape == (32, 32, 3)
