"""Which runs are trials of a hyperparameter search: the ``study_runs`` table (migration 2).

Why in the run store: a trial is an ordinary run (same row, events, artifacts), and the Runs page
must be able to say "trial 3 of study st1a2b..." without opening the search's own storage. The
study's space, sampler and values stay in Optuna's storage (``synaptic_core.search.storage``); this
table only links the two, written by the search driver in the server process (the store's one writer).
"""

from __future__ import annotations

from typing import Any

from .runstore import RunStore


def link_trial(store: RunStore, study_id: str, trial: int, run_id: str, fold: int | None = None) -> None:
    """Record that ``run_id`` is trial ``trial`` (fold ``fold``, when cross-validated) of ``study_id``."""
    with store._write() as conn:
        conn.execute("INSERT OR REPLACE INTO study_runs (run_id, study_id, trial, fold) VALUES (?, ?, ?, ?)",
                     (run_id, study_id, int(trial), fold))


def study_runs(store: RunStore, study_id: str) -> list[dict[str, Any]]:
    """The study's runs, by trial number: ``{"run_id", "trial", "fold", "status"}``."""
    rows = store._conn().execute(
        "SELECT s.run_id, s.trial, s.fold, r.status FROM study_runs s LEFT JOIN runs r ON r.id = s.run_id"
        " WHERE s.study_id = ? ORDER BY s.trial, s.fold", (study_id,)).fetchall()
    return [{"run_id": r[0], "trial": r[1], "fold": r[2], "status": r[3]} for r in rows]


def study_of(store: RunStore, run_id: str) -> dict[str, Any] | None:
    """``{"study_id", "trial", "fold"}`` when the run is a trial of a study, else None."""
    row = store._conn().execute("SELECT study_id, trial, fold FROM study_runs WHERE run_id = ?",
                                (run_id,)).fetchone()
    return None if row is None else {"study_id": row[0], "trial": row[1], "fold": row[2]}
