"""Activation functions: shapes and slopes (autodiff), vanishing gradients, dead units, a race.

The curves and the two depth measurements are small computations with Keras in this process
(about a second each, cached by their parameters). The race trains real networks, so each
activation's run is a job in the shared runner; a fragment polls their events every 0.5 s.
"""

import streamlit as st

from synaptic_core.labs import activations as acts
from synaptic_core.labs import vanishing
from synaptic_core.specs import ACTIVATIONS, RunSpec
from synaptic_core.viz import labs_activations as figs
from ui.services import get_runner, session_owner

RACE_KEY = "act_race"  # {label: run_id}
EVENTS_KEY = "act_race_events"  # {run_id: {"events": [...], "seq": n}}
from synaptic_core.jobs.base import FINAL  # noqa: E402 - the one definition of the final states


@st.cache_data(show_spinner="Asking Keras for its activations…")
def _names() -> tuple[str, ...]:
    return acts.elementwise_names()


@st.cache_data(show_spinner=False, max_entries=64)
def _curves(names: tuple[str, ...], lo: float, hi: float) -> list:
    x = acts.grid(lo, hi)
    return [acts.evaluate(n, x) for n in names]


@st.cache_data(show_spinner="Loading MNIST…")
def _mnist(n: int) -> tuple:
    from synaptic_core.data import load_dataset

    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=n, seed=0), fallback_to_bundled=True)
    return vanishing.flatten_images(ds.x_train), ds.y_train.astype("int64"), ds.source_label


@st.cache_data(show_spinner="Measuring gradients at initialisation…", max_entries=64)
def _grad_norms(names: tuple[str, ...], depth: int, width: int, init: str) -> dict:
    x, y, _ = _mnist(2000)
    return {n: vanishing.gradient_norms(n, depth, width, x[:256], y[:256], init).tolist() for n in names}


@st.cache_data(show_spinner="Training briefly and counting dead units…", max_entries=32)
def _dead(names: tuple[str, ...], depth: int, width: int, init: str, lr: float, epochs: int) -> list:
    x, y, _ = _mnist(2000)
    return [vanishing.dead_units(n, depth, width, x, y, x[:500], lr=lr, epochs=epochs, init=init) for n in names]


def _start_race(names: list[str], base: RunSpec) -> None:
    runner = get_runner()
    for run_id in st.session_state.get(RACE_KEY, {}).values():
        runner.cancel(run_id)
    st.session_state[RACE_KEY] = {n: runner.submit(base.replace(activation=(n,)), owner=session_owner())
                                  for n in names}
    st.session_state[EVENTS_KEY] = {}


def _stop_race() -> None:
    for run_id in st.session_state.get(RACE_KEY, {}).values():
        get_runner().cancel(run_id)


def _events(runner, run_id: str) -> list[dict]:
    kept = st.session_state.setdefault(EVENTS_KEY, {}).setdefault(run_id, {"events": [], "seq": 0})
    new = runner.events(run_id, since=kept["seq"])
    if new:
        kept["events"].extend(new)
        kept["seq"] = max(int(e.get("seq", 0)) for e in new)
    return kept["events"]


def race_view() -> None:
    """The race chart and each run's state, from the events so far."""
    runner, runs = get_runner(), st.session_state.get(RACE_KEY, {})
    events = {label: _events(runner, run_id) for label, run_id in runs.items()}
    states = {label: runner.status(run_id) for label, run_id in runs.items()}
    with st.container(key="race_curves"):
        st.plotly_chart(figs.race_figure(events), key="race_chart", width="stretch")
    st.caption(" · ".join(f"**{label}**: {s.state}" + (f" (queue position {s.position})" if s.state == "queued"
                                                        else "") for label, s in states.items()))
    for label, evs in events.items():
        err = next((e for e in evs if e.get("type") == "error"), None)
        if err:
            st.error(f"{label}: {err.get('message')}")
    if states and all(s.state in FINAL for s in states.values()) and st.session_state.get("act_race_live"):
        st.session_state["act_race_live"] = False
        st.rerun()


race_fragment = st.fragment(run_every=0.5)(race_view)

st.title("Activation functions")
st.caption("Every curve is Keras' own function; every slope is TensorFlow's automatic derivative.")
names = _names()
tab_shape, tab_depth, tab_race = st.tabs(["Shapes and slopes", "Vanishing gradients", "Training race"])

with tab_shape:
    chosen = st.multiselect("Activations", names, default=["relu", "sigmoid", "tanh", "gelu"], key="act_pick")
    c1, c2, c3 = st.columns([3, 1, 1])
    lo, hi = c1.slider("x range", -20.0, 20.0, (-5.0, 5.0), step=0.5, key="act_range")
    show_f = c2.checkbox("f(x)", value=True, key="act_show_f")
    show_df = c3.checkbox("f'(x)", value=True, key="act_show_df")
    if not chosen:
        st.info("Pick at least one activation.")
    elif hi <= lo:
        st.warning("The range needs two different ends.")
    else:
        curves = _curves(tuple(chosen), lo, hi)
        st.plotly_chart(figs.activation_figure(curves, show_f, show_df), key="act_chart", width="stretch")
        st.dataframe([{"activation": c.name, "what it is": acts.describe(c.name),
                       "f' range here": f"{c.dy.min():.3g} … {c.dy.max():.3g}",
                       "autodiff vs finite difference": f"{acts.derivative_error(c):.1e}"} for c in curves],
                     hide_index=True, width="stretch")
        st.caption("Last column: the largest gap between TensorFlow's derivative and a central finite "
                   "difference (f(x+h) − f(x−h)) / 2h of the same Keras function, away from kinks.")

with tab_depth:
    st.markdown("A deep dense net at **initialisation**, one batch of 256 MNIST images: how large is "
                "the gradient that reaches each layer's weights? Saturating activations shrink it layer by "
                "layer towards the input; the initialiser sets the scale.")
    deep = st.multiselect("Activations", names, default=["sigmoid", "tanh", "relu"], key="vg_pick")
    c1, c2, c3 = st.columns(3)
    depth = c1.slider("Hidden layers", 2, 30, 10, key="vg_depth")
    width = c2.select_slider("Units per layer", [16, 32, 64, 128, 256], value=64, key="vg_width")
    init = c3.selectbox("Initialiser", list(vanishing.INITIALIZERS), key="vg_init",
                        format_func=vanishing.INITIALIZERS.get)
    if deep:
        norms = _grad_norms(tuple(deep), depth, width, init)
        st.plotly_chart(figs.grad_norm_figure(norms), key="vg_chart", width="stretch")
        st.caption(f"Data: {_mnist(2000)[2]}.")
        st.subheader("Dead units after a short training")
        st.markdown("Plain SGD on 2,000 MNIST images. A unit is **dead** when its activation has zero "
                    "slope on all of 500 images: no gradient flows through it, so it never recovers.")
        c1, c2 = st.columns(2)
        lr = c1.select_slider("Learning rate", [0.01, 0.05, 0.1, 0.5, 1.0], value=0.5, key="vg_lr")
        epochs = c2.slider("Epochs", 1, 3, 1, key="vg_epochs")
        if st.button("Train and count dead units", key="vg_dead"):
            st.session_state["vg_dead_args"] = (tuple(deep), depth, width, init, lr, epochs)
        if args := st.session_state.get("vg_dead_args"):
            results = _dead(*args)
            st.plotly_chart(figs.dead_units_figure(results), key="vg_dead_chart", width="stretch")
            st.caption(" · ".join(f"{r.activation}: train accuracy {r.train_accuracy:.1%} ({r.seconds:.1f} s)"
                                  for r in results))
    else:
        st.info("Pick at least one activation.")

with tab_race:
    racers = st.multiselect("Activations (2 to 4)", ACTIVATIONS, default=["relu", "sigmoid", "tanh"],
                            max_selections=4, key="race_pick")
    slots = int(get_runner().queue().get("max_jobs") or 1)
    if slots >= len(racers):
        st.markdown("The same network on the same data, once per activation, each trained as its own job at "
                    "the same time.")
    else:  # say what really happens on a small server: the runs queue
        st.markdown(f"The same network on the same data, once per activation. This server trains {slots} "
                    f"run{'s' if slots > 1 else ''} at a time, so the runs take turns: compare the curves by "
                    "epoch, not by how soon each one appears.")
    c1, c2, c3, c4 = st.columns(4)
    hidden = c1.selectbox("Hidden layers", ["64", "64,64", "64,64,64", "128,128,128,128"], index=2, key="race_hidden")
    subset = c2.select_slider("Training images", [1000, 2000, 5000, 10000], value=2000, key="race_subset",
                              format_func=lambda n: f"{n:,}")
    epochs = c3.slider("Epochs", 1, 10, 3, key="race_epochs")
    lr = c4.select_slider("SGD learning rate", [0.01, 0.05, 0.1, 0.5], value=0.1, key="race_lr")
    base = RunSpec.from_mapping({"dataset": "mnist", "model": "mlp", "hidden": hidden, "subset": subset,
                                 "epochs": epochs, "optimizer": "sgd", "lr": lr, "batch_size": 64, "seed": 0})
    b1, b2 = st.columns(2)
    if b1.button("Start race", key="race_start", type="primary", disabled=not 2 <= len(racers) <= 4):
        try:
            _start_race(racers, base)
            st.session_state["act_race_live"] = True
        except Exception as exc:  # the runner refused a job: say why, keep the page usable
            st.error(f"Could not start the race: {exc}")
    b2.button("Stop race", key="race_stop", on_click=_stop_race, disabled=not st.session_state.get(RACE_KEY))
    if st.session_state.get(RACE_KEY):
        (race_fragment if st.session_state.get("act_race_live") else race_view)()
    else:
        st.info("Pick two to four activations and press Start race.")
