"""Every scenario's ``label()``, ``grade()`` and ``answer()`` on real recorded
outcomes (``tests/samples/``, made by ``python -m tests.samples`` from a real
run): they still give what the harness made of those outcomes when they were
recorded, and the outcomes are what peers record.

A change of a scenario's answer changes its reference: regenerate the
samples and the reference together, and review both diffs.
"""

from __future__ import annotations

import pytest

from tests import samples
from wsconform.core import formats
from wsconform.model.outcomes import answer_of, grade_outcome, label_outcome, outcome_key
from wsconform.peer import scenario as scenario_api
from wsconform.testing import MRO

SCENARIOS = scenario_api.discover()
CASES = [
    pytest.param(scenario_id, sample, id=f"{scenario_id}:{sample['cell']}")
    for scenario_id in SCENARIOS
    for sample in samples.load(scenario_id)
]


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_every_scenario_has_recorded_samples(scenario_id):
    assert samples.load(scenario_id), f"no samples: run `python -m tests.samples` on a run with {scenario_id}"


@pytest.mark.parametrize(("scenario_id", "sample"), CASES)
def test_label_grade_and_answer_on_a_recorded_outcome(scenario_id, sample):
    loaded = scenario_api.load(scenario_id)
    outcome = sample["outcome"]
    for role in ("client", "server"):
        if outcome.get(role) is not None:
            assert formats.first_problem("side", outcome[role]) is None
    answer = answer_of(loaded, outcome)
    assert answer == sample["answer"]
    assert outcome_key(answer) == sample["key"]
    assert grade_outcome(loaded, outcome) == sample["grade"]
    label = label_outcome(loaded, outcome)
    # A label two answers of one cell shared was completed with where they
    # differ (``label (field=value)``): the scenario's own part is the start.
    assert sample["label"] == label or sample["label"].startswith(label + " ("), (sample["label"], label)


def recorded_mros() -> dict[str, set[tuple[str, ...]]]:
    """Every exception class the samples hold, with each MRO recorded for it."""
    found: dict[str, set[tuple[str, ...]]] = {}

    def visit(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("class"), str) and isinstance(value.get("mro"), list):
                found.setdefault(value["class"], set()).add(tuple(value["mro"]))
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for scenario_id in SCENARIOS:
        visit(samples.load(scenario_id))
    return found


def test_the_hand_built_mros_are_ones_a_release_recorded():
    recorded = recorded_mros()
    checked = [name for name in MRO if name in recorded]
    assert len(checked) >= len(MRO) // 2, f"too few hand-built MROs were recorded: {checked}"
    for name in checked:
        assert tuple(MRO[name]) in recorded[name], (name, recorded[name])
