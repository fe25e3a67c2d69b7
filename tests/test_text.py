"""Recorded text made inert (wsconform/core/text.py): properties over hostile text."""

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from wsconform.core.text import markdown_cell, markdown_code, safe_url, visible

#: Every code point, lone surrogates included, with the hostile ones made likely.
HOSTILE = st.one_of(
    st.text(st.characters(exclude_categories=())),
    st.lists(
        st.sampled_from(
            [
                "\x1b[31m",
                "\x1b]8;;http://x\x07",
                "[bold]",
                "[/]",
                "<script>",
                "`",
                "``",
                "|",
                "\n",
                "\r",
                "\udcff",
                "\u202e",
                "\x00",
                "javascript:",
                "&amp;",
                "*",
                "_",
                "a",
            ]
        )
    ).map("".join),
)
HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@given(HOSTILE)
def test_visible_hides_nothing_and_keeps_everything_else(text):
    shown = visible(text)
    assert not HIDDEN.search(shown)
    shown.encode("utf-8")  # printable anywhere
    assert len(shown) >= len(text)
    if not HIDDEN.search(text):
        assert shown == text


@given(HOSTILE)
def test_visible_with_newlines_keeps_only_line_breaks(text):
    shown = visible(text, newlines=True)
    assert not HIDDEN.search(shown.replace("\n", ""))
    assert shown.count("\n") == text.count("\n")


@given(HOSTILE)
def test_a_markdown_code_span_is_one_literal_line(text):
    span = markdown_code(text)
    assert "\n" not in span and not HIDDEN.search(span)
    fence = re.match("`+", span).group()
    assert span.endswith(fence)
    inner = span[len(fence) : -len(fence)]
    assert fence not in inner  # nothing inside can close it early
    longest_inside = max((len(run) for run in re.findall("`+", inner)), default=0)
    assert longest_inside < len(fence)
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip():
        inner = inner[1:-1]
    assert inner.strip(" ") == visible(text).strip(" ") or not visible(text).strip()


@given(HOSTILE)
def test_a_markdown_cell_never_splits_a_table_row(text):
    cell = markdown_cell(text)
    assert "\n" not in cell
    assert re.search(r"(?<!\\)\|", cell) is None


@given(HOSTILE)
def test_only_http_links_are_links(text):
    url = safe_url(text)
    assert url is None or (url == text and re.match(r"(?i)https?://", text) and not HIDDEN.search(text))


@given(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "//evil",
            "https://",
            "http:///x",
            " https://x",
            "https://x\n",
            "file:///etc/passwd",
        ]
    )
)
def test_dangerous_or_malformed_links_are_refused(url):
    assert safe_url(url) is None


@given(st.text(string.ascii_letters + string.digits + "/-._~", min_size=1), st.sampled_from(["http", "https"]))
def test_plain_http_links_are_kept(path, scheme):
    url = f"{scheme}://github.com/{path}"
    assert safe_url(url) == url
