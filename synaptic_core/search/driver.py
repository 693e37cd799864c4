"""The study loop: ask Optuna for a trial, run it as an ordinary run, report its epochs, prune, tell.

Why it is not a job: a worker process cannot submit runs to its parent's runner, and a study is
mostly waiting. So the loop runs in the process that owns the runner (a thread of the server, see
``manager.py``, or the CLI's main thread) and only talks to the runner's public contract:
``submit`` (owner = the study's owner, so the fair queue gives the study its turns like anyone
else), ``status``, ``events`` through an ``EventCursor``, ``cancel`` (a graceful stop within one
batch). Each trial is therefore a run like any other: same store row, events, artifacts, Runs page.

Per trial: ``study.ask(space)`` -> spec -> ``runner.submit`` -> every ``epoch`` event's objective
(``val_accuracy`` / ``val_loss``, never test data) is ``trial.report(value, epoch)``; when the
pruner says so the run is cancelled and the trial told PRUNED at that epoch; when the run ends,
the last epoch's value is told (COMPLETE), or FAIL with the run's reason. In flight at once: at
most the study's ``parallel`` setting, the runner's slots and the per-person cap, and a new trial
is queued only while the runner has a free slot (or none of ours is in flight), so a study takes
its fair share and never floods the queue. TPE's constant liar covers the trials still running.

Stopping (``stop()``): trials in flight are told FAIL ("stopped with the study") and their runs
cancelled gracefully (killed if still going after ``STOP_GRACE`` seconds); the loop ends once
every run is final. Each session records its budget, process and a heartbeat in the study
(``session.py``), so another process can tell a study driven elsewhere from one whose driver died.
A session started on a study that has RUNNING trials (a server that died) settles them first from
their runs' states: a run that finished is told its value; the others are told FAIL (marked
``interrupted``) and their parameters are asked again first (``enqueue_trial``), so a resumed study
re-runs what the crash cut short.

A trial is followed as a ``fold_trials.LiveTrial`` of one ``Part`` per run: one run, or K folds of a
cross-validated study, whose mean (epoch by epoch, and at the end) is what this loop reports and tells.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Callable

from synaptic_core.jobs.follow import EventCursor
from synaptic_core.specs import SpecError

from . import session as sessions
from .config import MAX_MINUTES, MAX_TRIALS
from .fold_trials import LiveTrial, Part, mean, trial_runs
from .storage import config_of, load_study

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
STOP_GRACE = 15.0  # seconds a stopped trial's run may take to stop before it is killed
RETRY_SECONDS = 2.0  # a submit refused for the per-person cap is tried again after this
STOPPED = "stopped with the study"


class StudyDriver:
    """Drives one stored study for one session (start or extension); see the module docstring.

    runner: any ``JobRunner``; store_path: the Optuna database (default ``$SYNAPTIC_HOME/studies.db``);
    on_change: called (without arguments) after every report/tell/start, e.g. to wake a page;
    on_told: called with ``{"trial", "state", "value", "pruned_at", "run_id", "params", "message"}`` each
    time a trial ends (the CLI's progress lines).
    """

    def __init__(self, runner: Any, study_id: str, store_path: Any = None, poll: float = POLL_SECONDS,
                 on_change: Callable[[], None] | None = None,
                 on_told: Callable[[dict[str, Any]], None] | None = None):
        self.runner, self.study_id, self.poll = runner, study_id, poll
        self.study = load_study(study_id, store_path, for_driving=True)
        self.config = config_of(self.study)
        self.space = self.config.search_space()
        self.base = self.config.spec()
        self.owner = self.config.owner
        self.on_change, self.on_told = on_change, on_told
        self.live: list[LiveTrial] = []
        # (trial, its run specs, parts submitted so far): asked, but a run was refused by the per-person cap
        self.pending: tuple[Any, list[Any], list[Part]] | None = None
        self.retry_at = 0.0
        self.started_trials = 0
        self.version = 0
        self.message = ""
        self.state = "idle"  # idle | running | stopping | finished | stopped | failed
        self.exhausted = False  # a grid search has tried every point
        self.session: sessions.Session | None = None
        self._beat_at = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # -- control (any thread) -----------------------------------------------------------
    def stop(self) -> None:
        """Stop asking for trials and stop the running ones (within one batch)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def snapshot(self) -> dict[str, Any]:
        """The trials in flight, for a page: ``[{"trial", "run_id", "epoch", "value", "values", "pruned_at"}]``."""
        with self._lock:
            return {"state": self.state, "message": self.message, "version": self.version,
                    "started": self.started_trials,
                    "live": [{"trial": lv.number, "run_id": lv.run_id, "epoch": lv.epoch, "value": lv.value,
                              "values": list(lv.values), "pruned_at": lv.pruned_at} for lv in self.live]}

    # -- the loop -------------------------------------------------------------------------
    def run(self, n_trials: int | None = None, minutes: float | None = None) -> dict[str, Any]:
        """Run this session until ``n_trials`` new trials are done and/or ``minutes`` have passed (no
        new trial starts after that; those running finish), or ``stop()``. Returns the summary.
        StudyBusy when another driver (a thread here, another process) runs the study now."""
        n_trials, minutes = _budget(n_trials, minutes)
        sessions.check_free(self.study)  # StudyBusy: another driver runs it now
        with sessions.driving(self.study_id):
            return self._run(n_trials, minutes)

    def _run(self, n_trials: int | None, minutes: float | None) -> dict[str, Any]:
        from .results import summarize

        deadline = None if minutes is None else time.monotonic() + minutes * 60
        self.started_trials = 0  # the budget is this call's
        self._set_state("running")
        try:
            self.session, self._beat_at = sessions.begin(self.study, n_trials, minutes), time.monotonic()
            self._recover()
            while True:
                self._heartbeat()
                self._poll_live()
                if self._stop.is_set():
                    self._stop_live()
                    if not self.live:
                        self._set_state("stopped", "stopped")
                        break
                    time.sleep(self.poll)
                    continue
                while self._may_start(n_trials, deadline) and self._room():
                    if not self._start_one():
                        break
                if not self.live and not self._may_start(n_trials, deadline):
                    if self.state != "failed":  # a refusal that ends the study keeps its reason
                        self._set_state("finished", self._why_done(n_trials, deadline))
                    break
                self._stop.wait(self.poll)
        except Exception as exc:  # noqa: BLE001 - the loop must not leave trials RUNNING behind
            log.exception("study %s failed", self.study_id)
            self._set_state("failed", f"the search stopped on an error: {type(exc).__name__}: {exc}")
            self._abandon(f"the search stopped on an error: {exc}")
        if self.session is not None:
            try:
                sessions.end(self.study, self.session)
            except Exception:  # noqa: BLE001 - the summary is still worth returning
                log.exception("could not mark study %s's session ended", self.study_id)
        return summarize(self.study)

    def _heartbeat(self) -> None:
        if self.session is not None and time.monotonic() - self._beat_at >= sessions.BEAT_S:
            self._beat_at = time.monotonic()
            self.session = sessions.beat(self.study, self.session)

    def _why_done(self, n_trials: int | None, deadline: float | None) -> str:
        if self.exhausted:
            return "every point of the grid has been tried"
        if deadline is not None and time.monotonic() >= deadline:
            return "the time budget is spent"
        return f"{n_trials} trials run" if n_trials is not None else "done"

    def _may_start(self, n_trials: int | None, deadline: float | None) -> bool:
        if self.exhausted or self.state == "failed":
            return False
        if self.pending is not None:
            return True
        if n_trials is not None and self.started_trials >= n_trials:
            return False
        return deadline is None or time.monotonic() < deadline

    def cap(self) -> int:
        """Trials in flight at most: the study's ``parallel`` (0 = all the runner's slots), never more
        than the runner's slots nor the per-person cap (in runs: a cross-validated trial counts K)."""
        slots = int(self.runner.queue().get("max_jobs") or 1)
        cap = min(self.config.parallel or slots, slots)
        limits = getattr(self.runner, "limits", None)
        per_person = int(getattr(limits, "max_runs_per_person", 0) or 0)
        if self.owner is not None and per_person:
            cap = min(cap, per_person)
        return max(1, cap // max(1, int(self.config.folds or 1)))  # a cross-validated trial is K runs

    def _room(self) -> bool:
        if len(self.live) >= self.cap():
            return False
        if self.pending is not None and time.monotonic() < self.retry_at:
            return False
        if not self.live:
            return True  # one trial always waits its fair turn in the queue
        q = self.runner.queue()
        return len(q.get("running", ())) + len(q.get("queued", ())) < int(q.get("max_jobs") or 1)

    def _start_one(self) -> bool:
        """Ask for a trial and submit its run; False when nothing more can start now."""
        import optuna

        from synaptic_core.jobs.policy import TooManyRuns, TrainingDisabled

        if self.pending is not None:
            trial, specs, parts = self.pending
        else:
            if isinstance(self.study.sampler, optuna.samplers.GridSampler) and not self._waiting() \
                    and self._grid_started_all():
                self.exhausted = True
                return False
            trial = self.study.ask(self.space.distributions())
            self.started_trials += 1
            try:
                specs, parts = self.config.run_specs(self.space.apply(self.base, trial.params)), []
            except SpecError as exc:
                self._tell_fail(trial, f"not a valid run: {exc}")
                return True
        folds = len(specs) > 1
        while len(parts) < len(specs):
            try:
                run_id = self.runner.submit(specs[len(parts)], owner=self.owner)
            except TooManyRuns as exc:  # the owner's other runs fill the cap: try again in a moment
                self.pending, self.retry_at = (trial, specs, parts), time.monotonic() + RETRY_SECONDS
                self._say(str(exc))
                return False
            except TrainingDisabled as exc:
                self._drop_pending(trial, parts, str(exc))
                self._set_state("failed", str(exc))
                return False
            except (SpecError, ValueError) as exc:  # model too large, or another refusal meant for the person
                self._drop_pending(trial, parts, str(exc))
                return True
            except Exception as exc:  # the runner broke: the trial must not stay RUNNING behind the failed loop
                self._drop_pending(trial, parts, f"its run could not be queued: {type(exc).__name__}: {exc}")
                raise
            fold = len(parts) if folds else None
            parts.append(Part(run_id, EventCursor(run_id, keep=False), fold=fold))
            self._link(trial.number, run_id, fold)
        if self.pending is not None:
            self._say("")  # no longer waiting for the per-person cap
        self.pending = None
        trial.set_user_attr("run_id", parts[0].run_id)
        if folds:
            trial.set_user_attr("run_ids", [p.run_id for p in parts])
        with self._lock:
            self.live.append(LiveTrial(trial, parts))
        self._changed()
        return True

    def _drop_pending(self, trial: Any, parts: list[Part], message: str) -> None:
        """A trial whose runs cannot all be queued: the ones queued are cancelled, the trial told FAIL."""
        self.pending = None
        for part in parts:
            try:
                self.runner.cancel(part.run_id)
            except Exception:  # noqa: BLE001
                log.exception("could not cancel run %s", part.run_id)
        self._tell_fail(trial, message)

    def _waiting(self) -> bool:
        """Trials queued with fixed parameters (a resume asks interrupted trials again) wait to be asked."""
        from optuna.trial import TrialState

        return bool(self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

    def _grid_started_all(self) -> bool:
        """Every grid point has a trial (finished or running). Optuna's ``is_exhausted`` says no while the
        last points run, and would have a parallel study ask them again."""
        started = {t.system_attrs.get("grid_id") for t in self.study.get_trials(deepcopy=False)} - {None}
        return len(started) >= self.space.grid_size()

    def _link(self, number: int, run_id: str, fold: int | None = None) -> None:
        store = getattr(self.runner, "store", None)
        if store is None:
            return
        from synaptic_core.store.studies import link_trial

        try:
            link_trial(store, self.study_id, number, run_id, fold)
        except Exception:  # noqa: BLE001 - the trial's user attribute still links it
            log.exception("could not link run %s to study %s", run_id, self.study_id)

    def _poll_live(self) -> None:
        for lv in list(self.live):
            for part in lv.parts:
                if part.state is not None:
                    continue
                status = self.runner.status(part.run_id)
                for event in part.cursor.poll(self.runner):
                    if event.get("type") == "epoch":
                        self._epoch(lv, part, event)
                if status.finished:
                    part.state, part.message = status.state, status.message or ""
                    if status.state != "done" and not lv.told:  # one fold failed: the trial has failed
                        self._settle(lv)
            if not lv.open_runs():
                if not lv.told:
                    self._settle(lv)
                with self._lock:
                    self.live.remove(lv)
                self._changed()

    def _cancel(self, lv: LiveTrial) -> None:
        for run_id in lv.open_runs():
            self.runner.cancel(run_id)
        lv.stop_sent = time.monotonic()

    def _epoch(self, lv: LiveTrial, part: Part, event: dict) -> None:
        if lv.told:
            return
        value = event.get(self.config.objective)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            self._cancel(lv)
            self._tell_fail(lv.trial, f"the run reported no {self.config.objective} (it needs a validation split)")
            lv.told = True
            return
        step = int(event.get("epoch", len(part.values)))
        part.values[step] = float(value)
        part.epochs = int(event.get("epochs") or 0)
        while not lv.told and (mean_value := lv.mean_at(lv.epoch)) is not None:  # every fold reached this epoch
            step = lv.epoch
            self._report(lv, step, mean_value, last=step + 1 >= part.epochs)

    def _report(self, lv: LiveTrial, step: int, value: float, last: bool) -> None:
        """Report the trial's objective at ``step``; prune it (cancel its runs) when the pruner says so.
        ``last``: the runs have finished training (nothing to save by pruning)."""
        from optuna.trial import TrialState

        with self._lock:
            lv.value, lv.epoch = value, step + 1
            lv.values.append(value)
        lv.trial.report(value, step)
        if not last and lv.trial.should_prune():
            lv.pruned_at = step + 1
            self._cancel(lv)
            lv.trial.set_user_attr("pruned_at", step + 1)
            self.study.tell(lv.trial, state=TrialState.PRUNED)
            lv.told = True
            self._told(lv.trial, "pruned", value, step + 1)
        self._changed()

    def _settle(self, lv: LiveTrial) -> None:
        """Tell Optuna how a trial's runs ended (the pruner did not stop it): complete with the mean of each
        run's last value when every run is done, else FAIL with the first other run's reason."""
        lv.told = True
        failed = lv.failed_part()
        if failed is not None:
            if lv.open_runs():
                self._cancel(lv)
            self._tell_fail(lv.trial, lv.failure(failed))
        elif (value := lv.final_value()) is not None:
            self.study.tell(lv.trial, value)
            self._told(lv.trial, "complete", value)
        else:
            self._tell_fail(lv.trial, f"the run reported no {self.config.objective}")

    def _tell_fail(self, trial: Any, message: str, state: str = "failed") -> None:
        from optuna.trial import TrialState

        trial.set_user_attr("message", message[:500])
        self.study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
        self._told(trial, state, None, message=message)
        self._changed()

    def _told(self, trial: Any, state: str, value: float | None, pruned_at: int | None = None,
              message: str = "") -> None:
        if self.on_told is None:
            return
        try:
            self.on_told({"trial": trial.number, "state": state, "value": value, "pruned_at": pruned_at,
                          "run_id": trial.user_attrs.get("run_id") if hasattr(trial, "user_attrs") else None,
                          "params": dict(trial.params), "message": message})
        except Exception:  # noqa: BLE001 - a listener must not break the loop
            log.exception("trial listener failed")

    def _stop_live(self) -> None:
        now = time.monotonic()
        if self.pending is not None:
            self._drop_pending(self.pending[0], self.pending[2], f"{STOPPED} before its run started")
        for lv in self.live:
            if not lv.told:
                lv.trial.set_user_attr("stopped", True)
                self._tell_fail(lv.trial, STOPPED)
                lv.told = True
            for run_id in lv.open_runs():
                try:
                    if lv.stop_sent is None:
                        self.runner.cancel(run_id)
                    elif now - lv.stop_sent > STOP_GRACE:
                        self.runner.cancel(run_id, force=True)
                except Exception:  # noqa: BLE001 - a run that cannot be cancelled must not stop the others
                    log.exception("could not stop run %s", run_id)
            if lv.stop_sent is None or now - lv.stop_sent > STOP_GRACE:
                lv.stop_sent = now
        if self.state == "running":
            self._set_state("stopping", "stopping the running trials (within one batch)")

    def _abandon(self, message: str) -> None:
        for lv in list(self.live):
            try:
                if not lv.told:
                    self._tell_fail(lv.trial, message)
                for run_id in lv.open_runs():
                    self.runner.cancel(run_id)
            except Exception:  # noqa: BLE001
                log.exception("could not abandon trial %s", lv.number)
        if self.pending is not None:
            try:
                self._drop_pending(self.pending[0], self.pending[2], message)
            except Exception:  # noqa: BLE001
                pass
            self.pending = None
        with self._lock:
            self.live.clear()

    def _recover(self) -> None:
        """Settle trials a previous session left RUNNING (its server died, or its thread did): a trial whose
        runs all finished is told their value; the others are told FAIL (``interrupted``), their runs still
        going are cancelled, and their parameters are asked again first."""
        import optuna
        from optuna.trial import TrialState

        for frozen in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            trial = optuna.trial.Trial(self.study, frozen._trial_id)
            run_ids = trial_runs(frozen)
            values, why = [], "its run is gone"
            for run_id in run_ids:
                try:
                    status = self.runner.status(run_id)
                except KeyError:
                    status = None
                if status is not None and not status.finished:
                    why = "its search session ended before it finished"
                    self._stop_orphan(run_id, why)
                    continue
                result = self.runner.result(run_id) if status is not None and status.state == "done" else None
                history = (result or {}).get("history") or []
                value = history[-1].get(self.config.objective) if history else None
                if isinstance(value, (int, float)) and math.isfinite(value):
                    values.append(float(value))
                elif status is not None and status.message:
                    why = status.message
            if run_ids and len(values) == len(run_ids):
                self.study.tell(trial, mean(values))
                continue
            trial.set_user_attr("interrupted", True)
            self._tell_fail(trial, f"interrupted: {why}", state="interrupted")
            if frozen.params:
                self.study.enqueue_trial(dict(frozen.params), user_attrs={"retry_of": frozen.number})

    def _stop_orphan(self, run_id: str, why: str) -> None:
        """Stop a run an interrupted trial left unfinished. Unknown to this runner (``cancel`` is False), it
        belonged to the dead session's own runner (a killed CLI): its store row is marked interrupted."""
        try:
            if self.runner.cancel(run_id):
                return
            store = getattr(self.runner, "store", None)
            if store is not None:
                store.set_status(run_id, "interrupted", error=f"interrupted: {why}")
        except Exception:  # noqa: BLE001 - one run that cannot be settled must not stop the recovery
            log.exception("could not stop run %s of an interrupted trial", run_id)

    # -- bookkeeping ---------------------------------------------------------------------
    def _set_state(self, state: str, message: str = "") -> None:
        with self._lock:
            self.state, self.message = state, message
        self._changed()

    def _say(self, message: str) -> None:
        with self._lock:
            self.message = message
        self._changed()

    def _changed(self) -> None:
        with self._lock:
            self.version += 1
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:  # noqa: BLE001 - a listener must not break the loop
                log.exception("study change listener failed")


def _budget(n_trials: int | None, minutes: float | None) -> tuple[int | None, float | None]:
    """Checked budget: at least one of the two; trials 1..MAX_TRIALS, minutes up to MAX_MINUTES."""
    if n_trials is None and minutes is None:
        raise ValueError("give a budget: a number of trials and/or minutes")
    if n_trials is not None and not 1 <= int(n_trials) <= MAX_TRIALS:
        raise ValueError(f"trials: 1 to {MAX_TRIALS}, not {n_trials}")
    if minutes is not None and not (0 < float(minutes) <= MAX_MINUTES):
        raise ValueError(f"minutes: above 0 and at most {MAX_MINUTES}, not {minutes}")
    return (None if n_trials is None else int(n_trials)), (None if minutes is None else float(minutes))
