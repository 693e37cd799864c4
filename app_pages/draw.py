"""Draw a digit: a canvas, the network's answer while you draw, and why it answered so.

Each stroke costs one rerun: MNIST-style preprocessing (``synaptic_core.digits.preprocess``)
and one ``tf.function``-wrapped model call, a few milliseconds. The saliency map and the
feature maps are computed only while their panel is open. The model is the shipped CNN
(``assets/models``) or one of this session's finished playground MNIST runs; "compare" shows
two models' probabilities for the same drawing.
"""

import logging
import os

import numpy as np
import streamlit as st

from synaptic_core.digits import BlankDrawingError, preprocess
from synaptic_core.digits import reader as readers
from synaptic_core.digits.calibration import UNSURE_BELOW, is_unsure
from synaptic_core.digits.models import digit_models
from synaptic_core.viz import digits as figs
from ui import canvas
from ui.services import get_store, session_owner
from ui.wording import model_title

log = logging.getLogger(__name__)
SHIPPED = "shipped"
PROMPT = "Draw a digit (0–9) on the black canvas: the network reads it as you draw."


@st.cache_resource(show_spinner="Loading the digit model…", max_entries=8)
def _reader(path: str, mtime: float) -> readers.DigitReader:
    """One loaded model per file version, shared by every session (it is only read).

    Keyed on the file's mtime (``load_reader``'s own cache is keyed on the path alone), so a
    retrained ``digit_cnn.keras`` is picked up without restarting the server.
    """
    return readers.DigitReader(path)


def _choices() -> dict[str, tuple[str, str, str]]:
    """Model key -> (label, .keras path, short name): the shipped model, then this session's MNIST runs."""
    choices = {SHIPPED: ("Shipped CNN (all of MNIST, trained for drawings)", str(readers.SHIPPED_MODEL),
                         "shipped CNN")}
    try:
        for m in digit_models(get_store(), owner=session_owner()):
            acc = "—" if m.test_accuracy is None else f"{m.test_accuracy:.1%}"
            # the model's title ("Dense network"), not its id ("mlp")
            label = f"Your {model_title(m.architecture)} run {m.run_id} · {m.date} · test accuracy {acc}"
            choices[m.run_id] = (label, str(m.path), f"run {m.run_id}")
    except Exception as exc:
        log.exception("listing the playground runs usable as digit readers")
        st.warning(f"Could not read your playground runs: {exc}")
    return choices


def _load(key: str, choices: dict[str, tuple[str, str, str]]) -> readers.DigitReader | None:
    label, path, _ = choices[key]
    if not os.path.isfile(path):
        hint = " (see docs/DIGITS.md for the command that trains it)" if key == SHIPPED else ""
        st.error(f"The model file {path} is missing{hint}.")
        return None
    try:
        return _reader(path, os.path.getmtime(path))
    except Exception as exc:
        log.exception("loading digit model %s", path)
        st.error(f"Could not load {label}: {exc}")
        return None


def _prediction(probs: np.ndarray) -> None:
    order = np.argsort(probs)[::-1]
    best, second = int(order[0]), int(order[1])
    sure = not is_unsure(probs)  # the reader's probabilities are calibrated (temperature stored with the model)
    with st.container(key="draw_prediction"):
        left, right = st.columns(2)
        left.metric("Prediction", str(best) if sure else f"{best} or {second}?")
        right.metric("Confidence", f"{probs[best]:.1%}",
                     help=f"Calibrated where the model has a stored temperature (the shipped one does): of "
                          f"drawings read at 90%, about 9 in 10 are right. Under {UNSURE_BELOW:.0%} the page "
                          "names two digits.")
    if not sure:
        with st.container(key="draw_unsure"):
            st.warning(f"Not sure: this looks most like a {best} ({probs[best]:.0%}) or a {second} "
                       f"({probs[second]:.0%}). Try drawing it more clearly.")


def _compare(x28: np.ndarray, probs: np.ndarray, names: tuple[str, str], other) -> None:
    other_probs = other.probabilities(x28)
    with st.container(key="draw_compare_view"):
        st.markdown(f"**{names[0]}** reads **{int(probs.argmax())}** ({probs.max():.0%}); "
                    f"**{names[1]}** reads **{int(other_probs.argmax())}** ({other_probs.max():.0%}).")
        st.plotly_chart(figs.compare_bars(probs, other_probs, names), key="draw_compare_chart", width="stretch")


def _why(model, x28: np.ndarray) -> None:
    """Saliency, every convolution's maps and the first kernels: the Playground's CNN view, for the drawing."""
    from ui import cnn_view

    cnn_view.inside(model, x28.reshape(28, 28, 1), [str(d) for d in range(10)], key="draw")


def _read(image: np.ndarray | None, reader, names: tuple[str, str], other) -> None:
    """Everything right of the canvas: prompt, or prediction, charts, comparison and explanation."""
    try:  # the per-stroke work: preprocessing and one tf.function call, a few milliseconds
        x28 = preprocess(image) if image is not None else None
        probs = reader.probabilities(x28) if x28 is not None else None
    except BlankDrawingError:
        probs = None
    if probs is None:
        with st.container(key="draw_prompt"):
            st.info(PROMPT, icon=":material/draw:")
        return
    _prediction(probs)
    bars, seen = st.columns([3, 2])
    with bars, st.container(key="draw_probs"):
        st.plotly_chart(figs.probability_bars(probs), key="draw_probs_chart", width="stretch")
    with seen, st.container(key="draw_input"):
        st.plotly_chart(figs.model_input_figure(x28), key="draw_input_chart", width="stretch")
        st.caption("What the model sees: cropped to the ink, scaled to 20 px, centred by mass in 28x28.")
    if other is not None:
        _compare(x28, probs, names, other)
    why = st.expander("Why this answer?", key="draw_why", on_change="rerun", icon=":material/lightbulb:")
    if why.open:
        with why:
            _why(reader.model, x28)


st.title("Draw a digit")
st.caption("A convolutional network reads your handwriting. Your drawing is prepared the way MNIST's digits "
           "were: cropped to the ink, scaled so its longest side is 20 pixels, and centred by its centre of "
           "mass in a 28x28 image.")
choices = _choices()
keys = list(choices)
left, right = st.columns([5, 6], gap="large")
with left:
    pen = st.slider("Pen width", 8, 40, 22, step=2, key="draw_pen",
                    help="Any width works: the drawing is rescaled to MNIST's size before the model reads it.")
    image = canvas.draw_canvas(pen, key="draw_canvas")
    st.caption("Undo, redo and clear (the bin) are in the canvas' toolbar. Touch drawing works too.")
    model_key = st.selectbox("Model", keys, format_func=lambda k: choices[k][0], key="draw_model")
    other_key = None
    if len(keys) > 1:
        if st.toggle("Compare two models", key="draw_compare"):
            others = [k for k in keys if k != model_key]
            other_key = st.selectbox("Compare with", others, format_func=lambda k: choices[k][0], key="draw_other")
    else:
        st.caption("Train a model on MNIST (all ten digits) in the Playground to read your drawings with it "
                   "too, and to compare it with this one.")
with right:
    reader = _load(model_key, choices)
    other = _load(other_key, choices) if other_key else None
    if reader is not None:
        names = (choices[model_key][2], choices[other_key][2] if other_key else "")
        _read(image, reader, names, other)
