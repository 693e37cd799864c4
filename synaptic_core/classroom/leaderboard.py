"""The class leaderboard: a public score students see, a private one on a split they never see.

Why two scores (Kaggle InClass's public/private leaderboard): a student who tunes their settings
until the *shown* test accuracy is best has, in effect, trained on the test set. Scoring every run
again on data nobody saw shows it: the ranking by the shown test score (public) and by the hidden
split (private) differ, and the runs tuned hardest to the shown test set slip.

* Public score: the run's own test accuracy, the number its results page shows the student.
* Private score: accuracy on the class's *hidden split*: for the 2-D toy sets, a fresh draw of
  ``HIDDEN_POINTS`` points from the same generator at the teacher's noise, seeded by the class's
  ``eval_seed`` (random per class, kept in the store, never shown). It is deterministic for the
  class and disjoint from every student's train and test points (all drawn with other seeds).
  Other datasets have a fixed test set and no unseen rows to draw from, so they get no private
  score in this version (:func:`hidden_split` returns None and the board says so).

Scoring needs the run's Keras model, i.e. TensorFlow, which the Streamlit process never imports:
``synaptic_core.classroom.scoring`` does it in a child process. The ranking itself is plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .classes import Class

HIDDEN_POINTS = 1000
SCORED_STATES = ("done", "stopped")  # runs whose model was saved (a stopped run keeps what it learned);
# classes.unscored_runs asks the same in SQL


def has_hidden_split(klass: Class) -> bool:
    """True when the class's dataset has a hidden split (without drawing it)."""
    from synaptic_core.data.toy import GENERATORS

    return klass.spec.dataset in GENERATORS


def hidden_split(klass: Class) -> tuple[np.ndarray, np.ndarray] | None:
    """``(x, y)`` of the class's hidden evaluation split, or None for a dataset that has none."""
    from synaptic_core.data.toy import GENERATORS

    spec = klass.spec
    generator = GENERATORS.get(spec.dataset)
    if generator is None:
        return None
    rng = np.random.default_rng([int(klass.eval_seed), 0x5EC12E7])  # a stream no student's seed can reach
    x, y = generator(rng, HIDDEN_POINTS, float(spec.noise))
    return x.astype(np.float32), y.astype(np.int64)


def labels_for(y: np.ndarray, classes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(rows kept, labels renumbered) for a run trained on ``classes`` only (as the data loader does)."""
    if not classes:
        return np.ones(len(y), bool), y
    lookup = np.full(int(max(max(classes), y.max())) + 1, -1, np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    mapped = lookup[y]
    keep = mapped >= 0
    return keep, mapped[keep]


def model_inputs(x: np.ndarray, spec: Mapping[str, Any]) -> np.ndarray:
    """The hidden points as the run's model reads them: its input features (x1, x2, x1², ...) of each point."""
    from synaptic_core.data import toy

    features = tuple(spec.get("features") or ("x1", "x2"))
    to_features = getattr(toy, "feature_matrix", None)
    return to_features(x, features) if to_features is not None else x


def accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Share of rows whose most probable class is the label."""
    p = np.asarray(probabilities)
    predicted = (p[:, 0] >= 0.5).astype(np.int64) if p.ndim == 2 and p.shape[1] == 1 else p.argmax(axis=-1)
    return float((predicted == y).mean()) if len(y) else 0.0


def public_score(run: Mapping[str, Any]) -> float | None:
    """The test accuracy the run's results showed the student, or None."""
    value = ((run.get("result") or {}).get("test") or {}).get("accuracy")
    return float(value) if isinstance(value, (int, float)) and value == value else None


@dataclass(frozen=True)
class Entry:
    """One student's line on the board: the run they would submit (their best public score)."""

    owner: str
    name: str
    run_id: str
    runs: int                  # finished runs of theirs in the class
    public: float | None
    private: float | None
    public_rank: int
    private_rank: int | None   # None while the run has no private score


def _ranks(values: Mapping[str, float | None]) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4), best (highest) first; None values get no rank."""
    scored = sorted((v for v in values.values() if v is not None), reverse=True)
    return {k: (None if v is None else 1 + sum(1 for s in scored if s > v)) for k, v in values.items()}


def leaderboard(runs: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[Entry]:
    """One entry per student with a finished run, ranked by public score (ties: earlier run first).

    Each student's entry is their run with the best public score (what they would hand in); its
    private score is that run's, so the two ranks show who tuned to the shown test set.
    """
    best: dict[str, Mapping[str, Any]] = {}
    counts: dict[str, int] = {}
    for run in runs:
        if run.get("status") not in SCORED_STATES or public_score(run) is None:
            continue
        owner = run.get("owner") or ""
        counts[owner] = counts.get(owner, 0) + 1
        held = best.get(owner)
        key = (public_score(run), -(run.get("created") or 0))
        if held is None or key > (public_score(held), -(held.get("created") or 0)):
            best[owner] = run
    public = _ranks({o: public_score(r) for o, r in best.items()})
    private = _ranks({o: r.get("private_score") for o, r in best.items()})
    entries = [Entry(owner=o, name=names.get(o, "(left the class)"), run_id=r["id"], runs=counts[o],
                     public=public_score(r), private=r.get("private_score"), public_rank=public[o] or 0,
                     private_rank=private[o]) for o, r in best.items()]
    entries.sort(key=lambda e: (e.public_rank, best[e.owner].get("created") or 0))
    return entries


def needs_score(run: Mapping[str, Any]) -> bool:
    """True for a finished run with a saved model and no private score (nor a reason it has none) yet."""
    return (run.get("status") in SCORED_STATES and run.get("private_score") is None and not run.get("score_error")
            and bool((run.get("result") or {}).get("model_path")))
