"""Stack concurrent requests into one model call: the micro-batcher behind ``predict``.

One image through a small CNN costs about as much as sixteen: the price is the call, not
the arithmetic. So while the model is busy, requests that arrive queue up here, and the next
call takes all of them at once (up to ``max_rows``). When the server is idle a request goes
straight to the model: no waiting window, so a lone client's latency is the latency of one
call (the benchmark checks both, ``synaptic_core.bench.serving``).

Model calls run in worker threads (the ``executor``), so the event loop keeps accepting and
parsing requests meanwhile; at most ``max_in_flight`` calls per batcher run at once (the
server uses two: a large request then does not hold up small ones).
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import Executor
from typing import Callable

import numpy as np


class MicroBatcher:
    """``await batcher(x)`` -> ``fn(x)``, where ``fn`` may see ``x`` stacked with other callers' rows."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], executor: Executor | None = None,
                 max_rows: int = 256, max_in_flight: int = 1):
        self.fn = fn
        self.executor = executor
        self.max_rows = max(1, int(max_rows))
        self.max_in_flight = max(1, int(max_in_flight))
        self._pending: deque[tuple[np.ndarray, asyncio.Future]] = deque()
        self._active = 0  # drain loops running (each has at most one model call in flight)
        self.calls = 0   # model calls made (for tests and the benchmark)
        self.rows = 0    # rows sent through them

    async def __call__(self, x: np.ndarray) -> np.ndarray:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._pending.append((x, fut))
        if self._active < self.max_in_flight:
            self._active += 1
            loop.create_task(self._drain())
        return await fut

    def _take(self) -> list[tuple[np.ndarray, asyncio.Future]]:
        """Everything queued, in arrival order, up to ``max_rows`` rows (at least one request)."""
        batch, rows = [], 0
        while self._pending and (not batch or rows + len(self._pending[0][0]) <= self.max_rows):
            x, fut = self._pending.popleft()
            if fut.cancelled():  # the client went away while waiting
                continue
            batch.append((x, fut))
            rows += len(x)
        return batch

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch = self._take()
                if not batch:
                    continue
                x = batch[0][0] if len(batch) == 1 else np.concatenate([b[0] for b in batch])
                try:
                    y = await loop.run_in_executor(self.executor, self.fn, x)
                except Exception as e:  # every waiting request learns of the failure
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(e)
                    continue
                self.calls += 1
                self.rows += len(x)
                start = 0
                for xi, fut in batch:
                    if not fut.done():
                        fut.set_result(y[start:start + len(xi)])
                    start += len(xi)
        finally:
            self._active -= 1
