"""The REST API: a finished run's model over HTTP (FastAPI; ``python -m synaptic_core serve``).

Endpoints (OpenAPI docs at ``/docs``, schema at ``/openapi.json``):

* ``GET /v1/health`` -> ``{"status": "ok"}``.
* ``GET /v1/runs`` -> the caller's runs, newest first. The caller identifies with
  ``Authorization: Bearer <owner token>`` (``synaptic_core.identity``); without a valid token
  the answer is **401**, not an empty list: a client that forgot its token should learn that,
  and listing other people's runs would hand out their links.
* ``GET /v1/runs/{id}`` -> spec, status, metrics and how to ask for predictions; anyone who
  holds the id may look (the id is the run's link).
* ``POST /v1/runs/{id}/predict`` with ``{"inputs": [...]}``, one item per example ->
  ``{"outputs": [...]}``, one answer per input: class probabilities with class names, or a value.

Errors are ``{"detail": "..."}`` with 404 (unknown run), 409 (run not finished or its files
not servable), 413 (body over the byte limit, checked before parsing; too many inputs), 422
(an input of the wrong shape or type: the message names the item and the expected shape).

Concurrency: the app is async; model loading and model calls run in worker threads, and
concurrent predictions of one run share model calls (``serving.batcher``).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from synaptic_core.identity import can_view, is_token, owner_id
from synaptic_core.serving import views
from synaptic_core.serving.batcher import MicroBatcher
from synaptic_core.serving.inputs import InputError
from synaptic_core.serving.limits import BodyLimit
from synaptic_core.serving.predictor import (SERVABLE_STATES, Predictor, PredictorCache, Unservable, check_servable,
                                             load_predictor)

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_INPUTS = 256
CACHE_SIZE = 4
RUN_TTL_S = 1.0
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class PredictRequest(BaseModel):
    """One item per example; what an item looks like depends on the run's task (see the run's ``predict.input``)."""

    inputs: list[Any] = Field(..., description="image: base64 PNG/JPEG or nested array of 0..255; toy: [x1, x2]; "
                              "tabular: object keyed by feature name or array; text: string; series: list of "
                              "the last look_back values",
                              examples=[[[0.5, -1.0]], ["What a wonderful film."]])


_bearer = HTTPBearer(auto_error=False, description="Your owner token (kept by your browser or client).")


async def _token(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str | None:
    """The caller's owner token, or None (no header, another scheme, or not token-shaped).

    ``async`` only so FastAPI calls it inline: a plain ``def`` dependency costs a thread hop per request.
    """
    if creds is None or not is_token(creds.credentials):
        return None
    return creds.credentials


class _Serving:
    """What one app instance holds: the store, the model cache, one batcher per loaded model."""

    def __init__(self, store: Any, cache_size: int, max_batch_rows: int, max_in_flight: int = 1):
        self.store = store
        self.cache = PredictorCache(cache_size)
        self.batchers: dict[Any, MicroBatcher] = {}
        self.max_batch_rows = max_batch_rows
        self.max_in_flight = max(1, int(max_in_flight))
        self._runs: dict[str, tuple[float, dict[str, Any]]] = {}  # run id -> (expires, row): finished runs only
        self._executor: ThreadPoolExecutor | None = None
        self._loader: ThreadPoolExecutor | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The one thread that runs model calls (made on first use, again after ``close``)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="synaptic-predict")
        return self._executor

    @property
    def loader(self) -> ThreadPoolExecutor:
        """The thread that loads models, so a slow load never blocks the event loop or running predictions."""
        if self._loader is None:
            self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synaptic-load")
        return self._loader

    def run_or_404(self, run_id: str) -> dict[str, Any]:
        run = self.store.get_run(run_id) if run_id and len(run_id) <= 64 and set(run_id) <= _ID_CHARS else None
        if run is None:
            raise HTTPException(404, f"no run with id {run_id!r}")
        return run

    def servable_run_or_404(self, run_id: str) -> dict[str, Any]:
        """Like ``run_or_404``, but a finished run's row is reused for a second (predictions of a finished
        run read the same row every time; a run deleted or changed is seen within RUN_TTL_S)."""
        now = time.monotonic()
        hit = self._runs.get(run_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        run = self.run_or_404(run_id)
        if run["status"] in SERVABLE_STATES:
            if len(self._runs) > 1024:
                self._runs.clear()
            self._runs[run_id] = (now + RUN_TTL_S, run)
        return run

    async def predictor(self, run: dict[str, Any]) -> tuple[Predictor, MicroBatcher]:
        key = (run["id"], (run.get("result") or {}).get("model_path"))
        pred = self.cache.peek(key)
        if pred is None:
            run_dir = self.store.artifacts_dir(run["id"])
            loop = asyncio.get_running_loop()
            pred = await loop.run_in_executor(self.loader, self.cache.get, key, lambda: load_predictor(run, run_dir))
        batcher = self.batchers.get(key)
        if batcher is None or batcher.fn is not pred.call:
            batcher = self.batchers[key] = MicroBatcher(pred.call, self.executor, self.max_batch_rows,
                                                                   self.max_in_flight)
            for old in [k for k in self.batchers if self.cache.peek(k) is None]:  # evicted models
                self.batchers.pop(old, None)
        return pred, batcher

    def close(self) -> None:
        """Stop the worker threads (at shutdown); loaded models stay cached for a restart of the app."""
        for pool in (self._executor, self._loader):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._executor = self._loader = None
        self.batchers.clear()


def create_app(store: Any = None, *, max_body_bytes: int = MAX_BODY_BYTES, max_inputs: int = MAX_INPUTS,
               cache_size: int = CACHE_SIZE, max_batch_rows: int = 256, max_in_flight: int = 2,
               preload_tensorflow: bool = False) -> FastAPI:
    """The API over ``store`` (default: ``RunStore()`` at ``$SYNAPTIC_HOME/runs.db``).

    ``preload_tensorflow`` imports Keras at start-up (what ``serve`` does), so the first
    prediction does not pay the seconds of that import. ``max_in_flight`` model calls may run at
    once (in as many worker threads): two, so that one large request does not hold up everyone's
    single images and both cores stay busy; requests beyond that are batched (``serving.batcher``).
    """
    if store is None:
        from synaptic_core.store import RunStore

        store = RunStore()
    serving = _Serving(store, cache_size, max_batch_rows, max_in_flight)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if preload_tensorflow:
            await asyncio.get_running_loop().run_in_executor(serving.loader, _import_keras)
        yield
        serving.close()

    app = FastAPI(title="SynapticHub", version="1", lifespan=lifespan,
                  summary="Predictions from the models of finished SynapticHub runs.",
                  description=(__doc__ or "").split("\n\n", 1)[1] if __doc__ else None)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.state.serving = serving

    @app.get("/v1/health", tags=["server"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/runs", tags=["runs"], responses={401: {"description": "no valid owner token"}})
    def list_runs(token: str | None = Depends(_token), limit: int = Query(50, ge=1, le=500),
                  status: str | None = Query(None, max_length=20, description="only runs in this state")
                  ) -> list[dict[str, Any]]:
        """Your runs, newest first. Needs ``Authorization: Bearer <owner token>``."""
        owner = owner_id(token)
        if owner is None:
            raise HTTPException(401, "send your owner token: Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        return [views.run_summary(r, token) for r in store.list_runs(limit=limit, owner=owner, status=status)]

    @app.get("/v1/runs/{run_id}", tags=["runs"], responses={404: {"description": "unknown run"}})
    def get_run(run_id: str, token: str | None = Depends(_token)) -> dict[str, Any]:
        """A run's spec, status and metrics; anyone who holds the run's id (its link) may look."""
        run = serving.run_or_404(run_id)
        if not can_view(run, token, by_link=True):
            raise HTTPException(404, f"no run with id {run_id!r}")
        data = store.events(run_id, types=["data"])
        return views.run_detail(run, token, data[-1] if data else None)

    @app.post("/v1/runs/{run_id}/predict", tags=["runs"], responses={
        404: {"description": "unknown run"}, 409: {"description": "run not finished, or not servable"},
        413: {"description": "body or input count over the limit"}, 422: {"description": "an input of the wrong shape"}})
    async def predict(run_id: str, body: PredictRequest, token: str | None = Depends(_token)) -> JSONResponse:
        """One answer per input: ``{"class", "class_index", "probabilities"}`` or ``{"value"}``."""
        run = serving.servable_run_or_404(run_id)
        if not can_view(run, token, by_link=True):
            raise HTTPException(404, f"no run with id {run_id!r}")
        n = len(body.inputs)
        if n == 0:
            raise HTTPException(422, "inputs is empty: send one item per example")
        if n > max_inputs:
            raise HTTPException(413, f"{n} inputs; at most {max_inputs} per request")
        try:
            check_servable(run)
            pred, batcher = await serving.predictor(run)
        except Unservable as e:
            raise HTTPException(409, str(e)) from None
        try:
            if n <= 4:  # a few small items: cheaper here than a thread hop
                x = pred.prepare(body.inputs)
            else:       # many (images to decode): keep the event loop free
                x = await asyncio.get_running_loop().run_in_executor(None, pred.prepare, body.inputs)
        except InputError as e:
            raise HTTPException(422, str(e)) from None
        y = await batcher(x)
        return JSONResponse({"run_id": run_id, "task": pred.task, "outputs": pred.answer(y)})

    return app


def _import_keras() -> None:
    import keras  # noqa: F401  (seconds, once)
