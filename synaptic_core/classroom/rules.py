"""What a student may train in a class, decided on the server: locked and hidden values, the class's limits.

Why here and not in the widgets: a disabled widget is a courtesy; the URL, a second tab or a crafted
request can carry any value. So every spec a student's page would queue passes :func:`enforce` (the
page controller calls it on every script run, i.e. also in the run where Train was pressed, just
before queueing): each locked or hidden parameter is put back to the teacher's value, epochs above
the class's maximum are lowered to it (each with a note saying so), and what cannot be fixed for the
student (a model over the class's parameter limit, no runs left) is a problem that keeps Train off.

A class link's URL carries only the class token and the free parameters that differ from the
class's spec (:func:`url_query`); :func:`spec_from_query` reads it back, ignoring locked or hidden
values with a note. Plain functions, no Streamlit; every message is plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from synaptic_core.spec_values import to_text
from synaptic_core.specs import PARAM_BY_NAME, PARAMS, RunSpec

from .classes import Class

CLASS_KEY = "class"  # the URL parameter that holds the class token


@dataclass
class Enforced:
    """The spec a student may train, what was changed on the way (notes) and what blocks Train (problems)."""

    spec: RunSpec
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _show(name: str, value: Any) -> str:
    return to_text(PARAM_BY_NAME[name].kind, value) or "(none)"


def _title(name: str) -> str:
    return PARAM_BY_NAME[name].title


def enforce(klass: Class, spec: RunSpec, runs_used: int = 0) -> Enforced:
    """``spec`` with the class's locked and hidden values and its limits applied (see the module docstring)."""
    notes: list[str] = []
    fixed = {}
    for name in sorted(klass.fixed):
        theirs, mine = getattr(klass.spec, name), getattr(spec, name)
        if theirs != mine:
            fixed[name] = theirs
            if name in klass.locked:
                notes.append(f"{_title(name)} is set by the teacher to {_show(name, theirs)}; "
                             f"{_show(name, mine)} was not used.")
            else:
                notes.append(f"{_title(name)} is set by the teacher in this class; your value was not used.")
    out = spec.replace(**fixed) if fixed else spec
    limits = klass.limits
    if limits.max_epochs and out.epochs > limits.max_epochs:
        notes.append(f"Epochs: this class allows at most {limits.max_epochs}; {out.epochs} was lowered to "
                     f"{limits.max_epochs}.")
        out = out.replace(epochs=limits.max_epochs)
    problems = out.errors()
    if limits.max_params:
        params = model_params(out)
        if params is not None and params > limits.max_params:
            problems.append(f"This model has {params:,} parameters; this class allows at most "
                            f"{limits.max_params:,}. Use fewer or smaller layers.")
    if limits.runs_per_student and runs_used >= limits.runs_per_student:
        problems.append(f"You have used all {limits.runs_per_student} runs this class allows per student.")
    return Enforced(out, notes, problems)


def model_params(spec: RunSpec) -> int | None:
    """The parameter count of the spec's model, from arithmetic (no Keras); None when it cannot be told."""
    from synaptic_core.models.size import estimate, expected_data

    try:
        data = expected_data(spec)
        size = estimate(spec, data) if data is not None else None
    except Exception:  # an estimate that cannot be made: the worker counts the built model anyway
        return None
    return None if size is None else int(size.params)


def url_query(klass: Class, spec: RunSpec, run_id: str | None = None) -> dict[str, str]:
    """The address bar of a class page: the token, the free values that differ from the class's, the run."""
    query = {CLASS_KEY: klass.id}
    for p in PARAMS:
        if p.name in klass.fixed:
            continue
        mine = getattr(spec, p.name)
        if mine != getattr(klass.spec, p.name):
            query[p.name] = to_text(p.kind, mine)
    if run_id:
        query["run"] = run_id
    return query


def spec_from_query(klass: Class, query: Mapping[str, Any], known_datasets: Iterable[str] | None = None,
                    known_models: Iterable[str] | None = None) -> tuple[RunSpec, list[str]]:
    """The spec a class link describes: the class's spec with the link's free values; notes in plain text.

    Never raises: a bad value keeps the class's (with a note, as ``parse_query`` words it), a locked or
    hidden one is ignored (with a note when it differs from the teacher's).
    """
    from synaptic_core.spec_query import parse_query

    free = {k: v for k, v in query.items() if k in PARAM_BY_NAME and k not in klass.fixed}
    parsed, issues = parse_query(free, known_datasets, known_models, fallback=klass.spec)
    dropped = {i.param for i in issues}
    notes = [i.message for i in issues]
    values = {k: getattr(parsed, k) for k in free if k not in dropped}
    spec = klass.spec.replace(**values) if values else klass.spec
    clash = {i.param for i in spec.issues(known_datasets, known_models)} & set(values)
    if clash:  # the link's values do not fit the class's others: keep the class's
        notes += [f"Link parameter {_title(n)} does not fit this class's settings; using the class's value."
                  for n in sorted(clash)]
        spec = klass.spec.replace(**{k: v for k, v in values.items() if k not in clash})
    for name in sorted(k for k in query if k in klass.fixed):
        if _read(name, query[name]) != getattr(klass.spec, name):
            notes.append(f"{_title(name)} is set by the teacher in this class; the link's value was not used.")
    done = enforce(klass, spec)  # only the limits can change something here (epochs lowered)
    return done.spec, notes + done.notes


def _read(name: str, raw: Any) -> Any:
    """A link's raw value for ``name``, parsed on its own; None when it cannot be read."""
    from synaptic_core.spec_values import ValueProblem, coerce

    try:
        return coerce(PARAM_BY_NAME[name].kind, raw)
    except ValueProblem:
        return None
