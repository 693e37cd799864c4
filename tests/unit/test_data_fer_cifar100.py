"""FER-2013 and CIFAR-100 in the one dataset registry.

FER-2013: the full ``fer2013.npz`` (``x, y, usage``) splits Training / PrivateTest; the bundled
sample works offline. CIFAR-100: the authors' *binary* archive (2 label bytes + 3,072 pixel
bytes per record), parsed from a small synthetic file in that format; fetched only on request,
with its sha256 checked; until then its source says so and loading it names the command.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.data import DataError, download, list_datasets, load_dataset, resolve_source
from synaptic_core.data.images import _read_cached
from synaptic_core.data.registry import RemoteFile, find_entry
from synaptic_core.specs import RunSpec

fetch = importlib.import_module("synaptic_core.data.fetch")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    _read_cached.cache_clear()


# -- FER-2013 ---------------------------------------------------------------------------------------------------
def test_fer_bundled_sample_loads_offline_balanced():
    ds = load_dataset(RunSpec().replace(dataset="fer2013", subset=0))
    assert ds.source == "bundled" and ds.n_classes == 7 and ds.input_shape == (48, 48, 1)
    assert ds.class_names == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    assert np.bincount(ds.y_train).tolist() == [35] * 7 and np.bincount(ds.y_test).tolist() == [15] * 7
    assert ds.x_train.dtype == np.uint8 and ds.x_train.max() > 200
    with np.load(Path(ds.path), allow_pickle=False) as z:  # plain arrays: no pickle needed
        assert {"x_train", "class_names", "train_index"} <= set(z.files)


def _fer_file(path: Path, usage: list[str]) -> None:
    n = len(usage)
    x = np.arange(n, dtype=np.uint8)[:, None, None] * np.ones((1, 48, 48), np.uint8)  # image i is all i
    np.savez(path, x=x, y=(np.arange(n) % 7).astype(np.uint8), usage=np.array(usage),
             file_id=np.arange(n, dtype=np.int64), class_names=np.array(find_entry("fer2013").class_names))


def test_fer_full_file_layout_splits_training_and_private_test(monkeypatch, tmp_path):
    usage = ["Training"] * 10 + ["PublicTest"] * 4 + ["PrivateTest"] * 5
    _fer_file(tmp_path / "fer2013.npz", usage)
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    ds = load_dataset(RunSpec().replace(dataset="fer2013", subset=0))
    assert ds.source == "local" and ds.n_train_available == 10 and len(ds.y_test) == 5
    assert sorted(ds.x_train[:, 0, 0, 0].tolist()) == list(range(10))  # shuffled, but only Training rows
    assert ds.x_test[:, 0, 0, 0].tolist() == [14, 15, 16, 17, 18]  # PrivateTest, in order; PublicTest left out


def test_fer_file_without_private_test_is_a_clear_error(monkeypatch, tmp_path):
    _fer_file(tmp_path / "fer2013.npz", ["Training"] * 6)
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="no 'Training' or no 'PrivateTest' rows.*bundled"):
        load_dataset("fer2013")


@pytest.mark.skipif(not (SHARED / "fer2013.npz").is_file(), reason="../shared/datasets/fer2013.npz is absent")
def test_fer_full_file_from_the_shared_data_dir(monkeypatch):
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(SHARED))
    ds = load_dataset(RunSpec().replace(dataset="fer2013", subset=0))
    assert ds.source == "local" and ds.x_train.shape == (28709, 48, 48, 1)
    # the PrivateTest counts of the original FER-2013 (../shared/datasets/README.md)
    assert np.bincount(ds.y_test).tolist() == [491, 55, 528, 879, 594, 416, 626]


# -- CIFAR-100 --------------------------------------------------------------------------------------------------
def _records(n: int, offset: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    """n records: coarse label, fine label, then the R, G and B planes (R = k, G = 100 + fine, B = 7)."""
    fine = (np.arange(n) * 37 + offset) % 100
    coarse = fine % 20
    planes = np.zeros((n, 3, 32, 32), np.uint8)
    planes[:, 0] = (np.arange(n) + offset)[:, None, None]
    planes[:, 1] = (100 + fine)[:, None, None]
    planes[:, 2] = 7
    planes[:, 0, 0, 1] = 255  # one marked pixel: row 0, column 1 of the red plane
    raw = np.concatenate([coarse[:, None].astype(np.uint8), fine[:, None].astype(np.uint8),
                          planes.reshape(n, -1)], axis=1)
    return raw.tobytes(), fine, planes


def cifar100_tar(path: Path, n_train: int = 6, n_test: int = 3, train_bytes: bytes | None = None) -> str:
    """A cifar-100-binary.tar.gz in the official layout; returns its sha256."""
    train, _, _ = _records(n_train, 0)
    test, _, _ = _records(n_test, 50)
    members = {"cifar-100-binary/train.bin": train if train_bytes is None else train_bytes,
               "cifar-100-binary/test.bin": test,
               "cifar-100-binary/fine_label_names.txt": "\n".join(find_entry("cifar100").class_names).encode()}
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cifar100_binary_parser_reads_fine_labels_and_channel_planes(tmp_path):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    cifar100_tar(cache / "cifar-100-binary.tar.gz")
    assert resolve_source("cifar100").source == "keras-cache"
    ds = load_dataset(RunSpec().replace(dataset="cifar100", subset=0, seed=0))
    assert ds.source == "keras-cache" and ds.n_classes == 100 and ds.input_shape == (32, 32, 3)
    assert ds.class_names[:3] == ["apple", "aquarium_fish", "baby"] and ds.class_names[-1] == "worm"
    _, fine_test, planes_test = _records(3, 50)
    assert ds.y_test.tolist() == fine_test.tolist()  # the fine label (second byte), not the coarse one
    np.testing.assert_array_equal(ds.x_test, planes_test.transpose(0, 2, 3, 1))  # planes -> HWC
    assert ds.x_test[0, 0, 1, 0] == 255 and ds.x_test[0, 1, 0, 0] == 50  # row 0 col 1 of red, not row 1
    assert (ds.x_test[:, :, :, 1] == (100 + fine_test)[:, None, None]).all()
    # training images keep their labels through the shuffle
    assert ((ds.x_train[:, 5, 5, 1].astype(int) - 100) == ds.y_train).all() and len(ds.y_train) == 6


def test_cifar100_truncated_file_is_a_clear_error(tmp_path):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    good, _, _ = _records(2, 0)
    cifar100_tar(cache / "cifar-100-binary.tar.gz", train_bytes=good[:-10])
    with pytest.raises(DataError, match="not a whole number of 3074-byte records"):
        load_dataset("cifar100")


def test_cifar100_is_downloaded_only_on_request_with_its_sha256(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("network touched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    src = resolve_source("cifar100")
    assert src.source == "download" and not src.offline and "python -m synaptic_core download cifar100" in src.label
    with pytest.raises(DataError, match="not downloaded yet.*download cifar100"):
        load_dataset("cifar100")
    monkeypatch.undo()
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    official = fetch.REMOTE_FILES["cifar100"][0]
    assert official.url == "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"  # binary, never the pickle
    assert official.algorithm == "sha256" and len(official.file_hash) == 64 and official.size == 168513733

    www = tmp_path / "www"
    www.mkdir()
    digest = cifar100_tar(www / "cifar-100-binary.tar.gz")
    url = (www / "cifar-100-binary.tar.gz").as_uri()
    monkeypatch.setitem(fetch.REMOTE_FILES, "cifar100", (RemoteFile(url, "cifar-100-binary.tar.gz", "0" * 64, "sha256"),))
    with pytest.raises(DataError, match="sha256 of the file is .* expected 0000"):
        download("cifar100")
    assert not (tmp_path / "keras" / "datasets" / "cifar-100-binary.tar.gz").exists()
    monkeypatch.setitem(fetch.REMOTE_FILES, "cifar100", (RemoteFile(url, "cifar-100-binary.tar.gz", digest, "sha256"),))
    path = download("cifar100")
    assert path == tmp_path / "keras" / "datasets" / "cifar-100-binary.tar.gz"
    assert load_dataset("cifar100").source == "keras-cache"


def test_registry_rows_and_presets():
    infos = {i.name: i for i in list_datasets()}
    assert infos["fer2013"].n_train == 28709 and infos["fer2013"].n_test == 3589 and not infos["fer2013"].downloadable
    assert infos["cifar100"].downloadable and len(infos["cifar100"].class_names) == 100
    for name in ("fer2013", "cifar100"):
        preset = infos[name].defaults
        assert preset["model"] == "cnn" and preset["subset"] == 0 and preset["batch_norm"] and preset["augment"]


def test_cli_datasets_lists_fer2013_and_cifar100(capsys):
    from synaptic_core.cli import main

    assert main(["datasets", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["fer2013"]["source"] == "bundled" and rows["fer2013"]["task"] == "image"
    assert rows["cifar100"]["source"] == "download" and "not downloaded yet" in rows["cifar100"]["where"]
