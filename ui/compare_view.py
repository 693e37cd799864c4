"""The Runs page's Compare section: 2–10 runs side by side.

Learning curves overlaid (one colour per run, hover names what sets each run apart), the spec
diff table (only the parameters that differ), parallel coordinates of those parameters against
the chosen metric, and one parameter's groups with mean ± std of the metric (three seeds of each
learning rate -> one point and an error bar per rate). Data from ``synaptic_core.runs.compare``,
figures from ``synaptic_core.viz.compare``; this file only reads the store and lays them out.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import streamlit as st

from synaptic_core.runs import compare
from synaptic_core.runs.table import history_of, param_label, value_text
from synaptic_core.text_safety import md_text
from ui.services import get_store

VALUE_KEY = "compare_value"
GROUP_KEY = "compare_group"


def histories(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[dict]]:
    """Per-epoch values of each run: the stored result's history, else its ``epoch`` events so far."""
    store, out = get_store(), {}
    for row in rows:
        run = store.get_run(row["run_id"]) or {}
        events = None if (run.get("result") or {}).get("history") else store.events(row["run_id"], types=["epoch"])
        out[row["run_id"]] = history_of(run, events)
    return out


def single_curve(row: Mapping[str, Any]) -> None:
    """One run's per-epoch curves (the shared-run card)."""
    from synaptic_core.viz.compare import overlaid_curves

    curve = compare.curves([row], histories([row]))
    if curve and curve[0].epochs:
        st.plotly_chart(overlaid_curves(curve, title="Per-epoch curves"), key="shared_curves_chart", width="stretch")


def _metric_label(rows: Sequence[Mapping[str, Any]], which: str) -> tuple[str, bool, bool]:
    """(label, higher is better, shown as a percentage) of the chosen value over these runs."""
    metrics = {r.get("metric") for r in rows}
    metric = metrics.pop() if len(metrics) == 1 else "metric"
    higher = all(r.get("higher_better", True) for r in rows)
    return f"{compare.VALUE_CHOICES[which]} {metric}", higher, metric == "accuracy"


def compare_runs(rows: Sequence[Mapping[str, Any]]) -> None:
    """The whole Compare section for the selected runs."""
    from synaptic_core.viz.compare import group_figure, overlaid_curves, parallel_coordinates

    problem = compare.check_count(len(rows))
    if problem:
        st.info(problem)
        return
    st.subheader(f"Compare {len(rows)} runs")
    if len({r.get("metric") for r in rows}) > 1:
        st.warning("These runs are judged by different metrics (accuracy and loss): their values are not comparable.")
    curves = compare.curves(rows, histories(rows))
    with st.container(key="compare_curves"):
        st.plotly_chart(overlaid_curves(curves), key="compare_curves_chart", width="stretch")
    st.caption("Solid: validation, dashed: training; one colour per run. Hover a point for the run's settings.")

    diff = compare.spec_diff(rows)
    st.markdown("**Settings that differ**")
    if diff:
        import pandas as pd

        frame = pd.DataFrame({c.label: [value_text(v[i]) for v in diff.values()] for i, c in enumerate(curves)},
                             index=[param_label(p) for p in diff])
        with st.container(key="compare_diff"):
            st.dataframe(frame, width="stretch")
    else:
        st.caption("Every setting is the same: these runs differ only by chance.")

    which = st.selectbox("Metric for the charts below", list(compare.VALUE_CHOICES), key=VALUE_KEY,
                         format_func=lambda k: _metric_label(rows, k)[0].capitalize())
    metric_label, higher, percent = _metric_label(rows, which)
    params = [p for p in diff if p not in ("dataset", "model")] or list(diff)
    if params:
        values = [r.get(which) for r in rows]
        fig = parallel_coordinates(rows, params, values, metric_label, higher, {p: param_label(p) for p in params})
        st.plotly_chart(fig, key="compare_parcoords_chart", width="stretch")
    group_by = compare.group_params(rows)
    if not group_by:
        return
    param = st.selectbox("Group by", group_by, key=GROUP_KEY, format_func=param_label,
                         help="Runs with the same value of this setting form a group: its mean ± standard deviation.")
    groups = compare.group_stats(rows, param, which)
    st.plotly_chart(group_figure(groups, param_label(param), metric_label, percent), key="compare_groups_chart",
                    width="stretch")
    import pandas as pd

    st.dataframe(pd.DataFrame([{param_label(param): g.text, "runs": len(g.run_ids), f"mean {metric_label}": g.mean,
                                "std": g.std} for g in groups]), hide_index=True, width="stretch")
    if any(g.n < 2 for g in groups):
        st.caption(md_text("A group of one run has no spread: train again with another seed to see how much "
                           "{} varies by chance.", metric_label))
