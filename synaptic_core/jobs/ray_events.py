"""How a Ray task's events reach the app, and how Stop reaches the task: one small actor.

Why an actor and not a Ray queue per run or a streaming generator: the training target calls
``sink.emit`` from inside Keras callbacks, so the task body cannot ``yield``; and the task must
also learn about Stop while it trains. One *channel* actor per runner does both jobs:

* the task's :class:`TaskSink` sends its events in small batches (``send``); every reply says
  whether Stop was pressed, so ``should_stop()`` costs nothing and is at most one send old;
* the runner's pump thread long-polls ``take`` and hands what arrives to the ``RunBook``
  (the app stays the only store writer);
* ``stop(run_id)`` sets the flag the next reply carries.

Order: one sender thread per task sends synchronously (``ray.get`` on each ``send``), so a
run's batches arrive in the order they were emitted, and the last one has arrived before
the task returns. The pump therefore drains the channel once more after it sees a task end,
and only then settles the run.

Message kinds: ``started`` (payload: the node), ``events`` (a batch), ``ended`` (the target is
done and every event has arrived; the task may still be cleaning up, holding its slot).

The actor is pinned to the app's node (it dies with the app) and takes no CPU.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import ray

log = logging.getLogger(__name__)

SEND_GAP_S = 0.05  # a chatty target's events are batched this long (first event: sent at once)
POLL_S = 0.2  # a task that emits nothing still asks about Stop this often


@ray.remote(num_cpus=0, max_restarts=0)
class EventChannel:
    """Inbox of every run of one runner, and their stop flags (an async actor: ``take`` may wait
    while tasks keep sending)."""

    def __init__(self) -> None:
        self._inbox: list[tuple[str, str, Any]] = []
        self._stop: set[str] = set()
        self._arrived = asyncio.Event()

    async def send(self, run_id: str, kind: str, payload: Any) -> bool:
        """Deliver ``(run_id, kind, payload)``; return whether Stop was pressed for ``run_id``.
        An empty batch of events only asks about Stop."""
        if payload or kind != "events":
            self._inbox.append((run_id, kind, payload))
            self._arrived.set()
        return run_id in self._stop

    async def take(self, timeout: float) -> list[tuple[str, str, Any]]:
        """Everything delivered so far, waiting up to ``timeout`` seconds when there is nothing."""
        if not self._inbox and timeout > 0:
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        self._arrived.clear()
        out, self._inbox = self._inbox, []
        return out

    async def stop(self, run_id: str) -> None:
        self._stop.add(run_id)

    async def forget(self, run_id: str) -> None:
        self._stop.discard(run_id)


def open_channel() -> Any:
    """A new channel actor on this (the app's) node."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    return EventChannel.options(scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)).remote()


class TaskSink:
    """The ``Sink`` a target gets inside a Ray task (see the module docstring).

    ``node``: where the task runs; it is added to every ``status`` event and to the result, so
    the store says which node trained a run.
    """

    def __init__(self, channel: Any, run_id: str, node: dict[str, Any]):
        self.channel, self.run_id, self.node = channel, run_id, node
        self._buffer: list[dict] = []
        self._cond = threading.Condition()
        self._closing = False
        self._stop = False
        self._broken = False
        self._thread = threading.Thread(target=self._sender, name="synaptic-ray-sink", daemon=True)

    def start(self) -> bool:
        """Tell the app the task has started (synchronously); False if Stop came first."""
        self._stop = ray.get(self.channel.send.remote(self.run_id, "started", self.node))
        self._thread.start()
        return not self._stop

    def emit(self, event: dict) -> None:
        if "type" not in event:
            raise ValueError(f"an event needs a 'type': {event!r}")
        event = dict(event)
        if event["type"] in ("status", "result"):
            event["node"] = dict(self.node)
        with self._cond:
            self._buffer.append(event)
            self._cond.notify()

    def should_stop(self) -> bool:
        return self._stop or self._broken

    def close(self) -> None:
        """Send what is left and wait for it to arrive (before the task returns)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    def _sender(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._buffer or self._closing, timeout=POLL_S)
                batch, self._buffer = self._buffer, []
                closing = self._closing
            if not self._broken:
                try:
                    self._stop = ray.get(self.channel.send.remote(self.run_id, "events", batch))
                except Exception:  # noqa: BLE001 - the app (and its channel) is gone: stop training
                    log.warning("run %s: the app's event channel is gone; stopping", self.run_id)
                    self._broken = True
            if closing:
                with self._cond:
                    if not self._buffer:
                        return
            elif batch:
                time.sleep(SEND_GAP_S)
