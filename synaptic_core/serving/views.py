"""Run rows -> what the REST API shows: no filesystem paths, no owner ids, the caller's rights.

Also the example a client can paste (``example_input``, ``curl_command``), so the API docs
and the results view show the same request.
"""

from __future__ import annotations

import base64
import io
import json
import shlex
from typing import Any, Mapping

from synaptic_core.identity import can_control

HIDDEN_RESULT_KEYS = ("spec", "run_id")  # the spec is shown once, at the top


def public_result(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The result dict without file paths (``*_path``): they say nothing to a client and reveal the server."""
    if result is None:
        return None
    return {k: v for k, v in result.items() if not k.endswith("_path") and k not in HIDDEN_RESULT_KEYS}


def run_task(run: Mapping[str, Any], data_event: Mapping[str, Any] | None) -> str | None:
    return (run.get("result") or {}).get("task") or (data_event or {}).get("task")


def run_summary(run: Mapping[str, Any], token: str | None) -> dict[str, Any]:
    """One row of ``GET /v1/runs``."""
    r = run.get("result") or {}
    return {
        "run_id": run["id"], "created": run["created"], "updated": run["updated"], "status": run["status"],
        "dataset": run["dataset"], "model": run["model"], "task": r.get("task"), "params": r.get("params"),
        "epochs_run": r.get("epochs_run"), "test": r.get("test"), "error": run.get("error"),
        "yours": can_control(run, token), "url": f"/v1/runs/{run['id']}",
    }


def input_hint(task: str | None, input_shape: list[int] | None) -> dict[str, Any]:
    """What one predict input looks like for a run of this task (without loading its model)."""
    shape = list(input_shape or [])
    hints = {
        "image": "a base64 PNG/JPEG string, or a nested array (height, width) or (height, width, channels) "
                 f"of 0..255 pixels; resized and converted to the model's {shape}",
        "toy": "a point [x1, x2]",
        "tabular": "an object keyed by feature name (or an array of the raw values in feature order); "
                   "encoded and standardised as in training; a wrong row's error lists the features",
        "upload-table": "an object keyed by column name of your CSV (or an array of the raw values in column "
                        "order); transformed as in training; the answer is the class",
        "tabular-regression": "an object keyed by column name of your CSV (or an array of the raw values in column "
                              "order); transformed as in training; the answer is the value in the target's units",
        "text": "a review as a string; tokenised with the run's vocabulary",
        "chars": "a string; the answer is the next character's probabilities",
        "series": f"the last {shape[0] if shape else 'look_back'} values of the series, in its own units; "
                  "the answer is the next value",
    }
    return {"kind": task, "shape": shape or None, "format": hints.get(task or "", "unknown task")}


def run_detail(run: Mapping[str, Any], token: str | None, data_event: Mapping[str, Any] | None) -> dict[str, Any]:
    """``GET /v1/runs/{id}``: spec, status, metrics, and how to ask it for predictions."""
    task = run_task(run, data_event)
    out = run_summary(run, token)
    out["task"] = task
    out["spec"] = run["spec"]
    out["metrics"] = public_result(run.get("result"))
    shape = (data_event or {}).get("input_shape")
    out["predict"] = {"url": f"/v1/runs/{run['id']}/predict", "method": "POST",
                      "body": '{"inputs": [ ...one item per example... ]}', "input": input_hint(task, shape)}
    return out


def example_input(task: str | None, input_shape: list[int] | None) -> Any:
    """One valid (if meaningless) input: a black image, the origin, a short text, a flat window."""
    shape = list(input_shape or [])
    if task == "image" and len(shape) == 3:
        from PIL import Image

        h, w, c = shape
        buf = io.BytesIO()
        Image.new("L" if c == 1 else "RGB", (w, h)).save(buf, format="PNG")
        return base64.b64encode(buf.getvalue()).decode("ascii")
    if task == "toy":
        return [0.5, -1.0]
    if task in ("text", "chars"):
        return "What a wonderful film, I loved every minute of it."
    if task == "series" and shape:
        return [0.0] * int(shape[0])
    return None


def curl_command(base_url: str, run_id: str, task: str | None, input_shape: list[int] | None) -> str:
    """The exact command that asks this run for one prediction (what the results view shows)."""
    body = json.dumps({"inputs": [example_input(task, input_shape)]}, separators=(",", ":"))
    url = f"{base_url.rstrip('/')}/v1/runs/{run_id}/predict"
    return f"curl -s -X POST {shlex.quote(url)} -H 'Content-Type: application/json' -d {shlex.quote(body)}"
