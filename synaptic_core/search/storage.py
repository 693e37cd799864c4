"""Where studies live: Optuna's RDB storage in SQLite, ``$SYNAPTIC_HOME/studies.db``.

Why a separate database beside ``runs.db``: Optuna manages its own schema (with its own
migrations), so it gets its own file; the run store only links runs to studies (``study_runs``).
One ``RDBStorage`` per file per process (building one checks the schema, ~0.1 s), shared by every
study thread and page in the server; SQLite waits up to 30 s for a lock instead of failing, the
file is switched to WAL once so pages reading a study never block the driver writing it, and
commits do not wait for the disk (``synchronous=NORMAL``, as the run store does).

A study's id is its Optuna name ("st" + 10 hex digits); its settings (``StudyConfig``) are the
study's user attribute ``synaptic``.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

from .config import StudyConfig

DB_NAME = "studies.db"
CONFIG_ATTR = "synaptic"
STUDY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

_storages: dict[str, Any] = {}
_lock = threading.Lock()


class UnknownStudy(KeyError):
    """No study of that id in this storage."""

    def __str__(self) -> str:
        return f"no study {self.args[0]!r} is stored here" if self.args else "no such study"


def studies_path(home: Path | None = None) -> Path:
    """``<home>/studies.db`` (``home`` defaults to ``$SYNAPTIC_HOME``)."""
    from synaptic_core.store import synaptic_home

    return (home if home is not None else synaptic_home()) / DB_NAME


def storage(path: str | Path | None = None) -> Any:
    """The process's ``optuna.storages.RDBStorage`` for ``path`` (default ``studies_path()``)."""
    path = Path(path).expanduser() if path is not None else studies_path()
    key = str(path.resolve())
    with _lock:
        found = _storages.get(key)
        if found is None:
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "Trial 3 finished" line per tell
            path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(path, timeout=30.0) as conn:  # WAL persists in the file
                conn.execute("PRAGMA journal_mode=WAL")
            found = optuna.storages.RDBStorage(f"sqlite:///{path}",
                                               engine_kwargs={"connect_args": {"timeout": 30.0}})
            _sync_normal(found.engine)
            _storages[key] = found
        return found


def _sync_normal(engine: Any) -> None:
    """``synchronous=NORMAL`` on every connection (safe with WAL: a power cut may lose the last commits,
    never corrupt the file): a tell or report then costs ~9 ms instead of ~45 ms on a busy disk."""
    import sqlalchemy

    @sqlalchemy.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    engine.dispose()  # connections opened while checking the schema did not get it


def new_study_id() -> str:
    return "st" + secrets.token_hex(5)


def check_study_id(study_id: str) -> str:
    """``study_id`` if it has the shape of one (outside input: a URL, a flag); ValueError otherwise."""
    if not isinstance(study_id, str) or not STUDY_ID.match(study_id):
        raise ValueError(f"not a study id: {str(study_id)[:80]!r}")
    return study_id


def create_study(config: StudyConfig, store_path: str | Path | None = None, study_id: str | None = None) -> Any:
    """A new Optuna study for ``config`` (validated first); returns the ``optuna.Study``."""
    import optuna

    from .config import make_pruner, make_sampler

    config.validated()
    study_id = check_study_id(study_id or new_study_id())
    study = optuna.create_study(storage=storage(store_path), study_name=study_id, direction=config.direction,
                                sampler=make_sampler(config), pruner=make_pruner(config))
    study.set_user_attr(CONFIG_ATTR, config.to_json())
    return study


def load_study(study_id: str, store_path: str | Path | None = None, for_driving: bool = False) -> Any:
    """The stored study (``UnknownStudy`` if absent). ``for_driving``: with the sampler and pruner rebuilt
    from its settings, seeded past the trials it already has (``config.make_sampler``); else Optuna's
    defaults, which reading and drawing never use."""
    import optuna

    from .config import make_pruner, make_sampler

    check_study_id(study_id)
    st = storage(store_path)
    try:
        if not for_driving:
            return optuna.load_study(study_name=study_id, storage=st,
                                     sampler=optuna.samplers.RandomSampler(), pruner=optuna.pruners.NopPruner())
        study = optuna.load_study(study_name=study_id, storage=st)
    except KeyError:
        raise UnknownStudy(study_id) from None
    config = config_of(study)
    study.sampler = make_sampler(config, n_existing=len(study.get_trials(deepcopy=False)))
    study.pruner = make_pruner(config)
    return study


def config_of(study: Any) -> StudyConfig:
    """The settings a study was created with."""
    text = study.user_attrs.get(CONFIG_ATTR)
    if not text:
        raise ValueError(f"study {study.study_name} was not created by SynapticHub (no settings stored)")
    return StudyConfig.from_json(text)


def study_ids(store_path: str | Path | None = None) -> list[str]:
    """Every stored study's id (oldest first)."""
    import optuna

    return list(optuna.get_all_study_names(storage(store_path)))


def forget_storages() -> None:
    """Drop the cached storages (tests that delete their home folder)."""
    with _lock:
        for st in _storages.values():
            try:
                st.engine.dispose()
            except Exception:  # noqa: BLE001
                pass
        _storages.clear()
