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


# Whole records, so that every field of every verdict is pinned down.

Drift = reference.Drift
V = reference.Verdict


def outcome_with(key, label, value):
    found = outcome(key, label)
    found["outcome"]["client"]["steps"][0]["result"]["value"] = value
    return found


def test_compare_gives_every_field_of_every_verdict():
    base = document(
        cell("same", OLD, NEW, outcome("k1", "A")),
        cell("changed", OLD, NEW, outcome_with("k2", "B", "before")),
        cell("missing", OLD, NEW, outcome("k3", "C")),
        cell("errored", OLD, NEW, outcome("k4", "D")),
        cell("unsupported", OLD, NEW, status="unsupported"),
        cell("was-unsupported", OLD, NEW, status="unsupported"),
        cell("unavailable", OLD, NEW, status="unavailable"),
    )
    base["cells"][4]["reason"] = base["cells"][5]["reason"] = "no API"
    run = document(
        cell("same", OLD, NEW, outcome("k1", "A")),
        cell("changed", OLD, NEW, outcome_with("k9", "B2", "after")),
        cell("errored", OLD, NEW, status="error"),
        cell("unsupported", OLD, NEW, status="unsupported"),
        cell("was-unsupported", OLD, NEW, outcome("k5", "E")),
        cell("unavailable", OLD, NEW, status="unavailable"),
        cell("brand-new", OLD, NEW, outcome("k6", "F")),
        cell("new-unsupported", OLD, NEW, status="unsupported"),
    )
    run["cells"][2]["reason"] = "agent hung " + "x" * 300
    pair = f"{OLD} → {NEW}"
    assert reference.compare(run, reference.build(base)) == [
        Drift("s", f"same | {pair}", V.SAME, ("A",), ("A",)),
        Drift(
            "s", f"changed | {pair}", V.CHANGED, ("B",), ("B2",), '.client.steps[0].result.value: "before" → "after"'
        ),
        Drift("s", f"errored | {pair}", V.NOT_COMPARED, ("D",), ("error",), ("agent hung " + "x" * 300)[:200]),
        Drift("s", f"unsupported | {pair}", V.SAME, ("unsupported",), ("unsupported",)),
        Drift("s", f"was-unsupported | {pair}", V.CHANGED, ("unsupported",), ("E",), "reference was unsupported"),
        Drift("s", f"unavailable | {pair}", V.NOT_COMPARED, ("unavailable",), ("unavailable",)),
        Drift("s", f"brand-new | {pair}", V.NEW, (), ("F",)),
        Drift("s", f"new-unsupported | {pair}", V.NEW, (), ("unsupported",)),
        Drift("s", f"missing | {pair}", V.MISSING, ("C",), ()),
    ]


def test_cells_of_peers_or_scenarios_not_in_the_run_are_not_missing():
    base = document(cell("a", OLD, NEW, outcome("k1", "A")), cell("b", OLD, "99.0/default", outcome("k2", "B")))
    other = copy.deepcopy(base)
    other["scenarios"] = [{"id": "t", "question": "?"}]
    for c in other["cells"]:
        c["scenario"] = "t"
    references = {**reference.build(base), **reference.build(other)}
    run = document(cell("a", OLD, NEW, outcome("k1", "A")))
    assert [(d.scenario, d.verdict) for d in reference.compare(run, references)] == [("s", V.SAME)]


def test_a_run_of_a_scenario_the_reference_lacks_is_new():
    run = document(cell("a", OLD, NEW, outcome("k1", "A")))
    assert [d.verdict for d in reference.compare(run, {})] == [V.NEW]


def test_drift_line():
    assert Drift("s", "v | a → b", V.SAME, ("A", "B"), ("C",)).line() == "same     s v | a → b: A / B → C"
    assert Drift("s", "k", V.CHANGED, (), (), "why").line() == "changed  s k: — → — (why)"


def test_counts_lists_every_verdict():
    drifts = [Drift("s", "k", V.SAME), Drift("s", "k", V.SAME), Drift("s", "k", V.NEW)]
    assert reference.counts(drifts) == {V.SAME: 2, V.CHANGED: 0, V.NEW: 1, V.MISSING: 0, V.NOT_COMPARED: 0}


def test_first_difference_takes_the_closest_reference_outcome():
    outcomes = {"a": {"x": 1, "y": [1, 2]}, "b": {"x": 2, "y": [1, 2]}, "c": {"x": 1, "y": [1, 3]}}
    assert reference.first_difference({"x": 1, "y": [1, 4]}, outcomes, ["a", "c", "gone"]) == ".y[1]: 2 → 4"
    assert reference.first_difference({"x": 1, "y": [1]}, outcomes, ["a"]) == ".y: 2 items → 1 items"
    assert reference.first_difference({"x": "1", "y": [1, 2]}, outcomes, ["a"]) == '.x: 1 → "1"'
    assert reference.first_difference([], outcomes, ["a"]) == '.: {"x": 1, "y": [1, 2]} → []'
    assert reference.first_difference({"x": 1, "y": [1, 2]}, outcomes, ["a"]) == ""
    long = "y" * 100
    assert reference.first_difference({"x": long, "y": [1, 2]}, outcomes, ["a"]) == f'.x: 1 → "{long[:76]}…'


def test_build_records_where_the_reference_came_from():
    built = reference.build(BASE)["s"]
    assert built["schema"] == reference.SCHEMA and built["schema_version"] == reference.SCHEMA_VERSION
    assert built["scenario"] == "s" and built["question"] == "?"
    assert built["generated_from"] == {
        "harness_version": "0",
        "run_started": "t",
        "repeat": 1,
        "peers": sorted([OLD, NEW]),
    }
    assert built["cells"][f"a | {NEW} → {OLD}"] == {
        "status": "measured",
        "observed": {"k2": {"label": "0/3 msgs", "grade": "ok"}, "k3": {"label": "1/3 msgs", "grade": "ok"}},
        "varies": True,
    }
    assert built["outcomes"]["k4"] == BASE["cells"][2]["outcomes"][0]["outcome"]
    unsupported = reference.build(document(cell("a", OLD, NEW, status="unsupported")))["s"]["cells"]
    assert unsupported == {f"a | {OLD} → {NEW}": {"status": "unsupported", "reason": ""}}


def test_refusals_name_the_problem():
    with pytest.raises(BadInputError, match=r"^refusing to build a reference from an incomplete run$"):
        reference.build(document(complete=False))
    errored = document(cell("a", OLD, NEW, outcome("k", "x")), cell("b", OLD, OLD, status="error"))
    with pytest.raises(
        BadInputError, match=rf"^refusing .* with 1 harness-error cells \(first: s b \| {OLD} → {OLD}\)$"
    ):
        reference.build(errored)


def test_load_reads_every_file_and_rejects_empty_or_partial_ones(tmp_path):
    reference.save(tmp_path, reference.build(BASE))
    assert list(reference.load(tmp_path)) == ["s"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BadInputError, match="empty reference"):
        reference.load(empty)
    (empty / "s.json").write_text(json.dumps({"schema": reference.SCHEMA, "schema_version": 1, "cells": {}}))
    with pytest.raises(
        BadInputError, match=r"s\.json: corrupt reference file \(the document: 'scenario' is a required"
    ):
        reference.load(empty)


def test_a_reference_file_must_hold_the_scenario_it_is_named_after(tmp_path):
    reference.save(tmp_path, reference.build(BASE))
    (tmp_path / "s.json").rename(tmp_path / "other.json")
    with pytest.raises(BadInputError, match=r"other\.json: corrupt reference file \(it holds scenario 's'\)$"):
        reference.load(tmp_path)
