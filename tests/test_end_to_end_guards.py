"""Guards never pre-empt a timeout the library owns: against a server that
never answers, with ``open_timeout=1``, the legacy client of the newest
release times out after its open timeout *and* its close timeout (about
11 s), the new client after about 1 s, and 8.1 — which has no open timeout —
is stopped by the harness, which says so."""

from __future__ import annotations

import pytest

from harness.core import exit_codes
from harness.model import results
from tests.conftest import run_harness

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def silent(tmp_path_factory) -> dict:
    output = tmp_path_factory.mktemp("guards") / "results.json"
    process = run_harness(
        "matrix",
        "--versions",
        "8.1,newest",
        "--impls",
        "default,legacy",
        "--scenarios",
        "handshake-non-ready",
        "--repeat",
        "1",
        "--max-repeat",
        "1",
        "--output",
        str(output),
        "--no-tables",
        timeout=600,
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-2000:]
    document = results.load(output)
    return {c["client"].rsplit("/py", 1)[0]: c for c in document["cells"] if c["variant"] == "silent"}


def connect_step(cell: dict) -> dict:
    return cell["outcomes"][0]["example"]["client"]["steps"][0]


def newest(cells: dict, implementation: str) -> dict:
    (found,) = [cell for peer, cell in cells.items() if not peer.startswith("8.1/") and peer.endswith(implementation)]
    return found


def test_the_legacy_client_times_out_on_its_own_after_open_and_close_timeouts(silent):
    step = connect_step(newest(silent, "/legacy"))
    assert step["result"]["kind"] == "exception"
    assert step["result"]["exception"]["class"].endswith("TimeoutError")
    assert 10.5 < step["elapsed"] < 13.0  # 1 s open timeout + 10 s close timeout
    assert step["args"]["timeout_by"] == "library"
    assert newest(silent, "/legacy")["outcomes"][0]["answer"]["after"] == ">8s"


def test_the_new_client_times_out_after_its_open_timeout(silent):
    step = connect_step(newest(silent, "/default"))
    assert step["result"]["exception"]["class"].endswith("TimeoutError")
    assert 0.9 < step["elapsed"] < 2.0


@pytest.mark.parametrize("implementation", ["default", "legacy"])
def test_8_1_has_no_open_timeout_and_the_harness_says_it_stopped_it(silent, implementation):
    step = connect_step(silent[f"8.1/{implementation}"])
    assert step["result"] == {"kind": "guard-timeout", "after": 1.0, "reason": "the library has no timeout here"}
    assert step["args"]["timeout_by"] == "harness"
    assert step["args"]["library_timeouts"] == {"open": None, "close": 10.0}
