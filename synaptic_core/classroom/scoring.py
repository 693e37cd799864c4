"""Scoring a class's finished runs on its hidden split, in a child process, whether the board is open or not.

Why a child process: a run's model is a Keras file, and loading it imports TensorFlow (seconds and
hundreds of MB), which the Streamlit process never does. ``python -m synaptic_core.classroom.scoring
DB CLASS_ID [RUN_ID ...]`` loads each named (else each unscored) finished run's model (only a ``.keras``
file inside that run's own artifact folder: one the app wrote), predicts the hidden split and prints
one JSON line per run (``{"run_id", "score"}`` or ``{"run_id", "error"}``). The parent (:class:`Scorer`,
one per server) reads the lines and writes the scores, so the server stays the store's one writer.

When: lazily, on every load of a class page (a student's class Playground, whose script reruns when
their run ends, and the teacher's board, every 2 s), through :meth:`Scorer.ensure`. Why this design
and not a hook in the job runner or a timer thread: the runner belongs to every page and knows no
classes, and a timer polls the store for ever, even with no class; a class page load is exactly when
someone may look, and the run that just ended reruns its student's page. ``ensure`` costs the script
thread one indexed query (``classes.unscored_runs``) and, when a run waits, a thread start; the thread
runs the child for the runs that wait, then asks again and scores the runs that ended meanwhile, until
none waits (so a run that ends while a child runs is not left behind). A run the child gives no line for
(it crashed, timed out) gets a ``score_error`` saying so, so a broken model is never retried in a loop.
At most one child per class at a time; the Streamlit script thread never waits for one.

The child runs at the lowest CPU priority (nice 19): it imports TensorFlow (seconds of CPU) once per
batch of runs, and in a class every run that ends starts one while the next students' runs train on
the same cores. At normal priority the scoring children took about half of the training core in the
30-student load test (runs ~7 s apart instead of ~3.3 s); niced, they use the gaps, and the runs that
end while one is starved are scored together by the next.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence

log = logging.getLogger(__name__)
SCORE_TIMEOUT_S = 900  # generous: a niced child may wait while a class's runs train


def score_runs(store: Any, class_id: str, run_ids: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Score the class's runs that need it, only ``run_ids`` when given (TensorFlow is imported here)."""
    import keras

    from synaptic_core.serving.predictor import Unservable, own_file

    from .classes import class_runs, get_class
    from .leaderboard import accuracy, hidden_split, labels_for, model_inputs, needs_score

    klass = get_class(store, class_id)
    split = hidden_split(klass) if klass is not None else None
    if split is None:
        return []
    x, y = split
    out = []
    for run in class_runs(store, klass):
        if not needs_score(run) or (run_ids and run["id"] not in run_ids):
            continue
        try:
            path = own_file(run["result"]["model_path"], Path(store.artifacts_dir(run["id"])), ".keras")
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
            keep, labels = labels_for(y, tuple(run["spec"].get("classes") or ()))
            probabilities = model(model_inputs(x[keep], run["spec"]), training=False)
            out.append({"run_id": run["id"], "score": accuracy(keras.ops.convert_to_numpy(probabilities), labels)})
        except Unservable as exc:
            out.append({"run_id": run["id"], "error": str(exc)})
        except Exception as exc:  # a model that does not take the hidden split (other input features): say so
            out.append({"run_id": run["id"], "error": f"could not score this run: {type(exc).__name__}: "
                                                      f"{str(exc)[:200]}"})
    return out


class Scorer:
    """Scores a class's waiting runs in a background thread (one per class at a time) running the child."""

    def __init__(self, store: Any):
        self.store = store
        self._lock = threading.Lock()
        self._busy: set[str] = set()

    def busy(self, class_id: str) -> bool:
        with self._lock:
            return class_id in self._busy

    def ensure(self, class_id: str) -> bool:
        """Start scoring the class's waiting runs unless none waits or a scoring thread runs (it will find
        them); True when a thread was started. Cheap: one indexed query in the caller's thread."""
        from .classes import unscored_runs

        with self._lock:
            if class_id in self._busy or not unscored_runs(self.store, class_id):
                return False
            self._busy.add(class_id)
        threading.Thread(target=self._run, args=(class_id,), name=f"class-scoring-{class_id}", daemon=True).start()
        return True

    def request(self, class_id: str, wait: bool = False) -> bool:
        """Like :meth:`ensure`; with ``wait``, return only when the class's scoring thread is done."""
        started = self.ensure(class_id)
        while wait and self.busy(class_id):
            time.sleep(0.05)
        return started

    def _run(self, class_id: str) -> None:
        from .classes import set_private_score, unscored_runs

        tried: set[str] = set()
        try:
            while True:
                with self._lock:  # the last look and leaving happen together: ensure() then sees not busy
                    todo = [r for r in unscored_runs(self.store, class_id) if r not in tried]
                    if not todo:
                        self._busy.discard(class_id)
                        return
                tried.update(todo)
                lines, failure = self._child(class_id, todo)
                answered = set()
                for item in lines:
                    if item.get("run_id") in tried:
                        set_private_score(self.store, item["run_id"], item.get("score"), item.get("error"))
                        answered.add(item["run_id"])
                for run_id in todo:
                    if run_id not in answered:
                        set_private_score(self.store, run_id, None, f"not scored: {failure or 'no answer'}")
        except Exception:
            log.exception("scoring class %s", class_id)
            with self._lock:
                self._busy.discard(class_id)

    def _child(self, class_id: str, run_ids: list[str]) -> tuple[list[dict[str, Any]], str | None]:
        """Run the scoring child for ``run_ids``: (its JSON lines, why it failed or None)."""
        cmd = [sys.executable, "-m", "synaptic_core.classroom.scoring", str(self.store.path), class_id, *run_ids]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=SCORE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            log.error("scoring class %s took longer than %s s", class_id, SCORE_TIMEOUT_S)
            return [], f"scoring took longer than {SCORE_TIMEOUT_S} s"
        failure = None
        if done.returncode != 0:
            log.error("scoring class %s failed (exit %s): %s", class_id, done.returncode, done.stderr[-2000:])
            failure = f"the scoring process failed (exit {done.returncode})"
        lines = []
        for line in done.stdout.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and isinstance(item.get("run_id"), str):
                lines.append(item)
        return lines, failure


def yield_to_training() -> None:
    """Lower this process to the lowest CPU priority (nice 19), where the OS allows it (see the docstring)."""
    try:
        os.nice(19 - os.nice(0))
    except (AttributeError, OSError):  # not POSIX, or not allowed: score at the priority we have
        pass


def main(argv: list[str] | None = None) -> int:
    """``python -m synaptic_core.classroom.scoring DB CLASS_ID [RUN_ID ...]``: one JSON line per scored run."""
    from synaptic_core import tf_quiet
    from synaptic_core.store import RunStore

    yield_to_training()
    db, class_id, *run_ids = argv if argv is not None else sys.argv[1:]
    with tf_quiet.filtered_stderr():
        results = score_runs(RunStore(db, read_only=True), class_id, run_ids)
    for item in results:
        print(json.dumps(item), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
