"""Splitting the matrix into shards that take about the same time.

Theory of operation
-------------------

``--shard K/N`` runs the K-th of N parts of the matrix, so that N machines
(a CI job matrix) run it together and ``merge`` puts the parts back.

* **What is split** is the planned *cells* — every cell, runnable or not, so
  that the merged run has every cell exactly once. A cell's repetitions
  (and its adaptive extra runs) stay together in one shard: the statistics
  of a cell need all of its runs in one place.
* **The cost of a cell** is the time it is expected to take: its
  repetitions × the seconds per case the committed reference measured for it
  (``seconds`` of the reference cell, the mean case duration), or, for a
  cell the reference does not know, the estimate its scenario declares
  (``Variant.case_seconds``, else ``Scenario.case_seconds``). A cell that
  cannot run costs nothing. Cases run ``jobs`` at a time, so a cell that
  waits (keepalive, timeouts) costs its waiting, not CPU.
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

from . import reference
from .exit_codes import UsageError
from .matrix import Cell
from .peer.scenario import LoadedScenario
from .schema import ReferenceDocument

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


def cost(
    cell: Cell, scenario: LoadedScenario, repeat: int, references: Mapping[str, ReferenceDocument] | None
) -> float:
    """The expected seconds of a cell's repetitions (see the module doc)."""
    if not cell.runnable:
        return 0.0
    repetitions = scenario.declaration.repetitions or repeat
    measured = None
    if references is not None and cell.scenario in references:
        key = reference.key_of(cell.variant, cell.client.id, cell.server.id)
        entry = references[cell.scenario]["cells"].get(key)
        measured = entry.get("seconds") if entry is not None else None
    per_case = measured if measured is not None else case_seconds(scenario, cell.variant)
    return repetitions * per_case


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
) -> tuple[list[list[Cell]], dict[tuple[str, str, str, str], float]]:
    """The ``count`` parts of ``cells``, and each cell's cost."""
    costs = [cost(cell, scenarios[cell.scenario], repeat, references) for cell in cells]
    return partition(cells, costs, count), {cell.key: value for cell, value in zip(cells, costs)}


def select(
    cells: Sequence[Cell],
    scenarios: Mapping[str, LoadedScenario],
    shard: Shard,
    repeat: int,
    references: Mapping[str, ReferenceDocument] | None,
) -> list[Cell]:
    """The cells of ``shard``, in plan order."""
    parts, _ = split(cells, scenarios, shard.count, repeat, references)
    chosen = {cell.key for cell in parts[shard.index - 1]}
    return [cell for cell in cells if cell.key in chosen]


def expected_seconds(
    cells: Sequence[Cell],
    scenarios: Mapping[str, LoadedScenario],
    count: int,
    repeat: int,
    references: Mapping[str, ReferenceDocument] | None,
) -> list[float]:
    """Each shard's expected total case-seconds."""
    parts, costs = split(cells, scenarios, count, repeat, references)
    return [sum(costs[cell.key] for cell in part) for part in parts]
