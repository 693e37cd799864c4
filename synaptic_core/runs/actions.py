"""Changing a run on someone's behalf: rename, tag, delete, train again. Rights checked here, every time.

Why here and not in the page: a button is shown only to the owner, but a page can be stale (a
second tab, a run link opened by someone else, a crafted request), so the handler asks again.
The rule is ``synaptic_core.jobs.policy.may_control`` — the same one the job runners apply to Stop
— with the caller given as their owner id (``identity.owner_id`` of their browser's token). A
caller with no owner id is nobody, never the trusted local caller: ``by`` must be a string.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from synaptic_core.jobs.policy import NotAllowed, may_control
from synaptic_core.specs import PARAM_BY_NAME, RunSpec
from synaptic_core.store import labels


def may_change(run: Mapping[str, Any] | None, by: str | None) -> bool:
    """True when the person with owner id ``by`` may stop, rename, tag or delete ``run``."""
    if run is None or not isinstance(by, str) or not by:
        return False
    return may_control(run.get("owner"), by)


def _owned(store: Any, run_id: str, by: str | None, what: str) -> dict[str, Any]:
    run = store.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    if not may_change(run, by):
        raise NotAllowed(f"Only the person who started run {run_id} may {what} it.")
    return run


def rename(store: Any, run_id: str, name: Any, by: str | None) -> str | None:
    """Give the run a name (empty: none); returns the name kept. KeyError, NotAllowed, LabelError."""
    _owned(store, run_id, by, "rename")
    labels.set_name(store, run_id, name)
    return labels.clean_name(name)


def tag(store: Any, run_id: str, tags: str | Iterable[str] | None, by: str | None) -> list[str]:
    """Replace the run's tags; returns them as kept. KeyError, NotAllowed, LabelError."""
    _owned(store, run_id, by, "tag")
    return labels.set_tags(store, run_id, tags)


def delete(store: Any, run_id: str, by: str | None) -> bool:
    """Delete the run with its events and files. KeyError, NotAllowed, ``labels.RunActive`` (still running)."""
    _owned(store, run_id, by, "delete")
    return labels.delete_run(store, run_id)


def next_seed(seed: int, used: Iterable[int]) -> int:
    """The smallest seed above ``seed`` that no run in ``used`` has: "another seed", reproducibly."""
    taken = {int(s) for s in used}
    hi = PARAM_BY_NAME["seed"].hi or 2**31 - 1
    candidate = int(seed) + 1
    while candidate in taken and candidate < hi:
        candidate += 1
    return min(candidate, int(hi))


def same_but_seed(spec: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """True when two specs differ at most in their seed."""
    return {k: v for k, v in spec.items() if k != "seed"} == {k: v for k, v in other.items() if k != "seed"}


def another_seed(run: Mapping[str, Any], siblings: Iterable[Mapping[str, Any]] = ()) -> RunSpec:
    """The run's spec with a seed none of its siblings (runs with the same spec but the seed) used."""
    spec = RunSpec.from_mapping(run.get("spec") or {}, strict=False)
    values = spec.as_dict()
    used = [s.get("seed", 0) for s in (dict(r.get("spec") or {}) for r in siblings) if same_but_seed(s, values)]
    return spec.replace(seed=next_seed(spec.seed, [spec.seed, *used]))
