"""The reference (wsconform/model/reference.py): distributions of answers, portable
keys, and every drift verdict, as whole records."""

import copy
import json

import pytest

from wsconform.core.exit_codes import BadInputError
from wsconform.model import reference
from wsconform.model.reference import Drift
from wsconform.model.reference import Verdict as V

OLD, NEW = "8.1/default/py3.9", "14.2/default/py3.13"
PEERS = [{"id": OLD, "python": "3.9"}, {"id": NEW, "python": "3.13"}]


def answer(key, label, count, value=None):
    return {
        "key": key,
        "label": label,
        "count": count,
        "grade": {"grade": "ok", "reason": ""},
        "answer": {"value": label if value is None else value},
        "evidence": 1,
        "outcome": {"client": {"steps": []}},
    }


def cell(variant, client, server, *answers, status="measured"):
    return {
        "scenario": "s",
        "variant": variant,
        "client": client,
        "server": server,
        "status": status,
        "reason": "",
        "runs": sum(a["count"] for a in answers),
        "varies": len(answers) > 1,
        "outcomes": list(answers),
        "errors": [],
    }


def document(*cells, complete=True, peers=PEERS):
    return {
        "run": {"complete": complete, "harness_version": "0", "started": "t", "options": {"repeat": 10}},
        "scenarios": [{"id": "s", "question": "?"}],
        "peers": peers,
        "cells": list(cells),
    }


BASE = document(
    cell("a", OLD, NEW, answer("k1", "3/3 msgs", 10)),
    cell("a", NEW, OLD, answer("k2", "0/3 msgs", 30), answer("k3", "1/3 msgs", 30)),  # varies
    cell("b", OLD, OLD, answer("k4", "ok", 10)),
)


def verdicts(run, base=BASE, **options):
    return {d.key: d.verdict for d in reference.compare(run, reference.build(base, **options), **options)}


def test_identical_run_is_same():
    assert set(verdicts(BASE).values()) == {V.SAME}


def test_a_varying_cell_whose_frequencies_hold_is_same():
    run = copy.deepcopy(BASE)
    run["cells"][1]["outcomes"] = [answer("k2", "0/3 msgs", 7), answer("k3", "1/3 msgs", 3)]
    run["cells"][1]["runs"] = 10
    assert verdicts(run)["a | 14.2/default → 8.1/default"] == V.SAME


def test_a_cell_that_flips_its_one_answer_is_changed_with_frequencies_and_p():
    run = copy.deepcopy(BASE)
    run["cells"][0]["outcomes"] = [answer("k9", "0/3 msgs", 10)]
    (drift,) = [d for d in reference.compare(run, reference.build(BASE)) if d.verdict != V.SAME]
    assert drift == Drift(
        "s",
        "a | 8.1/default → 14.2/default",
        V.CHANGED,
        ("3/3 msgs",),
        ("0/3 msgs",),
        "3/3 msgs 10/10 → 0/10, p=1.1e-05",
    )


def test_a_significant_shift_of_a_racy_cell_is_changed():
    run = copy.deepcopy(BASE)
    run["cells"][1]["outcomes"] = [answer("k2", "0/3 msgs", 57), answer("k3", "1/3 msgs", 3)]
    run["cells"][1]["runs"] = 60
    drifts = {d.key: d for d in reference.compare(run, reference.build(BASE))}
    drift = drifts["a | 14.2/default → 8.1/default"]
    assert drift.verdict == V.CHANGED
    assert drift.detail.startswith(("0/3 msgs 30/60 → 57/60, p=", "1/3 msgs 30/60 → 3/60, p="))


def test_a_rare_new_answer_is_a_new_outcome_not_a_change():
    run = copy.deepcopy(BASE)
    run["cells"][1]["outcomes"] = [answer("k2", "0/3 msgs", 30), answer("k3", "1/3 msgs", 29), answer("k8", "2/3", 1)]
    drift = {d.key: d for d in reference.compare(run, reference.build(BASE))}["a | 14.2/default → 8.1/default"]
    assert drift.verdict == V.NEW_OUTCOME
    assert drift.detail == '2/3 1/60, never in the reference (.value: "0/3 msgs" → "2/3")'


def test_new_missing_and_not_compared():
    run = copy.deepcopy(BASE)
    run["cells"][0]["status"] = "error"
    run["cells"][0]["outcomes"] = []
    del run["cells"][2]
    run["cells"].append(cell("c", OLD, OLD, answer("k5", "x", 10)))
    found = verdicts(run)
    assert found["a | 8.1/default → 14.2/default"] == V.NOT_COMPARED
    assert found["b | 8.1/default → 8.1/default"] == V.MISSING
    assert found["c | 8.1/default → 8.1/default"] == V.NEW


@pytest.mark.parametrize("status", ["unavailable", "error", "not-run"])
def test_a_cell_that_did_not_measure_never_reads_as_same(status):
    run = copy.deepcopy(BASE)
    for c in run["cells"]:
        c["status"], c["outcomes"] = status, []
    assert set(verdicts(run).values()) == {V.NOT_COMPARED}


def test_keys_travel_between_machines_and_the_interpreter_is_reported_once():
    run = copy.deepcopy(BASE)
    for c in run["cells"]:
        c["client"] = c["client"].replace("py3.13", "py3.12")
        c["server"] = c["server"].replace("py3.13", "py3.12")
    run["peers"] = [{"id": OLD, "python": "3.9"}, {"id": "14.2/default/py3.12", "python": "3.12"}]
    assert set(verdicts(run).values()) == {V.SAME}
    assert reference.interpreters_differ(run, reference.build(BASE)) == ["14.2/default: py3.13 → py3.12"]
    exact = verdicts(run, exact_python=True)
    assert V.NEW in exact.values() and V.SAME in exact.values()  # the 8.1-only cell still matches


def test_compare_gives_every_field_of_every_verdict():
    base = document(
        cell("same", OLD, NEW, answer("k1", "A", 10)),
        cell("changed", OLD, NEW, answer("k2", "B", 10, value="before")),
        cell("missing", OLD, NEW, answer("k3", "C", 10)),
        cell("errored", OLD, NEW, answer("k4", "D", 10)),
        cell("unsupported", OLD, NEW, status="unsupported"),
        cell("was-unsupported", OLD, NEW, status="unsupported"),
        cell("unavailable", OLD, NEW, status="unavailable"),
    )
    base["cells"][4]["reason"] = base["cells"][5]["reason"] = "no API"
    run = document(
        cell("same", OLD, NEW, answer("k1", "A", 10)),
        cell("changed", OLD, NEW, answer("k9", "B2", 10, value="after")),
        cell("errored", OLD, NEW, status="error"),
        cell("unsupported", OLD, NEW, status="unsupported"),
        cell("was-unsupported", OLD, NEW, answer("k5", "E", 10)),
        cell("unavailable", OLD, NEW, status="unavailable"),
        cell("brand-new", OLD, NEW, answer("k6", "F", 10)),
        cell("new-unsupported", OLD, NEW, status="unsupported"),
    )
    run["cells"][2]["reason"] = "agent hung " + "x" * 300
    pair = "8.1/default → 14.2/default"
    assert reference.compare(run, reference.build(base)) == [
        Drift("s", f"same | {pair}", V.SAME, ("A",), ("A",)),
        Drift("s", f"changed | {pair}", V.CHANGED, ("B",), ("B2",), "B 10/10 → 0/10, p=1.1e-05"),
        Drift("s", f"errored | {pair}", V.NOT_COMPARED, ("D",), ("error",), ("agent hung " + "x" * 300)[:200]),
        Drift("s", f"unsupported | {pair}", V.SAME, ("unsupported",), ("unsupported",)),
        Drift("s", f"was-unsupported | {pair}", V.CHANGED, ("unsupported",), ("E",), "reference was unsupported"),
        Drift("s", f"unavailable | {pair}", V.NOT_COMPARED, ("unavailable",), ("unavailable",)),
        Drift("s", f"brand-new | {pair}", V.NEW, (), ("F",)),
        Drift("s", f"new-unsupported | {pair}", V.NEW, (), ("unsupported",)),
        Drift("s", f"missing | {pair}", V.MISSING, ("C",), ()),
    ]


def test_the_threshold_is_corrected_for_every_cell_that_could_reach_it():
    # 2,000 racy cells that could each reach a tiny p-value (50/50 in 100 runs
    # on both sides) make Tarone's K = 2,000: a flip of 10 runs against 10
    # (p = 1.1e-5) is then above α/K = 5e-6, an unexplained new answer only.
    racy = [cell(f"v{n}", OLD, NEW, answer(f"a{n}", "A", 50), answer(f"b{n}", "B", 50)) for n in range(2000)]
    base = document(cell("flip", OLD, NEW, answer("x", "X", 10)), *racy)
    run = copy.deepcopy(base)
    run["cells"][0]["outcomes"] = [answer("y", "Y", 10)]
    assert verdicts(run, base=base)["flip | 8.1/default → 14.2/default"] == V.NEW_OUTCOME
    alone = document(cell("flip", OLD, NEW, answer("x", "X", 10)))
    flipped = document(cell("flip", OLD, NEW, answer("y", "Y", 10)))
    assert verdicts(flipped, base=alone)["flip | 8.1/default → 14.2/default"] == V.CHANGED


def test_cells_of_peers_or_scenarios_not_in_the_run_are_not_missing():
    base = document(cell("a", OLD, NEW, answer("k1", "A", 10)), cell("b", OLD, "99.0/default", answer("k2", "B", 10)))
    other = copy.deepcopy(base)
    other["scenarios"] = [{"id": "t", "question": "?"}]
    for c in other["cells"]:
        c["scenario"] = "t"
    references = {**reference.build(base), **reference.build(other)}
    run = document(cell("a", OLD, NEW, answer("k1", "A", 10)))
    assert [(d.scenario, d.verdict) for d in reference.compare(run, references)] == [("s", V.SAME)]


def test_a_run_of_a_scenario_the_reference_lacks_is_new():
    run = document(cell("a", OLD, NEW, answer("k1", "A", 10)))
    assert [d.verdict for d in reference.compare(run, {})] == [V.NEW]


def test_drift_line():
    assert Drift("s", "v | a → b", V.SAME, ("A", "B"), ("C",)).line() == "same         s v | a → b: A / B → C"
    assert Drift("s", "k", V.CHANGED, (), (), "why").line() == "changed      s k: — → — (why)"
    assert "\x1b" not in Drift("s", "k", V.CHANGED, ("\x1b[2J",), ()).line()


def test_counts_lists_every_verdict():
    drifts = [Drift("s", "k", V.SAME), Drift("s", "k", V.SAME), Drift("s", "k", V.NEW)]
    assert reference.counts(drifts) == {
        V.SAME: 2,
        V.CHANGED: 0,
        V.NEW_OUTCOME: 0,
        V.NEW: 1,
        V.MISSING: 0,
        V.NOT_COMPARED: 0,
    }


def test_first_difference_takes_the_closest_reference_answer():
    answers = {"a": {"x": 1, "y": [1, 2]}, "b": {"x": 2, "y": [1, 2]}, "c": {"x": 1, "y": [1, 3]}}
    assert reference.first_difference({"x": 1, "y": [1, 4]}, answers, ["a", "c", "gone"]) == ".y[1]: 2 → 4"
    assert reference.first_difference({"x": 1, "y": [1]}, answers, ["a"]) == ".y: 2 items → 1 items"
    assert reference.first_difference({"x": "1", "y": [1, 2]}, answers, ["a"]) == '.x: 1 → "1"'
    assert reference.first_difference([], answers, ["a"]) == '.: {"x": 1, "y": [1, 2]} → []'
    assert reference.first_difference({"x": 1, "y": [1, 2]}, answers, ["a"]) == ""
    long = "y" * 100
    assert reference.first_difference({"x": long, "y": [1, 2]}, answers, ["a"]) == f'.x: 1 → "{long[:76]}…'


def test_build_keeps_distributions_and_each_answer_once():
    built = reference.build(BASE)["s"]
    assert built["schema"] == reference.SCHEMA and built["schema_version"] == reference.SCHEMA_VERSION
    assert built["scenario"] == "s" and built["question"] == "?"
    assert built["generated_from"] == {
        "harness_version": "0",
        "run_started": "t",
        "repeat": 10,
        "exact_python": False,
        "peers": sorted([OLD, NEW]),
    }
    assert built["cells"]["a | 14.2/default → 8.1/default"] == {
        "status": "measured",
        "runs": 60,
        "answers": {
            "k2": {"count": 30, "label": "0/3 msgs", "grade": "ok"},
            "k3": {"count": 30, "label": "1/3 msgs", "grade": "ok"},
        },
    }
    assert built["answers"]["k4"] == {"value": "ok"}
    unsupported = reference.build(document(cell("a", OLD, NEW, status="unsupported")))["s"]["cells"]
    assert unsupported == {"a | 8.1/default → 14.2/default": {"status": "unsupported", "reason": ""}}
    assert list(reference.build(BASE, exact_python=True)["s"]["cells"])[0] == f"a | {OLD} → {NEW}"


def test_reference_files_are_stable_and_sorted(tmp_path):
    first = reference.save(tmp_path / "one", reference.build(BASE))
    second = reference.save(tmp_path / "two", reference.build(copy.deepcopy(BASE)))
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    text = first[0].read_text()
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    loaded = reference.load(tmp_path / "one")["s"]["cells"]["b | 8.1/default → 8.1/default"]
    assert loaded["answers"] == {"k4": {"count": 10, "label": "ok", "grade": "ok"}}


def test_refusals_name_the_problem():
    with pytest.raises(BadInputError, match=r"^refusing to build a reference from an incomplete run$"):
        reference.build(document(complete=False))
    errored = document(cell("a", OLD, NEW, answer("k", "x", 1)), cell("b", OLD, OLD, status="error"))
    with pytest.raises(BadInputError, match=r"^refusing .* with 1 harness-error cells \(first: s b \| 8\.1/default → "):
        reference.build(errored)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "corrupt reference file"),
        ('{"schema": "x"}', "not a reference file"),
        ('{"schema": "websockets-conformance/reference", "schema_version": 7}', "schema version 7"),
        ('{"schema": "websockets-conformance/reference", "schema_version": 2}', "\\.scenario: Field required"),
    ],
)
def test_corrupt_reference_is_a_one_line_error(tmp_path, content, message):
    (tmp_path / "s.json").write_text(content)
    with pytest.raises(BadInputError, match=message) as caught:
        reference.load(tmp_path)
    assert "\n" not in str(caught.value)


def test_missing_or_empty_reference(tmp_path):
    with pytest.raises(BadInputError, match="no reference"):
        reference.load(tmp_path / "nope")
    with pytest.raises(BadInputError, match="empty reference"):
        reference.load(tmp_path)


def test_a_reference_file_must_hold_the_scenario_it_is_named_after(tmp_path):
    reference.save(tmp_path, reference.build(BASE))
    (tmp_path / "s.json").rename(tmp_path / "other.json")
    with pytest.raises(BadInputError, match=r"other\.json: corrupt reference file \(it holds scenario 's'\)$"):
        reference.load(tmp_path)


def test_a_changed_cell_whose_labels_read_alike_says_where_the_answers_differ():
    base = document(cell("a", OLD, NEW, answer("k1", "same words", 10, value="before")))
    run = document(cell("a", OLD, NEW, answer("k2", "same words", 10, value="after")))
    (drift,) = reference.compare(run, reference.build(base))
    assert drift.verdict == V.CHANGED
    assert drift.detail == 'same words 10/10 → 0/10, p=1.1e-05; answers differ at .value: "before" → "after"'
    different = document(cell("a", OLD, NEW, answer("k2", "other words", 10, value="after")))
    (drift,) = reference.compare(different, reference.build(base))
    assert drift.detail == "same words 10/10 → 0/10, p=1.1e-05"  # the labels already say it


def test_a_changed_cell_names_a_new_answer_by_its_own_label_when_it_moved_most():
    base = document(cell("a", OLD, NEW, answer("k1", "A", 20), answer("k2", "B", 20), answer("k3", "C", 20)))
    run = document(cell("a", OLD, NEW, answer("k4", "D", 60)))
    (drift,) = reference.compare(run, reference.build(base))
    assert drift.verdict == V.CHANGED
    assert drift.detail.startswith("D 0/60 → 60/60, p=")


def test_a_new_outcome_without_a_reference_answer_to_compare_says_so_plainly():
    base = document(cell("a", OLD, NEW, answer("k1", "A", 30), answer("k2", "B", 30)))
    built = reference.build(base)
    built["s"]["answers"] = {}
    run = document(cell("a", OLD, NEW, answer("k1", "A", 30), answer("k2", "B", 29), answer("k9", "Z", 1)))
    (drift,) = reference.compare(run, built)
    assert drift == Drift(
        "s",
        "a | 8.1/default → 14.2/default",
        V.NEW_OUTCOME,
        ("A", "B"),
        ("A", "B", "Z"),
        "Z 1/60, never in the reference",
    )


def test_missing_cells_carry_their_reference_labels_and_exact_keys_are_honoured():
    base = document(cell("a", OLD, NEW, answer("k1", "A", 10)), cell("b", OLD, NEW, answer("k2", "B", 10)))
    run = document(cell("a", OLD, NEW, answer("k1", "A", 10)))
    found = {d.key: d for d in reference.compare(run, reference.build(base, exact_python=True), exact_python=True)}
    assert found[f"b | {OLD} → {NEW}"] == Drift("s", f"b | {OLD} → {NEW}", V.MISSING, ("B",), ())
    assert found[f"a | {OLD} → {NEW}"].verdict == V.SAME


def test_a_not_compared_cell_says_why_in_at_most_200_characters():
    base = document(cell("a", OLD, NEW, answer("k1", "A", 10)))
    run = document(cell("a", OLD, NEW, status="error"))
    (drift,) = reference.compare(run, reference.build(base))
    assert drift.detail == ""
    run["cells"][0]["reason"] = "r" * 500
    (drift,) = reference.compare(run, reference.build(base))
    assert drift.detail == "r" * 200


def test_the_threshold_is_inclusive():
    base = document(cell("a", OLD, NEW, answer("k1", "A", 10)))
    run = document(cell("a", OLD, NEW, answer("k2", "B", 10)))
    minimum = 2 / 184756
    references = reference.build(base)
    import wsconform.model.statistics as statistics_module

    original = statistics_module.tarone_threshold
    statistics_module.tarone_threshold = lambda minimums, alpha=0.01: minimum
    try:
        (drift,) = reference.compare(run, references)
    finally:
        statistics_module.tarone_threshold = original
    assert drift.verdict == V.CHANGED


def test_interpreters_differ_only_where_the_python_changed():
    built = reference.build(BASE)
    same = copy.deepcopy(BASE)
    assert reference.interpreters_differ(same, built) == []
    unknown = document(peers=[{"id": "99.0/default/py3.12", "python": "3.12"}])
    assert reference.interpreters_differ(unknown, built) == []
    no_python = document(peers=[{"id": "14.2/default", "python": None}])
    assert reference.interpreters_differ(no_python, built) == []


def test_a_reference_cell_records_its_case_duration_on_a_one_two_five_scale():
    from wsconform.model.reference import one_two_five

    assert [one_two_five(x) for x in (0.0, 0.013, 0.33, 1.57, 12.57, 15.0)] == [0.001, 0.01, 0.5, 2.0, 10.0, 20.0]
    run = document(cell("v", "14.2/default/py3.13", "8.1/default/py3.9", answer("a", "A", 6), answer("b", "B", 4)))
    run["cells"][0]["outcomes"][0]["seconds"] = {"min": 0, "median": 0.3, "max": 1}
    run["cells"][0]["outcomes"][1]["seconds"] = {"min": 0, "median": 1.8, "max": 2}
    (entry,) = reference.build(run)["s"]["cells"].values()
    assert entry["seconds"] == 1.0  # (6 × 0.3 + 4 × 1.8) / 10 = 0.9 → 1
