"""Damaged files: a DataError that names the file and points at the bundled sample, and the fallback."""

import gzip
import struct

import numpy as np
import pytest

from synaptic_core.data import DataError, load_dataset
from synaptic_core.data import sources
from synaptic_core.specs import RunSpec


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def test_corrupt_npz_names_file_and_bundled_sample(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(DataError) as err:
        load_dataset("mnist")
    msg = str(err.value)
    assert str(bad) in msg and "The MNIST bundled sample" in msg and "--source bundled" in msg


def test_fallback_to_bundled_loads_the_sample_and_says_why(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"garbage")
    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=100), fallback_to_bundled=True)
    assert ds.source == "bundled" and len(ds.y_train) == 100 and ds.n_train_available == 10_000
    assert ds.source_label == ("MNIST — bundled sample, 100 of 10,000 training images used, offline "
                               "(the configured file could not be read)")
    assert len(ds.notes) == 1 and str(tmp_path / "mnist.npz") in ds.notes[0]


def test_missing_keys_are_named(tmp_path):
    np.savez(tmp_path / "mnist.npz", images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataError, match="no x_train, y_train, x_test, y_test array"):
        load_dataset("mnist")


def test_wrong_shape_and_pickled_arrays_rejected(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 32, 32), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 32, 32), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(DataError, match=r"expected uint8 \(N, 28, 28, 1\)"):
        load_dataset("mnist")
    obj = np.empty(2, dtype=object)
    np.savez(tmp_path / "mnist.npz", x_train=obj, y_train=obj, x_test=obj, y_test=obj)
    with pytest.raises(DataError, match="mnist.npz"):  # object arrays need pickle: refused
        load_dataset("mnist")


def test_labels_out_of_range(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.array([0, 10]),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(DataError, match="labels outside 0..9"):
        load_dataset("mnist")


def test_truncated_idx_in_keras_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR")
    folder = tmp_path / "keras" / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        with gzip.open(folder / name, "wb") as fh:
            fh.write(struct.pack(">IIII", 2051, 5, 28, 28) + bytes(100))  # header says 5 images, 100 bytes follow
    for name in ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        with gzip.open(folder / name, "wb") as fh:
            fh.write(struct.pack(">II", 2049, 5) + bytes(5))
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: 100 bytes of data"):
        load_dataset("fashion-mnist")
    assert load_dataset("fashion-mnist", fallback_to_bundled=True).source == "bundled"


def test_corrupt_tabular_file(tmp_path):
    (tmp_path / "WA_Fn-UseC_-Telco-Customer-Churn.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no column customerID.*The Telco customer churn bundled copy"):
        load_dataset("churn")


def test_damaged_bundled_sample_says_how_to_rebuild(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR")
    bundled = tmp_path / "assets"
    bundled.mkdir()
    (bundled / "mnist_sample.npz").write_bytes(b"broken")
    monkeypatch.setattr(sources, "BUNDLED_DIR", bundled)
    with pytest.raises(DataError, match="mnist_sample.npz.*scripts/make_samples.py"):
        load_dataset("mnist", fallback_to_bundled=True)
    (bundled / "mnist_sample.npz").unlink()
    with pytest.raises(DataError, match="bundled sample is missing"):
        load_dataset("mnist")


def test_source_bundled_skips_a_corrupt_data_dir_file(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"garbage")
    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=100, source="bundled"))
    assert ds.source == "bundled" and ds.notes == []
