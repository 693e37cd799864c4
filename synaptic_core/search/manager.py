"""StudyManager: the server's studies, each driven by a thread that outlives the page that started it.

Why a manager: a page session ends when its tab closes, and a worker process cannot submit runs.
The manager lives where the runner lives (one per server, beside it: ``ui/services`` keeps both),
owns one ``StudyDriver`` thread per active study, and answers every page from the same state. A
page only calls it -- ``start`` / ``extend`` / ``stop`` / ``status`` -- and reads figures from
storage; closing the page changes nothing, and reopening it (the study id is in the URL) shows the
study as it stands. After a server restart the stored study shows as ``interrupted`` (its last
session did not end and its process is gone, see ``session.py``): ``resume`` runs what that session
still owed (the interrupted trials asked again first), ``extend`` runs more. A study driven by
another process right now (the CLI) shows as ``elsewhere`` and cannot be extended from here.

Rights: only the study's owner (or the trusted local caller, ``by=None``; an admin via
``policy.may_control``) may stop or extend it; anyone with the id may watch it, like a run.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from synaptic_core.specs import RunSpec

from . import session as sessions
from .config import StudyConfig, default_startup
from .driver import StudyDriver, _budget
from .session import StudyBusy
from .space import space_for
from .storage import UnknownStudy, check_study_id, config_of, create_study, load_study, study_ids

log = logging.getLogger(__name__)


class StudyManager:
    """The studies of one server; see the module docstring.

    runner: the server's ``JobRunner`` (trials are submitted to it); store_path: the Optuna database
    (default ``$SYNAPTIC_HOME/studies.db``); poll: seconds between a driver's looks at its runs.
    """

    def __init__(self, runner: Any, store_path: str | Path | None = None, poll: float = 0.2):
        self.runner, self.store_path, self.poll = runner, store_path, poll
        self._drivers: dict[str, StudyDriver] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- starting -------------------------------------------------------------------------
    def create(self, spec: RunSpec, vary: str | Iterable[str], *, sampler: str = "tpe", pruner: str = "median",
               objective: str = "val_accuracy", n_trials: int | None = 12, seed: int | None = None,
               parallel: int = 0, owner: str | None = None, name: str = "",
               ranges: Mapping[str, Sequence[float]] | None = None,
               choices: Mapping[str, Sequence[Any]] | None = None, folds: int = 0) -> str:
        """Store a new study (nothing runs yet); returns its id. SpaceError lists every problem.
        ``folds``: K for k-fold cross-validation (tabular sets), each trial K runs; 0 for one split."""
        space = space_for(spec, vary, ranges=ranges, choices=choices)
        startup, prune_startup = default_startup(n_trials or 12)
        config = StudyConfig(base=spec.as_dict(), space=space.to_dict(), sampler=sampler, pruner=pruner,
                             objective=objective, seed=int(spec.seed if seed is None else seed),
                             parallel=int(parallel), owner=owner, name=str(name)[:200], n_startup=startup,
                             prune_startup=prune_startup, folds=int(folds or 0))
        return create_study(config, self.store_path).study_name

    def start(self, spec: RunSpec, vary: str | Iterable[str], *, n_trials: int | None = 12,
              minutes: float | None = None, **settings: Any) -> str:
        """Create a study and start driving it in a background thread; returns its id at once."""
        _budget(n_trials, minutes)
        study_id = self.create(spec, vary, n_trials=n_trials, **settings)
        self._launch(study_id, n_trials, minutes)
        return study_id

    def extend(self, study_id: str, n_trials: int | None = None, minutes: float | None = None,
               by: Any = None) -> None:
        """Run ``n_trials`` more trials (and/or for ``minutes``) on a stored study, in this server."""
        _budget(n_trials, minutes)
        self._check_control(study_id, by)
        self._launch(study_id, n_trials, minutes)

    def _launch(self, study_id: str, n_trials: int | None, minutes: float | None) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the study manager has shut down")
            thread = self._threads.get(study_id)
            if thread is not None and thread.is_alive():
                raise StudyBusy(f"study {study_id} is already running")
            driver = StudyDriver(self.runner, study_id, self.store_path, poll=self.poll)
            sessions.check_free(driver.study)  # another process drives it now
            thread = threading.Thread(target=self._drive, args=(driver, n_trials, minutes),
                                      name=f"study-{study_id}", daemon=True)
            self._drivers[study_id], self._threads[study_id] = driver, thread
        thread.start()

    @staticmethod
    def _drive(driver: StudyDriver, n_trials: int | None, minutes: float | None) -> None:
        try:
            driver.run(n_trials=n_trials, minutes=minutes)
        except Exception:  # noqa: BLE001 - run() catches its own; this is the last guard of a daemon thread
            log.exception("study %s thread failed", driver.study_id)

    def resume(self, study_id: str, by: Any = None) -> tuple[int | None, float | None]:
        """Go on with a study whose last session died (a server restart): run what it still owed, its
        interrupted trials asked again first. Returns ``(trials, minutes)`` started; ValueError when the
        study is not interrupted."""
        self._check_control(study_id, by)
        status = self.status(study_id)
        if status["state"] != "interrupted":
            raise ValueError(f"study {study_id} is {status['state']}, not interrupted: run more trials instead")
        n_trials, minutes = status["owed"]["trials"], status["owed"]["minutes"]
        self._launch(study_id, n_trials, minutes)
        return n_trials, minutes

    # -- control --------------------------------------------------------------------------
    def stop(self, study_id: str, by: Any = None) -> bool:
        """Stop the study: no new trials, running ones stop within one batch. False if it is not running."""
        self._check_control(study_id, by)
        with self._lock:
            driver, thread = self._drivers.get(study_id), self._threads.get(study_id)
        if driver is None or thread is None or not thread.is_alive():
            return False
        driver.stop()
        return True

    def wait(self, study_id: str, timeout: float | None = None) -> bool:
        """Block until the study's session ends (or ``timeout``); True when it is not running."""
        with self._lock:
            thread = self._threads.get(study_id)
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def active(self, study_id: str) -> bool:
        with self._lock:
            thread = self._threads.get(study_id)
        return thread is not None and thread.is_alive()

    def _check_control(self, study_id: str, by: Any) -> None:
        from synaptic_core.jobs.policy import NotAllowed, may_control

        owner = self.config(study_id).owner
        if not may_control(owner, by):
            raise NotAllowed(f"Only the owner of study {study_id} may stop or extend it.")

    # -- reading --------------------------------------------------------------------------
    def config(self, study_id: str) -> StudyConfig:
        return config_of(load_study(check_study_id(study_id), self.store_path))

    def study(self, study_id: str) -> Any:
        """The stored ``optuna.Study`` (read-only use: the figures in ``viz.search``, ``results``)."""
        return load_study(check_study_id(study_id), self.store_path)

    def trials(self, study_id: str) -> list[dict[str, Any]]:
        """The trials table (``results.trials_table``), running trials with their run's state."""
        from .results import trials_table

        return trials_table(self.study(study_id), self.runner)

    def status(self, study_id: str) -> dict[str, Any]:
        """The study's summary (``results.summarize``) plus ``active``, ``state``, ``message``, ``version``
        (changes whenever something was reported: redraw figures only then) and ``live`` (trials in flight,
        with their epochs so far). UnknownStudy for an unknown id."""
        from .results import summarize

        study = load_study(check_study_id(study_id), self.store_path)
        out = summarize(study)
        with self._lock:
            driver, thread = self._drivers.get(study_id), self._threads.get(study_id)
        alive = thread is not None and thread.is_alive()
        snap = driver.snapshot() if driver is not None else {"state": "stored", "message": "", "version": 0,
                                                             "live": [], "started": 0}
        state, message = (snap["state"], snap["message"]) if driver is not None else ("stored", "")
        owed: dict[str, Any] = {"trials": None, "minutes": None}
        if not alive:
            record = sessions.read(study)
            if record is not None and not record.ended and not sessions.is_dead(record, study_id):
                state, message = "elsewhere", (f"being run by another process (pid {record.pid} on "
                                               f"{record.host}); watch it here, control it there")
            elif out["n_running"] or (record is not None and not record.ended):
                # the server (or the CLI) stopped while the study ran: trials left RUNNING, budget left over
                n, minutes = sessions.owed(study, record)
                n = n if n is not None or minutes is not None else max(1, out["n_running"])
                owed = {"trials": n, "minutes": minutes}
                state, message = "interrupted", ("the server stopped while this study ran: resume it to run what "
                                                 "was left" + (f" ({n} trials)" if n else "") +
                                                 ", the interrupted trials first")
        out.update(active=alive, state=state, message=message, version=f"{out['n_trials']}.{snap['version']}",
                   live=snap["live"], owed=owed)
        return out

    def studies(self, owner: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Stored studies, newest first (only ``owner``'s when given): id, name, dataset, model, counts, best."""
        from .results import summarize

        out = []
        for study_id in reversed(study_ids(self.store_path)):
            try:
                study = load_study(study_id, self.store_path)
                summary = summarize(study)
            except (UnknownStudy, ValueError):
                continue  # not one of ours
            if owner is not None and config_of(study).owner != owner:
                continue
            summary["active"] = self.active(study_id)
            out.append(summary)
            if len(out) >= limit:
                break
        return out

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every running study and wait for their threads (the server is going down)."""
        with self._lock:
            self._closed = True
            drivers = list(self._drivers.values())
            threads = list(self._threads.values())
        for driver in drivers:
            driver.stop()
        for thread in threads:
            thread.join(timeout)
