"""Transfer learning, offline: start from a stored run's weights, freeze some layers, new head, fine-tune,
and compare with the same network trained from scratch on the same small subset.

``transfer_model(source, input_shape, n_classes, freeze)`` keeps the source network's feature
layers (everything before its classifier; only the convolutions when the new images have another
size, since a flattened feature vector would not fit), adds a new softmax head for the new classes,
and freezes the first ``freeze`` convolution layers (with the batch norm and activation layers
between them). The source model is cloned, never changed. ``scratch_model`` is the same network
with fresh weights. ``compare(...)`` trains both on the same rows with the same seed and reports
test accuracy and per-epoch history for each, so a student sees when transfer helps.

Only chain-shaped networks (each layer feeding the next: the app's CNNs, the digit reader) can be
cut and re-headed this way; a residual network raises a ValueError that says so.

CLI: ``python -m synaptic_core transfer --source RUN_ID|PATH.keras --dataset fashion-mnist
--subset 1000 --freeze 2 --epochs 3 [--json]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Outcome:
    """One of the two trainings."""

    name: str  # "transfer" | "scratch"
    test_accuracy: float
    test_loss: float
    history: list[dict[str, float]] = field(default_factory=list)
    trainable_params: int = 0
    frozen_layers: list[str] = field(default_factory=list)


def _chain(model: Any) -> list[Any]:
    """The model's layers after its input, checking each one feeds only the next."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    for layer in layers:
        if isinstance(layer, keras.layers.Add) or len(getattr(layer, "_inbound_nodes", []) or []) > 1 \
                or isinstance(getattr(layer, "input", None), (list, tuple)):
            raise ValueError(f"only chain-shaped networks can be re-headed; layer {layer.name!r} joins branches "
                             "(a residual network)")
    return layers


def transfer_model(source: Any, input_shape: tuple[int, ...], n_classes: int, freeze: int = 0) -> Any:
    """The source's feature layers (a clone with its weights) + a new softmax head; first ``freeze`` convs frozen."""
    import keras

    if n_classes < 2:
        raise ValueError("the new task needs at least two classes")
    clone = keras.models.clone_model(source)
    clone.set_weights(source.get_weights())
    layers = _chain(clone)
    old_shape = tuple(int(d) for d in clone.inputs[0].shape[1:])
    if old_shape[-1] != input_shape[-1]:
        raise ValueError(f"the source network reads {old_shape[-1]} channel(s), the new images have {input_shape[-1]}")
    same_size = old_shape == tuple(input_shape)
    if not isinstance(layers[-1], keras.layers.Dense):
        raise ValueError("the source network does not end in a dense classifier")
    keep = layers[:-1]
    if not same_size:  # only the convolutions carry over: a flattened vector of another size would not fit
        cut = next((i for i, layer in enumerate(keep)
                    if isinstance(layer, (keras.layers.Flatten, keras.layers.GlobalAveragePooling2D))), len(keep))
        keep = keep[:cut]
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for layer in keep:
        x = layer(x)
    if not same_size:
        x = keras.layers.Flatten(name="transfer_flatten")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="transfer_predictions")(x)
    model = keras.Model(inputs, outputs, name=f"{source.name}_transfer")
    convs = [layer for layer in keep if isinstance(layer, keras.layers.Conv2D)]
    if freeze > len(convs):
        raise ValueError(f"freeze={freeze}: the source network has only {len(convs)} convolution layer(s)")
    if freeze > 0:
        last = keep.index(convs[freeze - 1])
        stop = next((i for i in range(last + 1, len(keep)) if isinstance(keep[i], (keras.layers.Conv2D,
                     keras.layers.Flatten, keras.layers.Dense, keras.layers.GlobalAveragePooling2D))), len(keep))
        for layer in keep[:stop]:
            layer.trainable = False
    return model


def scratch_model(transferred: Any) -> Any:
    """The same network with fresh weights and nothing frozen: the from-scratch baseline."""
    import keras

    model = keras.models.clone_model(transferred)  # clone_model re-initialises the weights
    for layer in model.layers:
        layer.trainable = True
    return model


def load_source(source: str, store: Any = None) -> tuple[Any, str]:
    """(model, description) for a run id in the store (its own .keras artifact) or a .keras file path."""
    import keras

    path = Path(source)
    if not (path.suffix == ".keras" and path.is_file()):
        from synaptic_core.store import RunStore

        store = store if store is not None else RunStore()
        run = store.get_run(source)
        result = (run or {}).get("result") or {}
        model_path = result.get("model_path")
        if not model_path or not Path(model_path).is_file():
            raise ValueError(f"{source!r} is neither a .keras file nor a finished run with a saved model")
        folder = store.artifacts_dir(source).resolve()
        path = Path(model_path).resolve()
        if folder not in path.parents:  # only a model the app wrote into this run's own folder
            raise ValueError(f"run {source}'s model is outside its artifact folder; not loaded")
        source = f"run {source} ({result.get('model')} on {result.get('dataset')})"
    return keras.saving.load_model(path, compile=False, safe_mode=True), str(source)


def compare(source: Any, spec: Any, freeze: int = 0) -> dict[str, Any]:
    """Train the transferred network and the same one from scratch on ``spec``'s data (same rows, seed, epochs)."""
    import keras

    from synaptic_core.data import load_dataset
    from synaptic_core.training.optimizers import make_optimizer

    ds = load_dataset(spec, fallback_to_bundled=True)
    outcomes = []
    for name in ("transfer", "scratch"):
        keras.utils.set_random_seed(spec.seed)
        model = transfer_model(source, ds.input_shape, ds.n_classes, freeze)
        if name == "scratch":
            model = scratch_model(model)
        model.compile(optimizer=make_optimizer(spec), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        fit = model.fit(ds.x_train, ds.y_train, batch_size=spec.batch_size, epochs=spec.epochs,
                        validation_split=spec.validation_split or 0.0, shuffle=True, verbose=0)
        loss, acc = model.evaluate(ds.x_test, ds.y_test, batch_size=256, verbose=0)
        epochs = len(fit.history.get("loss", []))
        history = [{k: float(v[i]) for k, v in fit.history.items()} for i in range(epochs)]
        frozen = [layer.name for layer in model.layers if not layer.trainable and layer.weights]
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        outcomes.append(Outcome(name, float(acc), float(loss), history, trainable, frozen))
    return {"dataset": ds.name, "source_label": ds.source_label, "n_train": int(len(ds.y_train)),
            "n_test": int(len(ds.y_test)), "freeze": freeze, "epochs": spec.epochs,
            "transfer": asdict(outcomes[0]), "scratch": asdict(outcomes[1]),
            "gain": outcomes[0].test_accuracy - outcomes[1].test_accuracy}


def cmd_transfer(args: Any) -> int:
    import json
    import sys

    from synaptic_core.presets import layered_spec

    spec = layered_spec({"dataset": args.dataset, "subset": args.subset, "epochs": args.epochs, "seed": args.seed,
                         "batch_size": args.batch_size, "lr": args.lr, "validation_split": 0.0, "model": "cnn"})
    from synaptic_core.data import DataError

    try:
        model, where = load_source(args.source)
        out = compare(model, spec, args.freeze)
    except (ValueError, DataError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    out["source"] = where
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{where} -> {out['source_label']}, {out['epochs']} epochs, first {args.freeze} conv layer(s) frozen")
    for name in ("transfer", "scratch"):
        o = out[name]
        print(f"  {name:<8}  test accuracy {o['test_accuracy']:.2%}  ({o['trainable_params']:,} trainable parameters)")
    print(f"  transfer - scratch: {out['gain']:+.2%}")
    return 0


def add_transfer_parser(sub: Any) -> None:
    p = sub.add_parser("transfer", help="fine-tune a stored run's network on another set; compare with from scratch")
    p.add_argument("--source", required=True, help="a finished run's id, or a .keras file (e.g. assets/models/digit_cnn.keras)")
    p.add_argument("--dataset", required=True, help="the new image set, e.g. fashion-mnist")
    p.add_argument("--subset", type=int, default=1000, help="training images used by both (small: where transfer helps)")
    p.add_argument("--freeze", type=int, default=1, help="convolution layers kept frozen, from the input")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_transfer)
