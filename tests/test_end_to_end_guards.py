"""Guards never pre-empt a timeout the library owns: against a server that
never answers, with ``open_timeout=1``, the legacy client of 17.4 times out
on its own, not before its open timeout *and* its close timeout (about
11 s), the new client not before its open timeout (about 1 s), and 8.1 —
which has no open timeout — is stopped by the harness, which says so.

What is certain is asserted: who stopped the step, what was raised, and that
it came no earlier than the library's own timeouts recorded with the step.
How much later depends on the machine's load; that is the benchmark's
business, not a test's."""

from __future__ import annotations

import pytest

from tests.conftest import run_harness
from wsconform.core import exit_codes
from wsconform.model import results

pytestmark = pytest.mark.peers

#: An event loop's timer may fire up to one clock tick early.
TIMER_SLACK = 0.01
#: The legacy client's teardown may start its close timeout a little before
#: the open timeout's end is recorded.
TEARDOWN_SLACK = 0.5


@pytest.fixture(scope="module")
def silent(tmp_path_factory) -> dict:
    output = tmp_path_factory.mktemp("guards") / "results.json"
    process = run_harness(
        "matrix",
        "--versions",
        "8.1,17.4",
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
    """The cell of 17.4's client (pinned: a new release must not change this test)."""
    (found,) = [cell for peer, cell in cells.items() if not peer.startswith("8.1/") and peer.endswith(implementation)]
    return found


def test_the_legacy_client_times_out_on_its_own_after_open_and_close_timeouts(silent):
    step = connect_step(newest(silent, "/legacy"))
    assert step["result"]["kind"] == "exception"
    assert step["result"]["exception"]["class"].endswith("TimeoutError")
    assert step["args"]["timeout_by"] == "library"
    assert step["args"]["library_timeouts"] == {"open": 1.0, "close": 10.0}
    # The close timeout runs once the opening handshake has timed out: the step
    # takes both, and the harness did not stop it before.
    assert step["elapsed"] >= sum(step["args"]["library_timeouts"].values()) - TEARDOWN_SLACK
    assert newest(silent, "/legacy")["outcomes"][0]["answer"]["after"] == ">8s"


def test_the_new_client_times_out_after_its_open_timeout(silent):
    step = connect_step(newest(silent, "/default"))
    assert step["result"]["exception"]["class"].endswith("TimeoutError")
    assert step["args"]["timeout_by"] == "library"
    assert step["elapsed"] >= step["args"]["library_timeouts"]["open"] - TIMER_SLACK


@pytest.mark.parametrize("implementation", ["default", "legacy"])
def test_8_1_has_no_open_timeout_and_the_harness_says_it_stopped_it(silent, implementation):
    step = connect_step(silent[f"8.1/{implementation}"])
    assert step["result"] == {"kind": "guard-timeout", "after": 1.0, "reason": "the library has no timeout here"}
    assert step["args"]["timeout_by"] == "harness"
    assert step["args"]["library_timeouts"] == {"open": None, "close": 10.0}
