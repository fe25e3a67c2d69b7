"""Behaviour across releases: a scenario's timeline, and bisection.

Theory of operation
-------------------

Both questions are answered by *targeted runs*: an ordinary matrix run
(:func:`harness.pipeline.run_matrix`) restricted to the cells asked for
(``MatrixOptions.only``), so every guarantee of the matrix holds — real
peers, each case alone in its event loop, adaptive repetitions for cells
that vary — and the run leaves its results and dashboard behind.

**History** (``nox -s history -- --scenarios ID``) runs every variant of
one scenario on every final PyPI release in a range: each release against
itself, or with ``--against V`` as client against V and as server against V.
Consecutive releases whose cells are :func:`harness.upgrade.alike` (the
same answer, or for a racy cell no significant shift) form an *era*; a
timeline is its eras, each named by its first release.

**Bisection** finds, for each change of an upgrade report, the first
release after FROM that behaves like TO: a binary search over the releases
between them, with FROM known to be "before" and TO "after". Each round
probes the midpoints of every unresolved change in one targeted run (the
same counterpart as the change's first site), so ``k`` releases in between
cost ``ceil(log2(k + 1))`` runs. A probe that cannot be measured (the
release does not install, the step is unsupported) leaves the change's
release as a range. Like ``git bisect``, it assumes one transition; a
behaviour that changes and changes back is found by ``history``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from . import display, pipeline, upgrade, versions
from .exit_codes import UsageError
from .matrix import FAULT
from .outcomes import difference
from .peer.scenario import FAULT_SERVERS, SAME_SERVERS, LoadedScenario
from .reports import worst_grade
from .schema import CellRecord, ResultsDocument
from .text import visible

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


async def targeted_run(base: pipeline.MatrixOptions, targets: Iterable[Target], output: Path) -> ResultsDocument:
    """One matrix run of exactly ``targets``; its results land in ``output``."""
    wanted = frozenset(targets)
    releases = sorted({version for t in wanted for version in t[2:] if version != FAULT}, key=versions.order)
    options = dataclasses.replace(
        base,
        clients=tuple(releases),
        servers=tuple(releases),
        scenarios=tuple(sorted({t[0] for t in wanted})),
        only=wanted,
        output=output,
        reference=None,
        tables=False,
    )
    run = await pipeline.run_matrix(options)
    return run.document


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


# History.


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
    """Group releases into eras of alike behaviour (see :func:`harness.upgrade.alike`)."""
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


def print_timelines(found: list[Timeline]) -> None:
    """The terminal view: one block per timeline, one line per era."""
    for line in timeline_lines(found):
        display.say(line)


def timeline_lines(found: list[Timeline]) -> list[str]:
    lines = []
    for item in found:
        lines.append(visible(f"{item.scenario} · {item.variant} ({item.how})"))
        width = max(len(era.span) for era in item.eras)
        for index, era in enumerate(item.eras):
            since = f"  ← since {era.releases[0]}" + (f": {era.change}" if era.change else "") if index else ""
            lines.append(visible(f"  {era.span:<{width}}  {era.grade:<11} {era.text}{since}"))
    return lines


# Bisection.


@dataclass
class _Search:
    """One change being bisected: ``chain[low]`` behaves like FROM,
    ``chain[high]`` like TO."""

    index: int
    probe: upgrade.Probe
    baseline: Any
    low: int
    high: int
    undetermined: bool = False


async def bisect(
    report: upgrade.UpgradeReport,
    document: ResultsDocument,
    base: pipeline.MatrixOptions,
    releases: versions.Releases,
    directory: Path,
) -> upgrade.UpgradeReport:
    """Name, for each change, the first release after FROM that shows it."""
    inner = between(releases, report.before, report.after)
    chain = (report.before, *inner, report.after)
    if not inner:
        return upgrade.with_releases(report, {i: report.after for i in range(len(report.changes))}, ())
    version_of = {peer["id"]: peer["version"] for peer in document["peers"]}
    old = upgrade.peer_id(document, report.before, report.implementation)
    before_cells = {
        (cell["scenario"], cell["variant"], cell["client"], cell["server"]): cell for cell in document["cells"]
    }
    searches = []
    for index, change in enumerate(report.changes):
        if change.probe is None:
            continue
        site = change.probe.site
        if change.probe.aspect == upgrade.Aspect.API:
            baseline = upgrade.observe(change.probe, None, document.get("api_surface", {}).get(old, {}))
        else:
            counterpart = old if site.counterpart == "itself" else site.counterpart
            client, server = (old, counterpart) if site.role == "client" else (counterpart, old)
            baseline = upgrade.observe(change.probe, before_cells.get((site.scenario, site.variant, client, server)))
        searches.append(_Search(index, change.probe, baseline, 0, len(chain) - 1))
    rounds = math.ceil(math.log2(len(inner) + 1))
    for number in range(1, rounds + 1):
        active = [s for s in searches if s.high - s.low > 1 and not s.undetermined]
        if not active:
            break
        targets = {s.index: _target(s.probe, chain[(s.low + s.high) // 2], version_of) for s in active}
        display.say(
            f"bisecting round {number}/{rounds}: {len(active)} changes, releases "
            + ", ".join(sorted({chain[(s.low + s.high) // 2] for s in active}, key=versions.order))
        )
        run = await targeted_run(base, targets.values(), directory / f"bisect-{number}" / "results.json")
        cells = cells_by_target(run)
        surfaces = run.get("api_surface", {})
        probed = {peer["version"]: peer["id"] for peer in run["peers"]}
        for search in active:
            middle = (search.low + search.high) // 2
            if search.probe.aspect == upgrade.Aspect.API:
                features = surfaces.get(probed.get(chain[middle], ""))
                observed = upgrade.observe(search.probe, None, features) if features is not None else None
            else:
                observed = upgrade.observe(search.probe, cells.get(targets[search.index]))
            if observed is None or search.baseline is None:
                search.undetermined = True
            elif upgrade.alike(search.probe, search.baseline, observed):
                search.low = middle
            else:
                search.high = middle
    introduced = {}
    for search in searches:
        if search.high - search.low > 1:
            introduced[search.index] = f"{chain[search.low + 1]} – {chain[search.high]}"
        else:
            introduced[search.index] = chain[search.high]
    return upgrade.with_releases(report, introduced, inner)


def _target(probe: upgrade.Probe, release: str, version_of: dict[str, str]) -> Target:
    site = probe.site
    if probe.aspect == upgrade.Aspect.API or site.counterpart == "itself":
        return (site.scenario, site.variant, release, release)
    counterpart = FAULT if site.counterpart == FAULT else version_of[site.counterpart]
    if site.role == "client":
        return (site.scenario, site.variant, release, counterpart)
    return (site.scenario, site.variant, counterpart, release)
