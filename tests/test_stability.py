"""Normalized outcomes are stable: two consecutive runs of the same matrix give
identical outcome sets for every cell that does not vary, and ``check`` of
the second run against a reference built from the first reports drift only
in cells that vary. Ten repetitions make a racy cell show its variation
rather than pass for stable by chance.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_harness
from wsconform.core import exit_codes
from wsconform.model import results
from wsconform.model.reference import peer_key

pytestmark = pytest.mark.peers

ARGUMENTS = (
    "--versions",
    "8.1,17.4",
    "--scenarios",
    "send-then-close,handshake-non-ready,close-code-reason,oversize",
    "--repeat",
    "10",
    "--no-tables",
)


def harness(*arguments: str) -> subprocess.CompletedProcess:
    return run_harness(*arguments, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("stability")
    paths = []
    for name in ("first", "second"):
        path = directory / name / "results.json"
        process = harness("matrix", *ARGUMENTS, "--output", str(path))
        assert process.returncode == exit_codes.SUCCESS, process.stderr[-2000:]
        paths.append(path)
    return paths[0], paths[1]


def outcome_sets(path: Path) -> dict[tuple[str, str, str, str], tuple[bool, frozenset[str]]]:
    document = results.load(path)
    return {
        (c["scenario"], c["variant"], c["client"], c["server"]): (
            c["varies"],
            frozenset(o["key"] for o in c["outcomes"]),
        )
        for c in document["cells"]
    }


def test_two_runs_give_the_same_outcomes_for_every_stable_cell(runs):
    first, second = (outcome_sets(path) for path in runs)
    assert first.keys() == second.keys()
    stable = [key for key in first if not first[key][0] and not second[key][0]]
    assert len(stable) > len(first) // 2  # most cells are deterministic
    differing = [key for key in stable if first[key][1] != second[key][1]]
    assert differing == []


def test_check_flags_only_cells_that_vary(runs, tmp_path):
    first, second = runs
    reference = tmp_path / "reference"
    made = harness("reference", "--results", str(first), "--reference", str(reference))
    assert made.returncode == exit_codes.SUCCESS, made.stderr
    assert (reference / "send-then-close.json").exists()
    checked = harness("check", "--results", str(second), "--reference", str(reference))
    # Every cell gets a verdict: the tally covers the whole run.
    (tally,) = [line for line in checked.stderr.splitlines() if line.startswith("drift: ")]
    counted = sum(int(part.split()[0]) for part in tally[len("drift: ") :].split(", "))
    assert counted == len(outcome_sets(second))
    changed = [line for line in checked.stderr.splitlines() if line.startswith("changed")]
    # Exit 1 exactly when something changed, and only cells that vary may change.
    assert checked.returncode == (exit_codes.DRIFT if changed else exit_codes.SUCCESS), checked.stderr
    # The check names cells by their reference keys (``8.1/default``, no Python).
    before, after = outcome_sets(first), outcome_sets(second)
    varies = {}
    for (scenario, variant, client, server), (varied, _) in before.items():
        key = (scenario, variant, peer_key(client), peer_key(server))
        varies[key] = varied or after[(scenario, variant, client, server)][0]
    for line in changed:
        _, scenario, rest = line.split(None, 2)
        variant, pair = rest.split(" | ", 1)
        client, server = pair.split(":", 1)[0].split(" → ")
        assert varies[(scenario, variant, client, server)], line
