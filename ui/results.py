"""The results of a finished run: what happened to it (failed, interrupted, stopped), then for
classification the test metrics, confusion matrix, per-class accuracy, the misclassified
examples, the model summary and the trained model as a download (``ui/export_view.py``).

``finished(run_id, status)`` draws the header and those notes for any page and hands back the
result and events; each page draws its own figures from them (``classification`` here, the
ROC, forecast or samples on the sequence pages). Failed runs show why (the NaN message names
the epoch and batch); stopped runs say where they stopped and still show what the weights
learned so far can do. Run messages can quote outside text: they are shown escaped.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from synaptic_core.text_safety import md_escape, md_text
from ui.export_view import model_download
from ui.live import draw_boundary, fetch_events, last_event, run_spec
from ui.services import get_runner
from ui.summary import summary_table

log = logging.getLogger(__name__)
MISTAKES_WIDTH = 450  # screen pixels: the results column is 460 wide in a 1280-pixel window
MISTAKES_FIRST = 24  # shown at once; the rest in an expander


def _failure(status: Any, events: list[dict]) -> None:
    error = last_event(events, "error") or {}
    message = md_escape(error.get("message") or status.message or "no reason was recorded.")
    if status.state == "interrupted":
        st.warning(f"This run was interrupted (the server stopped while it ran): {message}")
        return
    st.error(f"The run failed: {message}")
    if error.get("kind") == "data":
        st.info("The bundled sample of this dataset ships with the app and always loads offline: "
                "set **Data source** to *bundled* under the dataset and train again.")
    elif error.get("kind") == "oom":
        st.info("Try a smaller batch size or a smaller model.")


def _stopped_message(result: dict, events: list[dict]) -> str:
    where = result.get("stopped_at") or last_event(events, "stopped") or {}
    epoch, batch = where.get("epoch"), where.get("batch")
    if epoch is None:
        return "Stopped — weights so far kept."
    return f"Stopped at epoch {int(epoch) + 1}, batch {md_escape(batch)} — weights so far kept."


def notes(run_id: str, status: Any, result: dict | None, events: list[dict]) -> None:
    """Why a run failed, that it was interrupted or stopped, or that it left nothing to show."""
    if status.state in ("failed", "interrupted"):
        _failure(status, events)
        from ui import resume  # interrupted with a checkpoint: continue from the last finished epoch

        resume.offer(run_id, status.state, getattr(status, "owner", None), key="results")
    if result is None:
        if status.state == "stopped":
            error = last_event(events, "error") or {}
            reason = error.get("message") or status.message
            st.warning(md_text("Run {} was stopped before it produced results", run_id)
                       + (f": {md_escape(reason)}" if reason else "."))
        elif status.state == "done":
            st.info(md_text("Run {} finished without a result to show.", run_id))
        curves(events)  # a killed or crashed run still shows the curves it drew
    elif result.get("stopped") or status.state == "stopped":
        st.warning(_stopped_message(result, events))


def finished(run_id: str, status: Any) -> tuple[dict | None, list[dict]]:
    """Header and notes of a finished run; returns its result (None: nothing more to show) and events."""
    runner = get_runner()
    events = fetch_events(runner, run_id)
    result = runner.result(run_id)
    st.subheader(f"Run {md_escape(run_id)}: {status.state}")
    notes(run_id, status, result, events)
    return result, events


def _misclassified(path: str | None, class_names: list[str]) -> None:
    if not path or not Path(path).is_file():
        return
    from synaptic_core.viz.images import image_grid, mistake_titles

    with np.load(path, allow_pickle=False) as data:
        x, y_true, y_pred, conf = data["x"], data["y_true"], data["y_pred"], data["confidence"]
    if len(x) == 0 or x.ndim < 3:
        return
    titles, hover = mistake_titles(y_true, y_pred, conf, class_names)
    st.markdown(f"**Misclassified test examples** ({len(x)}, the most confident first)")
    st.caption("Over each image: its true class, → what the model said, and how sure it was. "
               "Hover an image for the full text.")

    def grid(part: slice, key: str) -> None:
        # sized to fit the results column of a 1280-pixel window: a wider figure is squeezed, its pixels stretched
        st.plotly_chart(image_grid(x[part], titles[part], cols=8, zoom=3.0, max_width=MISTAKES_WIDTH,
                                   caption_chars=14, hover=hover[part]), key=key, width="content")

    grid(slice(0, MISTAKES_FIRST), "misclassified_chart")
    if len(x) > MISTAKES_FIRST:
        with st.expander(f"The other {len(x) - MISTAKES_FIRST}"):
            grid(slice(MISTAKES_FIRST, None), "misclassified_more_chart")


def curves(events: list[dict]) -> None:
    """The training curves of the whole run."""
    if any(e.get("type") in ("batch", "epoch") for e in events):
        from synaptic_core.viz import training_curves

        st.plotly_chart(training_curves(events), key="final_curves_chart", width="stretch")


def model_summary(events: list[dict]) -> None:
    """The layers of the trained model, from the run's ``model`` event."""
    model_event = last_event(events, "model")
    if model_event is not None:
        with st.expander(f"Model summary: {model_event.get('params', 0):,} parameters"):
            summary_table(model_event.get("summary", []), model_event.get("params"))


def classification(run_id: str, result: dict, events: list[dict]) -> None:
    """Test metrics, curves, boundary, confusion matrix, per-class accuracy, misclassified, download."""
    from synaptic_core.viz import confusion_heatmap, per_class_bar

    with st.container(key="results"):
        test = result.get("test") or {}
        cols = st.columns(4)
        cols[0].metric("Test accuracy", f"{test.get('accuracy', float('nan')):.2%}")
        cols[1].metric("Test loss", f"{test.get('loss', float('nan')):.4f}")
        cols[2].metric("Epochs run", result.get("epochs_run", "—"))
        seconds, rate = result.get("train_seconds"), result.get("samples_per_second")
        cols[3].metric("Training time", f"{seconds:.1f} s" if seconds is not None else "—",
                       help=f"{rate:,.0f} samples/s" if rate else None)
        st.caption(md_escape(result.get("source_label", "")))
        from synaptic_core.training.imbalance import describe  # rare classes: what resampling did

        if handling := describe(result.get("imbalance"), result.get("class_names")):
            st.caption(md_escape(handling))
        curves(events)
        if (boundary := last_event(events, "boundary")) is not None:
            draw_boundary(run_spec(run_id), boundary, result.get("class_names"), key="final_boundary_chart")
        names = list(result.get("class_names") or [])
        if result.get("binary") is not None:  # two classes: threshold slider, P/R/F1, PR curve
            from ui.threshold_view import binary_results
            binary_results(run_id, result, names)
        elif result.get("confusion") is not None:
            with st.container(key="confusion"):
                st.plotly_chart(confusion_heatmap(result["confusion"], names), key="confusion_chart",
                                width="stretch")
        if result.get("per_class_accuracy") is not None:
            st.plotly_chart(per_class_bar(result["per_class_accuracy"], names, overall=test.get("accuracy")),
                            key="per_class_chart", width="stretch")
        try:
            _misclassified(result.get("misclassified_path"), names)
        except (OSError, KeyError, ValueError) as exc:
            log.exception("misclassified examples of run %s", run_id)
            st.error(f"Could not read the misclassified examples: {md_escape(exc)}")
        model_summary(events)
        from ui import cnn_view  # a convolutional run: look inside it (TensorFlow only when opened)

        cnn_view.section(run_id, result, events)
        from ui import transfer_view  # fine-tune it on another set, against the same network from scratch

        transfer_view.section(run_id, result, events)
        model_download(run_id, result.get("model_path"))


def results_view(run_id: str, status: Any, result: dict | None, events: list[dict]) -> None:
    """Draw the outcome of a run that reached a final state (notes, then classification results)."""
    notes(run_id, status, result, events)
    if result is not None and result.get("regression") is not None:  # numbers: errors and scatter plots
        from ui.regression_view import regression
        regression(run_id, result, events)
    elif result is not None:
        classification(run_id, result, events)
