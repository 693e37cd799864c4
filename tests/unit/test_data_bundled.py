"""The bundled offline samples and the public contract of synaptic_core.data."""

import hashlib
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import synaptic_core.data as data
from synaptic_core.data import load_dataset, sources
from synaptic_core.data.images import _read_cached
from synaptic_core.data.registry import ENTRIES
from synaptic_core.specs import RunSpec

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


@pytest.mark.parametrize("name,n_train,n_test,shape", [
    ("mnist", 10_000, 10_000, (28, 28, 1)),
    ("fashion-mnist", 10_000, 10_000, (28, 28, 1)),
    ("cifar10", 5_000, 1_000, (32, 32, 3)),
])
def test_bundled_image_samples(name, n_train, n_test, shape):
    ds = load_dataset(RunSpec().replace(dataset=name, subset=0))
    assert ds.source == "bundled" and ds.path.parent == sources.BUNDLED_DIR
    assert ds.x_train.shape == (n_train, *shape) and ds.x_test.shape == (n_test, *shape)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64 and ds.n_classes == 10
    assert np.bincount(ds.y_train).tolist() == [n_train // 10] * 10  # class-balanced
    if name != "mnist":  # MNIST's test set (all of it) is not balanced
        assert np.bincount(ds.y_test).tolist() == [n_test // 10] * 10
    assert ds.x_train.max() > 200  # real pixels, 0..255
    title = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}[name]
    assert ds.source_label == f"{title} — bundled sample, {n_train:,} of {n_train:,} training images used, offline"


def test_mnist_bundled_load_is_fast():
    _read_cached.cache_clear()
    start = time.perf_counter()
    load_dataset("mnist")
    cold = time.perf_counter() - start
    start = time.perf_counter()
    load_dataset("mnist")
    warm = time.perf_counter() - start
    assert cold < 1.0 and warm < 0.25


def test_readme_lists_every_bundled_file_with_its_sha256():
    readme = (sources.BUNDLED_DIR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)` \| [\d,]+ \| `([0-9a-f]{64})` \|", readme, re.M))
    # the files scripts/make_samples.py writes and lists (image and tabular sets); the sequence sets' copies
    # come from scripts/make_sequence_samples.py, which does not list them in this README
    files = {e.bundled_file for e in ENTRIES if e.bundled_file and e.task in ("image", "tabular")}
    assert files <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((sources.BUNDLED_DIR / name).read_bytes()).hexdigest() == digest, name
    total = sum((sources.BUNDLED_DIR / f).stat().st_size for f in files)
    assert total < 30_500_000  # the image/tabular samples (FER-2013's: 0.8 MB); other scripts' files come on top
    for licence in ("CC BY-SA 3.0", "MIT, copyright 2017 Zalando SE", "Krizhevsky", "CC BY 4.0", "IBM"):
        assert licence in readme


def test_public_api_and_registry():
    assert data.__all__ == ["Dataset", "DatasetInfo", "SourceInfo", "DataError", "list_datasets", "dataset_names",
                            "resolve_source", "load_dataset", "download"]
    assert data.dataset_names() == ["mnist", "fashion-mnist", "cifar10", "fer2013", "cifar100", "circle", "xor", "gauss", "spiral",
                                    "sonar", "churn", "imdb", "rt-polarity", "sentences", "airline-passengers",
                                    "sine", "shakespeare"]  # the sequence sets follow (synaptic_core/sequences)
    infos = {i.name: i for i in data.list_datasets()}
    assert infos["cifar10"].class_names[3] == "cat" and infos["cifar10"].class_names[5] == "dog"
    assert infos["mnist"].input_shape == (28, 28, 1) and infos["mnist"].n_train == 60_000
    assert infos["mnist"].downloadable and not infos["sonar"].downloadable
    for info in infos.values():
        assert info.title and info.description and info.citation and info.licence
        assert info.task in ("image", "toy", "tabular", "text", "series", "chars")
    for name in ("sonar", "churn"):  # the registry's shapes agree with what loads
        ds = load_dataset(name)
        assert (ds.input_shape, len(ds.y_train), len(ds.y_test)) == (infos[name].input_shape, infos[name].n_train,
                                                                     infos[name].n_test)


def test_no_keras_tensorflow_or_pickle():
    code = ("import sys, synaptic_core.data as d; d.load_dataset('spiral'); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'torch')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for path in (REPO / "synaptic_core" / "data").glob("*.py"):
        text = path.read_text()
        assert "allow_pickle=True" not in text and "import pickle" not in text, path.name
        assert not re.search(r"^\s*(import|from)\s+(keras|tensorflow)", text, re.M), path.name
