"""The atlas: what a user of one client release and one server release must know.

Theory of operation
-------------------

In a run of many releases against many, most of what a pair's cells say is
not about the pair. A server that answers a POST without any HTTP response
does so against every client; shown in each of its thirty pairs, it paints
the whole page, and nothing stands out. So each cell ``X → Y`` (client peer
``X``, server peer ``Y``) of a scenario played against every server is
*attributed* by comparing its answer with the two releases against
themselves, ``X → X`` and ``Y → Y``, with the comparison history uses
(:func:`wsconform.model.upgrade.alike`: the same answer, or for a racy cell
no significant shift):

``own``
    the release against itself (``X → X``), and every cell of a scenario
    played against the fault servers or each release against itself: the
    release's own behaviour, listed once, on the release's page;
``both``
    alike both ``X → X`` and ``Y → Y``: the two releases agree, and so
    does the pair;
``server`` / ``client``
    alike ``Y → Y`` only (the server's own behaviour) / ``X → X`` only;
``pair``
    alike neither — or one of them did not measure, so nothing explains
    it: specific to the pair, what its users must read;
``unmeasured``
    the cell itself did not measure (unsupported, unavailable, error).

A pair's summary puts failures first, whatever explains them (a user of the
pair meets them either way), then the cells specific to the pair by grade;
what its releases do on their own is counted, and listed on their pages.
Drift against a previous atlas is counted apart: ``new`` (never measured
there) is never a difference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wsconform.core.schema import CellRecord, ResultsDocument
from wsconform.core.vocabulary import Availability, CellStatus, Word
from wsconform.model import upgrade
from wsconform.model.classification import is_failed, worst_grade
from wsconform.model.reference import DRIFTED, Drift, Verdict, cell_key
from wsconform.peer.scenario import FAULT_SERVERS, SAME_SERVERS, Grade


class Attribution(Word):
    """Whose behaviour a cell shows (see the module docstring)."""

    OWN = "own"
    BOTH = "both"
    SERVER = "server"
    CLIENT = "client"
    PAIR = "pair"
    UNMEASURED = "unmeasured"


#: Grades that make a release's own cell a *deviation*, listed on its page.
DEVIATIONS = (Grade.FAILED, CellStatus.ERROR, Grade.NON_STRICT)


@dataclass(frozen=True)
class AttributedCell:
    """A cell, whose behaviour it shows, and its drift from a previous run."""

    cell: CellRecord
    attribution: Attribution
    grade: str
    #: ``same``, ``changed``, ``new``, … or "" without a previous run.
    drift: str = ""
    drift_line: str = ""
    #: The cells it was compared with: its client and its server against themselves.
    client_own: CellRecord | None = None
    server_own: CellRecord | None = None

    @property
    def failed(self) -> bool:
        return is_failed(self.cell)

    @property
    def differs(self) -> bool:
        """Differs from the previous run (``new`` is not a difference)."""
        return self.drift in DRIFTED and self.drift != Verdict.NEW


@dataclass(frozen=True)
class PairSummary:
    """What the front page says about one client peer against one server peer."""

    client: str
    server: str
    cells: int
    #: Cells that measured (the others are unsupported, unavailable, errors).
    measured: int
    failed: int
    #: Cells specific to the pair, by grade.
    specific: dict[str, int] = field(default_factory=dict)
    #: Cells explained by the releases: ``both``, ``client``, ``server``.
    explained: dict[str, int] = field(default_factory=dict)
    new: int = 0
    differs: int = 0

    @property
    def worst(self) -> str:
        """``failed``, else the worst grade specific to the pair, else ``ok``
        (``not-run`` when nothing measured)."""
        if self.failed:
            return Grade.FAILED
        for grade in (Grade.NON_STRICT, Grade.INFORMATIONAL, Grade.OK, Grade.UNGRADED):
            if self.specific.get(grade):
                return "specific-" + grade
        if not self.measured:
            return CellStatus.UNAVAILABLE if self.cells else CellStatus.NOT_RUN
        return Grade.OK


@dataclass(frozen=True)
class ReleaseSummary:
    """One peer's own behaviour: its cells against itself and the fault servers."""

    peer: str
    available: bool
    reason: str
    cells: int
    #: Own cells that are deviations (see :data:`DEVIATIONS`), by grade.
    deviations: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Atlas:
    """Every cell attributed, the pairs and releases summarized."""

    clients: tuple[str, ...]
    servers: tuple[str, ...]
    #: Peers with a page of their own (every client and server peer that exists).
    releases: tuple[str, ...]
    cells: tuple[AttributedCell, ...]
    pairs: dict[tuple[str, str], PairSummary]
    own: dict[str, ReleaseSummary]
    #: The cells of each pair, and each release's own cells.
    pair_cells: dict[tuple[str, str], tuple[AttributedCell, ...]]
    own_cells: dict[str, tuple[AttributedCell, ...]]


_PROBE = upgrade.Probe(upgrade.Aspect.ANSWER, upgrade.Site("", "", "client", "itself"))


def _alike(cell: CellRecord, other: CellRecord | None) -> bool:
    if other is None or not _measured(other):
        return False
    first, second = upgrade.observe(_PROBE, cell), upgrade.observe(_PROBE, other)
    if isinstance(first, dict) and isinstance(second, dict):
        return upgrade.alike(_PROBE, first, second)
    return bool(first == second)


def _measured(cell: CellRecord) -> bool:
    return cell["status"] == CellStatus.MEASURED and bool(cell["outcomes"])


def attribute(
    cell: CellRecord, servers: str, client_own: CellRecord | None, server_own: CellRecord | None
) -> Attribution:
    """Whose behaviour ``cell`` shows, given the scenario's ``servers`` and
    the cells of its client and its server against themselves."""
    if servers in (FAULT_SERVERS, SAME_SERVERS) or cell["client"] == cell["server"]:
        return Attribution.OWN
    if not _measured(cell):
        return Attribution.UNMEASURED
    like_client, like_server = _alike(cell, client_own), _alike(cell, server_own)
    if like_client and like_server:
        return Attribution.BOTH
    if like_server:
        return Attribution.SERVER
    if like_client:
        return Attribution.CLIENT
    return Attribution.PAIR


def build(document: ResultsDocument, drifts: list[Drift] | None = None) -> Atlas:
    """Attribute every cell of ``document`` and summarize pairs and releases."""
    drift_by_cell = {(d.scenario, d.key): d for d in drifts or []}
    servers_of = {scenario["id"]: scenario["servers"] for scenario in document["scenarios"]}
    existing = {peer["id"] for peer in document["peers"] if peer["status"] != Availability.UNSUPPORTED}
    clients = tuple(peer for peer in document["clients"] if peer in existing)
    servers = tuple(peer for peer in document["servers"] if peer in existing)
    by_key = {(c["scenario"], c["variant"], c["client"], c["server"]): c for c in document["cells"]}
    attributed = []
    for cell in document["cells"]:
        scenario, variant = cell["scenario"], cell["variant"]
        client_own = by_key.get((scenario, variant, cell["client"], cell["client"]))
        server_own = by_key.get((scenario, variant, cell["server"], cell["server"]))
        drift = drift_by_cell.get((scenario, cell_key(cell)))
        attributed.append(
            AttributedCell(
                cell,
                attribute(cell, servers_of.get(scenario, ""), client_own, server_own),
                worst_grade(cell),
                str(drift.verdict) if drift is not None else "",
                drift.line() if drift is not None and drift.verdict != Verdict.SAME else "",
                client_own,
                server_own,
            )
        )
    pairs = {(client, server): _summarize_pair(client, server, []) for client in clients for server in servers}
    grouped: dict[tuple[str, str], list[AttributedCell]] = {}
    own: dict[str, list[AttributedCell]] = {}
    for item in attributed:
        if item.attribution == Attribution.OWN:
            own.setdefault(item.cell["client"], []).append(item)
        if (item.cell["client"], item.cell["server"]) in pairs:
            grouped.setdefault((item.cell["client"], item.cell["server"]), []).append(item)
    for (client, server), items in grouped.items():
        pairs[(client, server)] = _summarize_pair(client, server, items)
    peers = {peer["id"]: peer for peer in document["peers"]}
    releases = tuple(dict.fromkeys(peer for peer in (*document["clients"], *document["servers"]) if peer in peers))
    summaries = {
        peer: ReleaseSummary(
            peer,
            peers[peer]["status"] == Availability.AVAILABLE,
            peers[peer]["reason"],
            len(own.get(peer, [])),
            dict(Counter(item.grade for item in own.get(peer, []) if item.grade in DEVIATIONS)),
        )
        for peer in releases
    }
    return Atlas(
        clients,
        servers,
        releases,
        tuple(attributed),
        pairs,
        summaries,
        {key: tuple(items) for key, items in grouped.items()},
        {peer: tuple(items) for peer, items in own.items()},
    )


def _summarize_pair(client: str, server: str, items: list[AttributedCell]) -> PairSummary:
    explained = Counter(
        str(item.attribution)
        for item in items
        if item.attribution in (Attribution.BOTH, Attribution.CLIENT, Attribution.SERVER)
    )
    return PairSummary(
        client,
        server,
        cells=len(items),
        measured=sum(1 for item in items if _measured(item.cell)),
        failed=sum(1 for item in items if item.failed),
        specific=dict(Counter(item.grade for item in items if item.attribution == Attribution.PAIR)),
        explained=dict(explained),
        new=sum(1 for item in items if item.drift == Verdict.NEW),
        differs=sum(1 for item in items if item.differs),
    )


def totals(atlas: Atlas) -> dict[str, Any]:
    """Counts over the atlas for its front page."""
    pairs = [pair for pair in atlas.pairs.values() if pair.cells]
    return {
        "pairs": len(pairs),
        "failing": sum(1 for pair in pairs if pair.failed),
        "specific": sum(1 for pair in pairs if pair.specific),
        "specific_non_strict": sum(1 for pair in pairs if pair.specific.get(Grade.NON_STRICT)),
        "new": sum(1 for item in atlas.cells if item.drift == Verdict.NEW),
        "differs": sum(1 for item in atlas.cells if item.differs),
        "new_outcome": sum(1 for item in atlas.cells if item.drift == Verdict.NEW_OUTCOME),
    }


__all__ = [
    "DEVIATIONS",
    "Atlas",
    "AttributedCell",
    "Attribution",
    "PairSummary",
    "ReleaseSummary",
    "attribute",
    "build",
    "totals",
]
