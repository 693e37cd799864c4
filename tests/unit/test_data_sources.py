"""Source resolution order and the readers of each file format, on small fake files in tmp dirs."""

import gzip
import io
import os
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.data import DataError, load_dataset, resolve_source
from synaptic_core.data import sources
from synaptic_core.specs import RunSpec


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No real data dir, an empty Keras home: tests see only what they create."""
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def fake_npz(path: Path, n_train=50, n_test=20, shape=(28, 28), n_classes=10, y_column=False):
    """An npz with Keras' keys and random pixels; labels cycle through the classes."""
    rng = np.random.default_rng(0)
    x_tr = rng.integers(0, 256, (n_train, *shape), dtype=np.uint8)
    x_te = rng.integers(0, 256, (n_test, *shape), dtype=np.uint8)
    y_tr = np.arange(n_train) % n_classes
    y_te = np.arange(n_test) % n_classes
    if y_column:
        y_tr, y_te = y_tr[:, None], y_te[:, None]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=x_tr, y_train=y_tr.astype(np.uint8), x_test=x_te, y_test=y_te.astype(np.uint8))
    return path


def spec(name="mnist", **kw):
    return RunSpec().replace(dataset=name, subset=0, **kw)


def test_bundled_when_nothing_else():
    info = resolve_source("mnist")
    assert info.source == "bundled" and info.is_sample and info.offline and info.label == "bundled sample, offline"
    assert info.path == sources.BUNDLED_DIR / "mnist_sample.npz"


def test_order_local_then_keras_cache_then_bundled(monkeypatch, tmp_path):
    data = tmp_path / "data"
    fake_npz(data / "mnist.npz", n_train=30)
    fake_npz(tmp_path / "keras" / "datasets" / "mnist.npz", n_train=40)
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(data))
    assert resolve_source("mnist").source == "local"
    ds = load_dataset(spec())
    assert ds.source == "local" and ds.n_train_available == 30 and ds.path == data / "mnist.npz"
    assert ds.source_label == f"MNIST — local data dir ({data}), 30 of 30 training images used"

    monkeypatch.delenv("SYNAPTIC_DATA_DIR")
    assert resolve_source("mnist").source == "keras-cache"
    ds = load_dataset(spec())
    assert ds.source == "keras-cache" and ds.n_train_available == 40
    assert "Keras cache" in ds.source_label

    (tmp_path / "keras" / "datasets" / "mnist.npz").unlink()
    assert resolve_source("mnist").source == "bundled"


def test_data_dir_without_the_file_falls_through(monkeypatch, tmp_path):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path / "empty"))
    assert resolve_source("mnist").source == "bundled"


def test_keras_home_default_is_home_dot_keras(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fake_npz(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")
    info = resolve_source("mnist")
    assert info.source == "keras-cache" and info.where == "Keras cache (~/.keras/datasets)"


def test_download_only_when_asked_and_before_bundled():
    assert resolve_source("mnist").source == "bundled"
    info = resolve_source("mnist", allow_download=True)
    assert info.source == "download" and not info.offline
    assert resolve_source("sonar", allow_download=True).source == "bundled"  # no download for sonar
    assert resolve_source("spiral").source == "generated"


def test_resolve_reads_nothing(monkeypatch, tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"not a zip")
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    assert resolve_source("mnist").source == "local"  # decided by the name; the file is read only on load


def test_unknown_name():
    with pytest.raises(DataError, match="choose one of mnist, fashion-mnist, cifar10"):
        resolve_source("imagenet")


def test_cifar_prefers_full_npz_and_flattens_column_labels(monkeypatch, tmp_path):
    fake_npz(tmp_path / "cifar10_subset.npz", n_train=20, shape=(32, 32, 3), y_column=True)
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    ds = load_dataset(spec("cifar10"))
    assert ds.path.name == "cifar10_subset.npz" and ds.y_train.shape == (20,) and ds.y_train.dtype == np.int64
    fake_npz(tmp_path / "cifar10.npz", n_train=30, shape=(32, 32, 3), y_column=True)
    ds = load_dataset(spec("cifar10"))
    assert ds.path.name == "cifar10.npz" and ds.x_train.shape == (30, 32, 32, 3)


def _idx(path: Path, arr: np.ndarray, magic: int):
    with gzip.open(path, "wb") as fh:
        fh.write(struct.pack(">I", magic) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.tobytes())


def test_fashion_mnist_from_keras_cache_idx_files(tmp_path):
    folder = tmp_path / "keras" / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    x_tr = np.arange(12 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(12, 28, 28)
    x_te = x_tr[:5][::-1].copy()
    _idx(folder / "train-images-idx3-ubyte.gz", x_tr, 2051)
    _idx(folder / "train-labels-idx1-ubyte.gz", (np.arange(12) % 10).astype(np.uint8), 2049)
    _idx(folder / "t10k-images-idx3-ubyte.gz", x_te, 2051)
    assert resolve_source("fashion-mnist").source == "bundled"  # three of four files: not usable
    _idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([9, 8, 7, 6, 5], np.uint8), 2049)
    assert resolve_source("fashion-mnist").source == "keras-cache"
    ds = load_dataset(spec("fashion-mnist", seed=0))
    assert ds.x_train.shape == (12, 28, 28, 1) and ds.x_test.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(ds.x_test[..., 0], x_te)  # test set: not shuffled, same order
    assert ds.y_test.tolist() == [9, 8, 7, 6, 5] and ds.class_names[9] == "Ankle boot"


def _cifar_tar(path: Path, per_batch=3):
    """A tiny cifar-10-binary.tar.gz: record = label byte + R plane + G plane + B plane."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for member, label in [(f"data_batch_{i}.bin", i) for i in range(1, 6)] + [("test_batch.bin", 9)]:
            rec = np.zeros((per_batch, 3073), np.uint8)
            rec[:, 0] = label
            rec[:, 1:1025], rec[:, 1025:2049], rec[:, 2049:] = 10, 20, 30
            rec[:, 1 + 5] = 99  # R channel, row 0, column 5
            data = rec.tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_cifar_binary_archive_in_keras_cache(tmp_path):
    _cifar_tar(tmp_path / "keras" / "datasets" / "cifar-10-binary.tar.gz")
    assert resolve_source("cifar10").source == "keras-cache"
    ds = load_dataset(spec("cifar10"))
    assert ds.x_train.shape == (15, 32, 32, 3) and ds.x_test.shape == (3, 32, 32, 3)
    assert sorted(set(ds.y_train.tolist())) == [1, 2, 3, 4, 5] and set(ds.y_test.tolist()) == {9}
    img = ds.x_test[0]
    assert img[1, 1].tolist() == [10, 20, 30]  # channel-major records -> HWC pixels
    assert img[0, 5, 0] == 99 and img[5, 0, 0] == 10  # row-major planes


def test_decoded_arrays_are_cached_and_read_only(monkeypatch, tmp_path):
    path = fake_npz(tmp_path / "mnist.npz")
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    a, b = load_dataset(spec()), load_dataset(spec())
    assert np.shares_memory(a.x_test, b.x_test)  # the second load decoded nothing
    with pytest.raises(ValueError):
        a.x_test[0, 0, 0, 0] = 1  # the cache cannot be corrupted by a caller
    fake_npz(path, n_train=60)  # a replaced file is read again
    os.utime(path, ns=(1, 1))
    assert load_dataset(spec()).n_train_available == 60
