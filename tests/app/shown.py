"""What a reader sees in a message element: its Markdown body with the escapes undone.

Pages escape outside text (``synaptic_core.text_safety.md_escape``) so Markdown shows it
literally; AppTest hands back the Markdown source. ``shown`` turns it back into the characters
on screen, so tests compare against what a person reads.
"""

from __future__ import annotations

import re
from typing import Iterable


def shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown).replace("&lt;", "<").replace("&amp;", "&")


def texts(elements: Iterable) -> str:
    """The on-screen text of several message elements (``at.error``, ``at.warning``...), one per line."""
    return "\n".join(shown(e.value) for e in elements)
