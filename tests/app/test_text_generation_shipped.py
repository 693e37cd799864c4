"""Text generation: the shipped pre-trained model generates before any training, and after a run a
student can switch the generator to it to compare (fake predictors: no TensorFlow here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.sequences import shipped as shipped_mod
from synaptic_core.specs import RunSpec
from ui import trained_model

GENERATION = "app_pages/text_generation.py"
ALPHABET = "\n abcde"


def _files(tmp_path: Path, name: str, seed_text: str) -> tuple[Path, Path]:
    model, card = tmp_path / f"{name}.keras", tmp_path / f"{name}.json"
    model.write_bytes(b"bytes standing in for a .keras zip")
    card.write_text(json.dumps({"alphabet": ALPHABET, "seq_len": 5, "seed_text": seed_text,
                                "test": {"nats_per_char": 1.42}, "command": "python -m synaptic_core train ..."}))
    return model, card


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A stand-in shipped model; every predictor answers 'the next letter' and says which file it runs."""
    model, card = _files(tmp_path, "shipped", "abcde")
    monkeypatch.setattr(shipped_mod, "SHIPPED_CHAR_MODEL", model)
    monkeypatch.setattr(shipped_mod, "SHIPPED_CHAR_CARD", card)
    used: list[str] = []

    def load_predictor(path: str):
        used.append(Path(path).name)

        def predict(x):  # an every-step model's (k, seq_len, alphabet) output
            x = np.asarray(x)
            probs = np.full((*x.shape, len(ALPHABET)), 0.01)
            rows, cols = np.indices(x.shape)
            probs[rows, cols, (x + 1) % len(ALPHABET)] = 0.94
            return probs
        return predict

    monkeypatch.setattr(trained_model, "load_predictor", load_predictor)
    return used


def _generate(at) -> list[str]:
    at.slider(key="gen_length").set_value(20)
    at.slider(key="gen_temperature").set_value(0.0)
    at.multiselect(key="gen_compare").set_value([]).run()
    at.button(key="generate").click().run()
    assert not at.exception
    with_key = at.get("code")
    return [c.value for c in with_key]


def test_the_shipped_model_generates_before_any_training(open_app, runner, shipped):
    at = open_app(GENERATION, dataset="shakespeare")
    assert not at.exception and not at.error
    assert any("1.42 nats per character" in c.value for c in at.caption)
    assert at.text_area(key="gen_seed_text").value == "abcde"
    texts = _generate(at)
    assert shipped == ["shipped.keras"]
    assert "\n abcde\n abcde\n abcde"[:20].strip() in [t.strip() for t in texts]  # greedy: the next letter


def test_after_a_run_the_generator_can_switch_to_the_shipped_model(open_app, runner, shipped, tmp_path):
    own_model, own_card = _files(tmp_path, "own", "edcba")
    result = {"run_id": "c1", "dataset": "shakespeare", "model": "gru", "epochs_run": 1, "history": [],
              "test": {"nats_per_char": 2.15, "perplexity": 8.6, "accuracy": 0.39}, "train_seconds": 40.0,
              "stopped": False, "class_names": [], "task": "chars", "samples": {}, "seed_text": "edcba",
              "alphabet_path": str(own_card), "model_path": str(own_model)}
    runner.add_run("c1", "done", [], result=result, spec=RunSpec.from_mapping({"dataset": "shakespeare"}))
    at = open_app(GENERATION, run="c1", dataset="shakespeare")
    assert not at.exception
    assert at.radio(key="gen_which").value == "This run's model"
    _generate(at)
    at.radio(key="gen_which").set_value(shipped_mod.TITLE).run()
    assert at.text_area(key="gen_seed_text").value == "abcde"  # the shipped model's own start text
    _generate(at)
    assert shipped == ["own.keras", "shipped.keras"]
