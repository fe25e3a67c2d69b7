"""wsconform.model.classification: one word per cell, the same in every view."""

from __future__ import annotations

import pytest

from tests.test_upgrade import cell, outcome
from wsconform.model.classification import is_failed, worst_grade


def graded(*grades: str | None) -> dict:
    outcomes = [outcome(f"k{n}", 1, f"answer {n}", grade=grade or "ok") for n, grade in enumerate(grades)]
    for made, grade in zip(outcomes, grades):
        if grade is None:
            made["grade"] = None
    return cell("s", "v", "a", "b", *outcomes)


@pytest.mark.parametrize(
    ("grades", "worst"),
    [
        (("ok",), "ok"),
        (("ok", "informational"), "informational"),
        (("informational", "non-strict", "ok"), "non-strict"),
        (("non-strict", "failed"), "failed"),
        ((None,), "ungraded"),
        ((None, "ok"), "ok"),
    ],
)
def test_the_worst_grade_of_a_measured_cell(grades, worst):
    assert worst_grade(graded(*grades)) == worst


@pytest.mark.parametrize("status", ["error", "unsupported", "unavailable", "not-run"])
def test_a_cell_that_did_not_measure_is_its_status(status):
    assert worst_grade(cell("s", "v", "a", "b", status=status)) == status


@pytest.mark.parametrize(
    ("made", "failed"),
    [
        (graded("ok", "failed"), True),
        (graded("non-strict"), False),
        (cell("s", "v", "a", "b", status="error"), True),  # a harness error must be named too
        (cell("s", "v", "a", "b", status="unavailable"), False),  # neither a pass nor a failure
        (cell("s", "v", "a", "b", status="not-run"), False),
    ],
)
def test_what_a_run_must_name(made, failed):
    assert is_failed(made) is failed
