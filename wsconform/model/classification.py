"""What a cell amounts to, in one word: the one place that decides it.

The terminal's closing glance, the dashboard, ``summary.md``, JUnit XML, the
upgrade report and history timelines all classify cells; they call these
functions, so that a cell never reads ``failed`` in one view and ``ok`` in
another.

* :func:`worst_grade` — the worst grade among a measured cell's answers
  (``failed`` before ``non-strict`` before ``informational`` before ``ok``,
  see :data:`wsconform.peer.scenario.GRADES`), or the cell's status when it did
  not measure (``error``, ``unsupported``, ``unavailable``, ``not-run``).
* :func:`is_failed` — what a run must name: graded ``failed``, or a harness
  ``error``. A cell that could not run is neither a pass nor a failure.
"""

from __future__ import annotations

from wsconform.core.schema import CellRecord
from wsconform.core.vocabulary import CellStatus
from wsconform.model.outcomes import grade_name
from wsconform.peer.scenario import GRADES, Grade


def worst_grade(cell: CellRecord) -> str:
    """The worst grade among a cell's outcomes, or its status when it did not measure."""
    if cell["status"] != CellStatus.MEASURED:
        return cell["status"]
    grades = {grade_name(outcome) for outcome in cell["outcomes"]}
    for grade in GRADES:
        if grade in grades:
            return grade
    return Grade.UNGRADED


def is_failed(cell: CellRecord) -> bool:
    """Graded ``failed``, or a harness error: what a run must name."""
    return worst_grade(cell) in (Grade.FAILED, CellStatus.ERROR)
