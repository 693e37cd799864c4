"""training_curves / empty_curves: the data in the traces, not just that a figure comes back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synaptic_core.viz import ema, empty_curves, training_curves
from synaptic_core.viz.style import TRAIN_COLOR, VAL_COLOR

STEPS, EPOCHS = 5, 2


def reference_ema(values, smoothing):
    """TensorBoard's smoothing, written out independently of the module under test."""
    out, last, n = [], 0.0, 0
    for v in values:
        last = last * smoothing + (1 - smoothing) * v
        n += 1
        out.append(last / (1 - smoothing ** n))
    return out


def scripted_events(val=True):
    """Two epochs of five batches with known per-batch values, plus epoch ends."""
    rng = np.random.default_rng(0)
    events = [{"type": "status", "stage": "training", "message": "fit"}]
    for ep in range(EPOCHS):
        for b in range(1, STEPS + 1):
            events.append({
                "type": "batch", "epoch": ep, "batch": b, "steps": STEPS, "epochs": EPOCHS,
                "loss": 9.0, "accuracy": 0.01,  # running means: must NOT be what is drawn per batch
                "batch_loss": float(2.0 - 0.1 * (ep * STEPS + b) + rng.normal(0, 0.05)),
                "batch_accuracy": float(0.3 + 0.05 * (ep * STEPS + b)),
                "seen": 32 * (ep * STEPS + b), "t": 0.1 * (ep * STEPS + b),
            })
        events.append({
            "type": "epoch", "epoch": ep, "epochs": EPOCHS, "loss": 1.5 - 0.5 * ep, "accuracy": 0.5 + 0.2 * ep,
            "val_loss": (1.6 - 0.4 * ep) if val else None, "val_accuracy": (0.45 + 0.2 * ep) if val else None,
            "lr": 0.001, "t": 0.5 * (ep + 1),
        })
    return events


def traces(fig, name, axis="x"):
    return [t for t in fig.data if t.name == name and t.xaxis == axis]


def one(fig, name, axis="x"):
    found = traces(fig, name, axis)
    assert len(found) == 1, f"expected one {name!r} trace on {axis}, got {len(found)}"
    return found[0]


def test_smoothed_curve_is_tensorboard_ema_of_batch_values():
    events = scripted_events()
    fig = training_curves(events, smoothing=0.6)
    batches = [e for e in events if e["type"] == "batch"]
    raw = one(fig, "train (per batch)")
    assert list(raw.y) == pytest.approx([e["batch_loss"] for e in batches])
    assert list(raw.x) == pytest.approx([e["epoch"] + e["batch"] / STEPS for e in batches])
    smooth = one(fig, "train (smoothed)")
    assert list(smooth.y) == pytest.approx(reference_ema([e["batch_loss"] for e in batches], 0.6))
    acc = one(fig, "train (smoothed)", "x2")
    assert list(acc.y) == pytest.approx(reference_ema([e["batch_accuracy"] for e in batches], 0.6))
    assert list(one(fig, "train (per batch)", "x2").y) == pytest.approx([e["batch_accuracy"] for e in batches])


def test_epoch_means_and_validation_at_epoch_ends():
    fig = training_curves(scripted_events())
    val = one(fig, "validation")
    assert list(val.x) == [1.0, 2.0]
    assert list(val.y) == pytest.approx([1.6, 1.2])
    assert val.mode == "lines+markers"
    assert list(one(fig, "validation", "x2").y) == pytest.approx([0.45, 0.65])
    mean = one(fig, "train (epoch mean)")
    assert list(mean.y) == pytest.approx([1.5, 1.0]) and mean.mode == "markers"
    assert list(one(fig, "train (epoch mean)", "x2").y) == pytest.approx([0.5, 0.7])


def test_no_validation_trace_when_val_is_none():
    fig = training_curves(scripted_events(val=False))
    assert not [t for t in fig.data if t.name == "validation"]
    assert traces(fig, "train (epoch mean)")


def test_only_batch_events():
    events = [e for e in scripted_events() if e["type"] == "batch"][:3]
    fig = training_curves(events)
    assert {t.name for t in fig.data} == {"train (per batch)", "train (smoothed)"}
    assert len(one(fig, "train (per batch)").x) == 3


def test_nan_and_inf_are_dropped():
    events = scripted_events()
    batches = [e for e in events if e["type"] == "batch"]
    batches[2]["batch_loss"] = float("nan")
    batches[4]["batch_loss"] = float("inf")
    batches[6]["batch_accuracy"] = None
    events[-1]["val_loss"] = float("nan")
    fig = training_curves(events)
    kept = [e["batch_loss"] for i, e in enumerate(batches) if i not in (2, 4)]
    raw = one(fig, "train (per batch)")
    assert len(raw.y) == len(batches) - 2 and all(math.isfinite(v) for v in raw.y)
    assert list(one(fig, "train (smoothed)").y) == pytest.approx(reference_ema(kept, 0.6))
    assert len(one(fig, "train (per batch)", "x2").y) == len(batches) - 1
    assert list(one(fig, "validation").y) == pytest.approx([1.6])
    fig.to_json()  # still serialisable for the browser


def test_layout_contract():
    fig = training_curves(scripted_events(), uirevision="run-42")
    assert fig.layout.uirevision == "run-42"
    assert fig.layout.transition.duration == 0
    assert fig.layout.height == 340
    assert fig.layout.xaxis.title.text == "Epoch" and fig.layout.xaxis2.title.text == "Epoch"
    assert fig.layout.yaxis.title.text == "Loss" and fig.layout.yaxis2.title.text == "Accuracy"
    # stable colours: training blue, validation orange, whatever order traces appear in
    for t in fig.data:
        color = t.line.color if t.mode == "lines" else t.marker.color
        assert color == (VAL_COLOR if t.name == "validation" else TRAIN_COLOR)
    # one legend entry per series; the accuracy copies share its legendgroup
    shown = [t.name for t in fig.data if t.showlegend is not False]
    assert sorted(shown) == sorted({t.name for t in fig.data})
    assert all(t.legendgroup == t.name for t in fig.data)
    # hover gives exact values
    assert "%{y:.4f}" in one(fig, "train (per batch)").hovertemplate


def test_faint_raw_and_bold_smoothed():
    fig = training_curves(scripted_events())
    raw, smooth = one(fig, "train (per batch)"), one(fig, "train (smoothed)")
    assert raw.opacity < 0.5 and raw.line.width < smooth.line.width


def test_smoothing_zero_is_identity():
    values = [3.0, 1.0, 4.0, 1.0, 5.0]
    assert list(ema(values, 0.0)) == pytest.approx(values)
    assert list(ema(values, 0.9)) == pytest.approx(reference_ema(values, 0.9))


def test_long_runs_are_thinned_but_keep_the_last_point():
    n, steps = 5000, 1000
    events = [{"type": "batch", "epoch": i // steps, "batch": i % steps + 1, "steps": steps, "epochs": 5,
               "batch_loss": 1.0 / (i + 1), "batch_accuracy": 0.5, "seen": i, "t": i} for i in range(n)]
    fig = training_curves(events, max_points=500)
    smooth = one(fig, "train (smoothed)")
    assert len(smooth.x) <= 500
    assert smooth.x[-1] == pytest.approx(5.0)
    full = reference_ema([1.0 / (i + 1) for i in range(n)], 0.6)
    assert smooth.y[-1] == pytest.approx(full[-1])  # smoothed on every point, then thinned


def test_missing_steps_uses_largest_batch_seen():
    events = [{"type": "batch", "epoch": 0, "batch": b, "batch_loss": 1.0} for b in (1, 2, 3, 4)]
    fig = training_curves(events)
    assert list(one(fig, "train (per batch)").x) == pytest.approx([0.25, 0.5, 0.75, 1.0])


def test_empty_input_gives_empty_curves():
    for fig in (training_curves([]), empty_curves()):
        assert sum(len(t.x) for t in fig.data) == 0  # no data, only the two subplots' frames
        assert {t.xaxis for t in fig.data} == {"x", "x2"}
        assert [a.text for a in fig.layout.annotations] == ["Press Train to start"]
        assert fig.layout.height == 340 and fig.layout.uirevision
        assert fig.layout.yaxis2.title.text == "Accuracy"


def test_events_without_metrics_say_waiting():
    fig = training_curves([{"type": "status", "stage": "loading", "message": "..."}])
    assert sum(len(t.x) for t in fig.data) == 0
    assert "Waiting" in fig.layout.annotations[0].text


def test_accuracy_axis_stays_within_0_and_100_percent_before_and_during_training():
    from synaptic_core.viz.curves import training_curves

    only_loss = [{"type": "batch", "epoch": 0, "batch": 1, "steps": 10, "epochs": 1, "loss": 2.0,
                  "batch_loss": 2.0, "accuracy": None, "batch_accuracy": None, "seen": 32, "t": 0.1}]
    for events in (only_loss, only_loss + [{"type": "batch", "epoch": 0, "batch": 2, "steps": 10, "epochs": 1,
                                             "loss": 1.9, "batch_loss": 1.8, "accuracy": 0.31,
                                             "batch_accuracy": 0.31, "seen": 64, "t": 0.2}]):
        fig = training_curves(events)
        lo, hi = fig.layout.yaxis2.range
        assert lo == 0 and 1 <= hi <= 1.05
