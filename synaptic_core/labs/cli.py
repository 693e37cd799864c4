"""``python -m synaptic_core labs ...``: the labs from the command line.

``labs logreg`` trains the from-scratch NumPy softmax regression (labs/softmax_scratch.py)
with the seed's settings (lr 0.1, batch 100, 20 epochs, all 60,000 MNIST training images
when full MNIST is reachable, e.g. ``SYNAPTIC_DATA_DIR=../shared/datasets``) and reports
per-epoch train and test accuracy. ``--keras`` also trains the same model in Keras
(one Dense softmax layer, zero init, SGD) on the same data for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m synaptic_core labs", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="lab", required=True)
    lr = sub.add_parser("logreg", help="softmax regression from scratch in NumPy (the seed's settings)")
    lr.add_argument("--json", action="store_true", help="print one JSON line with the whole result")
    lr.add_argument("--epochs", type=int, default=20)
    lr.add_argument("--lr", type=float, default=0.1)
    lr.add_argument("--batch-size", type=int, default=100)
    lr.add_argument("--subset", type=int, default=0, help="training images used (0 = all)")
    lr.add_argument("--seed", type=int, default=0)
    lr.add_argument("--dataset", default="mnist", help="an image dataset (mnist, fashion-mnist, ...)")
    lr.add_argument("--keras", action="store_true", help="also train the same model in Keras for comparison")
    return p


def keras_softmax_regression(X, y, X_test, y_test, epochs: int, lr: float, batch_size: int) -> dict:
    """The same model in Keras: Dense(softmax) from zeros, SGD(lr); test accuracy per epoch.

    Runs in this process (the CLI is a process of its own). ``accuracy`` is Keras' mean over
    the epoch's batches, ``test_accuracy`` its ``val_accuracy`` on the test set.
    """
    import keras

    model = keras.Sequential([keras.Input(shape=(X.shape[1],)),
                              keras.layers.Dense(int(y.max()) + 1, activation="softmax", kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    t0 = time.perf_counter()
    h = model.fit(X, y, batch_size=batch_size, epochs=epochs, validation_data=(X_test, y_test), verbose=0).history
    history = [{"epoch": i, "loss": h["loss"][i], "train_accuracy": h["accuracy"][i],
                "test_loss": h["val_loss"][i], "test_accuracy": h["val_accuracy"][i]} for i in range(len(h["loss"]))]
    return {"history": history, "test_accuracy": history[-1]["test_accuracy"],
            "train_seconds": time.perf_counter() - t0}


def cmd_logreg(args: argparse.Namespace) -> int:
    from synaptic_core.data import DataError, load_dataset
    from synaptic_core.labs import softmax_scratch as S
    from synaptic_core.specs import RunSpec, SpecError

    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        print("error: --epochs and --batch-size need at least 1, --lr a positive number.", file=sys.stderr)
        return 2
    try:
        spec = RunSpec().replace(dataset=args.dataset, subset=args.subset, seed=args.seed)
        data = load_dataset(spec, fallback_to_bundled=True)
    except (DataError, SpecError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if data.task != "image":
        print(f"error: {args.dataset} is {data.task} data; logreg needs images.", file=sys.stderr)
        return 2
    X, Xt = S.prepare(data.x_train), S.prepare(data.x_test)
    y, yt = data.y_train.astype("int64"), data.y_test.astype("int64")
    if not args.json:
        print(data.source_label, file=sys.stderr)
    history = []
    for ep, _, _ in S.train(X, y, Xt, yt, args.epochs, args.lr, args.batch_size, args.seed):
        history.append(ep.as_dict())
        if not args.json:
            print(f"epoch {ep.epoch + 1}/{args.epochs}  loss {ep.loss:.4f}  train acc {ep.train_accuracy:.4f}"
                  f"  test acc {ep.test_accuracy:.4f}  ({ep.t:.1f} s)", file=sys.stderr)
    result = {
        "lab": "logreg", "model": "softmax regression (NumPy, from scratch)", "init": "zeros",
        "dataset": data.name, "source": data.source, "source_label": data.source_label,
        "n_train": int(len(y)), "n_test": int(len(yt)), "epochs": args.epochs, "lr": args.lr,
        "batch_size": args.batch_size, "seed": args.seed, "history": history,
        "test": {"accuracy": history[-1]["test_accuracy"], "loss": history[-1]["test_loss"]},
        "train_seconds": history[-1]["t"],
    }
    if args.keras:
        result["keras"] = keras_softmax_regression(X, y, Xt, yt, args.epochs, args.lr, args.batch_size)
    if args.json:
        print(json.dumps(result))
    else:
        msg = (f"test accuracy {result['test']['accuracy']:.4f} after {args.epochs} epochs "
               f"in {result['train_seconds']:.1f} s")
        if args.keras:
            msg += f"; Keras: {result['keras']['test_accuracy']:.4f} in {result['keras']['train_seconds']:.1f} s"
        print(msg)
    return 0


def main(argv: list[str]) -> int:
    """Entry point for ``python -m synaptic_core labs``; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.lab == "logreg":
        return cmd_logreg(args)
    return 2
