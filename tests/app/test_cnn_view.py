"""AppTest: the Playground's "Inside the CNN" view for a finished convolutional run.

A tiny CNN (two conv blocks) is really trained for one epoch on 256 bundled MNIST images and
saved; the run's events and result point at it. Opening the expander shows the picked test
image's prediction and the saliency map; the other tabs show every conv layer's maps and the
first layer's kernels. A dense run has no such view.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.specs import RunSpec

PAGE = "app_pages/playground.py"
SPEC = RunSpec().replace(dataset="mnist", model="cnn", filters=(4, 6), hidden=(8,), kernel=3, dropout=0.0,
                         batch_norm=True, source="bundled")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, list[dict]]:
    import keras

    from synaptic_core.data import load_dataset
    from synaptic_core.models import build_model, model_summary

    ds = load_dataset(SPEC.replace(subset=256))
    keras.utils.set_random_seed(0)
    model = build_model(SPEC, ds.input_shape, ds.n_classes)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(ds.x_train, ds.y_train, epochs=1, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("cnn-run") / "model.keras"
    model.save(path)
    return path, model_summary(model)


def _result(path: Path) -> dict:
    return {"run_id": "c1", "dataset": "mnist", "source": "bundled", "source_label": "MNIST — bundled sample",
            "n_train": 256, "n_test": 10000, "model": "cnn", "params": 1000, "epochs_run": 1, "history": [],
            "test": {"loss": 1.0, "accuracy": 0.6}, "train_seconds": 2.0, "samples_per_second": 100.0,
            "stopped": False, "class_names": [str(d) for d in range(10)], "model_path": str(path)}


def _charts(at) -> dict[str, dict]:
    return {c.proto.id: json.loads(c.proto.spec)
            for c in at.get("plotly_chart")}


def _array(value) -> np.ndarray:
    """A Plotly array as the spec carries it: a list, or a typed-array dict {dtype, bdata, shape}."""
    if isinstance(value, dict):
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return arr.reshape([int(s) for s in str(shape).split(",")]) if shape else arr
    return np.asarray(value)


def _has(at, key: str) -> bool:
    return any(key in chart_id for chart_id in _charts(at))


@pytest.mark.slow
def test_inside_the_cnn_shows_saliency_maps_per_layer_and_kernels(open_app, runner, trained):
    path, summary = trained
    runner.add_run("c1", "done", [{"type": "model", "params": 1000, "summary": summary}], result=_result(path),
                   spec=SPEC)
    at = open_app(PAGE, run="c1")
    assert not at.exception
    assert any(e.label.startswith("Inside the CNN") for e in at.expander)
    assert not _has(at, "cnn_saliency_chart")  # nothing computed until it is opened

    at.session_state["cnn_open"] = True
    at.run()
    assert not at.exception, at.exception
    assert _has(at, "cnn_saliency_chart") and _has(at, "cnn_top_chart") and not _has(at, "cnn_maps_chart_0")
    assert any("True class" in m.value for m in at.markdown)
    spec = next(v for k, v in _charts(at).items() if "cnn_saliency_chart" in k)
    z = _array(next(t for t in spec["data"] if t.get("name") == "saliency")["z"])
    assert z.shape == (28, 28) and np.nanmax(np.abs(z)) == pytest.approx(1.0)

    assert any("integrated gradients" in c.value for c in at.caption)  # the default method
    at.radio(key="cnn_method").set_value("SmoothGrad").run()
    assert not at.exception and any("SmoothGrad" in c.value for c in at.caption)

    at.number_input(key="cnn_image").set_value(3).run()
    at.session_state["cnn_why_tab"] = "Activation maps"
    at.run()
    assert not at.exception
    assert _has(at, "cnn_maps_chart_0") and _has(at, "cnn_maps_chart_1") and not _has(at, "cnn_maps_chart_2")
    assert any("block2" in m.value and "channels" in m.value for m in at.markdown)

    at.session_state["cnn_why_tab"] = "First-layer kernels"
    at.run()
    assert not at.exception and _has(at, "cnn_kernels_chart")


def test_a_dense_run_has_no_cnn_view(open_app, runner, tmp_path):
    summary = [{"name": "predictions", "type": "Dense", "output_shape": "10", "params": 7850}]
    runner.add_run("d1", "done", [{"type": "model", "params": 7850, "summary": summary}],
                   result=_result(tmp_path / "none.keras"), spec=SPEC.replace(model="mlp"))
    at = open_app(PAGE, run="d1")
    assert not at.exception
    assert not any(e.label.startswith("Inside the CNN") for e in at.expander)
