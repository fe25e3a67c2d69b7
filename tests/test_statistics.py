"""Statistical verdicts (wsconform/model/statistics.py): the test of one cell, Tarone's
threshold, and a seeded simulation of whole matrices that measures the
false-alarm rate on unchanged code and the power on a real shift."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from wsconform.model import statistics
from wsconform.model.statistics import compare_counts, minimum_p, tarone_threshold


def test_fisher_is_scipys_two_sided_exact_test():
    assert statistics.fisher(((10, 0), (0, 10))) == pytest.approx(scipy_stats.fisher_exact([[10, 0], [0, 10]]).pvalue)
    assert statistics.fisher(((10, 0), (0, 10))) == pytest.approx(2 / 184756)


def test_the_minimum_achievable_p_value_depends_on_the_margins_only():
    assert minimum_p(10, 10, 10) == pytest.approx(2 / 184756)  # one answer flips completely
    assert minimum_p(10, 10, 1) == 1.0  # an answer seen once can never be significant
    assert minimum_p(10, 10, 20) == 1.0  # every run gave it: nothing to test
    assert minimum_p(100, 60, 80) < 1e-20


@pytest.mark.parametrize(
    ("reference", "run", "p"),
    [
        ({"a": 10}, {"a": 10}, 1.0),
        ({"a": 10}, {}, 1.0),
        ({"a": 10}, {"b": 10}, 2 / 184756),
        ({"a": 5, "b": 5}, {"a": 5, "b": 5}, 1.0),
    ],
)
def test_two_answers_make_one_test(reference, run, p):
    assert compare_counts(reference, run).p == pytest.approx(p)


def test_more_answers_are_corrected_within_the_cell():
    reference, run = {"a": 30, "b": 20, "c": 10}, {"a": 5, "b": 20, "c": 35}
    single = min(
        statistics.fisher(((reference.get(x, 0), 60 - reference.get(x, 0)), (run.get(x, 0), 60 - run.get(x, 0))))
        for x in "abc"
    )
    test = compare_counts(reference, run)
    assert test.p == pytest.approx(min(1.0, 3 * single))
    assert test.answer in ("a", "c") and (test.reference_count, test.count) in ((30, 5), (10, 35))


@pytest.mark.parametrize(("kept", "other"), [("a", "b"), ("b", "a")])
def test_two_answers_name_the_one_the_reference_saw(kept, other):
    # Both answers' tables give the same p in exact arithmetic; floating point
    # computes them a few ulps apart, and the name must not depend on that.
    test = compare_counts({kept: 40}, {kept: 11, other: 29})
    assert (test.answer, test.reference_count, test.count) == (kept, 40, 11)


def test_tarone_ignores_cells_that_cannot_be_significant():
    alpha = 0.01
    assert tarone_threshold([1.0] * 1000 + [1e-9] * 5, alpha) == pytest.approx(alpha / 5)
    assert tarone_threshold([1e-9] * 1000, alpha) == pytest.approx(alpha / 1000)
    assert tarone_threshold([], alpha) == pytest.approx(alpha)
    # With 100 cells able to reach 1e-4, K=100 keeps them all: α/100.
    assert tarone_threshold([1e-5] * 100 + [0.5] * 1100, alpha) == pytest.approx(alpha / 100)


# A seeded simulation of whole matrices.

#: Realistic answer distributions of racy cells, from the default matrix:
#: send-after-remote-close races (two or three answers), rare outcomes.
RACY = [
    (0.5, 0.5),
    (0.7, 0.3),
    (0.9, 0.1),
    (0.6, 0.3, 0.1),
    (0.98, 0.02),
    (0.4, 0.35, 0.25),
    (0.85, 0.15),
]
CELLS = 1200
RACY_CELLS = 100
REPEAT, CHECK_MAX_REPEAT, REFERENCE_MAX_REPEAT = 10, 60, 100


def sample(rng: np.random.Generator, probabilities: tuple[float, ...], runs: int) -> dict[str, int]:
    drawn = rng.multinomial(runs, probabilities)
    return {f"answer {index}": int(count) for index, count in enumerate(drawn) if count}


def adaptive(rng, probabilities, maximum, known_to_vary=False) -> dict[str, int]:
    """The runner's rule: ``REPEAT`` runs, then up to ``maximum`` if the cell varied."""
    first = sample(rng, probabilities, REPEAT)
    if len(first) == 1 and not known_to_vary:
        return first
    more = sample(rng, probabilities, maximum - REPEAT)
    return {key: first.get(key, 0) + more.get(key, 0) for key in set(first) | set(more)}


def simulate_check(rng, shifted: tuple[float, ...] | None = None) -> tuple[bool, bool]:
    """One reference and one fresh check of a simulated matrix: whether any
    unshifted cell read changed (a false alarm), and whether the shifted one did."""
    cells = [(1.0,)] * (CELLS - RACY_CELLS) + [RACY[index % len(RACY)] for index in range(RACY_CELLS)]
    tests = []
    for probabilities in cells:
        reference = adaptive(rng, probabilities, REFERENCE_MAX_REPEAT)
        run = adaptive(rng, probabilities, CHECK_MAX_REPEAT, known_to_vary=len(reference) > 1)
        tests.append(compare_counts(reference, run))
    if shifted is not None:
        reference = adaptive(rng, (0.5, 0.5), REFERENCE_MAX_REPEAT)
        run = adaptive(rng, shifted, CHECK_MAX_REPEAT, known_to_vary=len(reference) > 1)
        tests.append(compare_counts(reference, run))
    threshold = tarone_threshold([test.minimum for test in tests])
    unshifted = tests[:CELLS] if shifted is None else tests[:-1]
    false_alarm = any(test.p <= threshold for test in unshifted)
    caught = shifted is not None and tests[-1].p <= threshold
    return false_alarm, caught


@pytest.mark.slow_simulation
def test_unchanged_code_reads_changed_in_at_most_one_run_in_a_hundred():
    rng = np.random.default_rng(20261122)
    false_alarms = sum(simulate_check(rng)[0] for _ in range(1000))
    print(f"false alarms: {false_alarms} of 1000 simulated fresh checks")
    assert false_alarms <= 10


@pytest.mark.slow_simulation
def test_a_shift_from_50_50_to_90_10_is_caught_nine_times_in_ten():
    rng = np.random.default_rng(20261123)
    outcomes = [simulate_check(rng, shifted=(0.9, 0.1)) for _ in range(1000)]
    caught = sum(found for _, found in outcomes)
    print(f"caught: {caught} of 1000 shifted cells; false alarms meanwhile: {sum(f for f, _ in outcomes)}")
    assert caught >= 900


def test_an_empty_sample_has_nothing_to_test():
    assert compare_counts({"a": 3, "b": 2}, {}) == statistics.UNTESTABLE
    assert compare_counts({}, {"a": 3, "b": 2}) == statistics.UNTESTABLE
    assert compare_counts({"a": 1}, {"b": 1}).p == 1.0  # one run each: testable, never significant


def test_the_cell_test_names_the_answer_that_moved_and_both_counts():
    test = compare_counts({"a": 10}, {"b": 10})
    assert (test.answer, test.reference_count, test.count) in (("a", 10, 0), ("b", 0, 10))
    assert test.minimum == pytest.approx(2 / 184756)


def test_within_cell_correction_never_exceeds_one():
    test = compare_counts({"a": 2, "b": 2, "c": 2}, {"a": 2, "b": 2, "c": 2})
    assert test.p == 1.0 and test.minimum <= 1.0
    assert compare_counts({"a": 5, "b": 5, "c": 5}, {"a": 1, "b": 1, "c": 1}).minimum <= 1.0


@pytest.mark.parametrize(
    ("minimums", "expected_k"),
    [
        ([], 1),
        ([0.005], 1),  # one cell that can reach α: K = 1
        ([0.005, 0.005], 2),  # two that can reach α/1: K = 2
        ([0.004, 0.004, 0.5], 2),
        ([0.01 / 3] * 3, 3),  # exactly at α/3
        ([0.004] * 3, 3),  # all three reach α/2, so K = 2 is too small; none reaches α/3
    ],
)
def test_tarone_takes_the_smallest_k_with_at_most_k_testable_cells(minimums, expected_k):
    assert tarone_threshold(minimums, 0.01) == pytest.approx(0.01 / expected_k)
