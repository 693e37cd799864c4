"""Figures for the draw-a-digit page: latency per drawing, accuracy on synthetic handwriting and on MNIST.

    python -m synaptic_core.digits.bench [--writers 100] [--model PATH] [--redrawn 10000]

``redrawn``: MNIST *test* digits (never trained on) redrawn the way the canvas draws
(``synaptic_core.digits.restroke``, its own pen seed) and preprocessed: a proxy for real people's
drawings, not the real held-out pen-tablet set. ``calibration``: expected calibration error on
the MNIST test set with the model's raw probabilities and with its stored temperature.

Latency is preprocessing + prediction of one canvas image (280x280 RGBA), one at a time, as
the page does while the user draws; the median over many drawings is reported. The
handwriting set comes from evaluation writer seeds only (never used in training).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from synaptic_core.digits.handwriting import handwriting_set
from synaptic_core.digits.preprocess import preprocess
from synaptic_core.digits.reader import SHIPPED_MODEL, load_reader


def handwriting_accuracy(reader: Any, n_writers: int = 100) -> dict[str, Any]:
    images, labels = handwriting_set(n_writers)
    x = np.stack([preprocess(im) for im in images])[..., None].astype(np.float32)
    pred = np.asarray(reader.model.predict(x, batch_size=256, verbose=0)).argmax(axis=1)
    per_digit = {str(d): float((pred[labels == d] == d).mean()) for d in range(10)}
    return {"n": int(len(labels)), "writers": n_writers, "top1": float((pred == labels).mean()),
            "per_digit": per_digit}


def mnist_accuracy(reader: Any) -> dict[str, Any]:
    from synaptic_core.data import load_dataset

    ds = load_dataset("mnist")
    pred = np.asarray(reader.model.predict(ds.x_test.astype(np.float32), batch_size=512, verbose=0)).argmax(1)
    return {"n": int(len(ds.y_test)), "top1": float((pred == ds.y_test).mean()), "source": ds.source_label}


def _per_digit(pred: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    return {str(d): float((pred[labels == d] == d).mean()) for d in range(10)}


def _mnist_test() -> tuple[np.ndarray, np.ndarray, str]:
    from synaptic_core.data import load_dataset

    ds = load_dataset("mnist")
    return ds.x_test, ds.y_test, ds.source_label


def redrawn_accuracy(reader: Any, n: int = 10000, seed: int = 12345) -> dict[str, Any]:
    """Top-1 and per digit on the first ``n`` MNIST test digits redrawn with a canvas pen (a proxy)."""
    from synaptic_core.digits.restroke import restroke

    x, y, _ = _mnist_test()
    x, y = x[:n], y[:n]
    xr = restroke(x.reshape(-1, 28, 28), seed=seed).astype(np.float32)
    probs = reader.calibrated(np.asarray(reader.model.predict(xr, batch_size=512, verbose=0)))
    pred = probs.argmax(1)
    from synaptic_core.digits.calibration import ece, is_unsure

    return {"n": int(len(y)), "top1": float((pred == y).mean()), "per_digit": _per_digit(pred, y),
            "ece": ece(probs, y), "unsure_share": float(np.mean([is_unsure(p) for p in probs])),
            "what": "MNIST test digits, skeleton redrawn with a 14-26 px round pen on the 280-px canvas "
                    "(a proxy: not the real pen-tablet set)"}


def calibration(reader: Any) -> dict[str, Any]:
    """ECE on the MNIST test set, raw and with the stored temperature."""
    from synaptic_core.digits.calibration import ece

    x, y, _ = _mnist_test()
    raw = np.asarray(reader.model.predict(x.astype(np.float32), batch_size=512, verbose=0), np.float64)
    return {"temperature": reader.temperature, "ece_raw": ece(raw, y), "ece_calibrated": ece(reader.calibrated(raw), y),
            "n": int(len(y))}


def latency(reader: Any, n: int = 200) -> dict[str, Any]:
    images, _ = handwriting_set(max(1, n // 10), seed_range=range(2_000_000, 2_000_000 + n))
    times = []
    for im in images:
        t0 = time.perf_counter()
        reader.probabilities(preprocess(im))
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "p90_ms": round(float(np.percentile(times, 90)), 2),
            "n": len(times), "what": "preprocess + tf.function-wrapped prediction of one 280x280 RGBA drawing"}


def bench_digits(model_path: str | Path = SHIPPED_MODEL, n_writers: int = 100, n_redrawn: int = 0) -> dict[str, Any]:
    t0 = time.perf_counter()
    reader = load_reader(Path(model_path))
    load_s = time.perf_counter() - t0
    out = {"model": str(model_path), "load_s": round(load_s, 3), "latency": latency(reader),
           "handwriting": handwriting_accuracy(reader, n_writers), "mnist_test": mnist_accuracy(reader),
           "calibration": calibration(reader)}
    if n_redrawn:
        out["redrawn_mnist_test"] = redrawn_accuracy(reader, n_redrawn)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m synaptic_core.digits.bench")
    p.add_argument("--model", default=str(SHIPPED_MODEL))
    p.add_argument("--writers", type=int, default=100)
    p.add_argument("--redrawn", type=int, default=0, metavar="N",
                   help="also read the first N MNIST test digits redrawn with a canvas pen (a proxy for people)")
    args = p.parse_args(argv)
    print(json.dumps(bench_digits(args.model, args.writers, args.redrawn)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
