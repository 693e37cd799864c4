"""Optimizers on 2-D loss surfaces: the real keras.optimizers racing on a landscape you can see.

Each path is a keras optimizer stepping a tf.Variable (x, y) with autodiff gradients of the
surface: what model.fit does to weights, in two dimensions. All chosen optimizers run in
one traced TensorFlow loop (about a second for 12 x 300 steps), cached by their settings;
the animation then plays in the browser (Plotly frames) without rerunning this script.
"""

import math

import streamlit as st

from synaptic_core.labs.optim_paths import OPTIMIZERS, default_config, run_paths, summary_frame
from synaptic_core.labs.surfaces import SURFACES
from synaptic_core.viz import labs_optim as figs


@st.cache_data(show_spinner="Running the keras optimizers…", max_entries=32)
def _lab(surface: str, configs: tuple, start: tuple[float, float], steps: int, tol: float) -> tuple:
    s = SURFACES[surface]
    paths = run_paths(s, {name: dict(cfg) for name, cfg in configs}, start, steps, tol)
    seconds = next(iter(paths.values())).seconds
    return (figs.animated_paths(s, paths, start), figs.surface_3d(s, paths),
            figs.loss_per_step(s, paths, legend=False, height=560), summary_frame(paths, s), seconds)


def _step(value: float) -> float:
    """A widget step one decade below the value: 0.05 -> 0.001, 0.9 -> 0.01."""
    return 10.0 ** (math.floor(math.log10(abs(value))) - 1) if value else 0.01


def _optimizer_widgets(surface: str) -> dict[str, dict[str, float]]:
    """One bordered box per optimizer: enable, learning rate (default scaled to the surface), settings."""
    s, chosen = SURFACES[surface], {}
    cols = st.columns(4)
    for i, (name, info) in enumerate(OPTIMIZERS.items()):
        with cols[i % 4].container(border=True):
            on = st.checkbox(info.title, value=True, key=f"opt_on_{name}", help=info.blurb)
            lr0 = default_config(s, name)["learning_rate"]
            cfg = {"learning_rate": st.number_input(
                "learning rate", min_value=1e-6, max_value=10.0, value=lr0, step=_step(lr0), format="%g",
                key=f"opt_lr_{surface}_{name}", disabled=not on)}
            for setting in info.settings:
                cfg[setting.name] = st.number_input(
                    setting.label, min_value=setting.lo, max_value=setting.hi, value=setting.default,
                    step=_step(setting.default), format="%g", key=f"opt_{name}_{setting.name}",
                    help=setting.help, disabled=not on)
            if on:
                chosen[name] = cfg
    return chosen


st.title("Optimizers on loss surfaces")
st.caption("Every path is a real `keras.optimizers` instance stepping a `tf.Variable` (x, y) with the "
           "surface's autodiff gradient. Press **▶ Play** under the chart to watch them race; drag the slider "
           "to any step.")

c1, c2, c3, c4 = st.columns([3, 3, 1.2, 1.2])
surface = c1.selectbox("Surface", list(SURFACES), format_func=lambda n: SURFACES[n].title, key="opt_surface")
s = SURFACES[surface]
presets = [f"({x:g}, {y:g})" for x, y in s.starts] + ["custom"]
pick = c2.selectbox("Start point", presets, key=f"opt_start_{surface}")
steps = c3.number_input("Steps", 10, 3000, value=s.steps, step=50, key=f"opt_steps_{surface}")
tol = c4.number_input("Tolerance", 1e-4, 1.0, value=s.tol, format="%g", key=f"opt_tol_{surface}",
                      help="A path has reached a minimum when it is this close to it.")
if pick == "custom":
    d1, d2, _ = st.columns([1.5, 1.5, 5.4])
    (xlo, xhi), (ylo, yhi), (xs, ys) = s.x_range, s.y_range, s.starts[0]
    start = (float(d1.number_input("x0", float(xlo), float(xhi), float(xs), key=f"opt_x0_{surface}")),
             float(d2.number_input("y0", float(ylo), float(yhi), float(ys), key=f"opt_y0_{surface}")))
else:
    start = tuple(float(v) for v in s.starts[presets.index(pick)])

st.latex(s.latex)
st.caption(s.note)
with st.expander("Optimizers: on/off, learning rate and settings (defaults are scaled to this surface)"):
    configs = _optimizer_widgets(surface)

if not configs:
    st.info("Switch on at least one optimizer.")
    st.stop()

frozen = tuple((n, tuple(sorted(c.items()))) for n, c in configs.items())
anim, fig3d, loss, table, seconds = _lab(surface, frozen, start, int(steps), float(tol))

left, right = st.columns([3, 2])
with left:
    tab_anim, tab_3d = st.tabs(["Animated paths", "3-D surface"])
    with tab_anim:
        st.plotly_chart(anim, width="stretch", key="optim_anim")
    with tab_3d:
        st.plotly_chart(fig3d, width="stretch", key="optim_3d")
with right:
    st.plotly_chart(loss, width="stretch", key="optim_loss")
    st.caption(f"{len(configs)} optimizers x {int(steps)} steps computed in {seconds:.2f} s (TensorFlow, one "
               "traced loop; cached for these settings). Circles: first within the tolerance of a minimum; "
               "x: diverged.")

st.subheader("Who got there")
st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3, key="optim_table",
             column_config={
                 "learning rate": st.column_config.NumberColumn(format="%g"),
                 "final loss": st.column_config.NumberColumn(format="%.4g"),
                 "final distance": st.column_config.NumberColumn(format="%.3g")})
st.caption(f"'steps to minimum': the first step within {float(tol):g} of a known minimum. A path is cut and "
           "marked diverged at its first NaN/inf or when it flies more than 100 domain sizes away.")
