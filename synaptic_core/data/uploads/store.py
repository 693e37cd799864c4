"""Where uploads live: ``$SYNAPTIC_HOME/uploads/<key>/``, named by a content hash, plus who uploaded what.

An upload is stored once per content: ``<key>`` is the first 16 hex digits of the SHA-256 of
the uploaded bytes together with the choices that shape the data (a CSV's target column and
missing-value rule; a zip's image size and colour), so the same file with the same choices is
the same dataset, and the spec names it ``dataset="upload:<key>"``. Anyone on this server who
holds such a name (a shared link) can train on it, as with a run id; each person's own list
(``owners/<hash of the owner id>.json``) is what the page offers them again later.

Each folder holds ``meta.json`` (what the registry row needs: title, task, classes, shape,
counts, the choices) and one data file: ``table.csv`` (UTF-8, as uploaded after decoding) or
``images.npz`` (uint8 arrays, read with ``allow_pickle=False``). Nothing is ever unpickled.
A folder is written under a temporary name and renamed, so a half-written upload is never seen.
``delete`` takes an upload off its owner's list and removes the folder once no list holds it;
``owner_bytes`` is what a person's quota counts (the uploads they stored first, ``meta["uploader"]``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from synaptic_core.store.paths import synaptic_home

PREFIX = "upload:"
_NAME = re.compile(r"^upload:[0-9a-f]{16}$")
MAX_LISTED = 50  # uploads remembered per owner (oldest forgotten first; the files stay for links)


def uploads_dir() -> Path:
    return synaptic_home() / "uploads"


def is_upload_name(name: object) -> bool:
    """``"upload:<16 hex digits>"``: the only dataset names that refer to the upload store."""
    return isinstance(name, str) and bool(_NAME.match(name))


def content_key(data: bytes, *choices: object) -> str:
    """16 hex digits of SHA-256 over the bytes and the choices that shape the dataset."""
    h = hashlib.sha256(data)
    for choice in choices:
        h.update(b"\0" + str(choice).encode("utf-8"))
    return h.hexdigest()[:16]


def folder_of(name: str) -> Path | None:
    """The folder of a stored upload, None when ``name`` is not an upload name or nothing is stored."""
    if not is_upload_name(name):
        return None
    folder = uploads_dir() / name[len(PREFIX):]
    return folder if (folder / "meta.json").is_file() else None


def read_meta(name: str) -> dict[str, Any] | None:
    """The stored description of upload ``name`` (None when there is none or it cannot be read)."""
    folder = folder_of(name)
    if folder is None:
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or not (folder / str(meta.get("file", ""))).is_file():
        return None
    meta["path"] = str(folder / meta["file"])
    return meta


def exists(name: object) -> bool:
    return isinstance(name, str) and read_meta(name) is not None


def stored_bytes() -> int:
    """What every stored upload takes on disk together."""
    root = uploads_dir()
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


def save(key: str, meta: dict[str, Any], write_data, max_store_bytes: int | None = None) -> str:
    """Store one upload (``write_data(folder)`` writes ``meta["file"]`` into it); returns its dataset name.

    A folder already there with the same key holds the same content and choices: it is kept.
    A new one is refused (UploadError) while the store already holds ``max_store_bytes``.
    """
    name = PREFIX + key
    if read_meta(name) is not None:
        return name
    if max_store_bytes is not None and stored_bytes() >= max_store_bytes:
        from .errors import UploadError

        raise UploadError(f"This server's upload space is full ({max_store_bytes / 1e9:g} GB, "
                          "SYNAPTIC_UPLOAD_MAX_STORE_BYTES): ask its administrator to make room.")
    root = uploads_dir()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))
    try:
        write_data(tmp)
        meta = {**meta, "name": name, "created": time.time()}
        (tmp / "meta.json").write_text(json.dumps(meta, allow_nan=False), "utf-8")
        target = root / key
        if target.exists():  # a broken earlier attempt (no readable meta): replace it
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return name


def owner_key(owner: str) -> str:
    """What the store keeps of a person: a hash of their id (their list's file name, an upload's ``uploader``)."""
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:24]


def _owner_file(owner: str) -> Path:
    return uploads_dir() / "owners" / (owner_key(owner) + ".json")


def _write_list(path: Path, names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(names[:MAX_LISTED]), "utf-8")
    os.replace(tmp, path)


def _listed(path: Path) -> list[str]:
    try:
        names = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def remember(owner: str | None, name: str) -> None:
    """Put ``name`` first in ``owner``'s list of uploads (nothing for an anonymous caller)."""
    if not owner or not is_upload_name(name):
        return
    names = [n for n in owned(owner) if n != name]
    _write_list(_owner_file(owner), [name, *names])


def owned(owner: str | None) -> list[str]:
    """``owner``'s uploads, newest first, that are still stored."""
    if not owner:
        return []
    return [n for n in _listed(_owner_file(owner)) if exists(n)]


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def owner_bytes(owner: str | None) -> int:
    """Disk taken by the uploads ``owner`` stored first (what their quota counts); one someone else had
    already stored, or that they only follow through a link, costs them nothing."""
    if not owner:
        return 0
    me, total = owner_key(owner), 0
    for name in owned(owner):
        meta, folder = read_meta(name), folder_of(name)
        if meta is not None and folder is not None and meta.get("uploader") == me:
            total += _folder_bytes(folder)
    return total


def holders(name: str) -> int:
    """How many people's lists hold upload ``name``."""
    folder = uploads_dir() / "owners"
    return sum(1 for path in folder.glob("*.json") if name in _listed(path)) if folder.is_dir() else 0


def delete(owner: str | None, name: str) -> bool:
    """Take ``name`` off ``owner``'s list, and remove its files when no other person's list holds it.

    Only an upload in the caller's own list can be deleted (UploadError otherwise). Returns True
    when the files were removed; False when others still use it (it stays stored for them). Runs
    trained on it keep their results and models; training on it again then says it is gone.
    """
    from .errors import UploadError

    path = _owner_file(owner) if owner else None
    if path is None or not is_upload_name(name) or name not in _listed(path):
        raise UploadError("This upload is not in your list of uploads, so you cannot delete it.")
    _write_list(path, [n for n in _listed(path) if n != name])
    if holders(name) > 0:
        return False
    folder = uploads_dir() / name[len(PREFIX):]
    if folder.is_dir():
        gone = folder.with_name(f".deleting-{folder.name}-{os.getpid()}")
        os.replace(folder, gone)  # out of sight at once (a reader never sees half a folder), then removed
        shutil.rmtree(gone, ignore_errors=True)
    return True
