"""A CSV upload: decode, parse, check, and turn into standardised feature arrays for one seed.

Three steps, each its own function so the page can stop between them (a person picks the
target after seeing the columns):

1. ``parse_csv(data)``: bytes -> a table of strings. UTF-8 (with or without a byte-order mark),
   else Latin-1 with a note saying so; a file with NUL bytes or control characters is not a
   text CSV (UTF-16, a spreadsheet, an image) and is refused. The delimiter is sniffed among
   ``, ; tab |``. Size, row and column limits are checked here.
2. ``plan_table(parsed, target, missing)``: which columns are numeric or categorical (text),
   which are left out (too many distinct texts: an identifier; or empty), and whether the
   target makes a classification (text, or at most ``MAX_INT_CLASSES`` distinct integers) or a
   regression (other numbers). Every way this can fail is an UploadError naming the column.
3. ``table_arrays(frame, plan, seed)``: split train/test *first* (stratified for classes),
   then fill missing values (median / most frequent value of the *training* rows) or drop
   the rows before splitting, one-hot encode text columns with the categories of the training
   rows, standardise with the training rows' mean and std (``transform.TableTransform``, which the
   server applies to prediction requests too). Nothing about the test rows leaks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synaptic_core.data.tabular import TEST_RATIO, stratified_split

from .errors import UploadError, quote
from .limits import MISSING_CHOICES, UploadLimits
from .transform import TableTransform

MISSING_TITLES = {"drop": "Drop rows with missing values", "fill": "Fill with the median (numbers) or most "
                                                                  "frequent value (text)"}
MAX_INT_CLASSES = 10  # a numeric target with at most this many distinct integers is a classification
_DELIMITERS = ",;\t|"


@dataclass
class ParsedCsv:
    """The uploaded table as strings (NaN where a cell is empty or NA), and how it was decoded."""

    frame: pd.DataFrame
    encoding: str
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)


@dataclass
class TablePlan:
    """What a table becomes: the target and its kind, the features by kind, the classes."""

    target: str
    missing: str
    kind: str  # "classification" | "regression"
    numeric: list[str]
    categorical: list[str]
    ignored: list[str]
    class_names: list[str]
    n_rows: int  # rows used (after dropping rows with missing features, when chosen)
    n_missing_rows: int  # rows with at least one empty feature
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("target", "missing", "kind", "numeric", "categorical", "ignored",
                                              "class_names", "n_rows", "n_missing_rows", "notes")}


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, notes): UTF-8 (a BOM is dropped), else Latin-1 with a note; binary is refused."""
    if b"\x00" in data[:65536]:
        raise UploadError("This file contains NUL bytes, so it is not a plain-text CSV (is it UTF-16, a "
                          "spreadsheet or another binary file?). Save it as 'CSV UTF-8' and upload it again.")
    try:
        text, encoding, notes = data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
        notes = ["The file is not UTF-8, so it was read as Latin-1 (Western European). If some letters look "
                 "wrong, save it as 'CSV UTF-8' and upload it again."]
    bad = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if bad:
        raise UploadError(f"This file holds {bad} control characters, so it is not a text CSV in a known "
                          "encoding. Save it as 'CSV UTF-8' and upload it again.")
    return text, encoding, notes


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def parse_csv(data: bytes, limits: UploadLimits | None = None) -> ParsedCsv:
    """The uploaded bytes as a table of strings; an UploadError says what is wrong with the file."""
    limits = limits or UploadLimits.from_env()
    if not data or not data.strip():
        raise UploadError("The file is empty.")
    if len(data) > limits.max_bytes:
        raise UploadError(f"The file is {len(data) / 1e6:.1f} MB, more than the limit of "
                          f"{limits.max_bytes / 1e6:g} MB (SYNAPTIC_UPLOAD_MAX_BYTES).")
    text, encoding, notes = decode(data)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_delimiter(text), dtype=str, keep_default_na=True,
                            skipinitialspace=True, nrows=limits.max_rows + 1, on_bad_lines="error")
    except pd.errors.EmptyDataError:
        raise UploadError("The file has no rows and no header.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise UploadError(f"This is not a well-formed CSV: {str(exc).strip()[:200]}") from None
    frame.columns = [str(c).strip() or f"column {i + 1}" for i, c in enumerate(frame.columns)]
    if len(frame.columns) > limits.max_columns:
        raise UploadError(f"The file has {len(frame.columns)} columns, more than the limit of "
                          f"{limits.max_columns} (SYNAPTIC_UPLOAD_MAX_COLUMNS).")
    if len(frame) > limits.max_rows:
        raise UploadError(f"The file has more than {limits.max_rows:,} rows, the limit "
                          "(SYNAPTIC_UPLOAD_MAX_ROWS): upload a sample of it.")
    if len(frame.columns) < 2:
        raise UploadError(f"The file has {len(frame.columns)} column; a table needs at least one feature column "
                          "and a target column (is the delimiter one of , ; tab |?).")
    if len(frame) < limits.min_rows:
        raise UploadError(f"The file has {len(frame)} data row{'s' if len(frame) != 1 else ''}; at least "
                          f"{limits.min_rows} are needed to train on some and test on others.")
    frame = frame.apply(lambda s: s.str.strip())
    frame = frame.replace("", np.nan)
    return ParsedCsv(frame, encoding, notes)


def _line(index: int) -> int:
    """The file line of data row ``index`` (the header is line 1)."""
    return int(index) + 2


def _numbers(col: pd.Series, name: str, what: str) -> tuple[pd.Series, str]:
    """(numeric values, "numeric" | "categorical"); UploadError for a mixed or infinite column."""
    present = col.dropna()
    nums = pd.to_numeric(present, errors="coerce")
    bad = present[nums.isna()]
    if len(bad) == 0 and len(present):
        inf = present[~np.isfinite(nums.to_numpy(np.float64))]
        if len(inf):
            raise UploadError(f"{what} {quote(name)} holds an infinite value ({quote(inf.iloc[0])} on line "
                              f"{_line(inf.index[0])}): replace it with a number or leave the cell empty.",
                              field="target" if what == "Target column" else "file")
        return pd.to_numeric(col, errors="coerce").astype(np.float64), "numeric"
    if len(bad) and len(bad) <= len(present) - len(bad):
        examples = ", ".join(f"{quote(v, 20)} (line {_line(i)})" for i, v in bad.iloc[:3].items())
        raise UploadError(f"{what} {quote(name)} mixes numbers with text: {examples}. Make the column all "
                          "numbers (empty cells are fine) or all text.", field="target" if what == "Target column"
                          else "file")
    return col, "categorical"


def _target(frame: pd.DataFrame, target: str, limits: UploadLimits) -> tuple[str, list[str]]:
    col = frame[target]
    empty = col[col.isna()]
    if len(empty):
        raise UploadError(f"Target column {quote(target)} has {len(empty)} empty or NaN value(s) (first on line "
                          f"{_line(empty.index[0])}): every row needs a target. Fill them in, remove those rows, "
                          "or choose another target.", field="target")
    values, kind = _numbers(col, target, "Target column")
    if kind == "numeric":
        distinct = np.unique(values.to_numpy())
        if len(distinct) <= MAX_INT_CLASSES and np.all(distinct == np.round(distinct)):
            names = [str(int(v)) for v in distinct]
        elif len(distinct) < 2:
            names = []
        else:
            if float(values.std()) == 0.0:
                raise UploadError(f"Target column {quote(target)} has one value only.", field="target")
            return "regression", []
    else:
        names = sorted(col.unique())
    if len(names) < 2:
        only = names[0] if names else col.iloc[0]
        raise UploadError(f"Target column {quote(target)} has only one class ({quote(only)}): a classifier needs at "
                          "least two.", field="target")
    if len(names) > limits.max_classes:
        raise UploadError(f"Target column {quote(target)} has {len(names)} distinct text values, more than the "
                          f"{limits.max_classes} classes allowed: choose another target.", field="target")
    keys = col if kind == "categorical" else values.map(lambda v: str(int(v)))
    counts = keys.value_counts()
    rare = counts[counts < 2]
    if len(rare):
        raise UploadError(f"Class {quote(rare.index[0])} of target {quote(target)} has only one row; each class "
                          "needs at least two (one to train on, one to test).", field="target")
    return "classification", names


def plan_table(parsed: ParsedCsv, target: str | None = None, missing: str = "drop",
               limits: UploadLimits | None = None) -> TablePlan:
    """Check the table for ``target`` (default: the last column) and say what each column becomes."""
    limits = limits or UploadLimits.from_env()
    frame = parsed.frame
    target = frame.columns[-1] if target is None else target
    if target not in frame.columns:
        raise UploadError(f"There is no column {quote(target)}: choose one of "
                          f"{', '.join(quote(c, 30) for c in frame.columns[:20])}.", field="target")
    if missing not in MISSING_CHOICES:
        raise UploadError(f"Missing values: {quote(missing)} is not one of {', '.join(MISSING_CHOICES)}.",
                          field="missing")
    kind, class_names = _target(frame, target, limits)
    numeric, categorical, ignored, notes = [], [], [], list(parsed.notes)
    n_features = 0
    for name in frame.columns:
        if name == target:
            continue
        col = frame[name]
        if col.isna().all():
            ignored.append(name)
            notes.append(f"Column {quote(name)} is empty and was left out.")
            continue
        _, col_kind = _numbers(col, name, "Column")
        if col_kind == "numeric":
            numeric.append(name)
            n_features += 1
            continue
        distinct = col.nunique(dropna=True)
        if distinct > limits.max_categories:
            ignored.append(name)
            notes.append(f"Column {quote(name)} has {distinct:,} distinct text values (more than "
                         f"{limits.max_categories}): it looks like an identifier or free text, so it was left out.")
            continue
        categorical.append(name)
        n_features += distinct
    if not numeric and not categorical:
        raise UploadError(f"No column besides the target {quote(target)} can be used as a feature.", field="target")
    if n_features > limits.max_features:
        raise UploadError(f"The table would have {n_features:,} features after one-hot encoding its text columns, "
                          f"more than the limit of {limits.max_features:,}.")
    used = numeric + categorical
    missing_rows = int(frame[used].isna().any(axis=1).sum())
    n_rows = len(frame) - missing_rows if missing == "drop" else len(frame)
    if missing_rows:
        notes.append(f"{missing_rows:,} row(s) have missing values: "
                     + ("they are dropped." if missing == "drop" else
                        "they are filled with the median or the most frequent value of the training rows."))
    if n_rows < limits.min_rows:
        raise UploadError(f"Dropping the {missing_rows:,} rows with missing values leaves {n_rows}; at least "
                          f"{limits.min_rows} are needed. Choose 'fill' for missing values instead.", field="missing")
    if missing == "drop" and kind == "classification":
        kept = frame.loc[~frame[used].isna().any(axis=1), target]
        if kept.nunique() < 2:
            raise UploadError("After dropping the rows with missing values only one class is left. Choose 'fill' "
                              "for missing values instead.", field="missing")
    return TablePlan(target, missing, kind, numeric, categorical, ignored, class_names, n_rows, missing_rows, notes)


def _labels(frame: pd.DataFrame, plan: TablePlan) -> np.ndarray:
    col = frame[plan.target]
    if plan.kind == "regression":
        return pd.to_numeric(col, errors="coerce").to_numpy(np.float64)
    if all(n.lstrip("-").isdigit() for n in plan.class_names) and pd.to_numeric(col, errors="coerce").notna().all():
        col = pd.to_numeric(col).map(lambda v: str(int(v)))
    lookup = {n: i for i, n in enumerate(plan.class_names)}
    y = col.map(lookup)
    if y.isna().any():  # a class that only appears after dropping rows elsewhere cannot happen; guard anyway
        raise UploadError("The target has values that are not among its classes.", field="target")
    return y.to_numpy(np.int64)


def _split_features(frame: pd.DataFrame, plan: TablePlan, seed: int
                    ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """(feature columns with numbers as floats, labels, training row indices, test row indices) for ``seed``."""
    used = plan.numeric + plan.categorical
    if plan.missing == "drop":
        frame = frame.loc[~frame[used].isna().any(axis=1)]
    frame = frame.reset_index(drop=True)
    y = _labels(frame, plan)
    features = frame[used].copy()
    for name in plan.numeric:
        features[name] = pd.to_numeric(features[name], errors="coerce").astype(np.float64)
    if plan.kind == "classification":
        tr, te = stratified_split(y, TEST_RATIO, seed)
    else:
        order = np.random.default_rng(seed).permutation(len(y))
        n_test = max(1, int(round(len(y) * TEST_RATIO)))
        tr, te = np.sort(order[n_test:]), np.sort(order[:n_test])
    return features, y, tr, te


def table_transform(frame: pd.DataFrame, plan: TablePlan, seed: int) -> tuple[TableTransform, np.ndarray]:
    """The transform a run with ``seed`` learnt from its training rows (what the server applies to requests),
    and those rows' labels (a regression's target scale comes from them)."""
    features, y, tr, _ = _split_features(frame, plan, seed)
    return TableTransform.fit(features.iloc[tr], plan.numeric, plan.categorical), y[tr]


def table_arrays(frame: pd.DataFrame, plan: TablePlan, seed: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """``(x_train, y_train, x_test, y_test, feature_names)``; x float32 standardised on the training rows.

    y is int64 classes, or float64 values for a regression (scaled later, by the task's prepare).
    """
    features, y, tr, te = _split_features(frame, plan, seed)
    transform = TableTransform.fit(features.iloc[tr], plan.numeric, plan.categorical)
    x_tr, x_te = transform.apply(features.iloc[tr]), transform.apply(features.iloc[te])
    return x_tr, y[tr], x_te, y[te], transform.names
