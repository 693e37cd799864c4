"""Why a job's process ended without a result, in words a student can act on."""

from __future__ import annotations

import signal

_SIGKILL_EXITS = (-signal.SIGKILL, 128 + signal.SIGKILL)  # killed directly / shell-style 137


def death_reason(exitcode: int | None, forced: bool) -> tuple[str, str]:
    """``(kind, message)`` of the ``error`` event for a worker that died mid-job.

    ``kind`` is an error kind of the event contract: "killed" when the user forced the
    stop, "oom" for a SIGKILL nobody asked for (the kernel's out-of-memory killer is what
    sends those), "crash" for any other death.
    """
    if forced:
        return "killed", "killed: the run was stopped by force, so it has no result"
    if exitcode in _SIGKILL_EXITS:
        return "oom", ("the job's process was killed (SIGKILL) without a cancel: most likely it ran "
                       "out of memory; try a smaller batch size, model or subset")
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return "crash", f"the job's process died from {name}"
    if exitcode:
        return "crash", f"the job's process exited with code {exitcode} before it finished"
    return "crash", "the job's process ended without a result"
