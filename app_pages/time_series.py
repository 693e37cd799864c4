"""Time series: predict the next value from a look-back window, then forecast past the end of the data.

The split is in time order and the min-max scaler sees only the training period, so the test
RMSE is an honest one. RMSE is shown in the data's own units beside the naive last-value
baseline, so a user sees at once whether the network learned more than "tomorrow = today".
"""

import logging

import numpy as np
import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui import data_widgets, export_view, results
from ui.controller import Form, TrainPage, run_page

log = logging.getLogger(__name__)

PAGE = TrainPage("ts", "app_pages/time_series.py", tasks=("series",), models=("lstm", "gru", "rnn", "mlp"),
                 default={"dataset": "airline-passengers"},
                 labels={"noise": "Noise (standard deviation)",
                         "train_ratio": "Share of the series used for training (in time order)"},
                 options={"cycle": (4.0, 6.0, 12.0, 25.0, 50.0, 100.0, 200.0), "units": (1, 2, 4, 8, 16, 32, 64, 128)})
# The Keras airline-passengers LSTM tutorial this page grew from: 4 units, one month of look-back.
TUTORIAL_SETUP = {"dataset": "airline-passengers", "model": "lstm", "units": 4, "look_back": 1, "epochs": 100,
                  "batch_size": 1, "train_ratio": 0.67, "validation_split": 0.0, "optimizer": "adam", "lr": 0.001,
                  "dropout": 0.0}
# docs/BENCHMARKS.md ("Sequences"): a year of look-back through one ReLU layer extrapolates the trend past
# the training maximum, where recurrent nets (tanh-bounded states) do not; measured over seeds 0-4.
BETTER = {**TUTORIAL_SETUP, "model": "mlp", "hidden": (32,), "activation": ("relu",), "look_back": 12, "epochs": 200,
          "batch_size": 4}
PRESETS = {"Original tutorial setup (LSTM 4, look-back 1, batch 1, 100 epochs)": TUTORIAL_SETUP,
           "Better: dense 32 ReLU over a 12-month window, batch 4, 200 epochs": BETTER}
UNITS = {"airline-passengers": "thousands of passengers", "sine": "value"}


@st.cache_data(max_entries=16, show_spinner=False)
def _values(dataset: str, n_points: int, cycle: float, noise: float, seed: int) -> np.ndarray:
    from synaptic_core.sequences.datasets import locate, read_series
    from synaptic_core.sequences.series import sine

    if dataset == "sine":
        return sine(n_points, cycle, noise, seed)
    return read_series(locate(dataset)[1])


def _series_data(form: Form, info) -> None:
    if info.name == "sine":
        form.param("noise")
        form.grid(("cycle", "n_points"))
    form.grid(("look_back", "horizon"))
    form.param("train_ratio")
    st.caption("**Scaling:** values are mapped to [0, 1] with the minimum and maximum of the *training* "
               "period only (MinMax, as in the original tutorial), so the test period cannot leak into "
               "training; predictions are mapped back, and every RMSE is in the data's own units.")


def _widgets(form: Form) -> None:
    data_widgets.tabs(form, data=_series_data)


def _preview(spec: RunSpec) -> None:
    """The series before training, with the train/test split marked."""
    from synaptic_core.viz.sequences import series_figure

    try:
        values = _values(spec.dataset, spec.n_points, spec.cycle, spec.noise, spec.seed)
    except Exception as exc:
        log.exception("reading %s", spec.dataset)
        st.error(md_text("Could not read {}: {}", spec.dataset, exc))
        return
    split = int(len(values) * spec.train_ratio)
    st.plotly_chart(series_figure(values, split, spec.look_back, [], [], unit=UNITS[spec.dataset], height=300),
                    key="series_preview", width="stretch")
    st.caption(f"{len(values)} values: the first {split} train the model, the last {len(values) - split} test it.")


def _results(run_id: str, status) -> None:
    from synaptic_core.viz.sequences import series_figure

    result, events = results.finished(run_id, status)
    if result is None:
        return
    unit = UNITS.get(result.get("dataset"), "value")
    train, test, naive = result["train"]["rmse"], result["test"]["rmse"], result["naive"]
    with st.container(key="results"):
        cols = st.columns(3)
        cols[0].metric("Train RMSE", f"{train:.2f}", f"{train - naive['train']:+.2f} vs naive", delta_color="inverse")
        cols[1].metric("Test RMSE", f"{test:.2f}", f"{test - naive['test']:+.2f} vs naive", delta_color="inverse")
        cols[2].metric("Naive test RMSE", f"{naive['test']:.2f}", help="Predict each value by the one before it "
                       f"(on the training period: {naive['train']:.2f}).")
        verdict = "beats" if test < naive["test"] else "does not beat"
        st.caption(f"RMSE in {unit}; the naive last-value baseline scores {naive['train']:.2f} (train) and "
                   f"{naive['test']:.2f} (test). On the test period the model {verdict} it. "
                   f"{result.get('epochs_run', 0)} epochs in {result.get('train_seconds', 0):.1f} s. "
                   + md_escape(result.get("source_label", "")))
        s = result["series"]
        with st.container(key="forecast"):
            st.plotly_chart(series_figure(s["values"], s["split"], s["look_back"], s["train_pred"], s["test_pred"],
                                          s["forecast"], unit=unit), key="series_chart", width="stretch")
        results.curves(events)
        results.model_summary(events)
        export_view.model_download(run_id, result.get("model_path"))


def _describe(run: dict) -> str:
    test = (run.get("result") or {}).get("test") or {}
    return f"test RMSE {test['rmse']:.2f}" if test.get("rmse") is not None else "—"


st.title("Time series")
st.caption("Monthly airline passengers or a noisy sine: a recurrent or dense network sees a window of past "
           "values and predicts the next one; fed its own predictions, it forecasts past the end.")
run_page(PAGE, _widgets, results_view=_results, describe=_describe, presets=PRESETS, preview=_preview)
