"""History: a scenario's behaviour across releases, as timelines of eras.

Consecutive releases whose cells are :func:`wsconform.model.upgrade.alike` (the
same answer, or for a racy cell no significant shift) form an *era*; a
timeline is its eras, each named by its first release. The runs behind a
timeline are made by :mod:`wsconform.execution.history`; this module only reads
their results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

from wsconform.core.exit_codes import UsageError
from wsconform.core.schema import CellRecord, ResultsDocument
from wsconform.model import upgrade, versions
from wsconform.model.classification import worst_grade
from wsconform.model.matrix import FAULT
from wsconform.model.outcomes import difference
from wsconform.peer.scenario import FAULT_SERVERS, SAME_SERVERS, LoadedScenario

#: Stands for the release being played, in :func:`timelines`.
RELEASE = "<release>"

#: A cell of a targeted run: (scenario, variant, client version, server version).
Target = tuple[str, str, str, str]


def releases_in(releases: versions.Releases, first: str, last: str) -> tuple[str, ...]:
    """Final releases from ``first`` to ``last`` inclusive, oldest first."""
    try:
        low, high = Version(first), Version(last)
    except InvalidVersion:
        raise UsageError(f"--from and --to take releases (e.g. 13.0, newest), not {first!r} / {last!r}") from None
    if low > high:
        raise UsageError(f"--from {first} is newer than --to {last}")
    return tuple(str(v) for v in sorted(releases.versions) if low <= v <= high)


def between(releases: versions.Releases, before: str, after: str) -> tuple[str, ...]:
    """Final releases strictly between ``before`` and ``after``."""
    try:
        low, high = Version(before), Version(after)
    except InvalidVersion:
        return ()  # a candidate label (next=…): nothing to bisect over
    low, high = min(low, high), max(low, high)
    return tuple(str(v) for v in sorted(releases.versions) if low < v < high)


def cells_by_target(document: ResultsDocument) -> dict[Target, CellRecord]:
    version_of = {peer["id"]: peer["version"] for peer in document["peers"]}
    return {
        (
            cell["scenario"],
            cell["variant"],
            version_of.get(cell["client"], FAULT),
            version_of.get(cell["server"], FAULT),
        ): cell
        for cell in document["cells"]
    }


@dataclass(frozen=True)
class Era:
    """Consecutive releases that behave alike."""

    releases: tuple[str, ...]
    text: str
    grade: str
    #: What differs from the era before: the first field of the answer
    #: (``client.close_code=null``), since labels may read alike.
    change: str = ""

    @property
    def span(self) -> str:
        first, last = self.releases[0], self.releases[-1]
        return first if first == last else f"{first} – {last}"


@dataclass(frozen=True)
class Timeline:
    """One variant, one way of playing it, across releases."""

    scenario: str
    variant: str
    #: ``against itself``, ``as client against 14.2``, ``as server against 14.2``.
    how: str
    eras: tuple[Era, ...]
    #: Per release: the cell's answers for people ("" when not measured).
    cells: tuple[tuple[str, str, str], ...] = ()  # (release, text, grade)


def history_targets(scenario: LoadedScenario, releases: tuple[str, ...], against: str | None) -> list[Target]:
    targets = []
    for variant in scenario.declaration.variants:
        for release in releases:
            if scenario.declaration.servers == FAULT_SERVERS:
                targets.append((scenario.declaration.id, variant.name, release, FAULT))
            elif against is None or scenario.declaration.servers == SAME_SERVERS:
                targets.append((scenario.declaration.id, variant.name, release, release))
            else:
                targets.append((scenario.declaration.id, variant.name, release, against))
                targets.append((scenario.declaration.id, variant.name, against, release))
    return targets


def timelines(
    document: ResultsDocument, scenario: LoadedScenario, releases: tuple[str, ...], against: str | None
) -> list[Timeline]:
    """Per variant and way of playing it, the releases grouped into eras."""
    cells = cells_by_target(document)
    declaration = scenario.declaration
    found = []
    #: How each release plays: (description, client, server), RELEASE standing for it.
    ways: list[tuple[str, str, str]]
    if declaration.servers == FAULT_SERVERS:
        ways = [("as client against the fault server", RELEASE, FAULT)]
    elif against is None or declaration.servers == SAME_SERVERS:
        ways = [("each release against itself", RELEASE, RELEASE)]
    else:
        ways = [(f"as client against {against}", RELEASE, against), (f"as server against {against}", against, RELEASE)]
    for variant in declaration.variants:
        for how, client, server in ways:
            played = [
                (r, cells.get((declaration.id, variant.name, _put(client, r), _put(server, r)))) for r in releases
            ]
            found.append(timeline(declaration.id, variant.name, how, played))
    return found


def _put(version: str, release: str) -> str:
    return release if version == RELEASE else version


def timeline(scenario: str, variant: str, how: str, cells: list[tuple[str, CellRecord | None]]) -> Timeline:
    """Group releases into eras of alike behaviour (see :func:`wsconform.model.upgrade.alike`)."""
    probe = upgrade.Probe(upgrade.Aspect.ANSWER, upgrade.Site(scenario, variant, "client", "itself"))
    eras: list[tuple[list[str], Any, str, str, str]] = []
    per_release = []
    previous: Any = None
    for release, cell in cells:
        observed = upgrade.observe(probe, cell)
        text = upgrade.labels_text(cell) if cell is not None else "not run"
        grade = worst_grade(cell) if cell is not None else "not-run"
        per_release.append((release, text, grade))
        if eras and _same_era(probe, eras[-1][1], observed):
            eras[-1][0].append(release)
            continue
        answer = _main_answer(cell)
        change = difference(previous, answer) if eras and previous is not None and answer is not None else ""
        eras.append(([release], observed, text, grade, change))
        previous = answer
    return Timeline(
        scenario,
        variant,
        how,
        tuple(Era(tuple(releases), text, grade, change) for releases, _, text, grade, change in eras),
        tuple(per_release),
    )


def _main_answer(cell: CellRecord | None) -> Any:
    """The answer most runs of a measured cell gave (None otherwise)."""
    outcome = upgrade.main_outcome(cell) if cell is not None else None
    return outcome["answer"] if outcome is not None else None


def _same_era(probe: upgrade.Probe, first: Any, observed: Any) -> bool:
    if first is None or observed is None:
        return first is None and observed is None
    if isinstance(first, dict) and isinstance(observed, dict):
        return upgrade.alike(probe, first, observed)
    return bool(first == observed)
