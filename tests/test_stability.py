"""Normalized outcomes are stable: two consecutive runs of the same matrix give
identical outcome sets for every cell that does not vary, and ``check`` of
the second run against a reference built from the first reports drift only
in cells that vary. Ten repetitions make a racy cell show its variation
rather than pass for stable by chance.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness import exit_codes

pytestmark = pytest.mark.peers

PROJECT = Path(__file__).resolve().parent.parent
ARGUMENTS = (
    "--versions",
    "8.1,newest",
    "--scenarios",
    "send-then-close,handshake-non-ready,close-code-reason,oversize",
    "--repeat",
    "10",
    "--no-tables",
)


def harness(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *arguments], cwd=PROJECT, capture_output=True, text=True, timeout=600
    )


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
    document = json.loads(path.read_text())
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
    checked = harness("check", "--results", str(second), "--reference", str(reference))
    assert checked.returncode in (exit_codes.SUCCESS, exit_codes.DRIFT), checked.stderr
    varying = {key for key, (varies, _) in {**outcome_sets(first), **outcome_sets(second)}.items() if varies}
    for line in checked.stderr.splitlines():
        if line.startswith("changed"):
            _, scenario, rest = line.split(None, 2)
            variant, pair = rest.split(" | ", 1)
            client, server = pair.split(":", 1)[0].split(" → ")
            either_varies = any(outcome_sets(path)[(scenario, variant, client, server)][0] for path in (first, second))
            assert either_varies or (scenario, variant, client, server) in varying, line
    assert (reference / "send-then-close.json").exists()
