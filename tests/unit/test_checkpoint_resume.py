"""Checkpoints every epoch and resume from the last one (issue 11): train() in this process.

A run is "interrupted" by a sink that raises in the middle of its second epoch (as a killed
process would stop): the checkpoint of epoch 1 is on disk. Training the same spec in the same
folder again continues from there, and the result reads as one run of all its epochs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from synaptic_core.specs import RunSpec

from recording_sink import Sink as RecordingSink

SPEC = RunSpec().replace(dataset="circle", model="mlp", hidden=(8,), n_points=200, epochs=3, batch_size=20,
                         validation_split=0.0, seed=3)


class Interrupted(Exception):
    pass


class Sink(RecordingSink):
    """Records copies of the events; with ``stop_at_epoch``, raises at that epoch's first batch (a killed process)."""

    def __init__(self, stop_at_epoch: int | None = None):
        super().__init__()
        self.stop_at_epoch = stop_at_epoch

    def emit(self, event: dict) -> None:
        if self.stop_at_epoch is not None and event["type"] == "batch" and event["epoch"] == self.stop_at_epoch:
            raise Interrupted("the server went away")
        super().emit(dict(event))


@pytest.mark.slow
def test_an_interrupted_run_resumes_from_its_last_epoch(tmp_path, monkeypatch):
    from synaptic_core.training import checkpoint
    from synaptic_core.training.train import train

    monkeypatch.setenv("SYNAPTIC_CHECKPOINT_SECONDS", "0")  # every epoch, however short

    first = Sink(stop_at_epoch=1)
    with pytest.raises(Interrupted):
        train(SPEC, first, tmp_path)
    latest = json.loads((tmp_path / "checkpoint" / "latest.json").read_text())
    assert latest["epoch"] == 1 and [h["epoch"] for h in latest["history"]] == [0]
    assert checkpoint.saved_epoch(tmp_path) == 1 and checkpoint.saved_epoch(tmp_path / "none") is None
    assert [e["epoch"] for e in first.of("epoch")] == [0]

    second = Sink()
    result = train(SPEC, second, tmp_path)
    assert any("Resuming after epoch 1" in e.get("message", "") for e in second.of("status"))
    assert [e["epoch"] for e in second.of("epoch")] == [1, 2]  # epochs 2 and 3 only, numbered on
    assert result["epochs_run"] == SPEC.epochs and [h["epoch"] for h in result["history"]] == [0, 1, 2]
    assert result["history"][0]["loss"] == pytest.approx(first.of("epoch")[0]["loss"])
    assert result["history"][1]["loss"] == pytest.approx(second.of("epoch")[0]["loss"])
    assert not (tmp_path / "checkpoint").exists()  # complete: the model file is the result
    assert (tmp_path / "model.keras").exists()


@pytest.mark.slow
def test_quick_epochs_are_not_each_saved(tmp_path, monkeypatch):
    """Epochs shorter than the checkpoint interval are saved at most once per interval: with a
    long interval, a run interrupted after two quick epochs has no checkpoint at all; with the
    default (2 s), a run of quick epochs writes fewer checkpoints than it has epochs."""
    from synaptic_core.training import checkpoint
    from synaptic_core.training.train import train

    saves: list[int] = []
    real_save = checkpoint.save
    monkeypatch.setattr(checkpoint, "save", lambda model, workdir, n, history: saves.append(n) or
                        real_save(model, workdir, n, history))
    monkeypatch.setenv("SYNAPTIC_CHECKPOINT_SECONDS", "3600")
    with pytest.raises(Interrupted):
        train(SPEC.replace(epochs=4), Sink(stop_at_epoch=2), tmp_path / "long")
    assert saves == [] and checkpoint.saved_epoch(tmp_path / "long") is None

    monkeypatch.delenv("SYNAPTIC_CHECKPOINT_SECONDS")
    assert checkpoint.every_seconds() == checkpoint.EVERY_SECONDS == 2.0
    train(SPEC.replace(epochs=12), Sink(), tmp_path / "default")  # 12 epochs of 5 steps: well under 2 s each
    assert len(saves) < 12


def test_checkpoint_interval_from_the_environment(monkeypatch):
    from synaptic_core.training import checkpoint

    for text, value in (("0", 0.0), ("5", 5.0), ("-1", 2.0), ("nan", 2.0), ("soon", 2.0), ("", 2.0)):
        monkeypatch.setenv("SYNAPTIC_CHECKPOINT_SECONDS", text)
        assert checkpoint.every_seconds() == value, text


@pytest.mark.slow
def test_checkpoint_keeps_weights_and_optimizer_state(tmp_path):
    import keras

    from synaptic_core.training import checkpoint

    def model():
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
        m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return m

    a = model()
    a.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=2, batch_size=4, verbose=0)
    checkpoint.save(a, tmp_path, 2, [{"epoch": 0}, {"epoch": 1}])
    b = model()
    resume = checkpoint.restore(b, tmp_path)
    assert resume == checkpoint.Resume(2, [{"epoch": 0}, {"epoch": 1}])
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert int(b.optimizer.iterations.numpy()) == 4  # Adam's step count (and moments) carried over
    for va, vb in zip(a.optimizer.variables, b.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))

    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="does not fit"):
        checkpoint.restore(other, tmp_path)
    assert checkpoint.restore(model(), tmp_path / "fresh") is None
    (tmp_path / "checkpoint" / "latest.json").write_text("{broken")
    with pytest.raises(ValueError, match="unreadable"):
        checkpoint.restore(model(), tmp_path)
