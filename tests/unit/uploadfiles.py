"""Small files for the upload tests, built in memory: good tables, good zips, and hostile ones."""

from __future__ import annotations

import io
import stat
import zipfile

import numpy as np


def png(size: tuple[int, int] = (12, 10), seed: int = 0, fmt: str = "PNG") -> bytes:
    from PIL import Image

    arr = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def image_zip(classes: tuple[str, ...] = ("cats", "dogs"), per_class: int = 5, top: str = "") -> bytes:
    return zip_of({f"{top}{c}/{i}.png": png(seed=10 * k + i) for k, c in enumerate(classes) for i in range(per_class)})


def symlink_zip() -> bytes:
    entries = {"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/1.png": png(seed=2)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
        link = zipfile.ZipInfo("dogs/2.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    return buf.getvalue()


def bomb_zip() -> bytes:
    """One 'image' of 30 MB of zeros, deflated to ~30 kB: a ratio near 1000."""
    return zip_of({"cats/1.png": png(), "dogs/1.png": png(seed=1), "dogs/big.png": b"\0" * (30 * 1024 * 1024)})


def classification_csv(n: int = 60, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    rows = ["height,weight,colour,species"]
    for _ in range(n):
        a, b = rng.normal(size=2)
        colour = rng.choice(["red", "blue", "green"])
        rows.append(f"{a:.3f},{b:.3f},{colour},{'tall' if a + 0.5 * b > 0 else 'short'}")
    return ("\n".join(rows) + "\n").encode()


def regression_csv(n: int = 200, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    rows = ["x1,x2,x3,kind,price"]
    for _ in range(n):
        x = rng.normal(size=3)
        kind = rng.choice(["a", "b"])
        y = 3 * x[0] - 2 * x[1] + 0.5 * x[2] + (2 if kind == "a" else -2) + 0.05 * rng.normal() + 100
        rows.append(f"{x[0]:.4f},{x[1]:.4f},{x[2]:.4f},{kind},{y:.4f}")
    return ("\n".join(rows) + "\n").encode()
