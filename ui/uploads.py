"""The Playground's "Upload your own data": a CSV or a zip of image folders, checked in the core, then picked.

Everything about the file is decided by ``synaptic_core.data.uploads`` (limits, encodings,
hostile zips, which column is what); this module only draws it: the uploader, a preview of the
table's first rows with the target and missing-value choices and what they make (classes or a
regression), or the image size and colour for a zip with its class counts and a grid of a few images
of each class (decoded and checked as storing will, nothing stored yet); then "Use this data" stores the upload
(``ingest_csv`` / ``ingest_zip``, remembered for this person) and picks it like any dataset,
so the URL names it ``dataset=upload:<key>``. Every problem is shown as text (``md_escape``),
never as a crash.

The dataset picker offers a person's own uploads (``upload_infos``); a link naming an upload
stored on this server adds it to the follower's list (``adopt``), so shared links work. "Your uploads"
lists them with the space they take (a per-person quota, ``SYNAPTIC_UPLOAD_MAX_OWNER_BYTES``) and
deletes one (``uploads.delete``: only from one's own list; the files go when nobody else lists it).
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


def _zip_preview(page: Any, data: bytes, size: int, color: str) -> tuple[Any, str | None]:
    """(ZipPreview or None, error text): the zip checked and decoded as "Use this data" will, once per file
    content and choices, kept in this session only (a few thumbnails, not the whole set)."""
    from synaptic_core.data.uploads import UploadError, preview_image_zip

    digest, key = (hashlib.sha256(data).hexdigest(), size, color), page.key("upload_zip_preview")
    kept = st.session_state.get(key)
    if kept is None or kept[0] != digest:
        try:
            kept = (digest, preview_image_zip(data, size, color), None)
        except UploadError as exc:
            kept = (digest, None, str(exc))
        except Exception as exc:  # a bug must not take the page down
            log.exception("previewing an image zip")
            kept = (digest, None, f"Could not read this zip: {type(exc).__name__}: {exc}")
        st.session_state[key] = kept
    return kept[1], kept[2]


def _zip_choices(page: Any, data: bytes) -> bool:
    """Image size and colour, then the class counts and a grid of a few images of each class; True when usable."""
    from synaptic_core.data.uploads import COLORS, SIZES

    cols = st.columns(2)
    key = ps.seed(page, "", 32, key=page.key("upload_size"))
    size = cols[0].selectbox("Image size", SIZES, key=key, format_func=lambda s: f"{s} x {s}",
                             help="Every image is resized to this square size.")
    key = ps.seed(page, "", "rgb", key=page.key("upload_color"))
    color = cols[1].radio("Colour", COLORS, key=key, format_func=lambda c: "Grey" if c == "grey" else "RGB",
                          horizontal=True)
    st.caption("One folder per class (cats/1.png, dogs/7.jpg…); PNG, JPEG, GIF, BMP or WebP.")
    preview, error = _zip_preview(page, data, size, color)
    if error is not None:
        st.error(md_escape(error))
        return False
    from synaptic_core.viz.images import image_grid  # names as typed: the grid escapes them for Plotly

    total = sum(preview.class_counts.values())
    st.caption(md_escape(f"{total:,} images in {len(preview.class_counts)} classes: "
                         + ", ".join(f"{k} {v:,}" for k, v in preview.class_counts.items())))
    st.plotly_chart(image_grid(preview.images, preview.labels, cols=8, zoom=2.0 if size <= 32 else 1.0, font_size=9,
                               max_width=290, caption_chars=12), key=page.key("upload_preview"), width="content")
    for note in preview.notes:
        st.caption(md_escape(note))
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
            ok = (_zip_choices(page, file.getvalue()) if file.name.lower().endswith(".zip")
                  else _csv_choices(page, file.getvalue()))
            st.button("Use this data", key=page.key("upload_use"), type="secondary", disabled=not ok,
                      on_click=_use, args=(page,))
        if is_upload_name(spec.dataset):
            _current(spec.dataset)
        _yours(page)


def _delete(page: Any) -> None:
    """Callback of "Delete": off this person's list (the core checks it is theirs), files gone if nobody else
    lists it; a page showing it moves to the page's opening dataset."""
    from synaptic_core.data.uploads import UploadError, delete

    name = st.session_state.get(page.key("upload_mine"))
    if not name:
        return
    try:
        removed = delete(_owner(), name)
    except UploadError as exc:
        st.session_state[_error_key(page)] = str(exc)
        return
    st.session_state[page.key("upload_deleted")] = (
        "Deleted." if removed else "Taken off your list; others who use it keep it.")
    if st.session_state.get(page.wkey("dataset")) == name:
        infos = ps.dataset_infos(page)
        fallback = page.default.get("dataset")
        st.session_state[page.wkey("dataset")] = fallback if fallback in infos else next(iter(infos))
        ps.dataset_changed(page)


def _yours(page: Any) -> None:
    """This person's uploads, their space, and a button to delete one."""
    from synaptic_core.data.uploads import UploadLimits, owned, owner_bytes, read_meta

    owner = _owner()
    names = owned(owner)
    if done := st.session_state.pop(page.key("upload_deleted"), None):
        st.success(done)
    if not names:
        return
    titles = {n: str((read_meta(n) or {}).get("title") or n) for n in names}
    limit = UploadLimits.from_env().max_owner_bytes
    st.markdown("**Your uploads**")
    st.caption(f"{owner_bytes(owner) / 1e6:,.1f} MB of your {limit / 1e6:,.0f} MB used.")
    key = page.key("upload_mine")
    if st.session_state.get(key) not in names:
        st.session_state[key] = names[0]
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].selectbox("Upload", names, key=key, format_func=lambda n: f"{titles[n]} · {n}",
                      label_visibility="collapsed")
    cols[1].button("Delete", key=page.key("upload_delete"), on_click=_delete, args=(page,),
                   help="Take it off your list; its files are removed unless someone else uses it. Runs trained "
                        "on it keep their results.")
