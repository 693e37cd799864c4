"""What a finished sequence run reports, beyond loss and accuracy.

* series: RMSE on train and test in the data's own units, the naive last-value baseline
  beside it, actual-vs-predicted for both periods and a multi-step forecast past the end;
* chars: loss in nats per character, perplexity, and samples at several temperatures;
* text: ROC curve and AUC (binary sentiment), and the vocabulary saved for explanations.

``series_results``, ``chars_results`` and ``sentiment_results`` are the ``evaluate`` hooks of
their task records (``synaptic_core.tasks``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from synaptic_core.specs import RunSpec

TEMPERATURES = (0.0, 0.5, 1.0)


def _predict(model, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), np.float64)


def series_results(spec: RunSpec, model, ds, workdir: Path | None = None) -> dict[str, Any]:
    from synaptic_core.sequences.series import forecast, naive_rmse, rmse

    s = ds.extra["split"]
    inv = s.scaler.inverse
    p_train = inv(_predict(model, s.x_train)[:, 0])
    p_test = inv(_predict(model, s.x_test)[:, 0])
    y_train, y_test = inv(s.y_train), inv(s.y_test)
    last = s.scaler.transform(s.values[-s.look_back:])
    fc = inv(forecast(lambda w: np.asarray(model.predict_on_batch(w))[0, 0], last, spec.horizon))
    return {
        "train": {"rmse": rmse(p_train, y_train)},
        "test": {"rmse": rmse(p_test, y_test), "loss": float(np.mean((s.scaler.transform(p_test) - s.y_test) ** 2))},
        "naive": naive_rmse(s),
        "series": {"values": s.values.tolist(), "split": s.split, "look_back": s.look_back,
                   "train_pred": p_train.tolist(), "test_pred": p_test.tolist(), "forecast": fc.tolist()},
    }


def chars_results(spec: RunSpec, model, ds, workdir: Path) -> dict[str, Any]:
    from synaptic_core.sequences.chars import Alphabet, generate_many, last_step

    probs = last_step(_predict(model, ds.x_test))  # an every-step model: the prediction after the whole window
    picked = probs[np.arange(len(ds.y_test)), ds.y_test]
    nats = float(-np.log(np.clip(picked, 1e-7, 1.0)).mean())
    rng = np.random.default_rng(spec.seed)
    alphabet = Alphabet(ds.extra["alphabet"])
    # every temperature in the same batch, through the compiled predict step (an eager call is ~60x slower)
    texts = generate_many(lambda w: np.asarray(model.predict_on_batch(w)), alphabet, ds.extra["seed_text"], 300,
                          TEMPERATURES, spec.seq_len, rng)
    samples = {f"{t:g}": text for t, text in zip(TEMPERATURES, texts)}
    (workdir / "alphabet.json").write_text(json.dumps({"alphabet": ds.extra["alphabet"], "seq_len": spec.seq_len,
                                                       "seed_text": ds.extra["seed_text"]}))
    return {"test": {"loss": nats, "nats_per_char": nats, "perplexity": math.exp(nats),
                     "accuracy": float((probs.argmax(1) == ds.y_test).mean())},
            "samples": samples, "seed_text": ds.extra["seed_text"], "alphabet_path": str(workdir / "alphabet.json")}


def roc_curve(y_true: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(false positive rate, true positive rate, AUC) over every threshold; ties handled as one step."""
    order = np.argsort(-score, kind="mergesort")
    y, s = np.asarray(y_true)[order], np.asarray(score)[order]
    distinct = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(y)[distinct]
    fps = (distinct + 1) - tps
    tpr = np.r_[0.0, tps / max(tps[-1], 1)]
    fpr = np.r_[0.0, fps / max(fps[-1], 1)]
    return fpr, tpr, float(np.trapezoid(tpr, fpr))


def text_results(spec: RunSpec, model, ds, workdir: Path) -> dict[str, Any]:
    (workdir / "vocab.json").write_text(json.dumps({"words": ds.extra["vocab"], "seq_len": ds.extra["seq_len"]}))
    out: dict[str, Any] = {"vocab_path": str(workdir / "vocab.json")}
    if ds.n_classes == 2:
        fpr, tpr, auc = roc_curve(ds.y_test, _predict(model, ds.x_test)[:, 1])
        keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 400)).astype(int))  # enough to draw
        out["roc"] = {"fpr": fpr[keep].round(5).tolist(), "tpr": tpr[keep].round(5).tolist(), "auc": auc}
    return out


def sentiment_results(spec: RunSpec, model, ds, workdir: Path) -> dict[str, Any]:
    """Text: the vocabulary and ROC curve, then the classification report (confusion matrix...)."""
    from synaptic_core.training.evaluate import evaluate

    return {**text_results(spec, model, ds, workdir), **evaluate(model, ds, workdir)}
