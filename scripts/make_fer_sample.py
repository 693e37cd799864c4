"""Build assets/data/fer2013_sample.npz, the offline FER-2013 sample, from ../shared/datasets/fer2013.npz.

    .venv/bin/python scripts/make_fer_sample.py [--source ../shared/datasets] [--out assets/data] [--seed 0]

35 training images per expression (from the Training rows) and 15 test images per expression
(from the PrivateTest rows), 350 in all (0.8 MB): enough to see the faces and train a toy model
offline, far too few for the preset's accuracy (that needs the full file in $SYNAPTIC_DATA_DIR).
Picked with a seeded numpy Generator, kept in source order; ``train_index``/``test_index`` are the
rows in the source file. Keras' npz keys, so the same reader as the other samples reads it.
Prints the README row (file, bytes, sha256) for assets/data/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRAIN_PER_CLASS, TEST_PER_CLASS = 35, 15


def pick(y: np.ndarray, rows: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    chosen = [rng.choice(rows[y[rows] == c], per_class, replace=False) for c in np.unique(y[rows])]
    return np.sort(np.concatenate(chosen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "data")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with np.load(args.source / "fer2013.npz", allow_pickle=False) as z:
        x, y, usage, names = z["x"], z["y"].astype(np.int64), z["usage"].astype(str), z["class_names"]
    tr = pick(y, np.flatnonzero(usage == "Training"), TRAIN_PER_CLASS, rng)
    te = pick(y, np.flatnonzero(usage == "PrivateTest"), TEST_PER_CLASS, rng)
    out = args.out / "fer2013_sample.npz"
    np.savez_compressed(out, x_train=x[tr], y_train=y[tr].astype(np.uint8), x_test=x[te],
                        y_test=y[te].astype(np.uint8), class_names=np.asarray(names).astype(str),
                        train_index=tr.astype(np.int32), test_index=te.astype(np.int32))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"| `{out.name}` | {out.stat().st_size:,} | `{digest}` | FER-2013: training {len(tr):,} of "
          f"{int((usage == 'Training').sum()):,} images ({TRAIN_PER_CLASS} per class); test {len(te):,} of "
          f"{int((usage == 'PrivateTest').sum()):,} PrivateTest images ({TEST_PER_CLASS} per class); uint8 48x48 | "
          f"`../shared/datasets/fer2013.npz` |")


if __name__ == "__main__":
    main()
