"""What training does to the training rows before ``fit``, written into an exported script.

Three spec choices change which rows train and how their loss counts. The script writes each
one only when the run used it, mirroring training step for step:

* ``cv_folds`` / ``cv_fold`` (``synaptic_core/training/folds.py``): one of K stratified, seeded
  folds validates instead of the last ``validation_split``; the script deals the folds with the
  same generator calls in the same order, so it validates on the very same rows;
* ``imbalance`` (``synaptic_core/training/imbalance.py``): class weights computed as training
  computes them (scikit-learn's "balanced", from the training rows), or imbalanced-learn's random
  under-/over-sampler or SMOTE on the training rows only, seeded with the run's seed and
  shuffled by the same permutation; imbalanced-learn is imported only by a script that resamples;
* ``loss = focal``: Keras' own focal cross-entropy with training's gamma, on one-hot labels.

A resampling or weighting script adds ``imbalance`` to its JSON line in the form of the run's
result (method, training class counts before/after, class weights), so the two compare
directly. A change in those training modules must be mirrored here
(tests/unit/test_export_imbalance.py checks the script against them).

``rare_code(spec, task)`` returns the pieces: ``spec_to_script`` adds the settings and helpers to
the data part, and ``RareCode.wire`` puts the calls into the assembled source (each anchor must
be found exactly once, so a change in script.py fails loudly here, never as a silently wrong script).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from synaptic_core.export.errors import ExportError

#: the number of classes, as main() knows it after load_data, per task
_N_CLASSES = {"text": "len(CLASS_NAMES)", "chars": "len(alphabet)"}

_SAMPLERS = {"undersample": ("imblearn.under_sampling", "RandomUnderSampler"),
             "oversample": ("imblearn.over_sampling", "RandomOverSampler"),
             "smote": ("imblearn.over_sampling", "SMOTE")}
_WORDS = {"class_weights": "class weights", "undersample": "random undersampling",
          "oversample": "random oversampling", "smote": "SMOTE"}


@dataclass
class RareCode:
    """The pieces of a script for one spec's folds, rare-class handling and loss (empty when none is used)."""

    settings: list[tuple[str, Any, str]] = field(default_factory=list)  # (NAME, value, comment)
    code: str = ""  # helpers for the data part (weights, resampling, one-hot)
    edits: list[tuple[str, str]] = field(default_factory=list)  # (anchor, replacement) in the assembled source
    folds: str = ""  # the fold split that replaces training's split_validation (a fold run)
    imports: list[str] = field(default_factory=list)  # third-party import lines
    notes: list[str] = field(default_factory=list)  # sentences for the script's docstring

    def wire(self, source: str) -> str:
        """``source`` with the calls, imports and notes put in; ExportError if an anchor is not there once."""
        if self.folds:  # training's split_validation gives way to the fold split; VALIDATION_SPLIT is not used
            start, end = source.find(_SPLIT_VALIDATION[0]), source.find(_SPLIT_VALIDATION[1])
            if start < 0 or end < start:
                raise ExportError("internal: split_validation was not found in the script.")
            source = source[:start] + self.folds + source[end + len(_SPLIT_VALIDATION[1]):]
            source = _sub_once(r"^VALIDATION_SPLIT = [^\n]*\n", "", source)
        edits = list(self.edits)
        if self.imports:
            edits.append(("\n\nimport keras\n", "\n" + "\n".join(self.imports) + "\n\nimport keras\n"))
        if self.notes:
            text = "\n".join(textwrap.wrap(" ".join(self.notes), 100))
            edits.append(("\nUsage:\n", f"\n{text}\n\nUsage:\n"))
        for anchor, new in edits:
            if source.count(anchor) != 1:
                raise ExportError(f"internal: the exporter's anchor {anchor.strip()[:60]!r} was found "
                                  f"{source.count(anchor)} times in the script.")
            source = source.replace(anchor, new)
        if self.imports:  # the docstring's "Needs keras 3 ..., numpy." line
            source = _sub_once(r"^(test metrics\. Needs [^\n]*)\.$", r"\1, imbalanced-learn.", source)
        return source


def _sub_once(pattern: str, new: str, source: str) -> str:
    source, n = re.subn(pattern, new, source, count=1, flags=re.MULTILINE)
    if n != 1:
        raise ExportError(f"internal: {pattern!r} was not found in the script.")
    return source


def refusal(spec: Any, task: str) -> str | None:
    """Why a fold/imbalance/loss choice cannot be exported for ``task`` (the app trains no such run), or None."""
    method, focal = spec.imbalance, spec.loss == "focal"
    if task == "series" and (method != "none" or focal):
        return (f"imbalance = {method} and loss = {spec.loss} apply to classification only, and "
                f"{spec.dataset} is a regression: training refuses this run, so there is nothing to reproduce.")
    if method == "smote" and task in ("text", "chars"):
        return ("SMOTE interpolates between examples, which means nothing for token ids: training refuses it "
                "on text, so there is nothing to reproduce.")
    if spec.cv_folds and not (2 <= spec.cv_folds and 0 <= spec.cv_fold < spec.cv_folds):
        return f"cv_folds = {spec.cv_folds}, cv_fold = {spec.cv_fold} is no cross-validation fold."
    return None


def rare_code(spec: Any, task: str) -> RareCode:
    """The RareCode for ``spec`` (a spec ``support.check_supported`` accepted) on ``task`` data."""
    out = RareCode()
    if spec.cv_folds:
        _folds(out, spec, task)
    main = ""  # what main() does to the training rows, right after the validation split
    if spec.imbalance == "class_weights":
        main += _weights(out)
    elif spec.imbalance in _SAMPLERS:
        main += _resampling(out, spec.imbalance, task)
    if spec.imbalance != "none":  # the JSON line says what was done, as the run's result does
        weights = "[round(class_weight[c], 6) for c in sorted(class_weight)]" if spec.imbalance == "class_weights" \
            else "None"
        main += (_MAIN_SUMMARY.replace("@METHOD@", spec.imbalance).replace("@WEIGHTS@", weights)
                 .replace("@WORDS@", _WORDS[spec.imbalance]))
        out.code += _COUNTS
        out.edits.append(("    extra = {}\n", '    extra = {"imbalance": rare}\n'))
    if spec.loss == "focal":
        main += _focal(out)
    if main and task != "chars":  # two classes: the rarer class's precision, recall and F1, as the results show
        out.edits.append(('    return {"loss": loss, "accuracy": accuracy}\n', _CLASS_1))
    if main:
        split = "    (x_fit, y_fit), validation = split_validation(x_train, y_train)\n"
        out.edits.append((split, split + main))
    n_classes = _N_CLASSES.get(task, "len(class_names)")
    out.edits = [(anchor, new.replace("@N@", n_classes)) for anchor, new in out.edits]
    return out


def _weights(out: RareCode) -> str:
    out.code += _WEIGHTS
    out.edits.append(("callbacks=make_callbacks(validation is not None), verbose=0)",
                      "callbacks=make_callbacks(validation is not None),\n"
                      "                        class_weight=class_weight, verbose=0)"))
    out.notes.append("Rare classes: each class's loss is weighted by n / (classes x its count), computed from "
                     "the training examples (class_weight in model.fit).")
    return _MAIN_WEIGHTS


def _resampling(out: RareCode, method: str, task: str) -> str:
    from synaptic_core.training.imbalance import SMOTE_NEIGHBOURS

    module, cls = _SAMPLERS[method]
    out.imports.append(f"from {module} import {cls}  # imbalanced-learn (pip install imbalanced-learn)")
    out.code += _resample_code(method, task)
    if method == "smote":
        out.settings.append(("SMOTE_NEIGHBOURS", SMOTE_NEIGHBOURS,
                             "SMOTE: new examples lie between a rare one and one of its k nearest"))
    out.notes.append(f"Rare classes: {_WORDS[method]} of the training examples only (imbalanced-learn, seeded "
                     "with SEED); validation and test examples stay as they are.")
    return _MAIN_RESAMPLE.replace("@WORDS@", _WORDS[method])


def _focal(out: RareCode) -> str:
    from synaptic_core.training.imbalance import FOCAL_GAMMA

    out.settings.append(("FOCAL_GAMMA", FOCAL_GAMMA, "focal loss: each example's loss x (1 - p_true) ** this"))
    out.code += _ONE_HOT
    out.edits += [("    # integer labels and softmax outputs: sparse categorical cross-entropy\n", _FOCAL),
                  ('loss="sparse_categorical_crossentropy", metrics=', "loss=loss, metrics=")]
    out.notes.append("Loss: Keras' focal cross-entropy (gamma FOCAL_GAMMA) on one-hot training labels.")
    return _MAIN_ONE_HOT


# -- k-fold cross-validation (training/folds.py) --------------------------------------------------------------

_SPLIT_VALIDATION = ("def split_validation(x, y):\n",
                     "    return (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:])\n")

_FOLD_IDS = '''def fold_ids(y, folds, seed):
    """The fold (0 .. folds-1) of each training example, seeded and stratified: each class, in a random
    order, is dealt round the folds, continuing where the previous class stopped.@REGRESSION_DOC@"""
    rng = np.random.default_rng(seed)
    ids = np.empty(len(y), dtype="int64")
@REGRESSION@    offset = 0
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        rows = rows[rng.permutation(len(rows))]
        ids[rows] = (np.arange(len(rows)) + offset) % folds
        offset += len(rows)
    return ids


def split_validation(x, y):
    """Cross-validation: fold CV_FOLD of the CV_FOLDS folds validates, the other folds train (order kept)."""
    if len(y) < CV_FOLDS:
        sys.exit(f"{len(y)} training examples cannot make {CV_FOLDS} folds")
    val = fold_ids(y, CV_FOLDS, SEED) == CV_FOLD
    return (x[~val], y[~val]), (x[val], y[val])
'''

_REGRESSION = '''    if np.issubdtype(y.dtype, np.floating) and not np.all(np.equal(np.mod(y, 1), 0)):
        order = rng.permutation(len(y))  # numbers to predict, not classes: plain shuffled folds
        ids[order] = np.arange(len(y)) % folds
        return ids
'''


def _folds(out: RareCode, spec: Any, task: str) -> None:
    out.settings += [("CV_FOLDS", spec.cv_folds, "cross-validation: the training set is dealt into this many folds"),
                     ("CV_FOLD", spec.cv_fold, "the fold that validates (from 0); the other folds train")]
    regression = task == "series"
    out.folds = (_FOLD_IDS.replace("@REGRESSION@", _REGRESSION if regression else "")
                 .replace("@REGRESSION_DOC@", "\n    Targets that are numbers rather than classes get plain shuffled "
                          "folds." if regression else ""))
    out.notes.append(f"Validation: fold CV_FOLD = {spec.cv_fold} of CV_FOLDS = {spec.cv_folds} stratified, seeded "
                     "folds of the training set validates (not a last share of it).")


# -- class weights, resampling, one-hot labels (training/imbalance.py) ---------------------------------------

_COUNTS = '''

def class_counts(y, n_classes):
    """Examples of each class 0 .. n_classes-1."""
    return np.bincount(y, minlength=n_classes)[:n_classes].tolist()
'''

_WEIGHTS = '''

def balanced_weights(y, n_classes):
    """Each class's loss weight n / (classes present x its count), scikit-learn's "balanced": every class then
    adds the same total to the loss, however rare. A class with no training example gets 1."""
    counts = np.bincount(y, minlength=n_classes)[:n_classes].astype("float64")
    present = counts > 0
    k = int(present.sum())
    return {c: float(len(y) / (k * counts[c])) if present[c] else 1.0 for c in range(n_classes)}
'''

_RESAMPLE = '''

def resample(x, y, seed):
    """@DOC@
    The examples are flattened to rows for imbalanced-learn and shaped back; then one seeded shuffle (the
    sampler puts the new examples last)."""
    counts = np.bincount(y)
    if (counts > 0).sum() < 2:
        sys.exit("resampling needs at least two classes among the training examples")
@SAMPLER@    x_new, y_new = sampler.fit_resample(@FLAT@, y)
    x_new = np.asarray(x_new)
@ROUND@    order = np.random.default_rng(seed).permutation(len(y_new))
    x_new = x_new[order].astype(x.dtype).reshape((len(y_new), *x.shape[1:]))
    return x_new, np.asarray(y_new)[order].astype("int64")
'''

_SMOTE = '''    rarest = int(counts[counts > 0].min())
    if rarest < 2:
        sys.exit(f"SMOTE needs at least 2 training examples of every class; the rarest has {rarest}")
    sampler = SMOTE(k_neighbors=min(SMOTE_NEIGHBOURS, rarest - 1), random_state=seed)
'''

_ROUND = '''    info = np.iinfo(x.dtype)  # back to whole pixel values
    x_new = np.clip(np.rint(x_new), info.min, info.max)
'''

_DOCS = {"undersample": "Random undersampling (imbalanced-learn): drop randomly chosen examples of the larger "
                        "classes\n    until every class is as small as the smallest.",
         "oversample": "Random oversampling (imbalanced-learn): repeat randomly chosen examples of the smaller "
                       "classes\n    until every class is as large as the largest.",
         "smote": "SMOTE (imbalanced-learn): new examples of the smaller classes, each on the segment between one\n"
                  "    of their examples and one of its SMOTE_NEIGHBOURS nearest same-class neighbours, until "
                  "every class\n    is as large as the largest."}


def _resample_code(method: str, task: str) -> str:
    smote = method == "smote"
    cls = _SAMPLERS[method][1]
    sampler = _SMOTE if smote else f"    sampler = {cls}(random_state=seed)\n"
    flat = 'x.reshape(len(x), -1).astype("float64")' if smote else "x.reshape(len(x), -1)"
    return (_RESAMPLE.replace("@DOC@", _DOCS[method]).replace("@SAMPLER@", sampler).replace("@FLAT@", flat)
            .replace("@ROUND@", _ROUND if smote and task == "image" else ""))


_ONE_HOT = '''

def one_hot_labels(y, n_classes):
    """Integer labels as one-hot rows (class 2 of 4 -> [0, 0, 1, 0]): Keras' focal losses take these."""
    return np.eye(n_classes, dtype="float32")[y]
'''

_MAIN_WEIGHTS = '''    # rare classes: each class's loss weighted by n / (classes x its count) in the training examples
    class_weight = balanced_weights(y_fit, @N@)
    before = after = class_counts(y_fit, @N@)
'''

_MAIN_RESAMPLE = '''    # rare classes: @WORDS@ of the training examples only (validation and test stay as they are)
    before = class_counts(y_fit, @N@)
    x_fit, y_fit = resample(x_fit, y_fit, SEED)
    after = class_counts(y_fit, @N@)
'''

_MAIN_SUMMARY = '''    rare = {"method": "@METHOD@", "before": before, "after": after, "class_weight": @WEIGHTS@}
    log(f"@WORDS@: training examples per class {before} -> {after}")
'''

_MAIN_ONE_HOT = '''    # Keras' focal losses take one-hot labels; the test labels stay integers (evaluate() reads them)
    y_fit = one_hot_labels(y_fit, @N@)
    if validation is not None:
        validation = (validation[0], one_hot_labels(validation[1], @N@))
'''

_FOCAL = '''    # Keras' focal cross-entropy, on one-hot labels: easy, well-classified examples count less
    if @N@ == 2:  # two classes: the binary focal loss of each of the two softmax columns
        loss = keras.losses.BinaryFocalCrossentropy(gamma=FOCAL_GAMMA)
    else:
        loss = keras.losses.CategoricalFocalCrossentropy(gamma=FOCAL_GAMMA)
'''

_CLASS_1 = '''    out = {"loss": loss, "accuracy": accuracy}
    if probs.shape[1] == 2:  # two classes: how class 1 (the rarer one) fares, deciding 1 when P(1) >= 0.5
        pred = (probs[:, 1] >= 0.5).astype("int64")
        hit = float(np.sum((pred == 1) & (y_test == 1)))
        predicted, actual = float(np.sum(pred == 1)), float(np.sum(y_test == 1))
        out["class_1"] = {"precision": hit / predicted if predicted else None,
                          "recall": hit / actual if actual else None,
                          "f1": 2 * hit / (predicted + actual) if predicted + actual else None}
    return out
'''
