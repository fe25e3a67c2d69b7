"""Hostile inputs, property-based: any file handed to the harness is either
read or refused in one line (exit 5); any recorded text survives the trip
into results.json and is inert in the terminal, in Markdown and in HTML."""

from __future__ import annotations

import html.parser
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tests import test_results
from tests.test_text import HIDDEN, HOSTILE
from wsconform.cli import main as cli
from wsconform.core import exit_codes, files
from wsconform.core.exit_codes import BadInputError
from wsconform.execution import outputs
from wsconform.model import reference, results, upgrade
from wsconform.peer.scenario import GRADES, Grade
from wsconform.rendering import display, reports

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(exclude_categories=())),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def valid_document() -> dict:
    """A valid results document of measured and unavailable cells (no harness errors)."""
    document = test_results.build(scenarios=("send-then-close", "api-surface"))
    document["cells"] = [cell for cell in document["cells"] if cell["status"] != "error"]
    return document


# Reading: every file is read or refused with one BadInputError line.


@EXAMPLES
@given(st.binary(max_size=400))
def test_any_bytes_as_results_are_read_or_refused_in_one_line(tmp_path, data):
    path = tmp_path / "results.json"
    path.write_bytes(data)
    try:
        results.load(path)
    except BadInputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))


@EXAMPLES
@given(JSON)
def test_any_json_with_the_right_header_is_read_or_refused(tmp_path, content):
    path = tmp_path / "results.json"
    document = {"schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION}
    if isinstance(content, dict):
        document.update(content)
    files.write_json_atomically(path, document)
    try:
        results.load(path)
    except BadInputError as exc:
        assert "\n" not in str(exc) and not HIDDEN.search(str(exc))


@EXAMPLES
@given(st.sampled_from(["run", "peers", "cells", "scenarios", "totals", "environments"]), JSON)
def test_a_valid_document_with_one_part_replaced_is_read_or_refused(tmp_path, part, content):
    document = valid_document()
    document[part] = content
    path = tmp_path / "results.json"
    files.write_json_atomically(path, document)
    try:
        loaded = results.load(path)
    except BadInputError as exc:
        assert "\n" not in str(exc)
    else:  # what the schema lets through, every reader handles
        reports.summary_markdown(loaded, None)
        reports.dashboard_html(loaded, None)


@EXAMPLES
@given(st.binary(max_size=300) | JSON.map(lambda value: json.dumps(value).encode()))
def test_any_reference_file_is_read_or_refused_in_one_line(tmp_path, data):
    directory = tmp_path / "reference"
    directory.mkdir(exist_ok=True)
    (directory / "send-then-close.json").write_bytes(data)
    try:
        reference.load(directory)
    except BadInputError as exc:
        assert "\n" not in str(exc)


@EXAMPLES
@given(st.binary(max_size=200))
def test_check_with_any_file_is_a_documented_exit_code(tmp_path, capsys, data):
    path = tmp_path / "results.json"
    path.write_bytes(data)
    code = cli.main(["check", "--results", str(path)])
    assert code in (exit_codes.BAD_INPUT, exit_codes.DRIFT, exit_codes.SUCCESS, exit_codes.INCOMPLETE)
    error = capsys.readouterr().err
    assert "Traceback" not in error


# Recorded text: lossless in results, inert everywhere it is shown.


#: Every grade a cell can carry, by name.
GRADE_NAMES = frozenset((*GRADES, Grade.ERROR, Grade.UNGRADED))


def document_with(text: str) -> dict:
    """A valid results document whose recorded text is ``text`` everywhere a
    peer or a results file can put text: labels, exception messages, grades'
    reasons, peer ids, the scenario's question and links."""
    document = valid_document()
    cell = document["cells"][0]
    cell["variant"] = document["scenarios"][0]["variants"][0]["name"]  # shown in the grids
    cell["outcomes"][0]["label"] = text
    # A real grade's name ("non-strict", which Hypothesis finds among the
    # code's own strings) rightly changes the page: the grade keeps a name
    # of none, the reason carries the text.
    grade = "plain" if text in GRADE_NAMES else text
    cell["outcomes"][0]["grade"] = {"grade": grade, "reason": text}
    step = {
        "step": "recv",
        "args": {"message": text},
        "elapsed": 0.1,
        "result": {"kind": "exception", "exception": {"class": text, "mro": [text], "str": text}},
    }
    cell["outcomes"][0]["example"]["client"] = {"steps": [step], "events": []}
    cell["outcomes"][0]["outcome"] = {"client": {"steps": [step]}, "server": None}
    cell["reason"] = text
    document["scenarios"][0]["question"] = text
    document["scenarios"][0]["links"] = [text, "javascript:alert(1)"]
    return document


@EXAMPLES
@given(HOSTILE)
def test_recorded_text_survives_results_json_losslessly(tmp_path, text):
    document = document_with(text)
    path = tmp_path / "results.json"
    results.save(path, document)
    assert results.load(path) == json.loads(json.dumps(document))


@EXAMPLES
@given(HOSTILE)
def test_recorded_text_is_inert_in_the_terminal(text):
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, color_system=None, width=20_000, highlight=False)
    original = display.output
    display.output = console
    try:
        display.print_tables(document_with(text))
    finally:
        display.output = original
    rendered = stream.getvalue()
    assert not HIDDEN.search(rendered.replace("\n", ""))  # no escape sequence reaches the terminal
    for markup in ("[bold]", "[/]"):
        if markup in text:
            assert markup in rendered  # shown, not interpreted


@EXAMPLES
@given(HOSTILE)
def test_recorded_text_is_inert_in_markdown(text):
    document = document_with(text)
    drifts = reference.compare(document, reference.build(valid_document()))
    markdown = reports.summary_markdown(document, drifts)
    assert not HIDDEN.search(markdown.replace("\n", ""))
    for line in markdown.splitlines():
        if line.startswith("|"):
            assert line.count("|") - line.count("\\|") == 3  # two columns, never split
    report = upgrade.compare(document, "8.1", "14.2", "default")
    rendered = reports.upgrade_markdown(report, document)
    for entity in ("&lt;", "&gt;", "&amp;", "&#39;", "&#34;", "&quot;"):
        assert entity not in rendered or entity in text  # Markdown, never HTML-escaped


class Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src", "action")]


def elements(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


BENIGN = elements(reports.dashboard_html(document_with("plain"), None))


@EXAMPLES
@given(HOSTILE)
@example("non-strict")
@example("failed")
def test_recorded_text_is_inert_in_html(text):
    page = reports.dashboard_html(document_with(text), None)
    found = elements(page)
    assert sorted(set(found.tags)) == sorted(set(BENIGN.tags))  # no element the template did not make
    assert found.tags.count("script") == BENIGN.tags.count("script")
    assert all(link.startswith(("https://", "http://", "#")) for link in found.links), found.links
    report = upgrade.compare(document_with(text), "8.1", "14.2", "default")
    upgrade_page = elements(reports.upgrade_html(report, document_with(text)))
    assert all(link.startswith(("https://", "http://", "#")) for link in upgrade_page.links)
    assert "script" not in upgrade_page.tags


def test_a_javascript_link_is_shown_as_text_not_linked():
    page = reports.dashboard_html(document_with("x"), None)
    assert "javascript:alert(1)" in page
    assert 'href="javascript:' not in page


@pytest.mark.parametrize("text", ["\udcff", "a\ud800b", "\x1b[2J", "[/]", "<b>x</b>", "`code`", "a|b"])
def test_known_hostile_texts_in_every_output(tmp_path, text):
    document = document_with(text)
    results.save(tmp_path / "results.json", document)
    outputs.write(results.load(tmp_path / "results.json"), tmp_path, None)
    for name in ("summary.md", "index.html"):
        (tmp_path / name).read_text(encoding="utf-8")  # whole, valid UTF-8
