"""Recorded text is data: making it inert wherever it is shown.

Theory of operation
-------------------

Everything a peer recorded — exception messages, close reasons, labels a
scenario computed from them, class names, even peer ids and links read back
from a results file passed with ``--results`` — is untrusted text. It is
kept losslessly in results files (see :mod:`wsconform.core.files` for lone
surrogates) and made inert at the moment it is shown, by the function for
the medium:

* terminal — :func:`visible`: control characters (ANSI escape sequences
  start with one), lone surrogates and bidirectional overrides become
  visible escapes such as ``\\x1b``; the terminal never interprets them.
  Rich markup is never parsed from data: the display builds ``Text``
  objects or prints with ``markup=False``.
* Markdown — :func:`markdown_code`: a code span whose fence is longer than
  any backtick run inside, so nothing in it is Markdown or HTML;
  :func:`markdown_cell` for table cells also escapes ``|``.
* HTML — Jinja2's autoescaping, and :func:`safe_url`: only ``http`` and
  ``https`` links become links; anything else (``javascript:``, ``data:``)
  is shown as text.
"""

from __future__ import annotations

import re
import urllib.parse

#: Characters never shown as themselves: C0 and C1 controls, DEL, lone
#: surrogates, and the bidirectional controls that can reorder what a
#: reader sees.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = False) -> str:
    """``text`` with every hidden character shown as an escape; ``newlines``
    keeps line breaks (for multi-line messages), otherwise the result is
    one line."""
    if newlines:
        return "\n".join(_HIDDEN.sub(_escape, line) for line in text.split("\n"))
    return _HIDDEN.sub(_escape, text)


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span: literal, one line, never markup."""
    shown = visible(text)
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{padding}{shown}{padding}{fence}"


def markdown_cell(text: str) -> str:
    """``text`` as a code span inside a Markdown table cell (``|`` escaped,
    which GitHub-flavoured Markdown requires even in code spans)."""
    return markdown_code(text).replace("|", "\\|")


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute ``http(s)`` URL with a host and nothing
    hidden in it; None otherwise."""
    if not isinstance(url, str) or _HIDDEN.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def markdown_link(text: str, url: str) -> str:
    """``text`` (a code span) linking to ``url`` when it is a safe ``http(s)``
    URL; the code span alone otherwise. Characters that end a Markdown link
    target are percent-encoded."""
    safe = safe_url(url)
    if safe is None:
        return markdown_code(text)
    for character, code in (("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), ("[", "%5B"), ("]", "%5D")):
        safe = safe.replace(character, code)
    return f"[{markdown_code(text)}]({safe})"
