"""Loss functions: each loss and its gradient against the prediction, outliers, focal loss.

All numbers come from ``keras.losses`` and TensorFlow's autodiff in this process (small
arrays, milliseconds once TensorFlow is loaded); the maths is in synaptic_core/labs/losses.py,
the figures in synaptic_core/viz/labs_losses.py.
"""

import numpy as np
import streamlit as st

from synaptic_core.labs import losses as L
from synaptic_core.viz import labs_losses as figs

KIND_LABEL = {"regression": "Regression (a number)", "probability": "Probability (a class)",
              "margin": "Margin (a score, labels ±1)"}
XLABEL = {"regression": "prediction ŷ", "probability": "predicted probability p", "margin": "score s"}
TITLES = {n: i.title for n, i in L.LOSSES.items()}


@st.cache_data(show_spinner="Computing with keras.losses…", max_entries=128)
def _curves(names: tuple[str, ...], target: float, kind: str, delta: float) -> dict:
    p = np.linspace(*L.PRED_RANGE[kind], 401)
    out = {}
    for n in names:
        loss, grad = L.curve(n, target, p, delta)
        out[n] = (p, loss, grad, L.gradient_error(n, target, p, delta))
    return out


@st.cache_data(show_spinner="Fitting a line under each loss…", max_entries=64)
def _fits(shift: float, delta: float) -> tuple:
    x, y = L.outlier_data(shift=shift)
    return x, y, L.outlier_fits(x, y, delta)


st.title("Loss functions")
st.caption("Values from keras.losses, gradients from TensorFlow's autodiff of the same call: what training sees.")
tab_curve, tab_outlier, tab_focal = st.tabs(["Loss and gradient", "An outlier", "Focal loss"])

with tab_curve:
    kind = st.radio("Kind of target", list(KIND_LABEL), format_func=KIND_LABEL.get, horizontal=True, key="loss_kind")
    options = [n for n, i in L.LOSSES.items() if i.kind == kind]
    chosen = st.multiselect("Losses", options, default=options, format_func=TITLES.get, key=f"loss_pick_{kind}")
    c1, c2 = st.columns(2)
    if kind == "regression":
        target = c1.slider("Target y", -2.0, 2.0, 0.0, 0.1, key="loss_target_reg")
    elif kind == "probability":
        target = c1.slider("Target t (the label, or a soft label)", 0.0, 1.0, 1.0, 0.05, key="loss_target_prob")
    else:
        target = float(c1.radio("Label t", [1, -1], horizontal=True, key="loss_target_margin"))
    delta = c2.slider("Huber δ", 0.1, 3.0, 1.0, 0.1, key="loss_delta", disabled="huber" not in chosen)
    if chosen:
        curves = _curves(tuple(chosen), float(target), kind, float(delta))
        fig = figs.loss_figure({TITLES[n]: c[:3] for n, c in curves.items()}, XLABEL[kind],
                               grad_clip=10.0 if kind == "probability" else None)
        same = [TITLES[n] for n in ("binary_crossentropy", "categorical_crossentropy", "kl_divergence") if n in chosen]
        if kind == "probability" and target in (0.0, 1.0) and len(same) > 1:
            st.info(f"With a hard label (t = {target:g}) {', '.join(same)} are the same function of p, so their "
                    "curves lie exactly on top of each other: you see one line. Move t to a soft label "
                    "(e.g. 0.8) to tell them apart.")
        st.plotly_chart(fig, key="loss_chart", width="stretch")
        for n in chosen:
            info = L.LOSSES[n]
            st.latex(rf"\text{{{info.title}}}:\ {info.latex}")  # full width: long formulas are not cut
            st.caption(f"{info.note} Autodiff vs finite difference: {curves[n][3]:.1e}.")
        if kind == "probability":
            st.caption("Categorical cross-entropy and KL compare (t, 1 − t) with (p, 1 − p); with a hard label "
                       "they coincide with binary cross-entropy. The gradient axis is cut at ±10 (it runs to −1/p).")
    else:
        st.info("Pick at least one loss.")

with tab_outlier:
    st.markdown("Twenty points on the line y = 0.5 x + 1, the last one pushed up. Each loss fits a line "
                "(the slope and height that minimise its mean over the points).")
    c1, c2 = st.columns(2)
    shift = c1.slider("How far the outlier is moved", 0.0, 40.0, 15.0, 1.0, key="out_shift")
    delta_o = c2.slider("Huber δ", 0.1, 5.0, 1.0, 0.1, key="out_delta")
    x, y, fits = _fits(float(shift), float(delta_o))
    st.plotly_chart(figs.outlier_figure(x, y, fits, TITLES), key="outlier_chart", width="stretch")
    st.dataframe([{"loss": TITLES[f.name], "slope": round(f.slope, 3), "intercept": round(f.intercept, 3),
                   "outlier's share of the loss": f"{f.loss_share:.0%}",
                   "outlier's pull |∂loss/∂ŷ|": round(f.pull, 3)} for f in fits], hide_index=True, width="stretch")
    st.caption("The pull is the gradient the outlier sends back to the fit: for MSE it grows with the "
               "distance (2r), for MAE it is 1 however far the point, for Huber at most δ.")

with tab_focal:
    st.markdown("Focal loss multiplies cross-entropy by **(1 − p)^γ**: examples the model already gets right "
                "(p near 1) count for almost nothing, so the rare hard ones dominate training.")
    c1, c2, c3 = st.columns(3)
    gamma = c1.slider("γ (gamma)", 0.0, 5.0, 2.0, 0.5, key="focal_gamma")
    p_easy = c2.slider("An easy example: p", 0.5, 0.99, 0.9, 0.01, key="focal_easy")
    p_hard = c3.slider("A hard example: p", 0.01, 0.5, 0.1, 0.01, key="focal_hard")
    p = np.linspace(0.001, 0.999, 300)
    gammas = sorted({0.5, 2.0, float(gamma)} - {0.0})
    curves = {g: L.focal_curves(p, g)["focal"] for g in gammas}
    ce = L.focal_curves(p, 0.0)["ce"]
    st.plotly_chart(figs.focal_figure(p, ce, curves, {"easy": p_easy, "hard": p_hard}),
                    key="focal_chart", width="stretch")
    at = L.focal_curves(np.array([p_easy, p_hard]), float(gamma))
    m1, m2, m3 = st.columns(3)
    m1.metric("Easy example: CE → focal", f"{at['ce'][0]:.3f} → {at['focal'][0]:.4f}", f"× {at['factor'][0]:.3g}",
              delta_color="off", delta_arrow="off")
    m2.metric("Hard example: CE → focal", f"{at['ce'][1]:.3f} → {at['focal'][1]:.4f}", f"× {at['factor'][1]:.3g}",
              delta_color="off", delta_arrow="off")
    m3.metric("Hard / easy loss ratio", f"{at['focal'][1] / at['focal'][0]:.0f}×",
              f"was {at['ce'][1] / at['ce'][0]:.0f}× with CE", delta_color="off", delta_arrow="off")
    st.subheader("Imbalanced classes")
    c1, c2, c3, c4 = st.columns(4)
    n_easy = c1.number_input("Easy majority examples", 1, 100_000, 990, key="imb_n_easy")
    pe = c2.number_input("their p", 0.5, 0.999, 0.95, 0.01, key="imb_p_easy")
    n_hard = c3.number_input("Hard minority examples", 1, 100_000, 10, key="imb_n_hard")
    ph = c4.number_input("their p ", 0.001, 0.5, 0.3, 0.01, key="imb_p_hard")
    shares = L.imbalance_shares(int(n_easy), float(pe), int(n_hard), float(ph), float(gamma))
    st.metric("Share of the batch's loss carried by the hard minority",
              f"{shares['focal_hard_share']:.1%} with focal (γ = {gamma:g})",
              f"{shares['ce_hard_share']:.1%} with cross-entropy", delta_color="off", delta_arrow="off")
    st.caption("Values from keras.losses.binary_focal_crossentropy (no class balancing) and "
               "binary_crossentropy; at γ = 0 the two are the same function.")
