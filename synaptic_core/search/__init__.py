"""Hyperparameter search: Optuna studies whose trials are ordinary runs.

Files, one job each: ``space.py`` (the search space from ``PARAMS`` and ``ModelInfo.reads``),
``config.py`` (a study's settings; samplers and pruners pinned), ``storage.py`` (Optuna's RDB
storage, ``$SYNAPTIC_HOME/studies.db``), ``driver.py`` (the ask -> run -> report/prune -> tell loop),
``manager.py`` (the server's studies, one thread each), ``session.py`` (who drives a study now, its
heartbeat and what a dead session still owed: resuming after a restart), ``results.py`` (summary, trials table,
curves, best spec), ``lr_finder.py`` (the learning-rate sweep, a run kind), ``cli.py``
(``python -m synaptic_core search``). Figures: ``synaptic_core.viz.search``.

Importing this package imports neither Optuna nor TensorFlow; they load when a study is used.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "space_for": "space", "SearchSpace": "space", "Dim": "space", "SpaceError": "space", "tunable": "space",
    "StudyConfig": "config", "SAMPLERS": "config", "PRUNERS": "config", "OBJECTIVES": "config",
    "StudyDriver": "driver", "StudyManager": "manager", "StudyBusy": "session",
    "create_study": "storage", "load_study": "storage", "UnknownStudy": "storage", "studies_path": "storage",
    "summarize": "results", "trials_table": "results", "curves": "results", "best_spec": "results",
    "best_trial": "results", "lr_finder": "lr_finder", "LRFinding": "lr_finder", "lr_finder_spec": "lr_finder",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
