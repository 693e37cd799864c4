"""train(spec, sink, workdir): the whole life of one run, in the process that runs it.

Load data -> build model -> fit with live callbacks -> evaluate -> save. Progress and
results go to ``sink.emit`` as the events documented in docs/ARCHITECTURE.md; the job
runner ships them to the parent process. Stop requests are honoured within one batch
and keep what was learned. A diverging loss raises TrainingError("nan") naming where.

Every kind of data takes this one path. What differs between kinds -- the loss and metrics,
what the builder needs from the data, extra callbacks, the evaluation -- comes from the
dataset's task record (``synaptic_core.tasks``); nothing here switches on the task's name.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synaptic_core.specs import RunSpec
from synaptic_core.tasks import Task, get_task, resolve
from synaptic_core.training import guard, imbalance
from synaptic_core.training.errors import TrainingError


class Sink(Protocol):
    def emit(self, event: dict[str, Any]) -> None: ...
    def should_stop(self) -> bool: ...


def _load(spec: RunSpec, sink: Sink):
    from synaptic_core.data import DataError, load_dataset

    sink.emit({"type": "status", "stage": "loading", "message": f"Loading {spec.dataset}…"})
    try:
        ds = load_dataset(spec)
    except DataError as e:
        raise TrainingError("data", str(e)) from e
    if len(ds.x_train) < 2:
        raise TrainingError("data", f"{spec.dataset}: only {len(ds.x_train)} training examples after filtering.")
    return ds


def _split_validation(ds, fraction: float):
    """The last ``fraction`` of the (already shuffled, or time-ordered) training set."""
    n_val = int(len(ds.x_train) * fraction)
    if n_val == 0:
        return ds.x_train, ds.y_train, None
    return ds.x_train[:-n_val], ds.y_train[:-n_val], (ds.x_train[-n_val:], ds.y_train[-n_val:])


def _split(ds, spec: RunSpec):
    """The rows that validate: fold ``cv_fold`` of ``cv_folds`` (training/folds.py), else the last share."""
    if not spec.cv_folds:
        return _split_validation(ds, spec.validation_split)
    from synaptic_core.training.folds import FoldError, fold_split

    try:
        return fold_split(ds.x_train, ds.y_train, spec.cv_folds, spec.cv_fold, spec.seed)
    except FoldError as e:
        raise TrainingError("spec", str(e)) from e


def _callbacks(spec: RunSpec, sink: Sink, ds, task: Task, steps: int, n_fit: int, has_val: bool):
    import keras

    from synaptic_core.training.callbacks import LiveMetrics, NanGuard, StopOnRequest

    live = LiveMetrics(sink.emit, steps, spec.epochs, spec.batch_size, n_fit)
    stop, nan = StopOnRequest(sink.should_stop), NanGuard()
    cbs: list[Any] = [nan, live, stop]
    monitor = "val_loss" if has_val else "loss"
    if spec.early_stopping > 0:
        cbs.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=spec.early_stopping, min_delta=1e-4,
                                                 restore_best_weights=True))
    if spec.reduce_lr > 0:
        cbs.append(keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=0.5, patience=spec.reduce_lr,
                                                     min_lr=1e-7))
    if task.callbacks is not None:  # toy sets: the decision boundary; characters: a sample each epoch
        cbs.extend(resolve(task.callbacks)(spec, sink.emit, ds))
    return cbs, stop, nan


def _build(spec: RunSpec, sink: Sink, ds, task: Task):
    from synaptic_core.models import build_model, model_summary
    from synaptic_core.training.optimizers import make_optimizer

    sink.emit({"type": "status", "stage": "building", "message": f"Building {spec.model}…"})
    inputs = resolve(task.model_inputs)(ds) if task.model_inputs is not None else {}  # e.g. a vocabulary size
    guard.check_before_build(spec, ds, task, inputs)  # the size limits, before any weight is allocated
    try:
        model = build_model(spec, ds.input_shape, ds.n_classes, task=task.models_for, **inputs)
    except ValueError as e:  # SpecError and Keras shape errors both say what is wrong
        raise TrainingError("spec", str(e)) from e
    guard.check_built(spec, model, task)  # the exact count, before fit adds gradients and optimizer slots
    model.compile(optimizer=make_optimizer(spec), loss=imbalance.loss_for(spec, task, ds.n_classes),
                  metrics=list(task.metrics))
    sink.emit({"type": "model", "params": int(model.count_params()), "summary": model_summary(model)})
    return model


def _fit_data(spec: RunSpec, ds, task: Task, x_fit, y_fit) -> dict[str, Any]:
    if spec.augment and task.augment:
        from synaptic_core.training.augment import AugmentedBatches, augmenter_for
        return dict(x=AugmentedBatches(x_fit, y_fit, spec.batch_size, augmenter_for(ds.name, ds.input_shape),
                                       spec.seed))
    # time series keep their order inside an epoch only when the user trains with batch 1 as the seed did;
    # shuffling windows is what Keras does by default and it does not leak: each window holds its own past.
    return dict(x=x_fit, y=y_fit, batch_size=spec.batch_size, shuffle=True)


def train(spec: RunSpec, sink: Sink, workdir: Path) -> dict[str, Any]:
    """Train the run the spec describes; returns the result dict (see docs/ARCHITECTURE.md)."""
    import keras

    from synaptic_core.data import dataset_names
    from synaptic_core.models import model_names
    from synaptic_core.training import checkpoint

    errors = spec.errors(known_datasets=dataset_names(), known_models=model_names())
    if errors:
        raise TrainingError("spec", " ".join(errors))
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(spec.seed)

    ds = _load(spec, sink)
    task = get_task(ds.task)
    x_fit, y_fit, val = _split(ds, spec)
    if spec.synthetic_digits > 0 and ds.name == "mnist":
        from synaptic_core.digits.synthetic import add_synthetic_digits
        x_fit, y_fit = add_synthetic_digits(x_fit, y_fit, spec.synthetic_digits, spec.seed)
    try:  # rare classes: weights or resampling of the training rows only; one-hot labels for focal loss
        fit = imbalance.prepare_fit(spec, task, x_fit, y_fit, val, ds.n_classes)
    except imbalance.ImbalanceError as e:
        raise TrainingError("spec", str(e)) from e
    x_fit, y_fit, val = fit.x, fit.y, fit.val
    sink.emit({"type": "data", "dataset": ds.name, "source": ds.source, "source_label": ds.source_label,
               "n_train": int(len(x_fit)), "n_val": 0 if val is None else int(len(val[0])),
               "n_test": int(len(ds.x_test)), "input_shape": list(ds.input_shape), "n_classes": ds.n_classes,
               "class_names": _labels(ds, task), "task": ds.task, "imbalance": fit.summary(spec.imbalance)})
    model = _build(spec, sink, ds, task)
    resume = checkpoint.resume_from(model, workdir, sink.emit)  # a resumed run: its folder has a checkpoint
    start = resume.epoch if resume else 0

    steps = int(np.ceil(len(x_fit) / spec.batch_size))
    cbs, stop, nan = _callbacks(spec, sink, ds, task, steps, len(x_fit), val is not None)
    cbs.append(checkpoint.epoch_checkpoint(workdir, resume, skip=lambda: nan.nan_at is not None or
                                           stop.stopped_at is not None))  # complete epochs only
    sink.emit({"type": "status", "stage": "training", "message": "Training…"})
    t0 = time.perf_counter()
    history = model.fit(**_fit_data(spec, ds, task, x_fit, y_fit), epochs=spec.epochs, initial_epoch=start,
                        validation_data=val, class_weight=fit.class_weight, callbacks=cbs, verbose=0)
    train_seconds = time.perf_counter() - t0
    if nan.nan_at is not None:
        epoch, batch = nan.nan_at
        raise TrainingError("nan", f"The loss became NaN at epoch {epoch + 1}, batch {batch}: training diverged. "
                                   f"Try a lower learning rate than {spec.lr:g} (e.g. {spec.lr / 10:g}), "
                                   "or add batch norm.")
    if stop.stopped_at is not None:
        sink.emit({"type": "stopped", "epoch": stop.stopped_at[0], "batch": stop.stopped_at[1]})

    sink.emit({"type": "status", "stage": "evaluating", "message": "Evaluating on the test set…"})
    new_epochs = len(history.history.get("loss", []))
    epochs_run = start + new_epochs
    hist = (resume.history if resume else []) + [
        {"epoch": start + i, **{k: _f(v[i]) for k, v in history.history.items() if i < len(v)}}
        for i in range(new_epochs)]
    seen = len(x_fit) * max(new_epochs, 1) if stop.stopped_at is None else \
        len(x_fit) * (stop.stopped_at[0] - start) + min(stop.stopped_at[1] * spec.batch_size, len(x_fit))
    result: dict[str, Any] = {
        "dataset": ds.name, "source": ds.source, "source_label": ds.source_label,
        "n_train": int(len(x_fit)), "n_test": int(len(ds.x_test)), "model": spec.model,
        "params": int(model.count_params()), "epochs_run": epochs_run, "history": hist,
        "train_seconds": train_seconds, "samples_per_second": seen / train_seconds if train_seconds > 0 else None,
        "stopped": stop.stopped_at is not None,
        "stopped_at": None if stop.stopped_at is None else {"epoch": stop.stopped_at[0], "batch": stop.stopped_at[1]},
        "class_names": _labels(ds, task), "task": ds.task, "spec": spec.as_dict(),
        "imbalance": fit.summary(spec.imbalance),
    }
    result.update(resolve(task.evaluate)(spec, model, ds, workdir))
    model_path = workdir / "model.keras"
    model.save(model_path)
    result["model_path"] = str(model_path)
    if not result["stopped"]:
        checkpoint.clear(workdir)  # complete: the saved model is the result
    return result


def _labels(ds, task: Task) -> list[str]:
    """The class names a page shows ([] for characters: their classes are the alphabet)."""
    return list(ds.class_names) if task.labels_shown else []


def _f(v: Any) -> float | None:
    f = float(v)
    return f if np.isfinite(f) else None
