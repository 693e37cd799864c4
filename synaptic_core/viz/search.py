"""Figures of a hyperparameter search and of the learning-rate finder: a study in, Plotly figures out.

Optuna's own ``optuna.visualization`` draws the history, parallel coordinates, importance, slice
and contour plots well, so those are used as they are (with our titles, the objective's name and
a message instead of a blank plot while there is too little to draw). Two are our own:

* ``intermediate_figure``: every trial's validation curve by epoch. Optuna's version draws pruned
  and complete trials alike; a student should *see* pruning cut curves short, so pruned trials
  are red, dashed and end in a cross at the epoch they were stopped ("pruned at epoch 2").
* ``lr_finder_figure``: loss against learning rate (log axis), raw and smoothed, with the
  suggested rate marked.

The importance is PED-ANOVA (Optuna 5's default, pinned here so it cannot change under us; it
needs no scikit-learn), asked which parameters matter to reach the top quarter of trials (the
default top tenth is one or two trials in a small study).

Optuna and Plotly's figure factory are imported inside the functions: the Streamlit process pays
for them only when a search page draws.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import plotly.graph_objects as go

from .style import COMPACT_MARGIN, MEAN_COLOR, TRAIN_COLOR, VAL_COLOR

PRUNED_COLOR = "#d62728"
RUNNING_COLOR = "#2ca02c"
DONE_COLOR = TRAIN_COLOR
IMPORTANCE_QUANTILE = 0.25


def _objective_name(study: Any) -> str:
    from synaptic_core.search.storage import config_of

    try:
        objective = config_of(study).objective
    except ValueError:
        return "Objective value"
    return {"val_accuracy": "Validation accuracy", "val_loss": "Validation loss"}.get(objective, objective)


def message_figure(message: str, title: str = "") -> go.Figure:
    """An empty figure that says why it is empty (too few trials yet...)."""
    fig = go.Figure()
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=14, color="#666666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, margin=COMPACT_MARGIN, height=320)
    return fig


def _complete(study: Any) -> list[Any]:
    return [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]


def _optuna_plot(name: str, study: Any, title: str, **kwargs: Any) -> go.Figure:
    import optuna.visualization as ov

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "too few trials" and experimental notices: our message says it
        fig = getattr(ov, name)(study, **kwargs)
    fig.update_layout(title=title, margin=COMPACT_MARGIN)
    return fig


def history_figure(study: Any) -> go.Figure:
    """Each complete trial's value by trial number, and the best so far."""
    if not _complete(study):
        return message_figure("No trial has finished yet.", "Optimisation history")
    return _optuna_plot("plot_optimization_history", study, "Optimisation history",
                        target_name=_objective_name(study))


def parallel_figure(study: Any) -> go.Figure:
    """Parallel coordinates: every complete trial as a line through its parameter values to its value."""
    if len(_complete(study)) < 2:
        return message_figure("Parallel coordinates appear after two finished trials.", "Parallel coordinates")
    return _optuna_plot("plot_parallel_coordinate", study, "Parallel coordinates",
                        target_name=_objective_name(study))


def importances(study: Any) -> dict[str, float]:
    """``{param: importance}`` (normalised, largest first); {} with fewer than three complete trials."""
    import optuna
    from optuna.importance import PedAnovaImportanceEvaluator

    if len(_complete(study)) < 3:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(optuna.importance.get_param_importances(
            study, evaluator=PedAnovaImportanceEvaluator(target_quantile=IMPORTANCE_QUANTILE)))


def importance_figure(study: Any) -> go.Figure:
    """Which parameters mattered to reach the best quarter of trials (PED-ANOVA), as bars."""
    from optuna.importance import PedAnovaImportanceEvaluator

    if len(_complete(study)) < 3:
        return message_figure("Parameter importance appears after three finished trials.", "Parameter importance")
    return _optuna_plot("plot_param_importances", study, "Parameter importance",
                        evaluator=PedAnovaImportanceEvaluator(target_quantile=IMPORTANCE_QUANTILE),
                        target_name=_objective_name(study))


def slice_figure(study: Any) -> go.Figure:
    """One panel per parameter: each trial's value against that parameter's value."""
    if not _complete(study):
        return message_figure("No trial has finished yet.", "Slice plot")
    return _optuna_plot("plot_slice", study, "Slice plot", target_name=_objective_name(study))


def contour_figure(study: Any, params: Sequence[str] | None = None) -> go.Figure:
    """The value over pairs of parameters (two chosen ones, or every pair)."""
    names = list(params) if params else sorted({p for t in _complete(study) for p in t.params})
    if len(names) < 2:
        return message_figure("A contour plot needs two varied parameters.", "Contour plot")
    if len(_complete(study)) < 3:
        return message_figure("The contour plot appears after three finished trials.", "Contour plot")
    return _optuna_plot("plot_contour", study, "Contour plot", params=names, target_name=_objective_name(study))


def intermediate_figure(study: Any) -> go.Figure:
    """Every trial's objective by epoch; pruned trials red and dashed, cut short with a cross."""
    from synaptic_core.search.results import curves

    rows = [c for c in curves(study) if c["values"]]
    fig = go.Figure()
    if not rows:
        return message_figure("No epoch has finished yet.", "Learning curves of every trial")
    for c in rows:
        pruned = c["state"] == "pruned"
        running = c["state"] == "running"
        color = PRUNED_COLOR if pruned else RUNNING_COLOR if running else DONE_COLOR if c["state"] == "complete" \
            else MEAN_COLOR
        label = f"trial {c['trial']}" + (f" (pruned at epoch {c['pruned_at']})" if pruned else
                                          " (running)" if running else "" if c["state"] == "complete"
                                          else f" ({c['state']})")
        params = ", ".join(f"{k}={_short(v)}" for k, v in c["params"].items())
        fig.add_trace(go.Scatter(
            x=c["epochs"], y=c["values"], mode="lines+markers" if len(c["values"]) == 1 else "lines", name=label,
            line=dict(color=color, width=1.5, dash="dash" if pruned else "solid"),
            opacity=0.9 if not pruned else 0.75, legendgroup=c["state"], showlegend=False,
            hovertemplate=f"{label}<br>{params}<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>"))
        if pruned:
            fig.add_trace(go.Scatter(x=c["epochs"][-1:], y=c["values"][-1:], mode="markers", showlegend=False,
                                     marker=dict(symbol="x", size=10, color=PRUNED_COLOR), hoverinfo="skip"))
    for state, color, dash in (("complete", DONE_COLOR, "solid"), ("pruned", PRUNED_COLOR, "dash"),
                               ("running", RUNNING_COLOR, "solid")):
        if any(c["state"] == state for c in rows):  # one legend entry per kind, not per trial
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=state,
                                     line=dict(color=color, dash=dash)))
    fig.update_layout(title="Learning curves of every trial (pruned ones stop early)", margin=COMPACT_MARGIN,
                      xaxis_title="Epoch", yaxis_title=_objective_name(study), legend=dict(orientation="h", y=-0.2),
                      uirevision="search-curves")
    fig.update_xaxes(dtick=1)
    return fig


def lr_finder_figure(lrs: Sequence[float], losses: Sequence[float | None], smoothed: Sequence[float] | None = None,
                     suggested: float | None = None) -> go.Figure:
    """Loss against learning rate (log axis): each batch's loss faint, the smoothed curve bold, the
    suggested rate as a vertical line."""
    if not lrs:
        return message_figure("The sweep has not reported yet.", "Learning-rate finder")
    from synaptic_core.training.lr_find import smooth

    pairs = [(lr, v) for lr, v in zip(lrs, losses) if v is not None and math.isfinite(v)]
    sm = list(smoothed) if smoothed else smooth([v for _, v in pairs])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[p[0] for p in pairs], y=[p[1] for p in pairs], mode="lines", name="batch loss",
                             line=dict(color=TRAIN_COLOR, width=1), opacity=0.35,
                             hovertemplate="lr %{x:.3g}: loss %{y:.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[p[0] for p in pairs][:len(sm)], y=sm, mode="lines", name="smoothed",
                             line=dict(color=VAL_COLOR, width=2.5),
                             hovertemplate="lr %{x:.3g}: smoothed %{y:.4f}<extra></extra>"))
    if sm:
        top = min(max(sm[: max(1, len(sm) // 10)]) * 1.5, max(sm))  # the blow-up at the end may not flatten the view
        fig.update_yaxes(range=[min(sm) * 0.9 if min(sm) > 0 else min(sm) - 0.1, top])
    if suggested is not None:
        fig.add_vline(x=suggested, line=dict(color=PRUNED_COLOR, dash="dash"),
                      annotation_text=f"suggested {suggested:.2g}", annotation_position="top")
    fig.update_xaxes(type="log", title="Learning rate (log scale)")
    fig.update_layout(title="Learning-rate finder: loss while the rate grows", yaxis_title="Loss",
                      margin=COMPACT_MARGIN, legend=dict(orientation="h", y=-0.25))
    return fig


def _short(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def study_figures(study: Any) -> dict[str, go.Figure]:
    """Every study figure by name (what a page draws; what a test checks builds)."""
    return {"history": history_figure(study), "intermediate": intermediate_figure(study),
            "parallel": parallel_figure(study), "importance": importance_figure(study),
            "slice": slice_figure(study), "contour": contour_figure(study)}
