"""Every page, as a student first sees it, reads in words: no project jargon, no ids.

Issue 14: "Seed preset" / "Seed setup" (the "seed" meant the tutorial notebooks the project grew
from), "mlp" in a recent run's link where the Playground says "Dense network", a test file's path,
raw parameter names (``look_back 1, batch_size 1``) in a preset's tooltip. The scan covers every
string an element puts on screen (``page_text.page_texts``): Markdown, labels, options, help
tooltips, page links; the session has a finished run of each kind so "Recent runs" and the draw
page's model list are filled.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from page_text import page_texts
from synaptic_core.models import MODELS
from synaptic_core.specs import PARAMS, RunSpec
from ui.pages import available_pages

JARGON = re.compile(r"seed notebook|seed preset|seed setup|as in the seed\b|the seeds?'|\btests/", re.IGNORECASE)
# Model ids that are not words (a "transformer" may be named in prose); shown, they must be titles.
MODEL_IDS = sorted(n for n in MODELS if n != "transformer")
RAW_MODEL = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, MODEL_IDS)) + r")(?![\w/-])")
RAW_PARAM = re.compile(r"\b(" + "|".join(p.name for p in PARAMS if "_" in p.name) + r")\b")


@pytest.fixture
def runner_with_history(runner, tmp_path: Path):
    """Finished runs of this session on the playground (a dense network on MNIST, a digit reader
    for the draw page) and the time-series page, so the recent-run links and model lists show."""
    model = tmp_path / "model.keras"
    model.write_bytes(b"bytes")
    digits = [str(k) for k in range(10)]
    mnist = {"dataset": "mnist", "model": "mlp", "class_names": digits, "test": {"accuracy": 0.97, "loss": 0.1},
             "model_path": str(model), "input_shape": [28, 28, 1], "epochs_run": 1}
    runner.add_run("r1", "done", [], result=mnist, spec=RunSpec.from_mapping({"dataset": "mnist", "model": "mlp"}))
    series = {"dataset": "airline-passengers", "model": "mlp", "test": {"rmse": 20.0}, "model_path": str(model)}
    runner.add_run("r2", "done", [], result=series,
                   spec=RunSpec.from_mapping({"dataset": "airline-passengers", "model": "mlp"}))
    return runner


@pytest.mark.parametrize("path", [row[0] for row in available_pages()])
def test_page_reads_in_words(open_app, runner_with_history, path):
    at = open_app(path)
    assert not at.exception, [e.value for e in at.exception]
    shown = page_texts(at)
    assert len(shown) > 5, "the scan saw the page"
    problems = []
    for text in shown:
        if text.isupper() or text.startswith(("{", "<", "index-", "streamlit-")):
            continue  # enum names, component config: not read by a person
        for pattern, what in ((JARGON, "jargon"), (RAW_MODEL, "model id"), (RAW_PARAM, "parameter name")):
            if match := pattern.search(text):
                problems.append(f"{what} {match.group(0)!r} in {text[:160]!r}")
    assert not problems, "\n".join(problems)


def test_recent_runs_name_the_model_and_dataset(open_app, runner_with_history):
    at = open_app("app_pages/playground.py")
    labels = [link.proto.label for link in at.get("page_link") if "r1" in link.proto.label]
    assert labels and "Dense network" in labels[0] and "MNIST" in labels[0]


def test_preset_tooltips_use_the_widgets_words(open_app):
    at = open_app("app_pages/time_series.py")
    tutorial = at.button(key="ts_preset_0")
    assert tutorial.label == "Original tutorial setup (LSTM 4, look-back 1, batch 1, 100 epochs)"
    assert "Look-back window (steps): 1" in tutorial.help and "Model: LSTM" in tutorial.help
    assert "Model: Dense network" in at.button(key="ts_preset_1").help
    gen = open_app("app_pages/text_generation.py").button(key="gen_preset_0")
    assert gen.label.startswith("Classic char-RNN") and "Embedding size: 32" in gen.help


def test_optimizers_are_offered_by_name(open_app):
    at = open_app("app_pages/playground.py")
    options = list(at.selectbox(key="w_optimizer").options)
    assert "Adam" in options and "RMSprop" in options and "adam" not in options
    assert at.selectbox(key="w_optimizer").value == "adam"  # the spec keeps its id


def test_the_draw_page_names_a_run_by_its_model_title(open_app, runner_with_history):
    at = open_app("app_pages/draw.py")
    options = list(at.selectbox(key="draw_model").options)
    assert any(o.startswith("Your Dense network run r1") for o in options), options
    assert np.all([" mlp " not in o for o in options])
