"""Scoring a class's finished runs on its hidden split, in a child process.

Why a child process: a run's model is a Keras file, and loading it imports TensorFlow (seconds and
hundreds of MB), which the Streamlit process never does. ``python -m synaptic_core.classroom.scoring
DB CLASS_ID`` loads each finished, unscored run's model (only a ``.keras`` file inside that run's own
artifact folder: one the app wrote), predicts the hidden split and prints one JSON line per run
(``{"run_id", "score"}`` or ``{"run_id", "error"}``). The parent (:class:`Scorer`, one per server)
reads the lines and writes the scores, so the server stays the store's one writer.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SCORE_TIMEOUT_S = 300


def score_runs(store: Any, class_id: str) -> list[dict[str, Any]]:
    """Score the class's runs that need it (TensorFlow is imported here): one dict per run."""
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
        if not needs_score(run):
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
    """Runs the scoring child for a class when asked, one at a time per class, in a background thread."""

    def __init__(self, store: Any):
        self.store = store
        self._lock = threading.Lock()
        self._busy: set[str] = set()

    def busy(self, class_id: str) -> bool:
        with self._lock:
            return class_id in self._busy

    def request(self, class_id: str, wait: bool = False) -> bool:
        """Start scoring the class's new runs unless that is under way; True when a child was started."""
        with self._lock:
            if class_id in self._busy:
                return False
            self._busy.add(class_id)
        thread = threading.Thread(target=self._run, args=(class_id,), name=f"class-scoring-{class_id}", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return True

    def _run(self, class_id: str) -> None:
        from .classes import set_private_score

        try:
            cmd = [sys.executable, "-m", "synaptic_core.classroom.scoring", str(self.store.path), class_id]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=SCORE_TIMEOUT_S, check=False)
            if done.returncode != 0:
                log.error("scoring class %s failed (exit %s): %s", class_id, done.returncode, done.stderr[-2000:])
            for line in done.stdout.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and isinstance(item.get("run_id"), str):
                    set_private_score(self.store, item["run_id"], item.get("score"), item.get("error"))
        except Exception:
            log.exception("scoring class %s", class_id)
        finally:
            with self._lock:
                self._busy.discard(class_id)


def main(argv: list[str] | None = None) -> int:
    """``python -m synaptic_core.classroom.scoring DB CLASS_ID``: print one JSON line per scored run."""
    from synaptic_core import tf_quiet
    from synaptic_core.store import RunStore

    db, class_id = (argv if argv is not None else sys.argv[1:])[:2]
    with tf_quiet.filtered_stderr():
        results = score_runs(RunStore(db, read_only=True), class_id)
    for item in results:
        print(json.dumps(item), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
