"""Softmax regression from scratch: its maths against TensorFlow and Keras, its training, its CLI.

* the hand-written gradients equal tf.GradientTape's on the same forward pass (random data);
* one epoch of the NumPy SGD equals one epoch of Keras (Dense softmax from zeros, SGD) on the
  same batches;
* on full MNIST (when ../shared/datasets is there) it reproduces the seed: 92.2% +- 0.4.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.labs import softmax_scratch as S
from synaptic_core.labs.cli import main as labs_main
from synaptic_core.viz import labs_scratch as figs

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def _random(n=64, f=20, k=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, f)).astype(dtype), rng.integers(0, k, n), rng.normal(size=(f, k)).astype(dtype),
            rng.normal(size=k).astype(dtype))


def test_softmax_is_stable_and_normalised():
    z = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0], [0.0, np.log(2.0), 0.0]])
    p = S.softmax(z)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], [1 / 3] * 3)
    np.testing.assert_allclose(p[2], [0.25, 0.5, 0.25])
    np.testing.assert_allclose(S.softmax(z + 123.0), p)


def test_gradients_match_tensorflow_autodiff_on_the_same_forward():
    import tensorflow as tf

    X, y, W, b = _random()
    P = S.forward(X, W, b)
    dW, db = S.gradients(X, P, y)
    Wt, bt = tf.Variable(W), tf.Variable(b)
    with tf.GradientTape() as tape:
        probs = tf.nn.softmax(tf.matmul(tf.constant(X), Wt) + bt)
        loss = -tf.reduce_mean(tf.math.log(tf.gather(probs, y, batch_dims=1)))
    gW, gb = tape.gradient(loss, [Wt, bt])
    np.testing.assert_allclose(dW, gW.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, gb.numpy(), rtol=1e-10, atol=1e-12)
    assert S.cross_entropy(P, y) == pytest.approx(float(loss), rel=1e-12)


def test_cross_entropy_matches_keras():
    import keras

    X, y, W, b = _random(seed=1)
    P = S.forward(X, 0.1 * W, b)  # no probability below Keras' clip at 1e-7 (ours clips at 1e-12)
    keras_ce = float(np.mean(keras.losses.sparse_categorical_crossentropy(y, P)))
    assert S.cross_entropy(P, y) == pytest.approx(keras_ce, rel=1e-6)


def test_one_epoch_equals_keras_sgd_on_the_same_batches():
    import keras

    X, y, _, _ = _random(n=300, f=12, k=4, seed=2, dtype=np.float32)
    W, b = S.init_params(12, 4)
    W, b, _ = S.train_epoch(X, y, W, b, lr=0.1, batch_size=50, rng=np.random.default_rng(7))
    order = np.random.default_rng(7).permutation(len(X))
    model = keras.Sequential([keras.Input(shape=(12,)),
                              keras.layers.Dense(4, activation="softmax", kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    model.fit(X[order], y[order], batch_size=50, epochs=1, shuffle=False, verbose=0)
    kW, kb = (np.asarray(v) for v in model.layers[0].weights)
    np.testing.assert_allclose(W, kW, atol=1e-5)
    np.testing.assert_allclose(b, kb, atol=1e-5)


def _blobs(n=400, seed=0):
    """Three well-separated clusters in 10-D: any working softmax regression gets them right."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = rng.normal(scale=3.0, size=(3, 10))
    return (centers[y] + rng.normal(size=(n, 10))).astype(np.float32), y


def test_training_learns_and_reports_each_epoch():
    X, y = _blobs()
    eps = [ep for ep, _, _ in S.train(X[:300], y[:300], X[300:], y[300:], epochs=5, lr=0.1, batch_size=20)]
    assert [e.epoch for e in eps] == [0, 1, 2, 3, 4]
    assert eps[-1].test_accuracy > 0.95 and eps[-1].train_accuracy > 0.95
    assert eps[-1].loss < eps[0].loss and all(b.t >= a.t for a, b in zip(eps, eps[1:]))


def test_scratch_run_trains_in_a_thread_and_stops_on_request():
    X, y = _blobs()
    run = S.ScratchRun(epochs=3, lr=0.1, batch_size=50).start(X, y, X, y)
    deadline = time.time() + 20
    while run.running and time.time() < deadline:
        time.sleep(0.01)
    assert not run.running and run.error is None
    assert len(run.history) == 3 and run.weights[0].shape == (10, 3)
    stopped = S.ScratchRun(epochs=10_000, lr=0.1, batch_size=50)
    stopped.stop()  # stop before it starts: it ends at the first epoch boundary
    stopped.start(X, y, X, y)
    while stopped.running and time.time() < deadline:
        time.sleep(0.01)
    assert stopped.history == []


def test_figures_show_history_and_one_template_per_class():
    hist = [{"epoch": 0, "train_accuracy": 0.8, "test_accuracy": 0.79},
            {"epoch": 1, "train_accuracy": 0.85, "test_accuracy": 0.84}]
    keras_events = [{"type": "epoch", "epoch": 0, "accuracy": 0.7}, {"type": "epoch", "epoch": 1, "accuracy": 0.82},
                    {"type": "result", "test": {"accuracy": 0.83, "loss": 0.5}}]
    fig = figs.scratch_accuracy_figure(hist, keras_events)
    assert [t.name for t in fig.data] == ["NumPy: train", "NumPy: test", "Keras: train (epoch mean)",
                                          "Keras: test (end)"]
    assert list(fig.data[1].y) == [0.79, 0.84] and fig.data[3].y == (0.83,)
    W = np.arange(784 * 10, dtype=float).reshape(784, 10)
    fig = figs.templates_figure(W, [str(i) for i in range(10)])
    assert len(fig.data) == 10
    np.testing.assert_array_equal(fig.data[3].z, W[:, 3].reshape(28, 28)[::-1])


def test_cli_prints_one_json_line_with_per_epoch_accuracy(capsys):
    assert labs_main(["logreg", "--json", "--epochs", "2", "--subset", "1000"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert out["source"] == "bundled" and out["n_train"] == 1000 and out["lr"] == 0.1 and out["batch_size"] == 100
    assert [h["epoch"] for h in out["history"]] == [0, 1]
    assert {"train_accuracy", "test_accuracy", "t"} <= set(out["history"][0])
    assert 0.7 < out["test"]["accuracy"] <= 1.0 and out["train_seconds"] > 0


def test_cli_refuses_bad_arguments(capsys):
    assert labs_main(["logreg", "--epochs", "0"]) == 2
    assert "epochs" in capsys.readouterr().err


@pytest.mark.slow
def test_full_mnist_reproduces_the_seed(monkeypatch, capsys):
    if not (SHARED / "mnist.npz").exists():
        pytest.skip("full MNIST (../shared/datasets/mnist.npz) is not here")
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(SHARED))
    assert labs_main(["logreg", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_train"] == 60000 and out["source"] == "local" and len(out["history"]) == 20
    assert abs(out["test"]["accuracy"] - 0.9224) <= 0.004  # the seed: 92.24% after 20 epochs
