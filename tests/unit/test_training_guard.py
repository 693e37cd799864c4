"""The worker's own size check (training/guard.py): refused before any weight is allocated, with the
limits the runner handed the worker (its environment), and the exact count after building."""

from __future__ import annotations

import time

import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.training import TrainingError

from recording_sink import Sink

@pytest.mark.slow
def test_the_255m_dense_net_is_refused_in_the_worker_before_it_is_built(tmp_path, monkeypatch):
    import resource

    import keras  # noqa: F401 - imported before the measure: TensorFlow itself is a few hundred MB

    from synaptic_core.data import load_dataset
    from synaptic_core.training.train import train

    monkeypatch.delenv("SYNAPTIC_MAX_PARAMS", raising=False)
    spec = RunSpec().replace(dataset="mnist", model="mlp", hidden=(4096,) * 16, subset=100, epochs=1)
    load_dataset(spec)  # and the data, read once
    sink = Sink()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(TrainingError) as refused:
        train(spec, sink, tmp_path)
    assert time.monotonic() - t0 < 20
    assert refused.value.kind == "spec" and "254,976,010 parameters" in refused.value.message
    assert "model" not in {e["type"] for e in sink.events}  # nothing was built
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 300_000  # KiB: not the 1 GB of its weights


@pytest.mark.slow
def test_the_worker_follows_the_limits_in_its_environment(tmp_path, monkeypatch):
    from synaptic_core.models import size
    from synaptic_core.training.train import train

    spec = RunSpec().replace(dataset="circle", model="mlp", hidden=(64, 64), n_points=100, epochs=1)
    monkeypatch.setenv("SYNAPTIC_MAX_PARAMS", "1000")
    with pytest.raises(TrainingError, match=r"4,482 parameters, more than the limit of 1,000"):
        train(spec, Sink(), tmp_path / "a")
    monkeypatch.setattr(size, "TWINS", {})  # a builder with no estimate: the built model is counted instead
    sink = Sink()
    with pytest.raises(TrainingError, match="4,482 parameters"):
        train(spec, sink, tmp_path / "b")
    assert "model" not in {e["type"] for e in sink.events}  # refused before compile and fit
    monkeypatch.setenv("SYNAPTIC_MAX_PARAMS", "0")
    assert train(spec, Sink(), tmp_path / "c")["params"] == 4482
