"""An in-memory job runner (and the store view that goes with it) for AppTest.

``FakeRunner`` follows the ``synaptic_core.jobs.JobRunner`` contract without processes or
TensorFlow: tests script a run's state, events and result with ``add_run`` and read back what
the page did (``submitted``, ``cancelled``). Inject it before the first ``AppTest.run()``::

    at.session_state["synaptic_runner"] = runner
    at.session_state["synaptic_store"] = runner.store
"""

from __future__ import annotations

import itertools
from typing import Any

from synaptic_core.jobs import FINAL, JobStatus
from synaptic_core.specs import RunSpec


class FakeStore:
    """The part of ``RunStore`` the pages read: ``get_run`` and ``list_runs``."""

    def __init__(self, runner: "FakeRunner"):
        self.runner = runner

    def _row(self, run_id: str) -> dict[str, Any]:
        run = self.runner.runs[run_id]
        spec = run["spec"].as_dict()
        return {"id": run_id, "created": run["created"], "owner": run["owner"], "status": run["state"],
                "spec": spec, "dataset": spec["dataset"], "model": spec["model"], "result": run["result"],
                "error": run["message"] or None}

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        return self._row(run_id) if run_id in self.runner.runs else None

    def list_runs(self, limit: int = 50, owner: str | None = None, status: str | None = None) -> list[dict]:
        rows = [self._row(r) for r in self.runner.runs]
        rows = [r for r in rows if (owner is None or r["owner"] == owner) and (status is None or r["status"] == status)]
        return sorted(rows, key=lambda r: r["created"], reverse=True)[:limit]


class FakeRunner:
    """Runs nothing; every answer comes from what the test put in ``runs``."""

    def __init__(self, max_jobs: int = 2, device: dict | None = None):
        self.max_jobs = max_jobs
        self.device_info = device
        self.runs: dict[str, dict[str, Any]] = {}
        self.submitted: list[tuple[RunSpec, str | None]] = []
        self.cancelled: list[tuple[str, bool]] = []
        self.extra_queue: list[tuple[str, str | None]] = []  # other people's queued runs
        self.store = FakeStore(self)
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)

    # -- scripting --------------------------------------------------------------
    def add_run(self, run_id: str, state: str, events: list[dict] | None = None, result: dict | None = None,
                spec: RunSpec | None = None, owner: str | None = "me", position: int = 0,
                message: str = "") -> None:
        """A run in ``state`` with these events (``seq`` added) and result."""
        events = [{**e, "seq": i + 1, "time": float(i)} for i, e in enumerate(events or [])]
        self.runs[run_id] = {"state": state, "events": events, "result": result, "spec": spec or RunSpec(),
                             "owner": owner, "position": position, "message": message,
                             "created": next(self._clock)}

    # -- JobRunner ----------------------------------------------------------------
    def submit(self, spec: Any, owner: str | None = None) -> str:
        run_id = f"fake{next(self._ids)}"
        self.submitted.append((spec, owner))
        self.add_run(run_id, "queued", spec=spec, owner=owner, position=1,
                     events=[{"type": "status", "stage": "starting", "message": "queued"}])
        return run_id

    def status(self, run_id: str) -> JobStatus:
        run = self.runs[run_id]  # KeyError for an unknown id, like LocalJobRunner
        return JobStatus(run_id, run["state"], run["position"], run["message"], run["owner"])

    def events(self, run_id: str, since: int = 0) -> list[dict]:
        return [dict(e) for e in self.runs[run_id]["events"] if e["seq"] > since]

    def cancel(self, run_id: str, force: bool = False) -> bool:
        self.cancelled.append((run_id, force))
        return self.runs[run_id]["state"] not in FINAL

    def result(self, run_id: str) -> dict | None:
        return self.runs[run_id]["result"]

    def queue(self) -> dict:
        running = [(r, v["owner"]) for r, v in self.runs.items() if v["state"] in ("starting", "running")]
        queued = self.extra_queue + [(r, v["owner"]) for r, v in self.runs.items() if v["state"] == "queued"]
        return {"running": running, "queued": queued, "max_jobs": self.max_jobs}

    def device(self) -> dict | None:
        return self.device_info

    def shutdown(self) -> None:
        pass
