"""Why a job's process ended without a result, in words a student can act on, and only what is known.

A SIGKILL nobody asked for is often the kernel's out-of-memory killer, but not always (an operator's
``kill -9``, a container runtime, a supervisor). So a death is called "out of memory" only when
the kernel says so: the memory cgroup's ``oom_kill`` counter went up while the job ran
(:func:`oom_kills`, read without root from ``/sys/fs/cgroup``); otherwise it is "killed by signal 9
(possibly out of memory)".
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

_SIGKILL_EXITS = (-signal.SIGKILL, 128 + signal.SIGKILL)  # killed directly / shell-style 137
# signals a process group or a service manager sends to everything when the server stops
SHUTDOWN_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
CGROUP_ROOT = Path("/sys/fs/cgroup")
_OOM_ADVICE = "try a smaller batch size, model or subset"


def signal_of(exitcode: int | None) -> int | None:
    """The signal that ended a process (``multiprocessing`` exit code ``-N``; shell-style 128+N for 9)."""
    if exitcode is None:
        return None
    if exitcode < 0:
        return -exitcode
    if exitcode in _SIGKILL_EXITS:
        return signal.SIGKILL
    return None


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def death_reason(exitcode: int | None, forced: bool, oom_before: int | None = None,
                 oom_after: int | None = None) -> tuple[str, str]:
    """``(kind, message)`` of the ``error`` event for a worker that died mid-job.

    ``kind`` is an error kind of the event contract: "killed" when the user forced the stop or
    a SIGKILL came from elsewhere, "oom" only when the cgroup's ``oom_kill`` counter rose between
    ``oom_before`` (read when the job started) and ``oom_after`` (read at its death), "crash" for
    any other death.
    """
    if forced:
        return "killed", "the run was stopped by force, so it has no result"  # the book prefixes the kind
    sig = signal_of(exitcode)
    if sig == signal.SIGKILL:
        if oom_before is not None and oom_after is not None and oom_after > oom_before:
            return "oom", (f"the job's process was killed by the kernel's out-of-memory killer (the memory "
                           f"cgroup counted an OOM kill while it ran): {_OOM_ADVICE}")
        return "killed", ("the job's process was killed by signal 9 (SIGKILL) without a cancel (possibly out "
                          f"of memory; if so, {_OOM_ADVICE})")
    if sig is not None:
        return "crash", f"the job's process died from {signal_name(sig)}"
    if exitcode:
        return "crash", f"the job's process exited with code {exitcode} before it finished"
    return "crash", "the job's process ended without a result"


def oom_kills(root: Path = CGROUP_ROOT, proc_cgroup: Path = Path("/proc/self/cgroup")) -> int | None:
    """How many processes the kernel's OOM killer has killed in this process's memory cgroup, or None.

    cgroup v2: ``oom_kill`` in ``memory.events``; v1: ``oom_kill`` in ``memory.oom_control`` (kernel
    4.13+). The cgroup's own folder is tried first, then the mount's root (inside a container the
    mount usually *is* the container's cgroup). Workers are spawned into their parent's cgroup, so
    the parent's counter is theirs too. None when nothing readable says.
    """
    candidates: list[Path] = []
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        rel = path.lstrip("/")
        if controllers == "":  # v2 unified hierarchy
            candidates += [root / rel / "memory.events", root / "memory.events"]
        elif "memory" in controllers.split(","):
            candidates += [root / "memory" / rel / "memory.oom_control", root / "memory" / "memory.oom_control"]
    candidates += [root / "memory.events", root / "memory" / "memory.oom_control"]
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        match = re.search(r"^oom_kill (\d+)$", text, re.MULTILINE)
        if match:
            return int(match.group(1))
    return None
