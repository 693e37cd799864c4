"""Names from an upload (zip folders, CSV columns and target values) are shown as typed, never as HTML or Markdown.

Plotly renders a subset of HTML in tick labels, trace names, annotations, titles and hover text
(``<a href>`` is a live link), and Streamlit renders Markdown in captions, metric and widget
labels. Real runs are trained on hostile uploads and their results opened on the Playground;
every chart spec and every Markdown-rendered text of the page is searched for the raw markup.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterator

import numpy as np
import pytest
from google.protobuf.json_format import MessageToDict

from tests.unit.recording_sink import Sink

PAGE = "app_pages/playground.py"
LINK = '<a href="http://evil.example">x</a>'
IMAGE_MD = "![i](http://evil.example/a.png)"
IMG_TAG = "<img src=x onerror=alert(1)>"
BOLD_HTML = "<b>zz"
BOLD_MD = "**bold**"
RAW_HTML = ("<a href", "<img", BOLD_HTML)  # what no Plotly string may hold
RAW_MD = ("<a href", "<img", BOLD_HTML, BOLD_MD, "](http://evil", "](http:")  # nor a Markdown body or label


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))


def image_zip_named(classes: tuple[str, ...], per_class: int = 5) -> bytes:
    """A zip with one folder of small random PNGs per class name."""
    import zipfile

    from PIL import Image

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, name in enumerate(classes):
            for i in range(per_class):
                png = io.BytesIO()
                pixels = np.random.default_rng(10 * k + i).integers(0, 255, (10, 12, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(png, "PNG")
                z.writestr(f"{name}/{i}.png", png.getvalue())
    return buf.getvalue()


def _csv(rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


def hostile_binary_csv(n: int = 40) -> bytes:
    rng = np.random.default_rng(0)
    rows: list[list[Any]] = [[BOLD_MD, IMG_TAG, "[t](http://evil.example)"]]
    for i in range(n):
        a = rng.normal()
        rows.append([f"{a:.3f}", BOLD_HTML if i % 2 else IMAGE_MD, LINK if a > 0 else IMAGE_MD])
    return _csv(rows)


def hostile_regression_csv(n: int = 40) -> bytes:
    rng = np.random.default_rng(1)
    rows: list[list[Any]] = [[IMG_TAG, "kind", LINK]]
    for i in range(n):
        a = rng.normal()
        rows.append([f"{a:.3f}", BOLD_HTML if i % 2 else "plain", f"{3 * a + 10:.3f}"])
    return _csv(rows)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def chart_strings(at) -> list[str]:
    """Every string of every Plotly figure the page drew (its JSON spec)."""
    return [s for c in at.get("plotly_chart") for s in _strings(json.loads(c.proto.spec))]


def markdown_texts(at) -> list[str]:
    """Every text Streamlit renders as Markdown: bodies (markdown, caption, alerts, headings), labels, help."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", "") != "plotly_chart":
            try:
                fields = MessageToDict(proto)
            except TypeError:
                fields = {}
            out.extend(str(fields[k]) for k in ("body", "label", "help") if isinstance(fields.get(k), str))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def assert_shown_as_text(at) -> tuple[list[str], list[str]]:
    assert not at.exception, at.exception
    charts = chart_strings(at)
    bad = [s for s in charts if any(raw in s for raw in RAW_HTML)]
    assert not bad, f"raw HTML from an uploaded name in a figure: {bad[:3]}"
    texts = markdown_texts(at)
    bad = [t for t in texts if any(raw in t for raw in RAW_MD)]
    assert not bad, f"raw Markdown/HTML from an uploaded name in a Markdown element: {bad[:3]}"
    return charts, texts


def _train(spec_values: dict, tmp_path, name: str):
    from synaptic_core.presets import layered_spec
    from synaptic_core.training import train

    spec = layered_spec(spec_values)
    sink = Sink()
    result = train(spec, sink, tmp_path / name)
    return spec, sink.events, result


@pytest.mark.slow
def test_hostile_names_in_every_results_figure_and_text(open_app, runner, tmp_path):
    from synaptic_core.data.uploads import ingest_csv, ingest_zip

    images = ingest_zip(image_zip_named((IMG_TAG, BOLD_HTML + " folder", BOLD_MD), per_class=5), "evil.zip",
                        size=16, color="grey", owner="me")
    spec, events, result = _train({"dataset": images.name, "model": "logreg", "epochs": 1}, tmp_path, "img")
    assert IMG_TAG in result["class_names"]  # stored and trained as typed: only the display escapes
    assert result["misclassified_path"]
    runner.add_run("img1", "done", events, result=result, spec=spec)
    at = open_app(PAGE, run="img1")
    charts, _ = assert_shown_as_text(at)
    assert any("&lt;img src=x" in s for s in charts)  # the names are there, escaped (not left out)
    assert {"confusion_chart", "per_class_chart", "misclassified_chart"} <= {
        k for c in at.get("plotly_chart") for k in ("confusion_chart", "per_class_chart", "misclassified_chart")
        if k in c.proto.id}

    table = ingest_csv(hostile_binary_csv(), f"{IMG_TAG} {BOLD_MD}.csv", owner="me")  # the file name is outside text too
    assert set(table.meta["class_names"]) == {LINK, IMAGE_MD} and IMG_TAG in table.meta["title"]
    spec, events, result = _train({"dataset": table.name, "epochs": 2}, tmp_path, "csv")
    assert result.get("binary") is not None
    runner.add_run("csv1", "done", events, result=result, spec=spec)
    at = open_app(PAGE, run="csv1")
    charts, texts = assert_shown_as_text(at)
    assert any("pr_curve_chart" in c.proto.id for c in at.get("plotly_chart"))
    assert any("&lt;a href" in s for s in charts)
    assert any("evil" in t for t in texts)  # the F1 label names the positive class, escaped

    reg = ingest_csv(hostile_regression_csv(), "evil-prices.csv", owner="me")
    spec, events, result = _train({"dataset": reg.name, "epochs": 2}, tmp_path, "reg")
    assert result["regression"]["target"] == LINK
    runner.add_run("reg1", "done", events, result=result, spec=spec)
    at = open_app(PAGE, run="reg1")
    charts, _ = assert_shown_as_text(at)
    assert any("regression_scatter" in c.proto.id for c in at.get("plotly_chart"))
    assert any("&lt;a href" in s for s in charts)


def test_figure_builders_escape_names_once():
    """Each figure that takes class or column names escapes them (one helper) and nothing else."""
    from synaptic_core.text_safety import plotly_text
    from synaptic_core.viz import confusion_heatmap, per_class_bar
    from synaptic_core.viz.cnn import top_classes
    from synaptic_core.viz.images import image_grid, mistake_titles
    from synaptic_core.viz.pr_curve import pr_curve_figure
    from synaptic_core.viz.regression import predicted_vs_actual, residuals

    names = [LINK, IMG_TAG, "a & b"]
    titles, hover = mistake_titles([0, 1], [1, 2], [0.9, 0.8], names)
    figures = [confusion_heatmap(np.eye(3), names), per_class_bar([0.5, 0.6, 0.7], names),
               top_classes([0.2, 0.5, 0.3], names), pr_curve_figure([1, 0.5], [0, 1], 0.7, LINK),
               image_grid(np.zeros((2, 8, 8), np.uint8), titles, hover=hover, caption_chars=40),
               predicted_vs_actual([1, 2], [1, 2], LINK), residuals([1, 2], [1, 2], IMG_TAG)]
    for fig in figures:
        strings = list(_strings(fig.to_plotly_json()))
        assert not [s for s in strings if any(raw in s for raw in RAW_HTML)], strings
        assert any("&lt;" in s for s in strings)
        assert not any("&amp;lt;" in s for s in strings)  # escaped once, not twice
    assert plotly_text("a & <b>") == "a &amp; &lt;b&gt;"
    # a caption's line breaks are the grid's own: an uploaded name holding "<br>" stays one literal line
    grid = image_grid(np.zeros((1, 8, 8), np.uint8), ["x<br>y"], caption_chars=40)
    assert grid.layout.annotations[0].text == "x&lt;br&gt;y"
