"""The Playground's "Upload your own data": a CSV or a zip of image folders, checked in the core, then picked.

Everything about the file is decided by ``synaptic_core.data.uploads`` (limits, encodings,
hostile zips, which column is what); this module only draws it: the uploader, a preview of the
table's first rows with the target and missing-value choices and what they make (classes or a
regression), or the image size and colour for a zip; then "Use this data" stores the upload
(``ingest_csv`` / ``ingest_zip``, remembered for this person) and picks it like any dataset,
so the URL names it ``dataset=upload:<key>``. Every problem is shown as text (``md_escape``),
never as a crash.

The dataset picker offers a person's own uploads (``upload_infos``); a link naming an upload
stored on this server adds it to the follower's list (``adopt``), so shared links work.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import streamlit as st

from synaptic_core.text_safety import md_escape
from ui import page_state as ps

log = logging.getLogger(__name__)

KINDS = {"csv": "CSV table", "zip": "zip of image folders"}


def _owner() -> str | None:
    try:
        from ui.services import session_owner

        return session_owner()
    except Exception:  # no browser session (a bare script run): nothing is remembered
        log.exception("no owner for the uploads")
        return None


def upload_infos(page: Any) -> dict[str, Any]:
    """name -> DatasetInfo of this person's uploads that this page offers (their task's page)."""
    from synaptic_core.data.uploads import owned, upload_entry

    out = {}
    for name in owned(_owner()):
        entry = upload_entry(name)
        if entry is not None and entry.info().page == page.path:
            out[name] = entry.info()
    return out


def adopt(name: object) -> None:
    """A link names an upload stored on this server: add it to this person's uploads so the page offers it."""
    from synaptic_core.data.uploads import exists, is_upload_name, remember

    if is_upload_name(name) and exists(name):
        remember(_owner(), str(name))


def _error_key(page: Any) -> str:
    return page.key("upload_error")


def _use(page: Any) -> None:
    """Callback of "Use this data": store the upload, then pick it (its opening settings applied)."""
    from synaptic_core.data.uploads import UploadError, ingest_csv, ingest_zip

    file = st.session_state.get(page.key("upload_file"))
    st.session_state.pop(_error_key(page), None)
    if file is None:
        return
    try:
        data = file.getvalue()
        if file.name.lower().endswith(".zip"):
            up = ingest_zip(data, file.name, size=st.session_state.get(page.key("upload_size"), 32),
                            color=st.session_state.get(page.key("upload_color"), "rgb"), owner=_owner())
        else:
            up = ingest_csv(data, file.name, target=st.session_state.get(page.key("upload_target")),
                            missing=st.session_state.get(page.key("upload_missing"), "drop"), owner=_owner())
    except UploadError as exc:
        st.session_state[_error_key(page)] = str(exc)
        return
    except Exception as exc:  # a bug must not take the page down: say so, keep the page
        log.exception("storing the upload %s", getattr(file, "name", "?"))
        st.session_state[_error_key(page)] = f"Could not store this file: {type(exc).__name__}: {exc}"
        return
    st.session_state[page.wkey("dataset")] = up.name
    ps.dataset_changed(page)


def _parse(page: Any, data: bytes) -> tuple[Any, str | None]:
    """(ParsedCsv or None, error text), parsed once per file content and kept in this session only
    (not ``st.cache_data``, which would pickle the table)."""
    from synaptic_core.data.uploads import UploadError, parse_csv

    digest, key = hashlib.sha256(data).hexdigest(), page.key("upload_parsed")
    kept = st.session_state.get(key)
    if kept is None or kept[0] != digest:
        try:
            kept = (digest, parse_csv(data), None)
        except UploadError as exc:
            kept = (digest, None, str(exc))
        st.session_state[key] = kept
    return kept[1], kept[2]


def _csv_choices(page: Any, data: bytes) -> bool:
    """Head of the table, the target and missing-value choices and what they make; True when usable."""
    from synaptic_core.data.uploads import MISSING_CHOICES, MISSING_TITLES, UploadError, plan_table

    parsed, error = _parse(page, data)
    if error is not None:
        st.error(md_escape(error))
        return False
    st.dataframe(parsed.frame.head(8), key=page.key("upload_head"), height=240)
    columns = parsed.columns
    key = page.key("upload_target")
    if st.session_state.get(key) not in columns:
        st.session_state[key] = columns[-1]
    target = st.selectbox("Target column (what to predict)", columns, key=key,
                          help="Text, or at most 10 distinct whole numbers: classification. Other numbers: "
                               "regression.")
    missing = st.radio("Missing values", MISSING_CHOICES, key=page.key("upload_missing"),
                       format_func=MISSING_TITLES.get, help="Rows with an empty feature cell. The fill values come "
                       "from the training rows only.")
    try:
        plan = plan_table(parsed, target, missing)
    except UploadError as exc:
        st.error(md_escape(exc))
        return False
    what = (f"Classification into {len(plan.class_names)} classes: " + ", ".join(plan.class_names[:10])
            if plan.kind == "classification" else "Regression: a number is predicted (MSE loss, MAE, RMSE, R²)")
    st.caption(md_escape(f"{what}. {len(plan.numeric)} numeric and {len(plan.categorical)} text feature column(s) "
                         f"(text is one-hot encoded; numbers standardised on the training rows); "
                         f"{plan.n_rows:,} rows used."))
    for note in plan.notes:
        st.caption(md_escape(note))
    return True


def _zip_choices(page: Any) -> bool:
    from synaptic_core.data.uploads import COLORS, SIZES

    cols = st.columns(2)
    key = ps.seed(page, "", 32, key=page.key("upload_size"))
    cols[0].selectbox("Image size", SIZES, key=key, format_func=lambda s: f"{s} x {s}",
                      help="Every image is resized to this square size.")
    key = ps.seed(page, "", "rgb", key=page.key("upload_color"))
    cols[1].radio("Colour", COLORS, key=key, format_func=lambda c: "Grey" if c == "grey" else "RGB", horizontal=True)
    st.caption("One folder per class (cats/1.png, dogs/7.jpg…); PNG, JPEG, GIF, BMP or WebP.")
    return True


def _current(name: str) -> None:
    """What the picked upload holds: its description, and its class counts for images."""
    from synaptic_core.data.uploads import read_meta

    meta = read_meta(name)
    if meta is None:
        return
    counts = meta.get("class_counts")
    if counts:
        st.caption(md_escape("Images per class: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())))
    for note in meta.get("notes") or []:
        st.caption(md_escape(note))


def upload_section(page: Any, spec: Any) -> None:
    """The "Upload your own data" expander of the data tab (above the dataset picker)."""
    from synaptic_core.data.uploads import UploadLimits, is_upload_name

    with st.expander("Upload your own data", expanded=is_upload_name(spec.dataset)):
        limit = UploadLimits.from_env().max_bytes / 1e6
        file = st.file_uploader(f"A CSV table or a zip of image folders (up to {limit:g} MB)", type=["csv", "zip"],
                                key=page.key("upload_file"))
        if error := st.session_state.get(_error_key(page)):
            st.error(md_escape(error))
        if file is not None:
            ok = _zip_choices(page) if file.name.lower().endswith(".zip") else _csv_choices(page, file.getvalue())
            st.button("Use this data", key=page.key("upload_use"), type="secondary", disabled=not ok,
                      on_click=_use, args=(page,))
        if is_upload_name(spec.dataset):
            _current(spec.dataset)
