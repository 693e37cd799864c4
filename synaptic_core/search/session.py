"""Who is driving a study now, and what its last session was asked to do: the study's ``synaptic_session``
user attribute.

Why: a study's loop lives in one process (a server's ``StudyManager`` thread, or the CLI). When that
process dies (a server restart, a killed CLI) Optuna's storage keeps the study, with the trials that
were in flight left RUNNING. Another process must tell "driven elsewhere, right now" (the CLI is
running it: hands off) from "its driver is gone" (interrupted: resume it), and a resume should run
what the dead session still owed. So each session records its budget, process and a heartbeat here
(every ``BEAT_S`` seconds while it runs, a few milliseconds of SQLite), and marks itself ended when it
stops normally. A record is *dead* when it did not end and either its process is gone (same host:
the pid no longer exists, or it is this process and none of its threads drives the study: ``driving``
keeps the ids this process drives now) or its heartbeat is older than ``STALE_S`` (another host).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

ATTR = "synaptic_session"
BEAT_S = 5.0
STALE_S = 60.0

_driving: set[str] = set()  # studies a thread of this process drives now (process-wide, not per person)
_driving_lock = threading.Lock()


@contextmanager
def driving(study_id: str):
    """Mark ``study_id`` as driven by this process while the block runs."""
    with _driving_lock:
        _driving.add(study_id)
    try:
        yield
    finally:
        with _driving_lock:
            _driving.discard(study_id)


def driven_here(study_id: str) -> bool:
    with _driving_lock:
        return study_id in _driving


@dataclass(frozen=True)
class Session:
    """One driving session of a study: its budget (trials and/or minutes), where it ran, when it last beat.

    first_trial: the study's trial count when it began (its trials are numbered from there);
    ended: False while it runs and after a crash, True once it stopped normally (finished, stopped, failed).
    """

    n_trials: int | None
    minutes: float | None
    first_trial: int
    started: float
    beat: float
    pid: int
    host: str
    ended: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Session":
        data = json.loads(text)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def read(study: Any) -> Session | None:
    """The study's last session (None before the first one, or when the record is unreadable)."""
    text = study.user_attrs.get(ATTR)
    if not text:
        return None
    try:
        return Session.from_json(text)
    except (ValueError, TypeError, KeyError):
        return None


def begin(study: Any, n_trials: int | None, minutes: float | None) -> Session:
    """Record that this process starts driving ``study`` with this budget."""
    now = time.time()
    session = Session(n_trials, minutes, len(study.get_trials(deepcopy=False)), now, now, os.getpid(),
                      socket.gethostname())
    study.set_user_attr(ATTR, session.to_json())
    return session


def beat(study: Any, session: Session) -> Session:
    """The heartbeat: this session's record with ``beat`` = now."""
    session = Session(**{**asdict(session), "beat": time.time()})
    study.set_user_attr(ATTR, session.to_json())
    return session


def end(study: Any, session: Session) -> None:
    """The session stopped normally (nothing of it is left to resume)."""
    study.set_user_attr(ATTR, Session(**{**asdict(session), "beat": time.time(), "ended": True}).to_json())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return False
    return True


def is_dead(session: Session | None, study_id: str, now: float | None = None) -> bool:
    """True when ``session`` (of study ``study_id``) did not end and its driver is gone (module docstring)."""
    if session is None or session.ended:
        return False
    if session.host == socket.gethostname():
        if session.pid == os.getpid():
            return not driven_here(study_id)
        if not _pid_alive(session.pid):
            return True
    return (now if now is not None else time.time()) - session.beat > STALE_S


def owed(study: Any, session: Session | None) -> tuple[int | None, float | None]:
    """What a resume of a dead ``session`` still has to run: ``(trials, minutes)``.

    Trials: its budget less the trials it asked that ended properly (complete, pruned or failed on their
    own); the interrupted ones are asked again first, so they are part of what is owed. Minutes: its
    budget less the time it ran (at least one minute). ``(None, None)``: nothing is owed.
    """
    if session is None:
        return None, None
    trials = study.get_trials(deepcopy=False)[session.first_trial:]
    done = sum(1 for t in trials if t.state.name in ("COMPLETE", "PRUNED")
               or (t.state.name == "FAIL" and not t.user_attrs.get("interrupted")))
    n = None if session.n_trials is None else max(0, int(session.n_trials) - done)
    minutes = None if session.minutes is None else max(1.0, float(session.minutes) - (session.beat - session.started) / 60)
    if n == 0:
        return None, None
    if n is None and minutes is None:
        return None, None
    return n, minutes


class StudyBusy(RuntimeError):
    """The study is already being driven (by a thread of this server, or by another process)."""


def check_free(study: Any) -> None:
    """StudyBusy when another driver (a thread here, or another process) drives ``study`` now."""
    record = read(study)
    if record is None or record.ended or is_dead(record, study.study_name):
        return
    if record.pid == os.getpid() and record.host == socket.gethostname():
        raise StudyBusy(f"study {study.study_name} is already running")
    raise StudyBusy(f"study {study.study_name} is being run by another process (pid {record.pid} on "
                    f"{record.host}, last seen {max(0.0, time.time() - record.beat):.0f} s ago)")
