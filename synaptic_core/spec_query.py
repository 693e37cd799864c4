"""Lenient parsing of a link's query string: the spec it describes, and what was wrong with it.

``RunSpec.from_query`` is strict (one bad value refuses the whole spec): right for the CLI and
JSON. A link is different: it may be hand-typed, truncated, or from an older version of the
app, and it should still open the page. ``parse_query`` keeps every good value, drops each bad
one back to its default, and says so, one ``SpecIssue`` per dropped parameter. It never
raises, whatever the query holds.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from synaptic_core.spec_values import ValueProblem, coerce, to_text
from synaptic_core.specs import PARAM_BY_NAME, RunSpec, SpecIssue, value_issue

MAX_ROUNDS = 8  # dropping a value can only remove issues; a few rounds settle any query


def _text(name: str, spec: RunSpec) -> str:
    p = PARAM_BY_NAME[name]
    return to_text(p.kind, getattr(spec, name)) or "(none)"


def _dropped(issue: SpecIssue, fallback: RunSpec) -> SpecIssue:
    """The issue, reworded for a link: the value falls back to the default."""
    return SpecIssue(issue.param, f"Link parameter {issue.message.rstrip('.')}; using the default "
                                  f"{_text(issue.param, fallback)}.")


def parse_query(query: Mapping[str, Any], known_datasets: Iterable[str] | None = None,
                known_models: Iterable[str] | None = None,
                fallback: RunSpec | None = None) -> tuple[RunSpec, list[SpecIssue]]:
    """The spec a URL describes, and one issue per bad value (which falls back to its default).

    Keys that are not parameters (``run``, ``page``) are ignored. Values that cannot be read
    (``lr=fast``, ``epochs=inf``) and values that break a rule (out of range, unknown dataset,
    too few classes) are dropped alike. A dropped value takes its value in ``fallback`` (a
    page's opening spec; by default the table's defaults); parameters the link does not name
    keep the table's defaults, so ``spec.to_query()`` round-trips.
    """
    fallback = fallback or RunSpec()
    values: dict[str, Any] = {}
    issues: list[SpecIssue] = []
    for key, raw in query.items():
        p = PARAM_BY_NAME.get(key) if isinstance(key, str) else None
        if p is None:
            continue
        try:
            values[key] = coerce(p.kind, raw)
        except ValueProblem as exc:
            issues.append(_dropped(value_issue(p, raw, exc), fallback))
    datasets = list(known_datasets) if known_datasets is not None else None
    models = list(known_models) if known_models is not None else None
    for _ in range(MAX_ROUNDS):
        bad = [i for i in RunSpec.from_mapping(values).issues(datasets, models) if i.param in values]
        if not bad:
            break
        for issue in bad:
            if issue.param in values:
                del values[issue.param]
                issues.append(_dropped(issue, fallback))
    else:  # cannot happen with the rules we have; never hand back a spec with issues from the link
        values.clear()
    filled = {i.param: getattr(fallback, i.param) for i in issues if i.param not in values}
    spec = RunSpec.from_mapping({**values, **filled})
    clash = {i.param for i in spec.issues(datasets, models)} & set(filled)
    if clash:  # the fallback's value does not fit the link's others: the table default does
        spec = RunSpec.from_mapping({**values, **{k: v for k, v in filled.items() if k not in clash}})
    return spec, issues


__all__ = ["parse_query"]
