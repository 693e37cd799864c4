"""How often a class password may be tried: a small in-process limiter, asked *before* the scrypt.

Why: a wrong password costs the server one scrypt (~50 ms, 16 MB) and costs the guesser nothing, so
without a limit a class password can be guessed as fast as the server hashes. Two limits, both kept
here, in memory, for this server process:

* per client (the class token + a client key the page passes in: the connection's IP address where
  Streamlit knows it, else the Streamlit session): after ``client_failures`` wrong passwords within
  ``window_s`` that client waits ``client_wait_s`` seconds, doubling with each further wrong one, up
  to ``max_wait_s``;
* per class (every client together): after ``class_failures`` wrong passwords within the window the
  class's password cannot be tried by anyone for ``class_wait_s`` seconds, doubling the same way. A
  guesser who changes client key (a new tab, a new session) is caught here; a student already in the
  class is not affected (the password is asked only on joining).

A locked-out try is refused by :meth:`Attempts.wait_s` without hashing anything. A right password
clears that client's count (not the class's). Quiet for ``window_s`` after the last wrong password
(and after the wait it started), a count starts again from zero. The tables are bounded (``max_keys`` entries each, least recently
used dropped first), so a flood of invented keys costs memory once and never grows it; a dropped
client entry is what the per-class count is for. Thread-safe: every script thread of the server
shares one instance (:data:`ATTEMPTS`, used by ``classes.join`` unless it is given another).
No Streamlit, no store: a restart forgets every count (and an attacker gains nothing by causing one
that the server's own restart time does not already cost them).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0    # time of the last wrong password
    until: float = 0.0   # no try before this time


class TooManyAttempts(Exception):
    """A try refused before checking the password; ``seconds`` is how long to wait, ``str()`` says it."""

    def __init__(self, seconds: int, whole_class: bool):
        self.seconds, self.whole_class = seconds, whole_class
        who = "this class" if whole_class else "this device"
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"Too many wrong passwords for {who}: wait {seconds} {unit}, then try again.")


class Attempts:
    """Wrong-password counts per (class, client) and per class, with waits that grow (see the module)."""

    def __init__(self, client_failures: int = 5, class_failures: int = 100, window_s: float = 600.0,
                 client_wait_s: float = 5.0, class_wait_s: float = 30.0, max_wait_s: float = 900.0,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.client_failures, self.class_failures = client_failures, class_failures
        self.window_s, self.client_wait_s, self.class_wait_s = window_s, client_wait_s, class_wait_s
        self.max_wait_s, self.max_keys, self.clock = max_wait_s, max_keys, clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[tuple[str, str], _Count] = OrderedDict()
        self._classes: OrderedDict[str, _Count] = OrderedDict()

    def check(self, class_id: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` when this client (or anyone, for this class) must wait first."""
        now = self.clock()
        with self._lock:
            for count, whole in ((self._classes.get(class_id), True), (self._clients.get((class_id, client)), False)):
                if count is not None and count.until > now:
                    raise TooManyAttempts(max(1, math.ceil(count.until - now)), whole)

    def failed(self, class_id: str, client: str) -> None:
        """Count a wrong password of ``client`` for ``class_id`` (starting a wait once over the limit)."""
        now = self.clock()
        with self._lock:
            self._count(self._clients, (class_id, client), now, self.client_failures, self.client_wait_s)
            self._count(self._classes, class_id, now, self.class_failures, self.class_wait_s)

    def succeeded(self, class_id: str, client: str) -> None:
        """A right password: this client's count starts again (the class's stays: others may be guessing)."""
        with self._lock:
            self._clients.pop((class_id, client), None)

    def _count(self, table: OrderedDict, key: object, now: float, limit: int, wait: float) -> None:
        count = table.pop(key, None) or _Count()
        if now - max(count.last, count.until) > self.window_s:  # quiet for a window after any wait: afresh
            count.failures = 0
        count.failures += 1
        count.last = now
        if count.failures >= limit:
            count.until = now + min(self.max_wait_s, wait * 2.0 ** min(count.failures - limit, 30))
        table[key] = count  # most recently used last
        while len(table) > self.max_keys:
            table.popitem(last=False)


ATTEMPTS = Attempts()
