"""Following a run's events: one way to read them incrementally, for every caller.

Pages, the CLI and the benchmarks all want "what is new since I last looked", and then
"everything until the run ends". Both are written once here instead of as a hand-made
``since=events[-1]["seq"]`` loop in each caller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass
class EventCursor:
    """Where a reader is in one run's events. ``poll`` returns only what is new.

    Plain data (run id, last seq, the events read if ``keep``), so a page can keep one in
    its session state between reruns and pass the runner in on each tick.
    """

    run_id: str
    seq: int = 0
    keep: bool = True
    events: list[dict] = field(default_factory=list)

    def poll(self, runner: Any) -> list[dict]:
        """The run's events after the last one seen (possibly none), in order."""
        new = runner.events(self.run_id, since=self.seq)
        if new:
            self.seq = max(int(e.get("seq", 0)) for e in new) or self.seq + len(new)
            if self.keep:
                self.events.extend(new)
        return new


def follow(runner: Any, run_id: str, since: int = 0, poll: float = 0.05,
           timeout: float | None = None) -> Iterator[dict]:
    """Yield the run's events with ``seq > since`` as they arrive, until the run is final
    and every event it has is yielded (or ``timeout`` seconds have passed).

    Between polls it waits on ``runner.wait(run_id, poll)``, so the end of a run is seen at once.
    """
    cursor = EventCursor(run_id, seq=since, keep=False)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        yield from cursor.poll(runner)
        if runner.status(run_id).finished:
            yield from cursor.poll(runner)  # what arrived between the poll and the status
            return
        if deadline is not None and time.monotonic() >= deadline:
            return
        runner.wait(run_id, timeout=poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic())))
