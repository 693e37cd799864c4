"""AppTest of the draw-a-digit page, with drawings injected through the canvas adapter.

AppTest cannot drive the canvas component, so each test replaces ``ui.canvas.draw_canvas``
(the page looks it up on the module at every run). The models are real Keras files built
here in a second: a small CNN whose output is fixed by its last layer's bias (certain "3",
or torn between 3 and 5), loaded through the page's real path (``DigitReader``, tf.function,
``st.cache_resource``). One test reads a synthetic pen-drawn 3 with the shipped model itself.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

import ui.canvas
from synaptic_core.digits import reader as readers
from synaptic_core.digits.handwriting import Writer, draw_digit
from synaptic_core.digits.preprocess import preprocess
from synaptic_core.specs import RunSpec

DRAW = "app_pages/draw.py"


def _model(path: Path, bias: np.ndarray) -> Path:
    import keras

    model = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax",  # tiny weights: the answer hardly depends on the drawing
                           kernel_initializer=keras.initializers.RandomNormal(stddev=0.01, seed=1),
                           bias_initializer=keras.initializers.Constant(bias)),
    ])
    model.save(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("digit-models")
    sure, torn = np.zeros(10), np.zeros(10)
    sure[3] = 8.0  # P(3) ~ 0.997
    torn[3], torn[5] = 2.0, 1.9  # P(3) ~ 0.34, P(5) ~ 0.31
    return {"sure3": _model(folder / "sure3.keras", sure), "torn": _model(folder / "torn.keras", torn)}


@pytest.fixture
def three() -> np.ndarray:
    rng = np.random.default_rng(1_000_003)
    return draw_digit(3, Writer.random(rng), rng)


class FakeCanvas(list):
    """Stands in for ``ui.canvas.draw_canvas``: returns ``image``, records each call's (stroke_width, key)."""

    image: np.ndarray | None = None

    def __call__(self, stroke_width: int, key: str) -> np.ndarray | None:
        self.append((stroke_width, key))
        return self.image


@pytest.fixture
def canvas_calls(monkeypatch) -> FakeCanvas:
    fake = FakeCanvas()
    monkeypatch.setattr(ui.canvas, "draw_canvas", fake)
    return fake


def _open(open_app, monkeypatch, canvas_calls, image, model: Path, **kw):
    monkeypatch.setattr(readers, "SHIPPED_MODEL", model)
    canvas_calls.image = image
    at = open_app(DRAW, **kw)
    assert not at.exception, at.exception
    return at


def _charts(at) -> dict[str, dict]:
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _array(value) -> np.ndarray:
    """A Plotly array as the spec carries it: a list, or a typed-array dict {dtype, bdata, shape}."""
    if isinstance(value, dict):
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return arr.reshape([int(s) for s in str(shape).split(",")]) if shape else arr
    return np.asarray(value)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_drawn_three_shows_the_prediction_the_chart_and_what_the_model_sees(open_app, monkeypatch, canvas_calls,
                                                                               models, three):
    at = _open(open_app, monkeypatch, canvas_calls, three, models["sure3"])
    assert not at.error and not at.warning
    metrics = _metrics(at)
    assert metrics["Prediction"] == "3" and metrics["Confidence"].startswith("99.")
    charts = _charts(at)
    assert {"draw_probs_chart", "draw_input_chart"} <= set(charts)
    bars = charts["draw_probs_chart"]["data"][0]
    probs = _array(bars["y"])
    assert probs.argmax() == 3 and probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert _array(bars["marker"]["color"])[3] != _array(bars["marker"]["color"])[0]  # the winner stands out
    seen = _array(charts["draw_input_chart"]["data"][0]["z"])
    # the page shows exactly what the model reads
    np.testing.assert_array_equal(seen, preprocess(three).reshape(28, 28))
    assert canvas_calls[-1] == (at.slider(key="draw_pen").value, "draw_canvas")
    assert "draw_saliency_chart" not in charts  # explanations wait to be opened


@pytest.mark.parametrize("image", [None, "black"])
def test_a_blank_canvas_asks_for_a_drawing(open_app, monkeypatch, canvas_calls, models, image):
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255  # what the canvas returns after its reset button
    at = _open(open_app, monkeypatch, canvas_calls, None if image is None else blank, models["sure3"])
    assert not at.error and not at.metric
    assert any("Draw a digit" in i.value for i in at.info)
    assert "draw_probs_chart" not in _charts(at)


def test_an_unsure_model_says_so_and_names_the_two_best_candidates(open_app, monkeypatch, canvas_calls, models,
                                                                   three):
    at = _open(open_app, monkeypatch, canvas_calls, three, models["torn"])
    assert _metrics(at)["Prediction"] == "3 or 5?"
    warning = " ".join(w.value for w in at.warning)
    assert "Not sure" in warning and "a 3 (" in warning and "a 5 (" in warning


def test_pen_width_goes_to_the_canvas(open_app, monkeypatch, canvas_calls, models, three):
    at = _open(open_app, monkeypatch, canvas_calls, three, models["sure3"])
    at.slider(key="draw_pen").set_value(36).run()
    assert canvas_calls[-1] == (36, "draw_canvas")


def test_why_panel_computes_saliency_and_feature_maps_only_when_shown(open_app, monkeypatch, canvas_calls, models,
                                                                      three):
    """The draw page shows the Playground's CNN view (ui.cnn_view) for the drawing; only the open tab computes."""
    import synaptic_core.explain as shared

    calls = {"saliency": 0, "maps": 0}
    real_saliency, real_maps = shared.integrated_gradients, shared.activation_maps

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(shared, "integrated_gradients", counted("saliency", real_saliency))
    monkeypatch.setattr(shared, "activation_maps", counted("maps", real_maps))
    at = _open(open_app, monkeypatch, canvas_calls, three, models["sure3"])
    assert calls == {"saliency": 0, "maps": 0}

    at.session_state["draw_why"] = True  # open "Why this answer?": its first tab is the saliency map
    at.run()
    assert not at.exception
    charts = _charts(at)
    assert "draw_saliency_chart" in charts and "draw_maps_chart_0" not in charts
    assert calls == {"saliency": 1, "maps": 0}
    sal = next(t for t in charts["draw_saliency_chart"]["data"] if t.get("name") == "saliency")
    z = _array(sal["z"])
    assert z.shape == (28, 28) and np.abs(z).max() == pytest.approx(1.0)

    at.session_state["draw_why_tab"] = "Activation maps"
    at.run()
    charts = _charts(at)
    assert "draw_maps_chart_0" in charts and "draw_saliency_chart" not in charts
    assert calls == {"saliency": 1, "maps": 1}
    assert _array(charts["draw_maps_chart_0"]["data"][0]["customdata"]).max() == 3  # 4 filters: 0..3


def test_a_playground_mnist_run_can_read_and_be_compared(open_app, monkeypatch, canvas_calls, runner, models, three):
    result = {"dataset": "mnist", "model": "cnn", "class_names": [str(d) for d in range(10)],
              "test": {"loss": 0.1, "accuracy": 0.985}, "model_path": str(models["torn"])}
    cnn = RunSpec().replace(model="cnn")
    runner.add_run("run-a", "done", result=result, owner="me", spec=cnn)
    runner.add_run("run-other", "done", result=result, owner="someone else", spec=cnn)
    runner.add_run("run-fashion", "done", result={**result, "dataset": "fashion-mnist"}, owner="me",
                   spec=cnn.replace(dataset="fashion-mnist"))
    at = _open(open_app, monkeypatch, canvas_calls, three, models["sure3"])
    assert at.selectbox(key="draw_model").options == [
        "Shipped CNN (all of MNIST, trained for drawings)",
        f"Your Convolutional network run run-a · {_date(runner, 'run-a')} · test accuracy 98.5%"]

    at.selectbox(key="draw_model").set_value("run-a").run()
    assert _metrics(at)["Prediction"] == "3 or 5?"  # now read by the run's model

    at.toggle(key="draw_compare").set_value(True).run()
    assert not at.exception
    compare = _charts(at)["draw_compare_chart"]
    assert [t["name"] for t in compare["data"]] == ["run run-a", "shipped CNN"]
    assert _array(compare["data"][1]["y"]).max() > 0.99 and _array(compare["data"][0]["y"]).max() < 0.6
    assert any("run run-a** reads **3**" in m.value and "shipped CNN** reads **3** (100%)" in m.value
               for m in at.markdown)


def _date(runner, run_id: str) -> str:
    from synaptic_core.digits.models import DigitModel

    return DigitModel(run_id, float(runner.runs[run_id]["created"]), None, Path("."), "cnn").date


def test_a_missing_shipped_model_is_reported_not_a_crash(open_app, monkeypatch, canvas_calls, tmp_path, three):
    at = _open(open_app, monkeypatch, canvas_calls, three, tmp_path / "nowhere.keras")
    assert any("is missing" in e.value for e in at.error)
    assert not at.metric


@pytest.mark.skipif(not readers.SHIPPED_MODEL.is_file(), reason="the shipped model assets/models/digit_cnn.keras "
                                                                  "is not there yet")
def test_the_shipped_model_reads_a_synthetic_pen_drawn_three(open_app, monkeypatch, canvas_calls, three):
    at = _open(open_app, monkeypatch, canvas_calls, three, readers.SHIPPED_MODEL)
    assert _metrics(at)["Prediction"] == "3"


def test_the_page_says_unsure_from_the_calibrated_probability(open_app, monkeypatch, canvas_calls, models, three,
                                                              tmp_path):
    """The same model file with a stored temperature: its raw 99.7% becomes a calibrated one under the
    threshold, so the page names two digits (the reader applies the temperature stored beside the model)."""
    import shutil

    from synaptic_core.digits.calibration import UNSURE_BELOW, save_calibration

    hot = shutil.copyfile(models["sure3"], tmp_path / "hot3.keras")
    save_calibration(hot, 6.0, {"fitted_on": "a test"})  # logits / 6: P(3) ~ 0.3
    at = _open(open_app, monkeypatch, canvas_calls, three, Path(hot))
    metrics = _metrics(at)
    assert metrics["Prediction"].startswith("3 or ") and metrics["Prediction"].endswith("?")
    assert float(metrics["Confidence"].rstrip("%")) / 100 < UNSURE_BELOW
    assert any("Not sure" in w.value for w in at.warning)
