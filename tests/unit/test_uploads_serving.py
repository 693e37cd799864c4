"""A run trained on an uploaded CSV answers predictions from raw column values, transformed as in training.

Real (tiny) runs on a classification CSV with text columns and missing values (filled) and on a
regression CSV are trained into a temporary store; the API's answers for the raw test rows must
equal the saved model applied to the features training itself produced, and a regression's
answer is in the target's units (the run's own reported predictions).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from fastapi.testclient import TestClient

from serving_runs import train_into
from uploadfiles import classification_csv, regression_csv

pytestmark = pytest.mark.slow  # two real (tiny) trainings, about 30 s on 2 cores


def _with_gaps(data: bytes) -> bytes:
    """Some empty height (number) and colour (text) cells."""
    lines = data.decode().splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if i % 9 == 0:
            cells[0] = ""
        if i % 7 == 3:
            cells[2] = ""
        out.append(",".join(cells))
    return ("\n".join(out) + "\n").encode()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from synaptic_core.data.uploads import ingest_csv
    from synaptic_core.presets import layered_spec
    from synaptic_core.serving import create_app
    from synaptic_core.store import RunStore

    home = tmp_path_factory.mktemp("upload-serving")
    before = os.environ.get("SYNAPTIC_HOME")
    os.environ["SYNAPTIC_HOME"] = str(home)
    try:
        store = RunStore(home / "runs.db")
        table = ingest_csv(_with_gaps(classification_csv(120)), "plants.csv", target="species", missing="fill")
        reg = ingest_csv(regression_csv(120), "prices.csv", target="price")
        specs = {"clf": layered_spec({"dataset": table.name, "epochs": 2, "seed": 4}),
                 "reg": layered_spec({"dataset": reg.name, "epochs": 3, "seed": 2, "subset": 70})}
        ids = {k: train_into(store, spec, None) for k, spec in specs.items()}
        with TestClient(create_app(store)) as client:
            yield client, store, ids, specs
        store.close()
    finally:
        if before is None:
            os.environ.pop("SYNAPTIC_HOME", None)
        else:
            os.environ["SYNAPTIC_HOME"] = before


def raw_test_rows(spec) -> list[dict]:
    """The run's raw test rows (numbers as floats, gaps as None), as a client would send them."""
    from synaptic_core.data.uploads.csv_table import _split_features
    from synaptic_core.data.uploads.hooks import stored_table

    frame, plan = stored_table(spec.dataset)
    features, _, _, te = _split_features(frame, plan, spec.seed)
    rows = features.iloc[te].to_dict("records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in rows]


def model_out(store, run_id: str, x: np.ndarray) -> np.ndarray:
    import keras

    model = keras.saving.load_model(store.get_run(run_id)["result"]["model_path"], compile=False)
    return np.asarray(model(x, training=False))


def test_classification_rows_by_column_name_match_the_training_features(served):
    from synaptic_core.data import load_dataset

    client, store, ids, specs = served
    rows = raw_test_rows(specs["clf"])
    assert any(v is None for r in rows for v in r.values())  # gaps are filled as in training
    ds = load_dataset(specs["clf"])
    expected = model_out(store, ids["clf"], ds.x_test)
    r = client.post(f"/v1/runs/{ids['clf']}/predict", json={"inputs": rows})
    assert r.status_code == 200, r.text
    outputs = r.json()["outputs"]
    assert list(outputs[0]["probabilities"]) == ["short", "tall"]
    got = np.array([list(o["probabilities"].values()) for o in outputs])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # an array in the CSV's column order, and a whole CSV row (with its target) work too
    order = ["height", "weight", "colour"]  # the CSV's feature columns, target left out
    r = client.post(f"/v1/runs/{ids['clf']}/predict",
                    json={"inputs": [[row[c] for c in order] for row in rows[:3]] + [{**rows[0], "species": "tall"}]})
    assert r.status_code == 200, r.text
    got = np.array([list(o["probabilities"].values()) for o in r.json()["outputs"]])
    np.testing.assert_allclose(got, np.concatenate([expected[:3], expected[:1]]), atol=1e-5)


def test_regression_answers_in_the_targets_units(served):
    client, store, ids, specs = served
    rows = raw_test_rows(specs["reg"])
    result = store.get_run(ids["reg"])["result"]
    r = client.post(f"/v1/runs/{ids['reg']}/predict", json={"inputs": rows})
    assert r.status_code == 200, r.text
    values = [o["value"] for o in r.json()["outputs"]]
    assert r.json()["outputs"][0]["target"] == "price"
    np.testing.assert_allclose(values, result["regression"]["y_pred"], rtol=1e-5)  # what training reported
    assert 80 < np.mean(values) < 120  # the prices' own units (about 100), not the scaled target


@pytest.mark.parametrize("change,words", [
    (lambda row: {k: v for k, v in row.items() if k != "weight"}, "missing weight"),
    (lambda row: {**row, "shoe_size": 43}, "unknown shoe_size"),
    (lambda row: {**row, "colour": "purple"}, "'blue', 'green', 'red'"),
    (lambda row: {**row, "colour": 3}, "is not one of"),
    (lambda row: {**row, "height": "tall"}, "expected a finite number"),
    (lambda row: {**row, "height": True}, "expected a finite number"),
    (lambda row: [1.0, 2.0], "needs 3 values"),
    (lambda row: "a row", "object keyed by column name"),
])
def test_bad_rows_are_422_naming_the_column(served, change, words):
    client, _, ids, _ = served
    row = {"height": 0.5, "weight": -1.0, "colour": "red"}
    r = client.post(f"/v1/runs/{ids['clf']}/predict", json={"inputs": [change(row)]})
    assert r.status_code == 422 and words in r.json()["detail"], r.text


def test_missing_values_are_filled_only_where_training_filled_them(served):
    client, _, ids, _ = served
    r = client.post(f"/v1/runs/{ids['clf']}/predict", json={"inputs": [{"height": None, "weight": 1.0, "colour": None}]})
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/runs/{ids['reg']}/predict",
                    json={"inputs": [{"x1": None, "x2": 0.0, "x3": 0.0, "kind": "a"}]})
    assert r.status_code == 422 and "dropped rows with missing values" in r.json()["detail"], r.text


def test_the_transform_is_the_one_training_used():
    """Serving refits ``TableTransform`` on the same training rows: the same features, bit for bit."""
    from synaptic_core.data.uploads import parse_csv, plan_table
    from synaptic_core.data.uploads.csv_table import _split_features, table_arrays, table_transform

    parsed = parse_csv(_with_gaps(classification_csv(80)))
    plan = plan_table(parsed, "species", "fill")
    x_tr, y_tr, x_te, _, names = table_arrays(parsed.frame, plan, seed=5)
    transform, y_fit = table_transform(parsed.frame, plan, seed=5)
    features, _, _, te = _split_features(parsed.frame, plan, seed=5)
    assert transform.names == names and np.array_equal(y_fit, y_tr)
    assert np.array_equal(transform.apply(features.iloc[te]), x_te)
