"""summarize_progress: stage, position, fraction, ETA and throughput from a scripted event list."""

from __future__ import annotations

import pytest

from synaptic_core.training.progress import Progress, format_duration, summarize_progress

STEPS, EPOCHS, BATCH = 10, 2, 32


def batch_event(ep, b, first_t=1.0, dt=0.1, loss=0.5):
    """Global step g = ep*STEPS + b; the first batch ends at `first_t` (tracing), then `dt` per batch."""
    g = ep * STEPS + b
    return {"type": "batch", "epoch": ep, "batch": b, "steps": STEPS, "epochs": EPOCHS,
            "loss": loss, "batch_loss": loss, "accuracy": 0.8, "batch_accuracy": 0.8,
            "seen": BATCH * g, "t": first_t + dt * (g - 1)}


def prelude():
    return [{"type": "status", "stage": "loading", "message": "MNIST"},
            {"type": "status", "stage": "building", "message": ""},
            {"type": "status", "stage": "training", "message": ""}]


def test_before_any_batch():
    assert summarize_progress([]).text() == "Starting…"
    assert summarize_progress([]).stage == "starting"
    assert summarize_progress(prelude()[:1]).text() == "Loading data…"
    assert summarize_progress(prelude()[:2]).text() == "Building model…"
    p = summarize_progress(prelude(), epochs=5)
    assert p.text() == "Starting…"
    assert (p.fraction, p.eta_s, p.samples_per_s, p.epoch, p.epochs) == (0.0, None, None, 0, 5)
    assert summarize_progress(prelude()[:1]).message == "MNIST"


def test_mid_epoch_arithmetic():
    events = prelude() + [batch_event(0, b) for b in range(1, 8)]  # 7 of 20 steps, t = 1.0 .. 1.6
    p = summarize_progress(events)
    assert (p.stage, p.epoch, p.epochs, p.batch, p.steps) == ("training", 1, 2, 7, 10)
    assert p.fraction == pytest.approx(7 / 20)
    assert p.elapsed_s == pytest.approx(1.6)
    # rate measured from the first batch on (its tracing time left out): 6 steps in 0.6 s
    assert p.eta_s == pytest.approx(13 / 10)
    assert p.samples_per_s == pytest.approx(6 * BATCH / 0.6)
    assert p.text() == "Epoch 1/2 · batch 7/10 · 1.6 s elapsed · ETA 1 s · 320 samples/s"


def test_epoch_end_counts_validation_time_in_the_rate():
    events = prelude() + [batch_event(0, b) for b in range(1, 11)]
    events.append({"type": "epoch", "epoch": 0, "epochs": EPOCHS, "loss": 0.4, "accuracy": 0.9,
                   "val_loss": 0.45, "val_accuracy": 0.88, "lr": 1e-3, "t": 2.5})
    p = summarize_progress(events)
    assert (p.epoch, p.batch, p.fraction) == (1, 10, 0.5)
    assert p.elapsed_s == pytest.approx(2.5)
    assert p.eta_s == pytest.approx(10 / (9 / 1.5))  # 9 steps in 1.5 s since the first batch
    assert (p.last_val_loss, p.last_val_accuracy) == (0.45, 0.88)
    events.append(batch_event(1, 3, first_t=1.9))  # next epoch moves the position on
    p = summarize_progress(events)
    assert (p.epoch, p.batch, p.fraction) == (2, 3, pytest.approx(13 / 20))


def test_single_batch_has_no_eta_yet():
    p = summarize_progress([batch_event(0, 1, first_t=2.0)])
    assert p.eta_s is None
    assert p.samples_per_s == pytest.approx(BATCH / 2.0)
    assert "ETA" not in p.text()


def test_large_rates_get_thousands_separators_and_planned_epochs_fill_in():
    events = [{"type": "batch", "epoch": 0, "batch": b, "steps": 79, "seen": 1000 * b, "t": 0.3 * b}
              for b in (1, 37)]
    p = summarize_progress(events, epochs=5)
    assert p.epochs == 5
    assert p.fraction == pytest.approx(37 / (5 * 79))
    assert p.text().startswith("Epoch 1/5 · batch 37/79 · 11.1 s elapsed · ETA ")
    assert p.text().endswith(" · 3,333 samples/s")


def test_nan_loss_is_reported_as_missing():
    p = summarize_progress([batch_event(0, 1, loss=float("nan"))])
    assert p.last_loss is None and p.last_accuracy == 0.8


def test_end_states():
    run = prelude() + [batch_event(0, b) for b in range(1, 5)]
    stopped = run + [{"type": "stopped", "epoch": 0, "batch": 4}]
    p = summarize_progress(stopped)
    assert p.stage == "stopped" and p.eta_s is None
    assert p.text().startswith("Stopped at epoch 1/2 · batch 4/10")
    evaluating = stopped + [{"type": "status", "stage": "evaluating", "message": ""}]
    assert summarize_progress(evaluating).text() == "Evaluating on the test set…"
    assert summarize_progress(evaluating + [{"type": "result", "stopped": True}]).stage == "stopped"
    done = run + [{"type": "result", "stopped": False}]
    p = summarize_progress(done)
    assert (p.stage, p.fraction) == ("done", 1.0)
    assert p.text().startswith("Done · 1 epoch · 1.3 s")
    p = summarize_progress(run + [{"type": "error", "kind": "nan", "message": "loss became NaN"}])
    assert p.stage == "error" and p.text() == "Error: loss became NaN"


def test_format_duration():
    assert format_duration(12.34) == "12.3 s"
    assert format_duration(18.2, precise=False) == "18 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(3720) == "1 h 02 min"
    assert isinstance(summarize_progress([]), Progress)
