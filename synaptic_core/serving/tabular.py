"""Raw table rows -> the standardised features a tabular run trained on.

A tabular run's model reads one-hot encoded, standardised features (``synaptic_core.data.tabular``),
and the run stores neither the category lists nor the means and deviations. They are a pure
function of the data file, the spec's seed and the fixed test ratio, so this module rebuilds
them with the data layer's own functions (``read_table``, ``stratified_split``, ``one_hot``,
``standardise``: one copy of the mechanism) and then *checks* the rebuild: encoding the raw
test rows must give exactly the test features the data layer gives the run's spec, and the
data's source and test size must match what the run recorded. If the data file changed since
training, the check fails and the run is reported unservable rather than served wrongly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from synaptic_core.serving.inputs import InputError


class EncoderMismatch(RuntimeError):
    """The data on disk no longer gives the features the run was trained on."""


@dataclass(frozen=True)
class TabularEncoder:
    features: tuple[str, ...]                  # raw feature names, in the table's order
    categories: dict[str, tuple[str, ...]]     # text features: the values seen in training
    mean: np.ndarray                           # per encoded column
    std: np.ndarray
    columns: tuple[tuple[str, str | None], ...]  # encoded column -> (feature, category value or None)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    def describe(self) -> list[dict[str, Any]]:
        """The features a row needs, for error messages and the API's run view."""
        return [{"name": f, "kind": "category", "values": list(self.categories[f])} if f in self.categories
                else {"name": f, "kind": "number"} for f in self.features]

    def _row(self, item: Any, i: int) -> dict[str, Any]:
        if isinstance(item, Mapping):
            missing = [f for f in self.features if f not in item]
            extra = [str(k) for k in item if k not in self.categories and k not in self.features]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"missing {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}")
                if extra:
                    parts.append(f"unknown {', '.join(extra[:10])}{' …' if len(extra) > 10 else ''}")
                raise InputError(f"inputs[{i}]: {'; '.join(parts)}. A row has the {len(self.features)} features "
                                 f"{', '.join(self.features[:12])}{' …' if len(self.features) > 12 else ''}")
            return dict(item)
        if isinstance(item, (list, tuple)):
            if len(item) != len(self.features):
                raise InputError(f"inputs[{i}]: a row as an array needs {len(self.features)} values in the order "
                                 f"{', '.join(self.features[:12])}{' …' if len(self.features) > 12 else ''}; "
                                 f"got {len(item)}")
            return dict(zip(self.features, item))
        raise InputError(f"inputs[{i}]: a table row is an object keyed by feature name or an array of "
                         f"{len(self.features)} values, not {type(item).__name__}")

    def encode(self, items: Sequence[Any]) -> np.ndarray:
        """(N, columns) float32, one-hot and standardised as in training; InputError names bad values."""
        out = np.empty((len(items), self.n_columns), np.float64)
        for i, item in enumerate(items):
            row = self._row(item, i)
            for f in self.features:
                v = row[f]
                if f in self.categories:
                    if not isinstance(v, str) or v not in self.categories[f]:
                        allowed = ", ".join(repr(c) for c in self.categories[f][:20])
                        raise InputError(f"inputs[{i}].{f}: {v!r} is not one of {allowed}")
                elif isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise InputError(f"inputs[{i}].{f}: expected a finite number, got {v!r}")
            out[i] = [float(row[f]) if value is None else float(row[f] == value) for f, value in self.columns]
        return ((out - self.mean) / self.std).astype(np.float32)


def build_encoder(spec: Any, result: Mapping[str, Any]) -> TabularEncoder:
    """Rebuild the run's encoding from its data and check it (see the module docstring)."""
    from synaptic_core.data import load_dataset
    from synaptic_core.data.tabular import TEST_RATIO, one_hot, read_table, standardise, stratified_split

    ds = load_dataset(spec)
    if ds.path is None:
        raise EncoderMismatch(f"{spec.dataset}: no data file to rebuild the feature encoding from")
    features, y = read_table(ds.name, ds.path)
    tr, te = stratified_split(y, TEST_RATIO, spec.seed)
    train = features.iloc[tr]
    encoded, _ = one_hot(train, train.iloc[:1])
    _, _, mean, std = standardise(encoded.to_numpy(np.float64), encoded.to_numpy(np.float64)[:1])
    numeric = [c for c in features.columns if pd_is_numeric(train[c])]
    cats = {c: tuple(sorted(train[c].unique())) for c in features.columns if c not in numeric}
    columns = tuple([(c, None) for c in numeric] + [(c, v) for c in cats for v in cats[c]])
    names = [c if v is None else f"{c}_{v}" for c, v in columns]
    if names != [str(c) for c in encoded.columns]:
        raise EncoderMismatch(f"{spec.dataset}: the rebuilt feature columns differ from the data layer's")
    enc = TabularEncoder(tuple(str(c) for c in features.columns), cats, mean, std, columns)
    _check(enc, spec, result, ds, features.iloc[te], y[te])
    return enc


def pd_is_numeric(column: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column))


def _check(enc: TabularEncoder, spec: Any, result: Mapping[str, Any], ds: Any, test_rows: Any,
           test_y: np.ndarray) -> None:
    keep = np.ones(len(test_y), bool) if not spec.classes else np.isin(test_y, list(spec.classes))
    rows = test_rows[keep].to_dict("records")
    mine = enc.encode(rows) if rows else np.zeros((0, enc.n_columns), np.float32)
    same = mine.shape == ds.x_test.shape and np.allclose(mine, ds.x_test, atol=1e-5)
    if not same:
        raise EncoderMismatch(f"{spec.dataset}: encoding the raw test rows does not give the data layer's features")
    if result.get("source") not in (None, ds.source) or result.get("n_test") not in (None, len(ds.x_test)):
        raise EncoderMismatch(f"{spec.dataset}: the data now comes from {ds.source} with {len(ds.x_test)} test rows; "
                              f"the run was trained on {result.get('source')} with {result.get('n_test')}: "
                              "the features could differ, so this run is not served")


# -- an uploaded CSV (tasks upload-table and tabular-regression) --------------------------------------------
# The run stored no encoder either, but its upload is content-addressed (never changes) and its plan is in
# meta.json, so the server refits ``TableTransform`` -- the very object training applied -- on the training rows
# of the run's seed, checks it against what the run recorded, and applies it to the request's raw values.


@dataclass(frozen=True)
class UploadTableEncoder:
    """Raw values of an uploaded table's columns -> the run's features (``uploads.transform.TableTransform``)."""

    transform: Any                 # TableTransform fitted on the run's training rows
    features: tuple[str, ...]      # the feature columns in the CSV's order (an array row follows it)
    skipped: frozenset[str]        # the target and the columns left out: accepted in a row, unused
    fill_missing: bool             # the run filled missing values (else it dropped such rows: refused here)

    @property
    def n_columns(self) -> int:
        return self.transform.n_columns

    def describe(self) -> list[dict[str, Any]]:
        t = self.transform
        return [{"name": f, "kind": "category", "values": list(t.categories[f])} if f in t.categories
                else {"name": f, "kind": "number"} for f in self.features]

    def _value(self, f: str, v: Any, i: int) -> Any:
        t = self.transform
        if v is None or (isinstance(v, str) and not v.strip()):
            if self.fill_missing:
                return None
            raise InputError(f"inputs[{i}].{f}: a value is needed (this run dropped rows with missing values "
                             "when it trained, so it has no fill value)")
        if f in t.categories:
            if not isinstance(v, str) or v.strip() not in t.categories[f]:
                allowed = ", ".join(repr(c) for c in t.categories[f][:20])
                raise InputError(f"inputs[{i}].{f}: {str(v)[:60]!r} is not one of {allowed}")
            return v.strip()
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"inputs[{i}].{f}: expected a finite number, got {str(v)[:60]!r}")
        return float(v)

    def _row(self, item: Any, i: int) -> dict[str, Any]:
        order = f"{', '.join(self.features[:12])}{' …' if len(self.features) > 12 else ''}"
        if isinstance(item, Mapping):
            missing = [f for f in self.features if f not in item]
            extra = [str(k)[:40] for k in item if k not in self.features and k not in self.skipped]
            if missing or extra:
                parts = ([f"missing {', '.join(missing[:10])}"] if missing else []) + \
                        ([f"unknown {', '.join(extra[:10])}"] if extra else [])
                raise InputError(f"inputs[{i}]: {'; '.join(parts)}. A row has the {len(self.features)} "
                                 f"columns {order}" + (" (null for a missing value)" if self.fill_missing else ""))
            return {f: self._value(f, item[f], i) for f in self.features}
        if isinstance(item, (list, tuple)):
            if len(item) != len(self.features):
                raise InputError(f"inputs[{i}]: a row as an array needs {len(self.features)} values in the order "
                                 f"{order}; got {len(item)}")
            return {f: self._value(f, v, i) for f, v in zip(self.features, item)}
        raise InputError(f"inputs[{i}]: a table row is an object keyed by column name or an array of "
                         f"{len(self.features)} values, not {type(item).__name__}")

    def encode(self, items: Sequence[Any]) -> np.ndarray:
        """(N, columns) float32: the training transform applied to the checked raw values."""
        import pandas as pd

        rows = [self._row(item, i) for i, item in enumerate(items)]
        t = self.transform
        frame = pd.DataFrame({f: pd.Series([r[f] for r in rows], dtype=np.float64 if f in t.numeric else object)
                              for f in self.features}, index=range(len(rows)))
        return t.apply(frame)


def build_upload_encoder(spec: Any, result: Mapping[str, Any]) -> tuple[UploadTableEncoder, tuple[float, float] | None]:
    """The run's transform refitted from its stored upload, and for a regression the target's (mean, std).

    Checked against the run: the encoded column names (its ``data`` features, when recorded) and the
    regression's recorded scale; EncoderMismatch otherwise."""
    from synaptic_core.data.uploads.csv_table import table_transform
    from synaptic_core.data.uploads.hooks import stored_table, target_scale

    frame, plan = stored_table(spec.dataset)
    transform, y_train = table_transform(frame, plan, spec.seed)
    used = set(plan.numeric) | set(plan.categorical)
    encoder = UploadTableEncoder(transform, tuple(str(c) for c in frame.columns if c in used),
                                 frozenset([plan.target, *plan.ignored]), plan.missing == "fill")
    if plan.kind != "regression":
        return encoder, None
    scale = target_scale(y_train, spec)
    recorded = result.get("regression") or {}
    if "y_mean" in recorded and not np.allclose([recorded["y_mean"], recorded["y_std"]], scale, rtol=1e-9):
        raise EncoderMismatch(f"{spec.dataset}: the target's scale rebuilt from the upload differs from the run's")
    return encoder, scale
