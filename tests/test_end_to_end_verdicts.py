"""Statistical verdicts on a real racy cell: websockets 8.1's client against
a server that accepts then closes sees either a reset or an orderly close
(a real race in the kernel's answer: about half and half on an idle 2-core
machine, about 80/20 under a full matrix's load).

What holds whatever the ratio is asserted in every run: cells that varied,
and only those, got the adaptive repetitions. What needs the race to go both
ways in this run, or to go the same way in two runs under a load that may
change between them, is marked ``racy`` (see tests/conftest.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_harness
from wsconform.core import exit_codes
from wsconform.model import reference, results, statistics

pytestmark = pytest.mark.peers

ARGUMENTS = ("--versions", "8.1", "--scenarios", "handshake-non-ready", "--repeat", "10", "--no-tables")
RACY = ("handshake-non-ready", "accept-close")


def racy_cell(document: dict) -> dict:
    (found,) = [c for c in document["cells"] if (c["scenario"], c["variant"]) == RACY]
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("verdicts")
    made = []
    for name in ("first", "second"):
        output = directory / name / "results.json"
        process = run_harness("matrix", *ARGUMENTS, "--max-repeat", "40", "--output", str(output), timeout=600)
        assert process.returncode == exit_codes.SUCCESS, process.stderr[-2000:]
        made.append(output)
    return directory, made


def test_cells_that_vary_get_the_adaptive_repetitions_and_keep_their_distribution(runs):
    _, (first, second) = runs
    for path in (first, second):
        document = results.load(path)
        cell = racy_cell(document)
        assert sum(o["count"] for o in cell["outcomes"]) == cell["runs"] == (40 if cell["varies"] else 10)
        varying = [c for c in document["cells"] if c["varies"]]
        assert all(c["runs"] == 40 for c in varying)  # every cell that varied was extended …
        assert all(c["runs"] == 10 for c in document["cells"] if not c["varies"])  # … and only those
        assert document["totals"]["extra_cases"] == 30 * len(varying)


@pytest.mark.racy  # two runs agree only when the load does not change between them (a CI run once saw 30/10 → 4/36)
def test_the_same_race_twice_is_not_a_change(runs, tmp_path):
    _, (first, second) = runs
    made = run_harness("reference", "--results", str(first), "--reference", str(tmp_path / "reference"))
    assert made.returncode == exit_codes.SUCCESS, made.stderr
    stored = json.loads((tmp_path / "reference" / "handshake-non-ready.json").read_text())
    (entry,) = [v for k, v in stored["cells"].items() if k.startswith("accept-close | 8.1/default")]
    assert (
        entry["runs"] == sum(a["count"] for a in entry["answers"].values()) == (40 if len(entry["answers"]) > 1 else 10)
    )
    # The two samples of one race: Fisher's p-value is far from any threshold
    # (a failure here has a probability below 1e-4 on unchanged code).
    before = {k: a["count"] for k, a in entry["answers"].items()}
    after = {o["key"]: o["count"] for o in racy_cell(results.load(second))["outcomes"]}
    assert statistics.compare_counts(before, after).p > 1e-4
    checked = run_harness("check", "--results", str(second), "--reference", str(tmp_path / "reference"))
    assert checked.returncode == exit_codes.SUCCESS, checked.stderr
    assert "changed" not in [line.split()[0] for line in checked.stderr.splitlines() if line.strip()]


@pytest.mark.racy
def test_the_real_race_goes_both_ways(runs):
    _, (first, second) = runs
    assert all(racy_cell(results.load(path))["varies"] for path in (first, second))


@pytest.mark.racy
def test_a_shifted_distribution_of_the_real_race_is_changed(runs):
    _, (first, second) = runs
    built = reference.build(results.load(first))
    key = next(k for k in built["handshake-non-ready"]["cells"] if k.startswith("accept-close | "))
    entry = built["handshake-non-ready"]["cells"][key]
    now = {o["key"]: o["count"] for o in racy_cell(results.load(second))["outcomes"]}
    # The reference as if the race had always gone the way the new run saw
    # least: 40 of 40 runs, against at most half of them now.
    least = min(entry["answers"], key=lambda answer: (now.get(answer, 0), answer))
    assert now.get(least, 0) <= 20
    entry["answers"] = {least: dict(entry["answers"][least], count=40)}
    drift = {d.key: d for d in reference.compare(results.load(second), built)}[key]
    assert drift.verdict == reference.Verdict.CHANGED, drift.line()
    assert f"40/40 → {now.get(least, 0)}/40, p=" in drift.detail
