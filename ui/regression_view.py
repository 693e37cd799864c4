"""The results of a regression (an uploaded table with a numeric target): errors in the target's units and
two plots, predicted against actual and the residuals, where a classification shows its confusion matrix."""

from __future__ import annotations

from typing import Any

import streamlit as st

from synaptic_core.text_safety import md_escape


def _num(value: Any, fmt: str = ".4g") -> str:
    return format(value, fmt) if isinstance(value, (int, float)) else "—"


def regression(run_id: str, result: dict, events: list[dict]) -> None:
    """Test MAE, RMSE and R², the curves, predicted vs actual, residuals, the model and its download."""
    from synaptic_core.viz.regression import predicted_vs_actual, residuals
    from ui.export_view import model_download
    from ui.results import curves, model_summary

    points = result.get("regression") or {}
    target = str(points.get("target") or "")
    with st.container(key="results"):
        test = result.get("test") or {}
        cols = st.columns(4)
        cols[0].metric("Test MAE", _num(test.get("mae")), help="Mean absolute error, in the target's units.")
        cols[1].metric("Test RMSE", _num(test.get("rmse")), help="Root mean squared error, in the target's units.")
        cols[2].metric("Test R²", _num(test.get("r2"), ".3f"), help="1 = perfect; 0 = no better than always "
                                                                     "predicting the mean.")
        seconds = result.get("train_seconds")
        cols[3].metric("Training time", f"{seconds:.1f} s" if isinstance(seconds, (int, float)) else "—")
        st.caption(md_escape(result.get("source_label", "")))
        curves(events)
        if points.get("y_true"):
            with st.container(key="regression"):
                st.plotly_chart(predicted_vs_actual(points["y_true"], points["y_pred"], target),
                                key="regression_scatter", width="stretch")
                st.plotly_chart(residuals(points["y_true"], points["y_pred"], target), key="regression_residuals",
                                width="stretch")
        model_summary(events)
        model_download(run_id, result.get("model_path"))
