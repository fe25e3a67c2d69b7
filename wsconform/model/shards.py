"""Splitting the matrix into shards that take about the same time.

Theory of operation
-------------------

``--shard K/N`` runs the K-th of N parts of the matrix, so that N machines
(a CI job matrix) run it together and ``merge`` puts the parts back.

* **What is split** is the planned *cells* — every cell, runnable or not, so
  that the merged run has every cell exactly once. A cell's repetitions
  (and its adaptive extra runs) stay together in one shard: the statistics
  of a cell need all of its runs in one place.
* **The cost of a cell** is the time it is expected to take: its runs ×
  its seconds per case. Runs are its repetitions, plus the adaptive ones
  (up to ``max_repeat``) in proportion to how likely it is to vary: 1 for a
  cell seen to vary, 0 for one seen steady, and for a cell never measured
  (another implementation, a new peer) the share of its variant's reference
  cells that vary. What a cell was *seen* to do comes first from the plan's
  ``timings`` (a previous run of the same matrix, ``plan --timings``: the
  only source that knows every implementation), then from the reference
  (``seconds``, the mean case duration). Else seconds per case are the mean
  over its variant's reference cells, else what the scenario declares
  (``Variant.case_seconds``, else ``Scenario.case_seconds``). A
  cell that cannot run costs nothing. Cases run ``jobs`` at a time, so a
  cell that waits (keepalive, timeouts) costs its waiting, not CPU.
* **The partition** is greedy, longest first (LPT): cells by decreasing
  cost, each to the shard with the least total so far, ties broken by shard
  number and cells ordered by key. It is deterministic — every shard
  computes the same partition from the same plan and reference — and its
  largest shard is within 4/3 of the best possible (Graham's bound).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wsconform.core.exit_codes import UsageError
from wsconform.core.schema import ReferenceDocument, ResultsDocument
from wsconform.core.vocabulary import CellStatus
from wsconform.model import reference
from wsconform.model.matrix import Cell
from wsconform.model.outcomes import mean_case_seconds
from wsconform.peer.scenario import LoadedScenario

#: The most shards a run may be split into.
MAXIMUM_SHARDS = 256

_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` parts of a matrix."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N`` with 1 ≤ K ≤ N ≤ 256; anything else is a usage error."""
        found = _SHARD.match(text.strip())
        if found is None:
            raise UsageError(f"--shard takes K/N, e.g. 2/8 (got {text!r})")
        index, count = int(found.group(1)), int(found.group(2))
        if count > MAXIMUM_SHARDS:
            raise UsageError(f"--shard: at most {MAXIMUM_SHARDS} shards (got {count})")
        if index > count:
            raise UsageError(f"--shard {text}: K must be between 1 and N")
        return cls(index, count)


def case_seconds(scenario: LoadedScenario, variant: str) -> float:
    """The seconds a case of this variant is expected to take, as declared."""
    declared = scenario.variant(variant).case_seconds
    return declared if declared is not None else scenario.declaration.case_seconds


@dataclass(frozen=True)
class Expectation:
    """What the reference says about a cell, or about its variant's cells
    when it has not measured that one (another implementation, a new peer)."""

    #: Mean seconds per case; None when the reference has no timing.
    seconds: float | None
    #: The probability that the cell varies (and so runs up to ``max_repeat``).
    varies: float


def expectations(references: Mapping[str, ReferenceDocument] | None) -> dict[tuple[str, str], Expectation]:
    """Per (scenario, variant): the mean case seconds of its reference cells,
    and the share of them that vary."""
    found: dict[tuple[str, str], Expectation] = {}
    for scenario, document in (references or {}).items():
        by_variant: dict[str, list[tuple[float | None, bool]]] = {}
        for key, entry in document["cells"].items():
            if entry.get("status") != "measured":
                continue
            variant = key.split(" | ", 1)[0]
            by_variant.setdefault(variant, []).append((entry.get("seconds"), len(entry.get("answers", {})) > 1))
        for variant, cells in by_variant.items():
            timed = [seconds for seconds, _ in cells if seconds is not None]
            found[(scenario, variant)] = Expectation(
                sum(timed) / len(timed) if timed else None, sum(varies for _, varies in cells) / len(cells)
            )
    return found


def timing_key(scenario: str, variant: str, client: str, server: str) -> str:
    """How a plan's ``timings`` name a cell: its scenario and reference key
    (peers without their Python, so that timings outlive an interpreter)."""
    return f"{scenario} | {reference.key_of(variant, client, server)}"


def measured_timings(document: ResultsDocument) -> dict[str, Expectation]:
    """What each measured cell of a previous run took: its mean case seconds
    (over every run, by each answer's median) and whether it varied."""
    found: dict[str, Expectation] = {}
    for cell in document["cells"]:
        seconds = mean_case_seconds(cell) if cell["status"] == CellStatus.MEASURED else None
        if seconds is None:
            continue
        key = timing_key(cell["scenario"], cell["variant"], cell["client"], cell["server"])
        found[key] = Expectation(float(f"{seconds:.3g}"), 1.0 if cell["varies"] else 0.0)
    return found


def expectation(
    cell: Cell,
    scenario: LoadedScenario,
    references: Mapping[str, ReferenceDocument] | None,
    typical: Mapping[tuple[str, str], Expectation] | None = None,
    measured: Mapping[str, Expectation] | None = None,
) -> Expectation:
    """What a cell is expected to do (see the module doc): seconds per case
    (never None) and the probability that it varies."""
    seconds: float | None = None
    varies = 0.0
    entry = None
    seen = (measured or {}).get(timing_key(cell.scenario, cell.variant, cell.client.id, cell.server.id))
    if references is not None and cell.scenario in references:
        entry = references[cell.scenario]["cells"].get(reference.key_of(cell.variant, cell.client.id, cell.server.id))
    if seen is not None:
        seconds, varies = seen.seconds, seen.varies
    elif entry is not None and entry.get("status") == "measured":
        seconds = entry.get("seconds")
        varies = 1.0 if len(entry.get("answers", {})) > 1 else 0.0
    elif typical is not None and (cell.scenario, cell.variant) in typical:
        expected = typical[(cell.scenario, cell.variant)]
        seconds, varies = expected.seconds, expected.varies
    if seconds is None:
        seconds = case_seconds(scenario, cell.variant)
    return Expectation(seconds, varies)


def case_seconds_of(
    cells: Sequence[Cell],
    scenarios: Mapping[str, LoadedScenario],
    references: Mapping[str, ReferenceDocument] | None,
    measured: Mapping[str, Expectation] | None = None,
) -> dict[tuple[str, str, str, str], float]:
    """The expected seconds per case of each runnable cell: what the runner's
    waiting lane is chosen by (:mod:`wsconform.execution.runner`)."""
    typical = expectations(references)
    found = {}
    for cell in cells:
        if cell.runnable:
            seconds = expectation(cell, scenarios[cell.scenario], references, typical, measured).seconds
            found[cell.key] = seconds or 0.0
    return found


def cost(
    cell: Cell,
    scenario: LoadedScenario,
    repeat: int,
    references: Mapping[str, ReferenceDocument] | None,
    max_repeat: int | None = None,
    typical: Mapping[tuple[str, str], Expectation] | None = None,
    measured: Mapping[str, Expectation] | None = None,
) -> float:
    """The expected seconds of a cell's runs (see the module doc): its
    repetitions, plus the adaptive ones in proportion to how likely it is to
    vary, × its expected case duration."""
    if not cell.runnable:
        return 0.0
    repetitions = scenario.declaration.repetitions or repeat
    expected = expectation(cell, scenario, references, typical, measured)
    runs = repetitions + expected.varies * max(0, (max_repeat or repetitions) - repetitions)
    return runs * (expected.seconds or 0.0)


def partition(cells: Sequence[Cell], costs: Sequence[float], count: int) -> list[list[Cell]]:
    """``count`` parts of ``cells``, balanced by ``costs`` (longest first)."""
    order = sorted(range(len(cells)), key=lambda i: (-costs[i], cells[i].key))
    totals = [0.0] * count
    parts: list[list[Cell]] = [[] for _ in range(count)]
    for i in order:
        lightest = min(range(count), key=lambda shard: (totals[shard], len(parts[shard]), shard))
        parts[lightest].append(cells[i])
        totals[lightest] += costs[i]
    return parts


def split(
    cells: Sequence[Cell],
    scenarios: Mapping[str, LoadedScenario],
    count: int,
    repeat: int,
    references: Mapping[str, ReferenceDocument] | None,
    max_repeat: int | None = None,
    measured: Mapping[str, Expectation] | None = None,
) -> tuple[list[list[Cell]], dict[tuple[str, str, str, str], float]]:
    """The ``count`` parts of ``cells``, and each cell's cost."""
    typical = expectations(references)
    costs = [cost(cell, scenarios[cell.scenario], repeat, references, max_repeat, typical, measured) for cell in cells]
    return partition(cells, costs, count), {cell.key: value for cell, value in zip(cells, costs)}


def select(
    cells: Sequence[Cell],
    scenarios: Mapping[str, LoadedScenario],
    shard: Shard,
    repeat: int,
    references: Mapping[str, ReferenceDocument] | None,
    max_repeat: int | None = None,
    measured: Mapping[str, Expectation] | None = None,
) -> list[Cell]:
    """The cells of ``shard``, in plan order."""
    parts, _ = split(cells, scenarios, shard.count, repeat, references, max_repeat, measured)
    chosen = {cell.key for cell in parts[shard.index - 1]}
    return [cell for cell in cells if cell.key in chosen]


def expected_seconds(
    cells: Sequence[Cell],
    scenarios: Mapping[str, LoadedScenario],
    count: int,
    repeat: int,
    references: Mapping[str, ReferenceDocument] | None,
    max_repeat: int | None = None,
    measured: Mapping[str, Expectation] | None = None,
) -> list[float]:
    """Each shard's expected total case-seconds."""
    parts, costs = split(cells, scenarios, count, repeat, references, max_repeat, measured)
    return [sum(costs[cell.key] for cell in part) for part in parts]
