"""Under the hood: softmax regression written from scratch in NumPy, trained live on MNIST.

Why a thread and not a job: the job runner trains Keras models described by a RunSpec; this
model is thirty lines of NumPy. It runs in a ``ScratchRun`` thread owned by this session
(kept in st.session_state): NumPy's matrix products release the GIL, it touches no Keras or
TensorFlow global state, and the script thread never blocks; a fragment polls its per-epoch
results. The same model in Keras (one Dense softmax layer, SGD) runs as a normal job beside it.
"""

import inspect

import streamlit as st

from synaptic_core.labs import softmax_scratch as S
from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_text
from synaptic_core.viz import labs_scratch as figs
from ui.services import get_runner, session_owner

RUN_KEY = "scratch_run"  # the ScratchRun of this session
KERAS_KEY = "scratch_keras"  # {"run_id": ..., "events": [...], "seq": n}
from synaptic_core.jobs.base import FINAL  # noqa: E402 - the one definition of the final states
STEPS = [
    (S.softmax, r"\mathrm{softmax}(z)_k = \frac{e^{z_k - \max_j z_j}}{\sum_c e^{z_c - \max_j z_j}}"),
    (S.forward, r"P = \mathrm{softmax}(XW + b)"),
    (S.cross_entropy, r"L = -\frac1n \sum_i \log P_{i,y_i}"),
    (S.gradients, r"\frac{\partial L}{\partial Z} = \frac{P - Y}{n},\qquad "
                  r"\frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Z},\qquad "
                  r"\frac{\partial L}{\partial b} = \sum_i \frac{\partial L}{\partial Z_i}"
                  r"\qquad (Y: \text{one-hot labels})"),
    (S.sgd_step, r"W \leftarrow W - \eta\,\frac{\partial L}{\partial W},\qquad "
                 r"b \leftarrow b - \eta\,\frac{\partial L}{\partial b}"),
]


@st.cache_resource(show_spinner="Loading MNIST…", max_entries=4)
def _data(subset: int) -> dict:
    """Flattened [0, 1] arrays, shared read-only by every session (no copy per rerun)."""
    from synaptic_core.data import load_dataset

    ds = load_dataset(RunSpec().replace(dataset="mnist", subset=subset, seed=0), fallback_to_bundled=True)
    return {"X": S.prepare(ds.x_train), "y": ds.y_train.astype("int64"), "X_test": S.prepare(ds.x_test),
            "y_test": ds.y_test.astype("int64"), "label": ds.source_label, "classes": list(ds.class_names),
            "n_train": len(ds.y_train)}


def _start(subset: int, epochs: int, lr: float, batch: int, with_keras: bool) -> None:
    old = st.session_state.get(RUN_KEY)
    if old is not None:
        old.stop()
    d = _data(subset)
    st.session_state[RUN_KEY] = S.ScratchRun(epochs, lr, batch).start(d["X"], d["y"], d["X_test"], d["y_test"])
    st.session_state[KERAS_KEY] = None
    if with_keras:
        spec = RunSpec.from_mapping({"dataset": "mnist", "model": "logreg", "optimizer": "sgd", "lr": lr,
                                     "batch_size": batch, "epochs": epochs, "subset": subset,
                                     "validation_split": 0.0, "seed": 0})
        try:
            st.session_state[KERAS_KEY] = {"run_id": get_runner().submit(spec, owner=session_owner()),
                                           "events": [], "seq": 0}
        except Exception as exc:  # the NumPy run goes on; only the comparison is missing
            st.error(md_text("Could not start the Keras comparison job: {}", exc))


def _stop() -> None:
    if (run := st.session_state.get(RUN_KEY)) is not None:
        run.stop()
    if keras_run := st.session_state.get(KERAS_KEY):
        get_runner().cancel(keras_run["run_id"])


def _keras_state() -> tuple[list[dict], str | None]:
    """The Keras job's events so far (fetched incrementally) and its state, if there is one."""
    k = st.session_state.get(KERAS_KEY)
    if not k:
        return [], None
    runner = get_runner()
    new = runner.events(k["run_id"], since=k["seq"])
    if new:
        k["events"].extend(new)
        k["seq"] = max(int(e.get("seq", 0)) for e in new)
    return k["events"], runner.status(k["run_id"]).state


def _templates(run: S.ScratchRun, n_epochs: int):
    """The templates figure, rebuilt only when a new epoch has finished (the fragment ticks faster)."""
    cached = st.session_state.get("scratch_tmpl")
    if not cached or cached[0] is not run or cached[1] != n_epochs:
        fig = figs.templates_figure(run.weights[0], st.session_state.get("scratch_classes", []))
        st.session_state["scratch_tmpl"] = cached = (run, n_epochs, fig)
    return cached[2]


def live_view() -> None:
    run = st.session_state[RUN_KEY]
    keras_events, keras_state = _keras_state()
    hist = [h.as_dict() for h in run.history]
    with st.container(key="scratch_progress"):
        st.progress(len(hist) / run.epochs, text=f"NumPy: epoch {len(hist)} of {run.epochs}"
                    + (f" · test accuracy {hist[-1]['test_accuracy']:.2%} · {hist[-1]['t']:.1f} s" if hist else "")
                    + (f" · Keras job: {keras_state}" if keras_state else ""))
    if run.error:
        st.error(md_text("Training stopped: {}", run.error))
    with st.container(key="scratch_curves"):
        st.plotly_chart(figs.scratch_accuracy_figure(hist, keras_events), key="scratch_chart", width="stretch")
    if run.weights is not None:
        st.markdown("**The ten learned templates** (each class's column of W as an image: red pixels vote "
                    "for the class, blue against)")
        st.plotly_chart(_templates(run, len(hist)), key="scratch_templates", width="stretch")
    if hist:
        st.dataframe(hist, hide_index=True, width="stretch", height=min(36 * (len(hist) + 1), 300))
    res = next((e.get("result", e) for e in keras_events if e.get("type") == "result"), None)
    if res and res.get("test"):
        st.caption(f"Keras (Dense softmax, Glorot init, SGD, same data): test accuracy {res['test']['accuracy']:.2%} "
                   f"after {res.get('epochs_run')} epochs in {res.get('train_seconds', 0):.1f} s.")
    done = not run.running and (keras_state is None or keras_state in FINAL)
    if done and st.session_state.get("scratch_live"):
        st.session_state["scratch_live"] = False
        st.rerun()


live_fragment = st.fragment(run_every=1.0)(live_view)  # an epoch takes about a second

st.title("Under the hood: softmax regression from scratch")
st.markdown("Logistic regression for ten classes with nothing hidden: 784 pixels in, ten class scores out, "
            "trained by mini-batch gradient descent. Five small NumPy functions do all of it.")
with st.expander("The maths and the code", expanded=True):
    for fn, tex in STEPS:
        st.latex(tex)
        st.code(inspect.getsource(fn), language="python")
    st.caption("Weights start at zero (the loss is convex, so the start only changes the first steps). "
               "Pixels are divided by 255. The gradient these functions compute matches TensorFlow's "
               "automatic differentiation of the same forward pass, which the project's tests check.")

c1, c2, c3, c4 = st.columns(4)
n_all = _data(0)["n_train"]  # what the source really has: 60,000 with full MNIST, 10,000 bundled
sizes = [n for n in (1000, 5000, 10000, 30000) if n < n_all] + [n_all]
subset = c1.select_slider("Training images", sizes, value=n_all, key="scratch_subset",
                          format_func=lambda n: f"{n:,}", help="How many MNIST training images the model sees.")
epochs = c2.slider("Epochs", 1, 40, 20, key="scratch_epochs")
lr = c3.select_slider("Learning rate", [0.001, 0.01, 0.05, 0.1, 0.5, 1.0], value=0.1, key="scratch_lr")
batch = c4.select_slider("Batch size", [10, 50, 100, 500, 1000], value=100, key="scratch_batch")
with_keras = st.checkbox("Also train the same model in Keras (a job) for comparison", value=True,
                         key="scratch_with_keras")
data = _data(subset)
st.caption(f"Data: {data['label']}.")
b1, b2 = st.columns(2)
if b1.button("Train from scratch", key="scratch_train", type="primary"):
    _start(subset, epochs, lr, batch, with_keras)
    st.session_state["scratch_classes"] = data["classes"]
    st.session_state["scratch_live"] = True
b2.button("Stop", key="scratch_stop", on_click=_stop, disabled=st.session_state.get(RUN_KEY) is None)
if st.session_state.get(RUN_KEY) is not None:
    (live_fragment if st.session_state.get("scratch_live") else live_view)()
else:
    st.info("Press Train: these settings (learning rate 0.1, batch 100, 20 epochs) reach about 92% "
            "test accuracy on full MNIST.")
