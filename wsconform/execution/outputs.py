"""Writing a run's reports: ``summary.md``, ``index.html`` and JUnit XML.

The renderers (:mod:`wsconform.rendering`) turn a results document into text;
this module decides where it goes and what a failure costs: a report that
cannot be written (a full disk, a bug in a template) is one line, and costs
the reports, never the results, which are written first.
"""

from __future__ import annotations

from pathlib import Path

from wsconform.core.exit_codes import BadInputError
from wsconform.core.files import write_text_atomically
from wsconform.core.schema import ReferenceDocument, ResultsDocument
from wsconform.model import reference
from wsconform.model.reference import Drift
from wsconform.rendering import display, junit, reports


def load_reference_if_any(directory: Path | None) -> dict[str, ReferenceDocument] | None:
    """The reference to show drift against: None when there is none to read
    (no directory given, or an empty one); a corrupt one is an error."""
    if directory is None:
        return None
    try:
        return reference.load(directory)
    except BadInputError as exc:
        if directory.is_dir() and any(directory.glob("*.json")):
            raise  # a corrupt reference is an error, an absent one is not
        display.say(f"note: {exc}")
        return None


def write(
    document: ResultsDocument, directory: Path, references: dict[str, ReferenceDocument] | None
) -> list[Drift] | None:
    """Write ``summary.md`` and ``index.html`` into ``directory``, with drift
    against ``references`` when given; return the drift."""
    drifts = reference.compare(document, references) if references is not None else None
    write_text_atomically(directory / "summary.md", reports.summary_markdown(document, drifts))
    write_text_atomically(directory / "index.html", reports.dashboard_html(document, drifts))
    display.say(f"reports: {directory / 'summary.md'}, {directory / 'index.html'}")
    return drifts


def write_or_say(
    document: ResultsDocument,
    directory: Path,
    references: dict[str, ReferenceDocument] | None,
    junit_path: Path | None = None,
) -> tuple[bool, list[Drift] | None]:
    """:func:`write` (and the JUnit XML, when asked), where a failure (a
    full disk, a bug in a template) is one line and ``False``: it costs the
    reports, never the results. Also the drift, for the terminal's summary
    (None without a reference, or when writing failed)."""
    try:
        drifts = write(document, directory, references)
        if junit_path is not None:
            junit.write(junit_path, document, drifts)
            display.say(f"junit: {junit_path}")
    except Exception as exc:
        display.say(f"error: writing the reports failed ({type(exc).__name__}: {exc}); the results were kept")
        return False, None
    return True, drifts
