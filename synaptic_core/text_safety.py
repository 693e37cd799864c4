"""Outside text shown as text: escape Markdown and HTML before a Markdown renderer sees it.

Streamlit renders the body of ``st.error``, ``st.warning``, ``st.info``, ``st.caption`` and
``st.markdown`` as Markdown. A message that quotes a link's value, a run id from the URL,
an uploaded file's name or an exception's text must not turn into a link, an image fetched
from elsewhere, bold text or a heading: ``md_escape`` makes every character show literally.
It has no Streamlit import, so the core, the CLI and tests can use it too.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones
# that mean something to Markdown, to GitHub-flavoured extensions (~~strike~~, bare links:
# escaping ":" and "." keeps "http://x.y" and "www.x.y" plain text), to LaTeX ($) or to
# Streamlit's own directives (:red[...], :material/icon:).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:>])")
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")


def md_escape(text: object) -> str:
    """``text`` as Markdown that renders as exactly these characters, on one line.

    ``<`` and ``&`` become HTML entities (no tag, no entity survives); Markdown punctuation is
    backslash-escaped; line breaks become spaces (a message stays one paragraph, so no
    heading, list or code block can start); other control characters are dropped.
    """
    s = str(text)
    s = "".join(ch for ch in s if ch in "\r\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    s = _NEWLINES.sub(" ", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;")
    return _SPECIAL.sub(r"\\\1", s)


def md_text(template: str, *values: object) -> str:
    """A message with trusted Markdown ``template`` (``{}`` placeholders) and escaped ``values``.

    ``md_text("Run **{}** is unknown", run_id)``: the bold is ours, the run id stays literal.
    """
    return template.format(*(md_escape(v) for v in values))


def plotly_text(text: object) -> str:
    """Outside text (a class name, a column, a run's name) inside a Plotly figure, shown literally.

    Plotly renders a subset of HTML in tick labels, trace names, annotations, titles and hover
    text (``<b>``, ``<a href>``, ``<br>``, ``<img>`` is dropped but ``<a>`` is a live link) and
    decodes ``&lt;``-style entities, so ``& < >`` become entities: the name is drawn as typed.
    The one place every figure escapes such text; the names themselves are stored unchanged.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["md_escape", "md_text", "plotly_text"]
