"""Fit the shipped digit reader's temperature on its training run's validation split; store it beside it.

    python -m synaptic_core.digits.calibrate --model assets/models/digit_cnn.keras \\
        [--seed 0] [--validation-split 0.05] [--redrawn]

The validation rows are the ones ``train`` held out of that run (same dataset, seed and split:
the last ``validation_split`` of the shuffled full MNIST training set), so they were never
fitted, and the test set is never used for fitting. ``--redrawn`` adds the same validation digits
redrawn with a canvas pen (``synaptic_core.digits.restroke``), so the temperature also suits
drawings. Prints the fit and the test-set ECE before and after as one JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from synaptic_core.digits.calibration import (apply_temperature, ece, fit_temperature, log_probs, nll,
                                              save_calibration)


def validation_split(seed: int, fraction: float) -> tuple[np.ndarray, np.ndarray, str]:
    """The MNIST validation rows a run with this seed and split held out (all of the training set, no subset)."""
    from synaptic_core.data import load_dataset
    from synaptic_core.specs import RunSpec

    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=0, seed=seed))
    n_val = int(len(ds.x_train) * fraction)  # as training.train._split_validation: the last rows
    return ds.x_train[-n_val:], ds.y_train[-n_val:], ds.source_label


def calibrate(model_path: str | Path, seed: int = 0, fraction: float = 0.05, redrawn: bool = False) -> dict[str, Any]:
    import keras

    from synaptic_core.digits.bench import _mnist_test

    model = keras.saving.load_model(model_path, compile=False)
    x, y, source = validation_split(seed, fraction)
    if redrawn:
        from synaptic_core.digits.restroke import restroke

        x = np.concatenate([x, restroke(x.reshape(-1, 28, 28), seed=seed + 99)])
        y = np.concatenate([y, y])
    val = np.asarray(model.predict(x.astype(np.float32), batch_size=512, verbose=0), np.float64)
    t = fit_temperature(log_probs(val), y)
    xt, yt, _ = _mnist_test()
    test = np.asarray(model.predict(xt.astype(np.float32), batch_size=512, verbose=0), np.float64)
    info = {"fitted_on": f"validation split of the training run: {len(y)} digits"
                         f"{' (half of them redrawn with a canvas pen)' if redrawn else ''}, seed {seed}, "
                         f"last {fraction:g} of {source}",
            "val_nll_before": nll(log_probs(val), y), "val_nll_after": nll(log_probs(val), y, t),
            "test_ece_before": ece(test, yt), "test_ece_after": ece(apply_temperature(test, t), yt),
            "test_n": int(len(yt))}
    save_calibration(model_path, t, info)
    return {"temperature": t, **info}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m synaptic_core.digits.calibrate", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--validation-split", type=float, default=0.05)
    p.add_argument("--redrawn", action="store_true")
    args = p.parse_args(argv)
    if not 0 < args.validation_split < 1:
        p.error("--validation-split must be between 0 and 1")
    print(json.dumps(calibrate(args.model, args.seed, args.validation_split, args.redrawn)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
