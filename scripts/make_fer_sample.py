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
from pathlib import Path

import numpy as np

from make_samples import ROOT, balanced_indices, sha256, write_sample  # scripts/ is on sys.path when run

TRAIN_PER_CLASS, TEST_PER_CLASS = 35, 15


def pick(y: np.ndarray, rows: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """``per_class`` random rows of every class among ``rows`` (indices into ``y``), in source order."""
    return rows[balanced_indices(y[rows], per_class, rng)]


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
    write_sample(out, x, y, tr, x, y, te, names)
    print(f"| `{out.name}` | {out.stat().st_size:,} | `{sha256(out)}` | FER-2013: training {len(tr):,} of "
          f"{int((usage == 'Training').sum()):,} images ({TRAIN_PER_CLASS} per class); test {len(te):,} of "
          f"{int((usage == 'PrivateTest').sum()):,} PrivateTest images ({TEST_PER_CLASS} per class); uint8 48x48 | "
          f"`../shared/datasets/fer2013.npz` |")


if __name__ == "__main__":
    main()
