"""md_escape: outside text shown by a Markdown renderer as exactly its characters."""

from __future__ import annotations

import re

from synaptic_core.text_safety import md_escape, md_text


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s).replace("&lt;", "<").replace("&amp;", "&")


def test_markdown_and_html_become_literal():
    raw = "<b>x</b> **bold** _i_ `c` [a](http://x) ![i](http://e/t.png) :red[hi] $x$ ~~s~~ # h & 1.5"
    out = md_escape(raw)
    assert "<" not in out and "**" not in out and "](" not in out and "~~" not in out
    assert _unescape(out) == raw  # nothing lost: the reader sees the same characters


def test_one_line_and_no_control_characters():
    assert md_escape("a\n\n# b\r\nc\x00\x1b") == "a \\# b c"


def test_bare_links_do_not_autolink():
    assert "http\\://" in md_escape("http://evil.example") and "www\\." in md_escape("www.evil.example")


def test_md_text_keeps_the_template_and_escapes_the_values():
    assert md_text("Run **{}** is unknown", "*x*") == "Run **\\*x\\*** is unknown"
