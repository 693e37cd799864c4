"""The runs table (synaptic_core/runs/table.py), the owner checks (actions.py) and the ``runs`` CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from synaptic_core.identity import new_token, owner_id
from synaptic_core.jobs.policy import NotAllowed
from synaptic_core.presets import layered_spec
from synaptic_core.runs import actions, table
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore, labels

ROOT = Path(__file__).resolve().parents[2]


def _history(vals, key="val_accuracy"):
    return [{"epoch": i, "loss": 1.0 - v, key: v} for i, v in enumerate(vals)]


def _add(store, spec: RunSpec, owner="o-me", status="done", history=None, test=None, params=1234):
    run_id = store.create_run(spec, owner=owner)
    if status in ("done", "stopped", "failed"):
        store.set_result(run_id, {"history": history or [], "test": test or {}, "params": params, "epochs_run":
                                  len(history or []), "train_seconds": 3.5}, status=status)
    else:
        store.set_status(run_id, status)
    return run_id


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "runs.db")
    yield s
    s.close()


def test_changed_params_are_measured_from_the_dataset_and_model_starting_values():
    spec = layered_spec({"dataset": "airline", "model": "lstm"}).replace(lr=0.01, seed=3)
    assert table.changed_params(spec.as_dict()) == {"lr": 0.01, "seed": 3}  # not airline's own 67/33 split
    assert table.changed_params(layered_spec({"dataset": "mnist", "model": "cnn"}).as_dict()) == {}
    assert table.changed_text({"lr": 0.01, "hidden": [64, 32], "batch_norm": True}) == \
        "lr=0.01 · hidden=64, 32 · batch_norm=on"
    assert table.changed_words({"lr": 0.01, "batch_norm": True}) == "Learning rate 0.01 · Batch normalisation on"
    assert table.changed_words({}) == "the usual settings"


def test_best_and_last_follow_the_metric_direction():
    hist = _history([0.5, 0.9, 0.8])
    assert table.best_and_last(hist, "val_accuracy", True) == (0.9, 0.8)
    loss = [{"val_loss": v} for v in (0.7, float("nan"), 0.3, 0.4)]
    assert table.best_and_last(loss, "val_loss", False) == (0.3, 0.4)
    assert table.best_and_last([{"val_loss": None}], "val_loss", False) == (None, None)


def test_rows_of_a_classification_and_a_regression_run(store):
    a = _add(store, layered_spec({"dataset": "xor", "model": "mlp"}).replace(lr=0.05), history=_history([0.6, 0.9, 0.8]),
             test={"accuracy": 0.85, "loss": 0.3})
    s = _add(store, layered_spec({"dataset": "sine", "model": "lstm"}),
             history=[{"epoch": 0, "loss": 0.5, "val_loss": 0.4}, {"epoch": 1, "loss": 0.2, "val_loss": 0.25}],
             test={"loss": 0.2, "rmse": 3.0})
    labels.set_name(store, a, "fast lr")
    labels.set_tags(store, a, "sweep")
    rows = {r["run_id"]: r for r in table.list_rows(store, owner="o-me")}
    ra, rs = rows[a], rows[s]
    assert (ra["name"], ra["tags"], ra["metric"], ra["best"], ra["last"], ra["test_metric"]) == (
        "fast lr", ["sweep"], "accuracy", 0.9, 0.8, 0.85)
    assert ra["changed"] == {"lr": 0.05} and ra["model_title"] != "mlp" and ra["params"] == 1234
    assert ra["page"] == "app_pages/playground.py"
    assert (rs["metric"], rs["best"], rs["last"], rs["test_metric"]) == ("loss", 0.25, 0.25, 0.2)
    assert rs["page"] == "app_pages/time_series.py"


def test_a_running_run_takes_its_curve_from_the_epoch_events(store):
    run_id = _add(store, RunSpec().replace(dataset="xor"), status="running")
    store.add_events(run_id, [{"seq": 1, "type": "epoch", "epoch": 0, "val_accuracy": 0.7},
                              {"seq": 2, "type": "batch", "epoch": 1},
                              {"seq": 3, "type": "epoch", "epoch": 1, "val_accuracy": 0.6}])
    row = table.list_rows(store)[0]
    assert (row["status"], row["best"], row["last"], row["test"]) == ("running", 0.7, 0.6, None)


def test_only_the_owners_runs_are_listed(store):
    mine = _add(store, RunSpec())
    _add(store, RunSpec(), owner="o-other")
    assert [r["run_id"] for r in table.list_rows(store, owner="o-me")] == [mine]


def test_filter_sort_and_search():
    rows = [
        {"run_id": "r1", "name": "alpha", "dataset": "xor", "model": "mlp", "status": "done", "tags": ["a", "b"],
         "test_metric": 0.9, "higher_better": True, "created": 3.0, "changed_text": "lr=0.01"},
        {"run_id": "r2", "name": None, "dataset": "mnist", "model": "cnn", "status": "failed", "tags": ["a"],
         "test_metric": None, "higher_better": True, "created": 2.0, "changed_text": "defaults"},
        {"run_id": "r3", "name": "Beta", "dataset": "xor", "model": "mlp", "status": "done", "tags": [],
         "test_metric": 0.95, "higher_better": True, "created": 1.0, "changed_text": "lr=0.1"},
    ]
    ids = lambda rs: [r["run_id"] for r in rs]  # noqa: E731
    assert ids(table.filter_rows(rows, statuses=["done"], datasets=["xor"])) == ["r1", "r3"]
    assert ids(table.filter_rows(rows, tags=["a", "b"])) == ["r1"]
    assert ids(table.filter_rows(rows, search="LR=0.1")) == ["r3"]
    assert ids(table.filter_rows(rows, search="xor alpha")) == ["r1"]
    assert ids(table.sort_rows(rows)) == ["r1", "r2", "r3"]
    assert ids(table.sort_rows(rows, "test")) == ["r3", "r1", "r2"]  # best first, missing last
    assert ids(table.sort_rows(rows, "name")) == ["r1", "r3", "r2"]
    losses = [dict(r, higher_better=False) for r in rows]
    assert ids(table.sort_rows(losses, "test")) == ["r1", "r3", "r2"]  # a loss: lowest first
    with pytest.raises(ValueError):
        table.sort_rows(rows, "nope")


def test_csv_has_a_header_every_row_and_no_formulas():
    rows = [{"run_id": "r1", "name": "=HYPERLINK(\"x\")", "dataset": "xor", "model": "mlp", "status": "done",
             "changed": {"lr": 0.01}, "changed_text": "lr=0.01", "metric": "accuracy", "best": 0.91234567,
             "last": -0.5, "test_metric": None, "tags": ["a", "b"], "created_text": "2026-01-01 10:00"}]
    parsed = list(csv.DictReader(io.StringIO(table.csv_text(rows))))
    assert list(parsed[0]) == list(table.CSV_COLUMNS)
    assert parsed[0]["name"].startswith("'=") and parsed[0]["last"] == "-0.5" and parsed[0]["tags"] == "a;b"
    assert parsed[0]["best"] == "0.912346" and parsed[0]["test_metric"] == ""


def test_only_the_owner_may_rename_tag_or_delete(store):
    me, other = owner_id(new_token()), owner_id(new_token())
    run_id = _add(store, RunSpec(), owner=me)
    for by in (other, None, "", "cli"):
        with pytest.raises(NotAllowed):
            actions.rename(store, run_id, "mine now", by)
        with pytest.raises(NotAllowed):
            actions.tag(store, run_id, "x", by)
        with pytest.raises(NotAllowed):
            actions.delete(store, run_id, by)
    assert store.get_run(run_id) and labels.labels_of(store, [run_id]) == {}
    assert actions.rename(store, run_id, " ok ", me) == "ok" and actions.tag(store, run_id, "x", me) == ["x"]
    assert actions.delete(store, run_id, me) and store.get_run(run_id) is None
    with pytest.raises(KeyError):
        actions.rename(store, run_id, "gone", me)
    legacy = _add(store, RunSpec(), owner=None)  # CLI/benchmark runs: nobody controls them from a browser
    assert not actions.may_change(store.get_run(legacy), me)


def test_train_again_picks_an_unused_seed():
    spec = RunSpec().replace(dataset="xor", lr=0.05, seed=1)
    run = {"spec": spec.as_dict()}
    siblings = [{"spec": spec.replace(seed=s).as_dict()} for s in (2, 3)] + [{"spec": spec.replace(seed=4, lr=0.1).as_dict()}]
    again = actions.another_seed(run, siblings)
    assert again.seed == 4 and again.replace(seed=1) == spec  # 4 is free for this spec: the lr=0.1 run differs
    assert actions.next_seed(2**31 - 1, []) == 2**31 - 1


def run_cli(*args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "synaptic_core", "runs", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_runs_cli_json_contract_and_filters(tmp_path):
    db = tmp_path / "runs.db"
    store = RunStore(db)
    token = new_token()
    a = _add(store, layered_spec({"dataset": "xor"}).replace(lr=0.05), owner=owner_id(token), history=_history([0.7, 0.8]),
             test={"accuracy": 0.75, "loss": float("nan")})
    b = _add(store, RunSpec().replace(dataset="circle"), owner="cli", status="failed")
    labels.set_tags(store, a, "keep")
    store.close()

    out = run_cli("--json", "--db", str(db))
    assert out.returncode == 0, out.stderr
    runs = {r["run_id"]: r for r in json.loads(out.stdout)}
    assert set(runs) == {a, b}
    for key in ("run_id", "dataset", "model", "status", "params", "test"):
        assert key in runs[a]
    assert runs[a]["test"] == {"accuracy": 0.75, "loss": None}  # NaN as null: strict JSON
    assert (runs[a]["dataset"], runs[a]["status"], runs[a]["params"], runs[a]["tags"]) == ("xor", "done", 1234, ["keep"])
    assert runs[a]["changed"] == {"lr": 0.05} and runs[a]["best"] == 0.8

    def ids(*args, env=None):
        res = run_cli("--json", "--db", str(db), *args, env=env)
        assert res.returncode == 0, res.stderr
        return [r["run_id"] for r in json.loads(res.stdout)]

    assert ids("--status", "failed") == [b]
    assert ids("--dataset", "xor") == [a]
    assert ids("--tag", "keep") == [a]
    assert ids("--owner", "cli") == [b]
    assert ids(env={"SYNAPTIC_TOKEN": token}) == [a]
    assert len(ids("--limit", "1")) == 1
    text = run_cli("--db", str(db))
    assert text.returncode == 0 and a in text.stdout and "lr=0.05" in text.stdout
    bad = run_cli("--db", str(db), env={"SYNAPTIC_TOKEN": "short"})
    assert bad.returncode == 2 and "not an owner token" in bad.stderr
