"""Serving a toy run trained on other input features: the endpoint takes a point [x1, x2] and computes
the run's features as training did, so the answer equals the saved model on the training pipeline's inputs."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from serving_runs import train_into
from synaptic_core.data import load_dataset
from synaptic_core.data.toy import feature_matrix
from synaptic_core.serving import create_app
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore

SPEC = RunSpec().replace(dataset="circle", model="logreg", epochs=1, batch_size=32, n_points=200,
                         features=("x1sq", "x2sq", "sin_x1"))


def test_a_point_is_turned_into_the_runs_features(tmp_path):
    import keras

    store = RunStore(tmp_path / "runs.db")
    run_id = train_into(store, SPEC, None)
    ds = load_dataset(SPEC)
    points = ds.extra["points_test"][:6]
    assert np.array_equal(feature_matrix(points, SPEC.features), ds.x_test[:6])
    model = keras.saving.load_model(store.get_run(run_id)["result"]["model_path"], compile=False)
    expected = np.asarray(model(ds.x_test[:6], training=False))
    with TestClient(create_app(store)) as client:
        r = client.post(f"/v1/runs/{run_id}/predict", json={"inputs": points.tolist()})
        assert r.status_code == 200, r.text
        got = np.array([list(o["probabilities"].values()) for o in r.json()["outputs"]])
        np.testing.assert_allclose(got, expected, atol=1e-5)
        bad = client.post(f"/v1/runs/{run_id}/predict", json={"inputs": [[1.0, 2.0, 3.0]]})
        assert bad.status_code == 422 and "[x1, x2]" in bad.text  # a point, not the features
    store.close()
