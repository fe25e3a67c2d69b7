"""End to end: three shards of a small real matrix, run as separate processes
(as three CI jobs would), merged — against one unsharded run of the same plan."""

from __future__ import annotations

import pytest

from tests.conftest import run_harness, start_harness
from wsconform.core import exit_codes
from wsconform.model import results

pytestmark = pytest.mark.peers

MATRIX = ("--versions", "14.2,17.4", "--scenarios", "send-then-close,close-code-reason,abort", "--repeat", "2")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("shards")
    plan = directory / "plan.json"
    made = run_harness("plan", *MATRIX, "--shards", "3", "--output", str(plan))
    assert made.returncode == exit_codes.SUCCESS, made.stderr[-2000:]
    processes = [
        start_harness(
            "matrix",
            "--plan",
            str(plan),
            "--shard",
            f"{k}/3",
            "--no-tables",
            "--output",
            str(directory / f"s{k}" / "results.json"),
        )
        for k in (1, 2, 3)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=600)
        assert process.returncode == exit_codes.SUCCESS, err[-2000:]
    whole = run_harness(
        "matrix", "--plan", str(plan), "--no-tables", "--output", str(directory / "whole" / "results.json")
    )
    assert whole.returncode == exit_codes.SUCCESS, whole.stderr[-2000:]
    return directory


def cells(path):
    document = results.load(path)
    return document, {(c["scenario"], c["variant"], c["client"], c["server"]): c for c in document["cells"]}


def test_merged_shards_have_the_cells_and_answers_of_one_run(runs):
    merged_path = runs / "merged" / "results.json"
    process = run_harness(
        "merge", *(str(runs / f"s{k}" / "results.json") for k in (3, 1, 2)), "--output", str(merged_path)
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-2000:]
    merged, merged_cells = cells(merged_path)
    whole, whole_cells = cells(runs / "whole" / "results.json")
    assert list(merged_cells) == list(whole_cells)  # every cell once, in plan order
    assert {k: c["status"] for k, c in merged_cells.items()} == {k: c["status"] for k, c in whole_cells.items()}
    steady = [k for k in whole_cells if not whole_cells[k]["varies"] and not merged_cells[k]["varies"]]
    assert steady
    for key in steady:
        assert [o["key"] for o in merged_cells[key]["outcomes"]] == [o["key"] for o in whole_cells[key]["outcomes"]], (
            key
        )
    assert merged["run"]["options"]["plan"] == whole["run"]["options"]["plan"]
    assert [entry["shard"] for entry in merged["run"]["shards"]] == ["1/3", "2/3", "3/3"]
    assert (runs / "merged" / "index.html").exists() and (runs / "merged" / "summary.md").exists()


def test_missing_overlapping_and_mismatched_shards_are_refused(runs):
    output = str(runs / "refused" / "results.json")
    missing = run_harness(
        "merge", str(runs / "s1" / "results.json"), str(runs / "s2" / "results.json"), "--output", output
    )
    overlapping = run_harness(
        "merge", *(str(runs / f"s{k}" / "results.json") for k in (1, 1, 2, 3)), "--output", output
    )
    mismatched = run_harness(
        "merge", str(runs / "s1" / "results.json"), str(runs / "whole" / "results.json"), "--output", output
    )
    for process, message in (
        (missing, "missing shard 3/3"),
        (overlapping, "given twice"),
        (mismatched, "not a shard"),
    ):
        assert process.returncode == exit_codes.BAD_INPUT, process.stderr[-1000:]
        lines = [line for line in process.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and message in lines[0]
    assert not (runs / "refused" / "results.json").exists()
