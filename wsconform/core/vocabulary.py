"""The words every orchestrator module shares, each defined once.

Statuses are enums whose values are the strings stored in results and
reference files, so a document read back from disk compares equal to them
(``cell["status"] == CellStatus.MEASURED``) and a document being written
serializes them as plain strings.

Step result kinds and grades are produced inside peers (standard library,
Python 3.8) and live there: :class:`wsconform.peer.recording.ResultKind` and
:class:`wsconform.peer.scenario.Grade`.
"""

from __future__ import annotations

import enum


class Word(str, enum.Enum):
    """A string enum that formats as its value on every Python (3.12 changed
    ``format()`` of mixed-in enums)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Availability(Word):
    """Whether a release's environment, or one implementation of it, can run."""

    #: Installed and working on some interpreter; the implementation exists.
    AVAILABLE = "available"
    #: The release exists and works, but lacks this implementation.
    UNSUPPORTED = "unsupported"
    #: No such release, the install failed, or no interpreter runs it.
    UNAVAILABLE = "unavailable"


class CellStatus(Word):
    """What became of a cell (and of each of its cases)."""

    #: Every repetition ran and was recorded: the cell has outcomes.
    MEASURED = "measured"
    #: The harness failed for at least one repetition (an agent hung or died).
    ERROR = "error"
    #: A peer lacks the implementation, or every outcome holds a step the
    #: implementation cannot express.
    UNSUPPORTED = "unsupported"
    #: A peer is unavailable: the cell could not run at all.
    UNAVAILABLE = "unavailable"
    #: The run ended (interrupted, or stopped) before any repetition of this
    #: cell ran: nothing was measured, and nothing may read as a pass.
    NOT_RUN = "not-run"
