"""The digit benchmark's proxy for real handwriting (redrawn MNIST test digits) and its calibration figures,
with a stand-in model (no TensorFlow): the figures are computed from what the model answers."""

import numpy as np
import pytest

from synaptic_core.digits import bench


class _Model:
    """Answers digit k for every image whose index in the call is k mod 10 — wrong most of the time."""

    def __init__(self):
        self.shapes: list[tuple] = []

    def predict(self, x, batch_size=None, verbose=0):
        self.shapes.append(tuple(np.shape(x)))
        probs = np.full((len(x), 10), 0.01)
        probs[np.arange(len(x)), np.arange(len(x)) % 10] = 0.91
        return probs


class _Reader:
    def __init__(self, temperature: float):
        self.model, self.temperature = _Model(), temperature

    def calibrated(self, probs):
        from synaptic_core.digits.calibration import apply_temperature

        return apply_temperature(probs, self.temperature)


@pytest.fixture
def small_test(monkeypatch):
    rng = np.random.default_rng(0)
    x = np.zeros((30, 28, 28), np.uint8)
    for k in range(30):  # a vertical bar at a random column: every image has ink
        c = rng.integers(8, 20)
        x[k, 5:23, c:c + 3] = 255
    y = np.arange(30) % 10
    monkeypatch.setattr(bench, "_mnist_test", lambda: (x, y, "thirty bars"))
    return x, y


def test_redrawn_accuracy_reads_redrawn_digits_and_reports_per_digit_and_ece(small_test):
    reader = _Reader(1.0)
    out = bench.redrawn_accuracy(reader, n=20)
    assert reader.model.shapes == [(20, 28, 28, 1)]  # redrawn and preprocessed, not the raw test images
    assert out["n"] == 20 and out["top1"] == 1.0  # the stand-in's answer k matches label k of image k
    assert set(out["per_digit"]) == {str(d) for d in range(10)}
    assert out["ece"] == pytest.approx(0.09, abs=1e-6)  # right every time at 0.91 confidence
    assert "proxy" in out["what"]


def test_calibration_figures_use_the_readers_temperature(small_test):
    raw = bench.calibration(_Reader(1.0))
    soft = bench.calibration(_Reader(3.0))
    assert raw["ece_raw"] == raw["ece_calibrated"] == pytest.approx(0.09, abs=1e-6)
    assert soft["temperature"] == 3.0 and soft["ece_calibrated"] > soft["ece_raw"]  # underconfident now
