"""A finished run's saved model and small JSON artifacts, loaded in this process when a user asks.

The sentiment page's review box and the text generator run the run's own model. Keras is
imported only here, the first time; the model is cached per file (and its modification time)
with ``st.cache_resource`` and shared by every session, read-only. Artifacts (vocab.json,
alphabet.json) are JSON, never pickles.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import streamlit as st


@st.cache_resource(show_spinner="Loading the trained model (the first time imports TensorFlow)…", max_entries=8)
def _cached_model(path: str, mtime: float) -> Any:
    import keras

    return keras.saving.load_model(path, compile=False)


def load_model(model_path: str) -> Any:
    """A run's saved Keras model, loaded once per file version and shared read-only (the CNN view)."""
    return _cached_model(str(model_path), os.path.getmtime(model_path))


def load_predictor(model_path: str) -> Callable[[np.ndarray], np.ndarray]:
    """``x -> probabilities`` of a run's saved model, loaded once per file and kept for every session."""
    model = _cached_model(str(model_path), os.path.getmtime(model_path))
    return lambda x: np.asarray(model.predict_on_batch(np.asarray(x)))


@st.cache_data(max_entries=32, show_spinner=False)
def _read_json(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def artifact_json(path: str | None) -> dict | None:
    """A run's small JSON artifact (vocab.json, alphabet.json), or None when it is gone."""
    if not path or not Path(path).is_file():
        return None
    return _read_json(str(path), os.path.getmtime(path))
