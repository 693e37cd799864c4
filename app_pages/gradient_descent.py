"""Gradient descent: batch vs mini-batch vs stochastic on real data, and a learning-rate sweep.

The model has two parameters (slope w, intercept b) on one real feature, so each update is a
point in the (w, b) plane drawn over the loss contours. The three variants share one numpy
code path and differ only in the rows per update; everything is cached by its settings.
"""

import pandas as pd
import streamlit as st

from synaptic_core.labs import gd_variants as gd
from synaptic_core.viz import labs_optim as figs
from ui import gpu_view

PROBLEMS = {"sonar": "Sonar returns: predict one energy band from the band below (linear regression)",
            "mnist-ink": "MNIST: tell 1s from 0s by the amount of ink (logistic regression)"}
BATCH_SIZES = [2, 4, 8, 16, 32, 64, 128, 256]


@st.cache_data(show_spinner="Loading the data…", max_entries=64)
def _problem(name: str, band: int) -> gd.Problem:
    return gd.sonar_problem(band) if name == "sonar" else gd.mnist_ink_problem()


@st.cache_data(show_spinner="Running batch, mini-batch and stochastic gradient descent…", max_entries=32)
def _variants(name: str, band: int, lrs: tuple, batch: int, epochs: int, seed: int, start: tuple) -> tuple:
    p = _problem(name, band)
    runs = gd.run_variants(p, dict(lrs), batch, epochs, seed, start)
    rows = [{"variant": r.label, "rows per update": r.batch_size, "learning rate": r.lr,
             "updates": len(r.params) - 1, "final loss": float(r.losses[-1]),
             "update work (ms)": 1e3 * float(r.times[-1]), "diverged": r.diverged} for r in runs.values()]
    return figs.gd_loss_figure(p, runs), figs.gd_paths_figure(p, runs), pd.DataFrame(rows)


@st.cache_data(show_spinner="Sweeping the learning rate…", max_entries=32)
def _sweep(name: str, band: int, lrs: tuple, batch: int, epochs: int, seed: int, start: tuple) -> tuple:
    p = _problem(name, band)
    sweep = gd.lr_sweep(p, list(lrs), batch, epochs, seed, start)
    rows = [{"learning rate": r.lr, "verdict": v, "final loss": float(r.losses[-1]), "updates": len(r.params) - 1}
            for r, v in sweep]
    return figs.lr_sweep_figure(p, sweep), pd.DataFrame(rows)


st.title("Gradient descent: batch, mini-batch, stochastic")
st.caption("A two-parameter model, prediction = w·x + b, fitted to real data. Batch descent averages the "
           "gradient over every row before one step; stochastic descent steps after each row; mini-batch "
           "sits between. Same loss, same learning rate: only the rows per update change.")

c1, c2 = st.columns([3, 2])
name = c1.selectbox("Problem", list(PROBLEMS), format_func=PROBLEMS.get, key="gd_problem")
band = c2.slider("Sonar band used as input", 1, 59, 10, key="gd_band", disabled=name != "sonar",
                 help="The next band is the target. Neighbouring bands are correlated (r ≈ 0.6-0.9).")
band = band if name == "sonar" else 0
p = _problem(name, band)
best, crit = p.optimum(), p.critical_lr()
st.caption(f"**{p.title}** · {p.n} rows · {p.source_label}")
m1, m2, m3 = st.columns(3)
m1.metric("Best fit (w*, b*)", f"({best[0]:.3f}, {best[1]:.3f})")
m2.metric("Best possible loss", f"{float(p.loss(best)):.4f}")
m3.metric("Batch GD diverges above 2/λmax", f"{crit:.3g}",
          help="λmax is the largest eigenvalue of the loss's Hessian (at the optimum for logistic regression).")

d1, d2, d3 = st.columns(3)
w0 = d1.number_input("Start w", -50.0, 50.0, float(p.start[0]), key=f"gd_w0_{name}")
b0 = d2.number_input("Start b", -50.0, 50.0, float(p.start[1]), key=f"gd_b0_{name}")
seed = int(d3.number_input("Shuffle seed", 0, 10_000, 0, key="gd_seed"))
start = (float(w0), float(b0))

st.subheader("Batch vs mini-batch vs stochastic")
e1, e2, e3, e4, e5 = st.columns(5)
epochs = int(e1.number_input("Epochs", 1, 200, p.default_epochs, key=f"gd_epochs_{name}"))
batch = int(e2.select_slider("Mini-batch size", BATCH_SIZES, 16, key="gd_batch"))
lr_fmt = dict(min_value=1e-5, max_value=100.0, format="%g")
lrs = (("batch", e3.number_input("lr, batch", value=p.default_lr, step=0.01, key=f"gd_lr_b_{name}", **lr_fmt)),
       ("mini-batch", e4.number_input("lr, mini-batch", value=p.default_lr, step=0.01, key=f"gd_lr_m_{name}",
                                      **lr_fmt)),
       ("stochastic", e5.number_input("lr, stochastic", value=p.default_lr, step=0.01, key=f"gd_lr_s_{name}",
                                      **lr_fmt)))
loss_fig, path_fig, table = _variants(name, band, lrs, batch, epochs, seed, start)
with st.container(key="gd_curves"):
    st.plotly_chart(loss_fig, width="stretch", key="gd_loss")
st.caption("Per epoch, stochastic descent makes N updates and batch descent one; per update, batch descent "
           "is the most accurate; per millisecond it depends on how cheap one update is here (numpy, one "
           "core): with few rows the vectorised full batch is cheap, with many rows the early SGD updates win.")
with st.container(key="gd_paths"):
    st.plotly_chart(path_fig, width="stretch", key="gd_plane")
st.dataframe(table, hide_index=True, width="stretch", key="gd_table", column_config={
    "final loss": st.column_config.NumberColumn(format="%.5f"),
    "update work (ms)": st.column_config.NumberColumn(format="%.2f")})

gpu_view.section()  # the same network's training speed on one CPU thread, all threads, each GPU

st.subheader("Learning-rate sweep")
s1, s2, s3 = st.columns([4, 2, 1])
options = sorted(set(p.suggested_lrs()) | {1e-4, 1e-3, 0.01, 0.1, 1.0, 10.0})
chosen = s1.multiselect("Learning rates", options, default=p.suggested_lrs(), key=f"gd_sweep_lrs_{name}",
                        format_func=lambda v: f"{v:g}")
mode = s2.radio("Rows per update", ["all (batch)", "mini-batch", "one (stochastic)"], horizontal=True,
                key="gd_sweep_mode")
sweep_epochs = int(s3.number_input("Epochs", 1, 200, 30, key=f"gd_sweep_epochs_{name}"))
if not chosen:
    st.info("Pick at least one learning rate.")
    st.stop()
rows = {"all (batch)": p.n, "mini-batch": batch, "one (stochastic)": 1}[mode]
sweep_fig, sweep_table = _sweep(name, band, tuple(sorted(chosen)), rows, sweep_epochs, seed, start)
with st.container(key="gd_sweep"):
    st.plotly_chart(sweep_fig, width="stretch", key="gd_sweep_chart")
st.dataframe(sweep_table, hide_index=True, width="stretch", key="gd_sweep_table",
             column_config={"learning rate": st.column_config.NumberColumn(format="%g"),
                            "final loss": st.column_config.NumberColumn(format="%.5g")})
st.caption("Verdicts: *too small* went down steadily but not 90% of the way; *good* got there; *too large* "
           "bounced or overshot; *diverges* ended above its start. For linear regression batch descent "
           "diverges exactly above 2/λmax (the red line).")
