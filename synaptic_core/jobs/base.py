"""The job-runner interface every runner (local processes, Ray later) offers to the pages.

Pages only ever see this: submit a spec, poll ``status``/``events`` from a timer, ``cancel``
(``by``: who asks, see ``policy.may_control``; None is the trusted local caller), ``resume``.
The contract test suite (tests/contract/) runs the same cases against every implementation;
a new runner keeps its bookkeeping in a ``RunBook`` (runbook.py) and adds only execution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

STATES = ("queued", "starting", "running", "done", "failed", "stopped", "interrupted")
ACTIVE = frozenset({"queued", "starting", "running"})
FINAL = frozenset({"done", "failed", "stopped", "interrupted"})  # the one definition: import it, never copy it


@dataclass(frozen=True)
class JobStatus:
    """Where a run stands.

    ``position`` is the 1-based place in the queue while ``queued`` and 0 otherwise;
    ``message`` says why a run failed or stopped (or what it is waiting for).
    """

    run_id: str
    state: str
    position: int = 0
    message: str = ""
    owner: str | None = None

    @property
    def finished(self) -> bool:
        """True once the run can change no more (done, failed, stopped, interrupted)."""
        return self.state in FINAL


@runtime_checkable
class JobRunner(Protocol):
    """What the UI needs from a runner; see docs/ARCHITECTURE.md section 5."""

    def submit(self, spec: Any, owner: str | None = None) -> str: ...

    def status(self, run_id: str) -> JobStatus: ...

    def events(self, run_id: str, since: int = 0) -> list[dict]: ...

    def cancel(self, run_id: str, force: bool = False, by: Any = None) -> bool: ...

    def resume(self, run_id: str, by: Any = None) -> str: ...

    def result(self, run_id: str) -> dict | None: ...

    def wait(self, run_id: str, timeout: float | None = None) -> JobStatus: ...

    def queue(self) -> dict: ...

    def device(self) -> dict | None: ...

    def shutdown(self) -> None: ...
