import copy
import json

import pytest

from harness import reference
from harness.exit_codes import BadInputError

PEERS = [{"id": "8.1/default/py3.9"}, {"id": "14.2/default/py3.13"}]


def outcome(key, label):
    return {
        "key": key,
        "label": label,
        "count": 1,
        "grade": {"grade": "ok", "reason": ""},
        "outcome": {"client": {"steps": [{"step": "recv", "result": {"kind": "value", "value": label}}]}},
    }


def cell(variant, client, server, *outcomes, status="measured"):
    return {
        "scenario": "s",
        "variant": variant,
        "client": client,
        "server": server,
        "status": status,
        "reason": "",
        "runs": len(outcomes),
        "varies": len(outcomes) > 1,
        "outcomes": list(outcomes),
        "errors": [],
    }


def document(*cells, complete=True):
    return {
        "run": {"complete": complete, "harness_version": "0", "started": "t", "options": {"repeat": 1}},
        "scenarios": [{"id": "s", "question": "?"}],
        "peers": PEERS,
        "cells": list(cells),
    }


OLD, NEW = "8.1/default/py3.9", "14.2/default/py3.13"
BASE = document(
    cell("a", OLD, NEW, outcome("k1", "3/3 msgs")),
    cell("a", NEW, OLD, outcome("k2", "0/3 msgs"), outcome("k3", "1/3 msgs")),  # varies
    cell("b", OLD, OLD, outcome("k4", "ok")),
)


def verdicts(run):
    return {d.key: d.verdict for d in reference.compare(run, reference.build(BASE))}


def test_identical_run_is_same():
    assert set(verdicts(BASE).values()) == {"same"}


def test_a_varying_cell_showing_fewer_of_its_outcomes_is_same():
    run = copy.deepcopy(BASE)
    run["cells"][1]["outcomes"] = run["cells"][1]["outcomes"][:1]
    assert verdicts(run)[f"a | {NEW} → {OLD}"] == "same"


def test_a_new_outcome_in_a_varying_cell_is_never_absorbed():
    run = copy.deepcopy(BASE)
    run["cells"][1]["outcomes"].append(outcome("k9", "2/3 msgs"))
    drift = {d.key: d for d in reference.compare(run, reference.build(BASE))}[f"a | {NEW} → {OLD}"]
    assert drift.verdict == "changed"
    assert "2/3 msgs" in drift.line()
    assert ".client.steps[0].result.value" in drift.detail


def test_new_missing_and_not_compared():
    run = copy.deepcopy(BASE)
    run["cells"][0]["status"] = "error"
    run["cells"][0]["outcomes"] = []
    del run["cells"][2]
    run["cells"].append(cell("c", OLD, OLD, outcome("k5", "x")))
    found = verdicts(run)
    assert found[f"a | {OLD} → {NEW}"] == "not-compared"
    assert found[f"b | {OLD} → {OLD}"] == "missing"
    assert found[f"c | {OLD} → {OLD}"] == "new"


def test_unavailable_never_reads_as_same():
    run = copy.deepcopy(BASE)
    for c in run["cells"]:
        c["status"], c["outcomes"] = "unavailable", []
    assert set(verdicts(run).values()) == {"not-compared"}


def test_reference_files_are_stable_and_sorted(tmp_path):
    first = reference.save(tmp_path / "one", reference.build(BASE))
    second = reference.save(tmp_path / "two", reference.build(copy.deepcopy(BASE)))
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    text = first[0].read_text()
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert reference.load(tmp_path / "one")["s"]["cells"][f"b | {OLD} → {OLD}"]["observed"] == {
        "k4": {"label": "ok", "grade": "ok"}
    }


def test_refuses_incomplete_or_errored_runs():
    with pytest.raises(BadInputError, match="incomplete"):
        reference.build(document(complete=False))
    with pytest.raises(BadInputError, match="harness-error"):
        reference.build(document(cell("a", OLD, OLD, status="error")))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "corrupt reference file"),
        ('{"schema": "x"}', "not a reference file"),
        ('{"schema": "websockets-conformance/reference", "schema_version": 7}', "schema version 7"),
    ],
)
def test_corrupt_reference_is_a_one_line_error(tmp_path, content, message):
    (tmp_path / "s.json").write_text(content)
    with pytest.raises(BadInputError, match=message) as caught:
        reference.load(tmp_path)
    assert "\n" not in str(caught.value)


def test_missing_reference(tmp_path):
    with pytest.raises(BadInputError, match="no reference"):
        reference.load(tmp_path / "nope")
