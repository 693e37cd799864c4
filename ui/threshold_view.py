"""A finished binary run: the decision-threshold slider, and what it changes.

The evaluation kept the test labels and P(class 1) (``scores_path``); moving the slider asks
the core (``synaptic_core.training.thresholds.report``) for the confusion matrix and each
class's precision, recall and F1 at that threshold, and marks it on the precision-recall
curve. Nothing is retrained and nothing is computed here: this file only draws.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from synaptic_core.text_safety import md_escape
from synaptic_core.training import thresholds

log = logging.getLogger(__name__)
SLIDER_KEY = "binary_threshold"


@st.cache_data(max_entries=16, show_spinner=False)
def _scores(path: str) -> tuple[Any, Any]:
    return thresholds.load_scores(path)


def _per_class_rows(report: dict, names: list[str]) -> list[dict[str, Any]]:
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1%}"

    return [{"class": str(names[c]) if c < len(names) else f"class {c}", "precision": pct(row["precision"]),
             "recall": pct(row["recall"]), "F1": "—" if row["f1"] is None else f"{row['f1']:.3f}",
             "test examples": row["support"]} for c, row in enumerate(report["per_class"])]


def binary_results(run_id: str, result: dict, names: list[str]) -> None:
    """Threshold slider, confusion matrix and per-class metrics at that threshold, PR curve with its AUC."""
    from synaptic_core.viz import confusion_heatmap
    from synaptic_core.viz.pr_curve import pr_curve_figure

    summary = result["binary"]
    names = names or ["class 0", "class 1"]
    scores = None
    if result.get("scores_path"):
        try:
            scores = _scores(str(result["scores_path"]))
        except (OSError, KeyError, ValueError) as exc:
            log.exception("test scores of run %s", run_id)
            st.warning(f"The test scores could not be read ({md_escape(exc)}): shown at threshold 0.5 only.")
    with st.container(key="threshold_view"):
        if scores is not None:
            threshold = st.slider(f"Decision threshold: predict '{md_escape(names[1])}' when its probability is at "
                                  "least", 0.01, 0.99, thresholds.DEFAULT_THRESHOLD, 0.01, key=SLIDER_KEY,
                                  help="Lower it to catch more of the rare class (higher recall, lower precision). "
                                       "The model is not retrained: its test scores are re-read.")
            report = thresholds.report(scores[0], scores[1], threshold)
        else:
            threshold, report = summary["threshold"], summary
        cols = st.columns(3)
        accuracy = report["accuracy"]
        cols[0].metric("Accuracy at this threshold", "—" if accuracy is None else f"{accuracy:.2%}")
        f1 = report["per_class"][1]["f1"]
        cols[1].metric(f"F1 of '{md_escape(names[1])}'", "—" if f1 is None else f"{f1:.3f}")
        auc = summary.get("pr_auc")
        cols[2].metric("PR-AUC", "—" if auc is None else f"{auc:.3f}",
                       help="Area under the precision-recall curve (average precision): does not depend on the "
                            "threshold.")
        st.dataframe(_per_class_rows(report, names), hide_index=True, key="per_class_metrics")
        with st.container(key="confusion"):
            st.plotly_chart(confusion_heatmap(report["confusion"], names), key="confusion_chart", width="stretch")
        curve = summary.get("pr_curve")
        if curve:
            row = report["per_class"][1]
            point = (row["recall"], row["precision"]) if row["precision"] is not None else None
            st.plotly_chart(pr_curve_figure(curve["precision"], curve["recall"], auc, names[1],
                                            summary.get("positive_rate"), point, threshold),
                            key="pr_curve_chart", width="stretch")
