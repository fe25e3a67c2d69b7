"""Where behaviour changed: change points along each axis of a run.

Theory of operation
-------------------

In a run of many releases against many (the atlas: ``--versions all``), each
row of a scenario variant's grid is one client release against every server
release, and each column one server release against every client release.
Along a column (the server fixed), the client releases in order form a
timeline exactly as ``history --against SERVER`` forms one, "as client
against SERVER"; along a row, "as server against CLIENT". Both are cut into
eras by :func:`wsconform.model.timeline.timeline` — the same function
``history`` uses, so the two agree wherever their cells agree: consecutive
releases whose cells give the same answer (or, for a racy cell, no
significant shift) are one era.

A *change point* is the border between two eras: the last release of one and
the first of the next, with what each era answers. Borders next to a release
that did not run (unavailable, unsupported) are not change points: nothing
was observed there. Against the fault servers there is one axis, the client's;
a scenario that plays each release against itself (or a run of one release
per side) has one too, the releases along the diagonal (fixed: ``itself``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wsconform.core.schema import CellRecord, ResultsDocument
from wsconform.core.vocabulary import CellStatus
from wsconform.model import versions
from wsconform.model.matrix import FAULT
from wsconform.model.timeline import Target, cells_by_target, timeline


class Axis:
    """Which side's release varies along a timeline."""

    CLIENT = "client"
    SERVER = "server"


@dataclass(frozen=True)
class ChangePoint:
    """Between ``before`` and ``after`` (consecutive measured releases on
    ``axis``, the other side fixed at ``fixed``), the answer changes."""

    scenario: str
    variant: str
    axis: str
    fixed: str
    before: str
    after: str
    #: What each era's cells read (labels), and the first field that differs.
    was: str
    becomes: str
    change: str = ""

    def line(self) -> str:
        other = "server" if self.axis == Axis.CLIENT else "client"
        change = f" ({self.change})" if self.change else ""
        return (
            f"{self.scenario} {self.variant} · {self.axis} {self.before} → {self.after}, {other} {self.fixed}: "
            f"{self.was} → {self.becomes}{change}"
        )


#: The fixed side of a scenario played by each release against itself.
ITSELF = "itself"


def releases_of(document: ResultsDocument) -> tuple[str, ...]:
    """Every release that played in the run (either side), oldest first."""
    found = {peer["version"] for peer in document["peers"] if peer["version"] != FAULT}
    return tuple(sorted(found, key=versions.order))


def change_points(document: ResultsDocument, scenarios: Iterable[str] = ()) -> list[ChangePoint]:
    """Every change point of the run (of ``scenarios`` only, when given),
    by scenario, variant, axis and fixed release."""
    cells = cells_by_target(document)
    releases = releases_of(document)
    wanted = set(scenarios)
    variants = sorted({(s, v) for s, v, _, _ in cells if not wanted or s in wanted})
    against_fault = {(s, v) for s, v, _, server in cells if server == FAULT}
    across = {(s, v) for s, v, client, server in cells if client != server}
    found: list[ChangePoint] = []
    for scenario, variant in variants:
        if (scenario, variant) in against_fault:
            played = [(r, cells.get((scenario, variant, r, FAULT))) for r in releases]
            found += _borders(scenario, variant, Axis.CLIENT, FAULT, played)
            continue
        if (scenario, variant) not in across:
            played = [(r, cells.get((scenario, variant, r, r))) for r in releases]
            found += _borders(scenario, variant, Axis.CLIENT, ITSELF, played)
            continue
        for fixed in releases:
            along_clients = [(r, cells.get(_target(scenario, variant, r, fixed))) for r in releases]
            along_servers = [(r, cells.get(_target(scenario, variant, fixed, r))) for r in releases]
            found += _borders(scenario, variant, Axis.CLIENT, fixed, along_clients)
            found += _borders(scenario, variant, Axis.SERVER, fixed, along_servers)
    return found


def _target(scenario: str, variant: str, client: str, server: str) -> Target:
    return (scenario, variant, client, server)


def _borders(
    scenario: str, variant: str, axis: str, fixed: str, played: list[tuple[str, CellRecord | None]]
) -> list[ChangePoint]:
    """The borders between eras of the measured cells of one timeline."""
    measured: list[tuple[str, CellRecord | None]] = [
        (release, cell) for release, cell in played if cell is not None and _observed(cell)
    ]
    how = f"as {axis} against {fixed}"
    eras = timeline(scenario, variant, how, measured).eras
    return [
        ChangePoint(
            scenario, variant, axis, fixed, previous.releases[-1], era.releases[0], previous.text, era.text, era.change
        )
        for previous, era in zip(eras, eras[1:])
    ]


def _observed(cell: CellRecord) -> bool:
    return cell["status"] == CellStatus.MEASURED and bool(cell["outcomes"])


__all__ = ["ITSELF", "Axis", "ChangePoint", "change_points", "releases_of"]
