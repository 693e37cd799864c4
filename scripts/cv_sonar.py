"""Why a search on sonar cross-validates: how much the validation estimate moves with the seed.

For seeds 0..5, a dense network on sonar (20 epochs, lr 0.01, the dataset's own settings otherwise)
is scored twice: on the usual 10 % validation split (16 rows), and as the mean of 5 stratified folds
(``cv_folds=5``, ``cv_fold=0..4``: 31 rows each, every training row validating once). Prints one
JSON line: mean and standard deviation over the seeds of each estimate, and of the single-split
runs' test accuracy. Trains 36 runs in this process (no job runner): about 2-3 minutes on an idle
2-core machine. Run: ``.venv/bin/python scripts/cv_sonar.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synaptic_core.presets import layered_spec  # noqa: E402
from synaptic_core.training import train  # noqa: E402


class _Sink:
    def emit(self, event: dict) -> None:
        pass

    def should_stop(self) -> bool:
        return False


def _score(spec) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        result = train(spec, _Sink(), Path(folder))
    return result["history"][-1]["val_accuracy"], result["test"]["accuracy"]


def main(seeds: int = 6, folds: int = 5) -> dict:
    base = layered_spec({"dataset": "sonar", "model": "mlp"}).replace(epochs=20, lr=0.01)
    single, kfold, test = [], [], []
    t0 = time.time()
    for seed in range(seeds):
        val, acc = _score(base.replace(seed=seed))
        single.append(val)
        test.append(acc)
        kfold.append(statistics.mean(_score(base.replace(seed=seed, cv_folds=folds, cv_fold=k))[0]
                                     for k in range(folds)))

    def stats(values: list[float]) -> dict:
        return {"mean": round(statistics.mean(values), 4), "std": round(statistics.stdev(values), 4),
                "values": [round(v, 4) for v in values]}

    return {"single_split_val": stats(single), f"{folds}_fold_mean_val": stats(kfold),
            "single_split_test": stats(test), "seconds": round(time.time() - t0, 1)}


if __name__ == "__main__":
    print(json.dumps(main()))
