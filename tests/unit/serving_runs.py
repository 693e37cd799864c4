"""Real (tiny) runs written into a temporary store, for the serving tests: one epoch each, seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synaptic_core.identity import new_token, owner_id
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore

from recording_sink import Sink

SPECS = {
    "toy": RunSpec().replace(dataset="xor", model="mlp", hidden=(8,), epochs=1, batch_size=32, n_points=200),
    "image": RunSpec().replace(dataset="mnist", model="mlp", hidden=(16,), epochs=1, subset=512, batch_size=64),
    "tabular": RunSpec().replace(dataset="churn", model="mlp", hidden=(8,), epochs=1, subset=500, seed=3),
    "text": RunSpec().replace(dataset="sentences", model="mlp", hidden=(8,), epochs=1, vocab_size=300, seq_len=16,
                              subset=300),
    "series": RunSpec().replace(dataset="sine", model="mlp", hidden=(8,), epochs=1, n_points=120, look_back=5,
                                horizon=3),
    "chars": RunSpec().replace(dataset="shakespeare", model="rnn", units=8, embed_dim=8, epochs=1, seq_len=10,
                               stride=50, subset=300),
}


def train_into(store: RunStore, spec: RunSpec, owner: str | None) -> str:
    """Train ``spec`` for real into the store's artifacts folder, as the job runner would; returns the run id."""
    from synaptic_core.training.train import train  # the function (the package attribute becomes the module once imported)

    run_id = store.create_run(spec, owner=owner, status="running")
    sink = Sink()
    result = train(spec, sink, store.artifacts_dir(run_id))
    store.add_events(run_id, [{**e, "seq": i + 1} for i, e in enumerate(sink.events) if e["type"] != "batch"])
    store.set_result(run_id, {**result, "run_id": run_id}, status="done")
    return run_id


def make_store(home: Path, kinds: tuple[str, ...]) -> tuple[RunStore, str, dict[str, str]]:
    """A store with one finished run per kind, owned by a fresh token; returns (store, token, ids)."""
    store = RunStore(home / "runs.db")
    token = new_token()
    ids = {kind: train_into(store, SPECS[kind], owner_id(token)) for kind in kinds}
    return store, token, ids
