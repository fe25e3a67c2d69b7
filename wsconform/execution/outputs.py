"""Writing a run's reports: ``summary.md``, ``index.html`` and JUnit XML.

The renderers (:mod:`wsconform.rendering`) turn a results document into text;
this module decides where it goes and what a failure costs: a report that
cannot be written (a full disk, a bug in a template) is one line, and costs
the reports, never the results, which are written first.

The dashboard is one page up to :data:`ATLAS_CELLS` cells; above, or when
asked (``--layout atlas``), it is the atlas site (:mod:`wsconform.rendering.atlas`):
a front page and data files fetched on demand, in ``atlas-data/``, replaced
as a whole so that a reader never sees half of two runs' files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from wsconform.core.exit_codes import BadInputError
from wsconform.core.files import write_text_atomically
from wsconform.core.schema import ReferenceDocument, ResultsDocument
from wsconform.core.vocabulary import Word
from wsconform.model import reference
from wsconform.model.reference import Drift
from wsconform.rendering import atlas, display, junit, reports

#: Above this many cells the dashboard is the atlas site: one page of 10,000
#: cells is about 12 MB, and the browser must parse all of it before it shows
#: anything (the 32-release atlas, 77,088 cells, was one 82 MB page).
ATLAS_CELLS = 10_000


class Layout(Word):
    """How the dashboard is written (``--layout``)."""

    AUTO = "auto"
    PAGE = "page"
    ATLAS = "atlas"


def wants_atlas(document: ResultsDocument, layout: Layout) -> bool:
    return layout == Layout.ATLAS or (layout == Layout.AUTO and len(document["cells"]) > ATLAS_CELLS)


def write_site(directory: Path, files: dict[str, str]) -> None:
    """Write the atlas site into ``directory``: its data directory built
    beside the old one and swapped in, then its front page, atomically."""
    data = directory / atlas.DATA
    building = directory / f".{atlas.DATA}.{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        for name, text in files.items():
            if name.startswith(atlas.DATA + "/"):
                path = building / name.split("/", 1)[1]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="ascii")
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)  # a full disk leaves no half-built directory
        raise
    if data.exists():
        retired = directory / f".{atlas.DATA}.old.{os.getpid()}"
        os.replace(data, retired)
        os.replace(building, data)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(building, data)
    write_text_atomically(directory / "index.html", files["index.html"])


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
    document: ResultsDocument,
    directory: Path,
    references: dict[str, ReferenceDocument] | None,
    layout: Layout = Layout.AUTO,
) -> list[Drift] | None:
    """Write ``summary.md`` and ``index.html`` (the page, or the atlas site)
    into ``directory``, with drift against ``references`` when given; return
    the drift."""
    drifts = reference.compare(document, references) if references is not None else None
    write_text_atomically(directory / "summary.md", reports.summary_markdown(document, drifts))
    if wants_atlas(document, layout):
        write_site(directory, atlas.site(document, drifts))
        display.say(f"reports: {directory / 'summary.md'}, {directory / 'index.html'} (the atlas: {atlas.DATA}/)")
    else:
        write_text_atomically(directory / "index.html", reports.dashboard_html(document, drifts))
        # An atlas written here before belonged to the page just replaced.
        shutil.rmtree(directory / atlas.DATA, ignore_errors=True)
        display.say(f"reports: {directory / 'summary.md'}, {directory / 'index.html'}")
    return drifts


def write_or_say(
    document: ResultsDocument,
    directory: Path,
    references: dict[str, ReferenceDocument] | None,
    junit_path: Path | None = None,
    layout: Layout = Layout.AUTO,
) -> tuple[bool, list[Drift] | None]:
    """:func:`write` (and the JUnit XML, when asked), where a failure (a
    full disk, a bug in a template) is one line and ``False``: it costs the
    reports, never the results. Also the drift, for the terminal's summary
    (None without a reference, or when writing failed)."""
    try:
        drifts = write(document, directory, references, layout)
        if junit_path is not None:
            junit.write(junit_path, document, drifts)
            display.say(f"junit: {junit_path}")
    except Exception as exc:
        display.say(f"error: writing the reports failed ({type(exc).__name__}: {exc}); the results were kept")
        return False, None
    return True, drifts
