"""Is a cell's answer distribution different from the reference's?

Theory of operation
-------------------

A cell is a sample of answers: the reference holds ``n₀`` runs with counts
per answer, a new run ``n₁`` runs. The question is whether both samples
could come from one distribution.

*One test per cell.* For each answer ``a`` seen in either sample, Fisher's
exact test (``scipy.stats.fisher_exact``, two-sided) on the 2×2 table
``[[a in reference, not a in reference], [a in run, not a in run]]``. A
cell with two answers has one table (both give the same test); with ``k > 2``
answers the cell's p-value is ``min(1, k · min pₐ)`` (Bonferroni within the
cell). A cell with one answer in both samples has nothing to test.

*One false alarm in a hundred runs, at most.* A default matrix compares
about 1,200 cells; a plain Bonferroni correction over all of them would
need ``p < 8·10⁻⁶``, which ten runs against ten can never reach. But
Fisher's test is conditional on the table's margins, and most cells cannot
reach a small p-value at all: a cell whose answers are the same in both
samples has a minimum achievable p-value of 1. Tarone's modified Bonferroni
procedure (Tarone 1990, *Biometrics* 46:515) uses this: with ``m(K)`` the
number of cells whose minimum achievable p-value is at most ``α/K``, it takes
the smallest ``K`` with ``m(K) ≤ K`` and calls a cell changed when its
p-value is at most ``α/K``. Cells that cannot reach ``α/K`` cannot make a
false alarm, so the family-wise error rate stays at most ``α`` (1 % here)
over the whole matrix.

*Power.* A cell that showed one answer in ten reference runs and another in
ten new runs has ``p ≈ 1.1·10⁻⁵``: changed whenever ``K`` is below about
900. A racy cell whose frequencies move from 50/50 to 90/10 is caught in
about 95 % of runs when the reference holds 100 runs of it and the check 60
(the adaptive repetitions' defaults; ``tests/test_statistics.py`` measures
it). An answer never seen in the reference that is not significant on its
own (a rare race) is reported apart, as ``new-outcome``.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

#: The family-wise false-alarm rate of one check of a whole matrix.
ALPHA = 0.01


@functools.cache
def fisher(table: tuple[tuple[int, int], tuple[int, int]]) -> float:
    """The two-sided p-value of Fisher's exact test on a 2×2 table (cached:
    a matrix repeats the same few tables many times)."""
    return float(stats.fisher_exact(table).pvalue)


@functools.cache
def minimum_p(reference_runs: int, runs: int, total: int) -> float:
    """The smallest two-sided Fisher p-value any 2×2 table with these
    margins can have: runs in each sample, and ``total`` runs (both
    samples) that gave the answer."""
    lowest = max(0, total - runs)
    highest = min(reference_runs, total)
    return min(
        fisher(((seen, reference_runs - seen), (total - seen, runs - total + seen)))
        for seen in range(lowest, highest + 1)
    )


@dataclass(frozen=True)
class CellTest:
    """The test of one cell: its p-value, the smallest it could have had,
    and the answer whose frequency moved the most."""

    p: float
    minimum: float
    answer: str | None  # key of the answer with the smallest p-value
    reference_count: int = 0
    count: int = 0


#: A cell with nothing to test.
UNTESTABLE = CellTest(1.0, 1.0, None)


def _rank(p: float) -> float:
    """``p`` at nine significant digits: two tests equal in exact arithmetic
    rank equal although floating point computes them a few ulps apart."""
    return float(f"{p:.9g}")


def compare_counts(reference: Mapping[str, int], run: Mapping[str, int]) -> CellTest:
    """Compare two samples of answers (counts per answer key)."""
    answers = sorted(set(reference) | set(run))
    reference_runs, runs = sum(reference.values()), sum(run.values())
    if len(answers) < 2 or reference_runs == 0 or runs == 0:
        return UNTESTABLE
    tests = []
    for answer in answers:
        before, after = reference.get(answer, 0), run.get(answer, 0)
        table = ((before, reference_runs - before), (after, runs - after))
        tests.append((fisher(table), minimum_p(reference_runs, runs, before + after), before, answer, after))
    factor = 1 if len(answers) == 2 else len(answers)
    # The most significant answer; between equally significant ones (two
    # answers always are, up to the last bits of floating point), the one the
    # reference saw most: "A 40/40 → 11/40".
    p, _, before, answer, after = min(tests, key=lambda test: (_rank(test[0]), -test[2], test[3]))
    minimum = min(test[1] for test in tests)
    return CellTest(min(1.0, factor * p), min(1.0, factor * minimum), answer, before, after)


def tarone_threshold(minimums: Sequence[float], alpha: float = ALPHA) -> float:
    """The per-cell significance level of Tarone's procedure: ``α/K`` for the
    smallest ``K`` such that at most ``K`` cells can reach ``α/K``."""
    ordered = sorted(minimums)
    k = 1
    while bisect.bisect_right(ordered, alpha / k) > k:  # more cells could reach α/k than k
        k += 1
    return alpha / k
