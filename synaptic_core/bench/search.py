"""Benchmark of the search: TPE with median pruning against random search without pruning.

Same space (the dense network on the bundled MNIST sample, varying learning rate, layers, dropout
and batch size), same number of trials, same seed, same runner, in one run. The two arms take
*turns*, one trial each (ask, run, tell), so both meet the same machine load: on a shared 2-core
machine, running one arm after the other measured the same four trials at 65 s and 32 s. Running
both at once on one slot was not fair either: TPE's ask (tens of ms of CPU in the server) then ran
during the other arm's training. An arm's wall time is the sum of its own turns (Optuna's ask and
tell, hand-over to a warm worker, data, build, epochs, evaluation, saving), i.e. what the arm would
take alone; its best-so-far is timed on that clock. Every job process takes one run and exits, so
each turn also shares the CPU with the next spare importing TensorFlow, as a user's trials do; who
goes first alternates each round so neither arm always gets the quieter half.

A built-in control: TPE's first ``n_startup`` trials are random draws from the same seed, so both
arms start with the *same* configurations; ``control`` compares their turn times (the noise of the
machine), and where pruning starts the arms part ways.

Reported per arm: best validation accuracy, wall time, epochs trained, pruned trials, best-so-far;
then the issue's question: does TPE with pruning reach random search's best, and after what share
of random search's wall time (target: at least as good, in at most 60% of it). Everything goes
through the real job path (spawned warm workers, the store, events).

The importance of each parameter (PED-ANOVA, ``viz.search.importances``) is reported for both
arms; the random arm's is the unbiased one (TPE samples where it already did well).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

SPACE = "lr,hidden,dropout,batch_size"


def search_spec(epochs: int = 6, subset: int = 10000, seed: int = 0) -> Any:
    """The dense-network preset on the bundled MNIST sample (10% held out for validation)."""
    from synaptic_core.presets import layered_spec

    return layered_spec({"dataset": "mnist", "source": "bundled", "model": "mlp", "epochs": epochs,
                         "subset": subset, "seed": seed, "validation_split": 0.1})


def _arm(study: Any, turns: dict[int, float]) -> dict[str, Any]:
    """What one arm found: best, own wall time, epochs trained, pruned trials, best-so-far on its clock.
    ``turns``: trial number -> seconds that trial's turn took."""
    from synaptic_core.viz.search import importances

    done = sorted((t for t in study.get_trials(deepcopy=False) if t.datetime_complete is not None),
                  key=lambda t: t.number)
    clock, timeline, best = 0.0, [], None
    for t in done:
        clock += turns.get(t.number, 0.0)
        if t.state.name == "COMPLETE" and t.value is not None and (best is None or t.value > best):
            best = t.value
            timeline.append((round(clock, 1), round(best, 4), t.number))
    complete = [t for t in done if t.state.name == "COMPLETE"]
    best_trial = study.best_trial if complete else None
    return {
        "wall_s": round(clock, 1), "best_val_accuracy": None if best is None else round(best, 4),
        "best_params": None if best_trial is None else {k: (round(v, 5) if isinstance(v, float) else v)
                                                         for k, v in best_trial.params.items()},
        "n_trials": len(done), "n_complete": len(complete),
        "n_pruned": sum(1 for t in done if t.state.name == "PRUNED"),
        "n_failed": sum(1 for t in done if t.state.name == "FAIL"),
        "epochs_trained": sum(len(t.intermediate_values) for t in done),
        "params": [dict(t.params) for t in done], "states": [t.state.name for t in done],
        "pruned_at": sorted(t.user_attrs.get("pruned_at") for t in done if t.state.name == "PRUNED"),
        "turn_s": [round(turns.get(t.number, 0.0), 1) for t in done],
        "best_so_far": timeline,  # (seconds of this arm's own turns, best value, trial number)
        "importance": {k: round(v, 3) for k, v in importances(study).items()},
    }


def bench_search(n_trials: int = 16, epochs: int = 6, subset: int = 10000, seed: int = 0) -> dict[str, Any]:
    """Run both arms side by side on one slot and compare them; see the module docstring."""
    from synaptic_core.bench.training import _wait_warm
    from synaptic_core.jobs import LocalJobRunner
    from synaptic_core.search.driver import StudyDriver
    from synaptic_core.search.manager import StudyManager
    from synaptic_core.search.storage import load_study
    from synaptic_core.store import RunStore

    arms_def = {"random": ("random", "none"), "tpe_median": ("tpe", "median")}
    spec = search_spec(epochs, subset, seed)
    arms: dict[str, Any] = {}
    t0 = time.time()
    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "studies.db"
        runner = LocalJobRunner(RunStore(Path(home) / "runs.db"), max_jobs=1, extra_spares=1, recover=False)
        try:
            manager = StudyManager(runner, store_path=db)
            drivers, turns = {}, {}
            for name, (sampler, pruner) in arms_def.items():
                study_id = manager.create(spec, SPACE, sampler=sampler, pruner=pruner, n_trials=n_trials, seed=seed,
                                          owner="bench", parallel=1)
                drivers[name] = StudyDriver(runner, study_id, store_path=db, poll=0.02)
                turns[name] = {}
            _wait_warm(runner, 2)
            for i in range(n_trials):
                for name in (list(drivers) if i % 2 == 0 else list(reversed(drivers))):  # who goes first alternates
                    start = time.perf_counter()
                    drivers[name].run(n_trials=1)
                    turns[name][i] = time.perf_counter() - start
            for name, driver in drivers.items():
                arms[name] = _arm(load_study(driver.study_id, db), turns[name])
                arms[name]["study_id"] = driver.study_id
        finally:
            runner.shutdown()
    tpe, rnd = arms["tpe_median"], arms["random"]
    same = 0
    while same < min(len(tpe["params"]), len(rnd["params"])) and tpe["params"][same] == rnd["params"][same] \
            and tpe["states"][same] == rnd["states"][same]:
        same += 1
    control = {"identical_trials": same, "random_s": round(sum(rnd["turn_s"][:same]), 1),
               "tpe_median_s": round(sum(tpe["turn_s"][:same]), 1)}
    for arm in (tpe, rnd):
        del arm["params"], arm["states"]
    reach = next((s for s, v, _ in tpe["best_so_far"] if rnd["best_val_accuracy"] is not None
                  and v >= rnd["best_val_accuracy"]), None)
    share = None if reach is None or not rnd["wall_s"] else round(reach / rnd["wall_s"], 3)
    return {"search": {
        "what": (f"MNIST bundled sample ({subset} images, 10% validation), dense network, vary {SPACE}; "
                 f"{n_trials} trials of up to {epochs} epochs per arm, seed {seed}, one job slot, the arms taking "
                 "turns trial by trial"),
        "space": _space_words(spec),
        "arms": arms,
        "tpe_reaches_random_best_after_s": reach,
        "share_of_random_wall_time": share,
        "target_share": 0.6,
        "target_met": share is not None and share <= 0.6,
        "wall_ratio": round(tpe["wall_s"] / rnd["wall_s"], 3) if rnd["wall_s"] else None,
        "control": control,
        "elapsed_s": round(time.time() - t0, 1),
    }}


def _space_words(spec: Any) -> list[str]:
    from synaptic_core.search.space import space_for

    return space_for(spec, SPACE).describe()
