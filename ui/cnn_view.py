"""Inside the CNN: saliency, every convolution's activation maps and the first layer's kernels.

One view for every page that has a trained convolutional network: the Playground's results
(``section``: pick one of the run's test images) and the draw page (``inside``: the drawing).
Only the open tab computes (a tab or expander with ``on_change="rerun"`` reports ``.open``), and
TensorFlow is imported only when the view is opened. The mechanism is ``synaptic_core.explain``.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Sequence

import numpy as np
import streamlit as st

from synaptic_core.text_safety import md_escape, md_text

log = logging.getLogger(__name__)
N_IMAGES = 200  # the first test images offered in the Playground's picker
# integrated gradients first: on digits and photos it lights up the strokes and parts that carried the answer;
# SmoothGrad shows where a change *would* move the score, which is often the background around a stroke
METHODS = {"Integrated gradients": "integrated-gradients", "SmoothGrad": "smoothgrad"}
CONV_TYPES = ("Conv2D",)


def is_conv_run(events: list[dict]) -> bool:
    """True when the run's ``model`` event lists a 2-D convolution (read from the events: no TensorFlow)."""
    model = next((e for e in reversed(events) if e.get("type") == "model"), None)
    return bool(model) and any(row.get("type") in CONV_TYPES for row in model.get("summary") or [])


def _saliency(model: Any, image: np.ndarray, class_names: Sequence[str], key: str) -> None:
    from synaptic_core.explain import integrated_gradients, smoothgrad
    from synaptic_core.viz.cnn import saliency_overlay

    label = st.radio("Method", list(METHODS), horizontal=True, key=f"{key}_method",
                     help="Integrated gradients: the gradient along the path from a black image to this one, "
                          "times each pixel; the pixels add up to the change in probability. SmoothGrad: the "
                          "gradient averaged over 32 noisy copies of the image (the noise cancels out): where "
                          "a change of the pixel would move the answer most, background included.")
    if METHODS[label] == "smoothgrad":
        result = smoothgrad(model, image)
        what = (f"Bright pixels are where a change would move the model's score for "
                f"{_name(class_names, result.target)} the most (the score before the softmax), averaged over "
                "32 noisy copies of the image (SmoothGrad).")
    else:
        result = integrated_gradients(model, image)
        what = (f"Red pixels pushed the answer towards {_name(class_names, result.target)}, blue ones against it. "
                f"Their contributions add up to {result.values.sum():+.3f}: the probability here "
                f"({result.probability:.1%}) minus that for a black image ({result.baseline_probability:.1%}), "
                f"{result.probability - result.baseline_probability:+.3f} (integrated gradients, 128 steps).")
    st.caption(md_escape(what))
    with st.container(key=f"{key}_saliency"):
        st.plotly_chart(saliency_overlay(image, result.map, signed=result.method != "smoothgrad"),
                        key=f"{key}_saliency_chart", width="stretch")


def _activations(model: Any, image: np.ndarray, key: str) -> None:
    from synaptic_core.explain import activation_maps
    from synaptic_core.viz.cnn import activation_grid

    layers = activation_maps(model, image)
    st.caption("What each filter of each convolution layer responds to in this image, after its activation "
               "(each map scaled to its own peak; hover for the channel). Early layers find edges and strokes, "
               "later ones larger parts at a coarser resolution.")
    with st.container(key=f"{key}_feature_maps"):
        for i, layer in enumerate(layers):
            h, w, shown = layer.maps.shape
            more = f", the {shown} most active of {layer.n_channels}" if shown < layer.n_channels else ""
            st.markdown(md_text("**{}** · {}×{} · {} channels{}", layer.conv, h, w, shown, more))
            st.plotly_chart(activation_grid(layer.maps, layer.channels), key=f"{key}_maps_chart_{i}",
                            width="stretch")


def _kernels(model: Any, key: str) -> None:
    from synaptic_core.explain import first_kernels
    from synaptic_core.viz.cnn import kernels_figure

    name, weights = first_kernels(model)
    kh, kw, cin, f = weights.shape
    colour = "colour patches (each scaled to its largest weight; grey = 0)" if cin == 3 else \
        "red = positive weight, blue = negative (each kernel scaled to its largest weight)"
    shown = f"the first 64 of {f}" if f > 64 else f"all {f}"
    st.caption(md_escape(f"{name}: {shown} {kh}×{kw} kernels over {cin} input channel{'s' if cin > 1 else ''}, "
                         f"as {colour}. A kernel is the pattern its filter fires on."))
    st.plotly_chart(kernels_figure(weights), key=f"{key}_kernels_chart", width="stretch")


def _name(class_names: Sequence[str], index: int) -> str:
    return str(class_names[index]) if 0 <= index < len(class_names) else str(index)


def inside(model: Any, image: np.ndarray, class_names: Sequence[str], key: str) -> None:
    """Three tabs (saliency, activation maps, first-layer kernels) for ``image`` (raw 0..255); the open one computes."""
    from synaptic_core.explain import has_conv

    sal_tab, maps_tab, kernel_tab = st.tabs(["Saliency", "Activation maps", "First-layer kernels"],
                                            key=f"{key}_why_tab", on_change="rerun")
    if not has_conv(model):
        st.info("This model has no convolution layer, so it has no activation maps or kernels to show.")
        return
    if sal_tab.open:
        with sal_tab:
            _saliency(model, image, class_names, key)
    if maps_tab.open:
        with maps_tab:
            _activations(model, image, key)
    if kernel_tab.open:
        with kernel_tab:
            _kernels(model, key)


@st.cache_data(max_entries=4, show_spinner="Loading test images…")
def _test_images(spec_json: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` test images and labels of a run's dataset (its classes, as it was trained)."""
    from synaptic_core.data import load_dataset
    from synaptic_core.specs import RunSpec

    ds = load_dataset(RunSpec.from_json(spec_json).replace(subset=1), fallback_to_bundled=True)
    return np.array(ds.x_test[:n]), np.array(ds.y_test[:n])


def section(run_id: str, result: dict, events: list[dict]) -> None:
    """The Playground's "Inside the CNN" expander for a finished convolutional run."""
    if not is_conv_run(events):
        return
    path = result.get("model_path")
    box = st.expander("Inside the CNN: saliency, activation maps, kernels", key="cnn_open", on_change="rerun",
                      icon=":material/visibility:")
    if not box.open:
        return
    with box:
        if not path or not os.path.isfile(path):
            st.caption("The model file of this run is not available.")
            return
        _section_body(run_id, result, path)


def _section_body(run_id: str, result: dict, path: str) -> None:
    from ui.live import run_spec
    from ui.trained_model import load_model

    try:
        x, y = _test_images(run_spec(run_id).to_json(), N_IMAGES)
        model = load_model(path)
    except Exception as exc:  # a missing data file or a damaged model: say so, keep the page
        log.exception("inside-the-CNN view of run %s", run_id)
        st.error(md_escape(f"Could not open this run's model or test images: {exc}"))
        return
    names = list(result.get("class_names") or [])
    left, right = st.columns([2, 3])
    with left:
        index = int(st.number_input(f"Test image (0–{len(x) - 1})", 0, len(x) - 1, 0, key="cnn_image",
                                    help=f"One of the first {len(x)} images of the test set."))
        image = np.asarray(x[index])
        probs = np.asarray(model(image[None].astype(np.float32), training=False))[0]
        pred, true = int(probs.argmax()), int(y[index])
        st.markdown(md_text("True class **{}**, the model says **{}** ({}).", _name(names, true), _name(names, pred),
                            f"{probs[pred]:.0%}"))
    with right:
        from synaptic_core.viz.cnn import top_classes

        st.plotly_chart(top_classes(probs, names, true_class=true), key="cnn_top_chart", width="stretch")
    inside(model, image, names, key="cnn")
