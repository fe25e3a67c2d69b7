"""Behaviour across releases: a scenario's timeline, and bisection.

Theory of operation
-------------------

Both questions are answered by *targeted runs*: an ordinary matrix run
(:func:`wsconform.execution.pipeline.run_matrix`) restricted to the cells asked for
(``MatrixOptions.only``), so every guarantee of the matrix holds — real
peers, each case alone in its event loop, adaptive repetitions for cells
that vary — and the run leaves its results and dashboard behind.

**History** (``nox -s history -- --scenarios ID``) runs every variant of
one scenario on every final PyPI release in a range: each release against
itself, or with ``--against V`` as client against V and as server against V.
:mod:`wsconform.model.timeline` groups the releases into eras.

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

from wsconform.core.schema import ResultsDocument
from wsconform.execution import pipeline
from wsconform.model import upgrade, versions
from wsconform.model.matrix import FAULT
from wsconform.model.timeline import Target, between, cells_by_target
from wsconform.rendering import display


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
