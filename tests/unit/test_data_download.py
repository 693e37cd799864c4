"""download() against a loopback HTTP server; load_dataset never touches the network unless asked."""

import functools
import hashlib
import http.server
import importlib
import threading
import urllib.request

import numpy as np
import pytest

from synaptic_core.data import DataError, download, load_dataset, resolve_source
from synaptic_core.data.registry import RemoteFile
from synaptic_core.specs import RunSpec

fetch = importlib.import_module("synaptic_core.data.fetch")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/www on 127.0.0.1; ``.requests`` lists the paths asked for."""
    root = tmp_path / "www"
    root.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.root, httpd.requests = root, requests
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def fake_mnist(path, n_train=64):
    rng = np.random.default_rng(1)
    np.savez_compressed(path, x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
                        y_train=(np.arange(n_train) % 10).astype(np.uint8),
                        x_test=rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
                        y_test=(np.arange(16) % 10).astype(np.uint8))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def serve_mnist(server, monkeypatch, digest=None):
    sha = fake_mnist(server.root / "mnist.npz")
    remote = RemoteFile(server.url + "mnist.npz", "mnist.npz", digest or sha, "sha256")
    monkeypatch.setitem(fetch.REMOTE_FILES, "mnist", (remote,))
    return (server.root / "mnist.npz").stat().st_size


def test_download_into_keras_cache_with_progress(server, monkeypatch, tmp_path):
    size = serve_mnist(server, monkeypatch)
    calls = []
    path = download("mnist", lambda done, total: calls.append((done, total)))
    assert path == tmp_path / "keras" / "datasets" / "mnist.npz" and path.stat().st_size == size
    assert calls[-1] == (size, size) and all(t == size for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)  # monotonic
    assert not list(path.parent.glob("*.part"))
    assert resolve_source("mnist").source == "keras-cache"
    assert load_dataset(RunSpec().replace(dataset="mnist", subset=0)).n_train_available == 64

    download("mnist")  # already there with the right hash: not fetched again
    assert server.requests == ["/mnist.npz"]


def test_hash_mismatch_keeps_nothing(server, monkeypatch, tmp_path):
    serve_mnist(server, monkeypatch, digest="0" * 64)
    with pytest.raises(DataError, match="sha256 of the file is .* expected 0000.*bundled MNIST sample"):
        download("mnist")
    assert not list((tmp_path / "keras" / "datasets").iterdir())


def test_http_error_is_a_data_error(server, monkeypatch):
    remote = RemoteFile(server.url + "missing.npz", "mnist.npz", "0" * 64, "sha256")
    monkeypatch.setitem(fetch.REMOTE_FILES, "mnist", (remote,))
    with pytest.raises(DataError, match="missing.npz failed: .*bundled MNIST sample can be used instead"):
        download("mnist")
    ds = load_dataset("mnist", allow_download=True, fallback_to_bundled=True)
    assert ds.source == "bundled" and "missing.npz" in ds.notes[0]


def test_load_with_download_allowed(server, monkeypatch):
    size = serve_mnist(server, monkeypatch)
    assert resolve_source("mnist", allow_download=True).source == "download"
    seen = []
    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=10), allow_download=True,
                      progress=lambda d, t: seen.append(d))
    assert ds.source == "download" and len(ds.y_train) == 10 and ds.n_train_available == 64
    assert seen[-1] == size and "downloaded to the Keras cache" in ds.source_label


def test_multi_file_progress_total(server, monkeypatch, tmp_path):
    parts = []
    for name, blob in (("a.gz", b"x" * 3000), ("b.gz", b"y" * 5000)):
        (server.root / name).write_bytes(blob)
        parts.append(RemoteFile(server.url + name, f"fashion-mnist/{name}", hashlib.md5(blob).hexdigest(), "md5",
                                len(blob)))
    monkeypatch.setitem(fetch.REMOTE_FILES, "fashion-mnist", tuple(parts))
    calls = []
    download("fashion-mnist", lambda d, t: calls.append((d, t)))
    assert calls[-1] == (8000, 8000) and all(t == 8000 for _, t in calls)
    assert (tmp_path / "keras" / "datasets" / "fashion-mnist" / "b.gz").read_bytes() == b"y" * 5000


def test_no_network_unless_allowed(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network touched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    for name in ("mnist", "fashion-mnist", "cifar10", "sonar", "spiral"):
        assert load_dataset(RunSpec().replace(dataset=name, subset=20)).source in ("bundled", "generated")
        resolve_source(name, allow_download=True)


def test_nothing_to_download_for_bundled_and_generated_sets():
    with pytest.raises(DataError, match="complete set is bundled"):
        download("sonar")
    with pytest.raises(DataError, match="generated"):
        download("xor")


def test_url_table_matches_keras_names():
    """File names are Keras' own, so Keras and SynapticHub share one cache."""
    assert [f.fname for f in fetch.REMOTE_FILES["mnist"]] == ["mnist.npz"]
    assert fetch.REMOTE_FILES["mnist"][0].url == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert {f.fname for f in fetch.REMOTE_FILES["fashion-mnist"]} == {
        f"fashion-mnist/{p}-{k}-ubyte.gz" for p in ("train", "t10k") for k in ("images-idx3", "labels-idx1")}
    assert fetch.REMOTE_FILES["cifar10"][0].url.endswith("cifar-10-binary.tar.gz")  # binary, not pickled
