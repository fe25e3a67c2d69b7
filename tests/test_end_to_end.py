"""End to end: build real peers from PyPI, run every scenario, check what the
real libraries did.

The assertions are on facts of released, frozen software that the suite
exists to surface (8.1 cannot run on Python ≥ 3.10; 8.1 reports a 503 as
InvalidStatusCode with ``.status_code``; 17.4 as InvalidStatus with
``.response.status_code``), and on the completeness of the record. None of
them can pass without the real libraries running. Releases are pinned: a new
websockets release is the scheduled matrix's business, never a reason for
these tests to fail.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import processes_tagged, run_harness, start_harness
from wsconform.core import exit_codes
from wsconform.model import results as results_file
from wsconform.peer.labels import integer

pytestmark = pytest.mark.peers


def harness(*arguments: str, tag: str = "", **kwargs) -> subprocess.Popen:
    return start_harness(*arguments, tag=tag, **kwargs)


def run(*arguments: str) -> tuple[int, str]:
    process = run_harness(*arguments, timeout=600)
    return process.returncode, process.stdout + process.stderr


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    output = tmp_path_factory.mktemp("matrix") / "results.json"
    code, text = run(
        "matrix",
        "--versions",
        "8.1,17.4",
        "--repeat",
        "3",
        "--max-repeat",
        "12",
        "--output",
        str(output),
        "--scenarios",
        "send-then-close,send-after-remote-close,handshake-non-ready",
    )
    assert code == exit_codes.SUCCESS, text
    return results_file.load(output)


def cells(results: dict, scenario: str, variant: str | None = None) -> list[dict]:
    return [c for c in results["cells"] if c["scenario"] == scenario and variant in (None, c["variant"])]


def peer(results: dict, version: str) -> dict:
    (found,) = [p for p in results["peers"] if p["version"] == version and p["implementation"] == "default"]
    return found


def newest(results: dict) -> str:
    """The newer release of the run (17.4, pinned)."""
    return max(
        (p["version"] for p in results["peers"] if p["version"] not in ("8.1", "fault")),
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )


def first_exception(cell: dict, role: str = "client") -> dict:
    for step in cell["outcomes"][0]["outcome"][role]["steps"]:
        if step["result"]["kind"] == "exception":
            return step["result"]["exception"]
    raise AssertionError(f"no exception in {cell['client']} → {cell['server']}")


def test_run_is_complete_and_recorded(results):
    assert results["run"]["complete"] is True
    assert results["totals"]["cells"] == {"measured": len(results["cells"])}
    assert {s["id"] for s in results["scenarios"]} == {
        "send-then-close",
        "send-after-remote-close",
        "handshake-non-ready",
    }
    for cell in results["cells"]:
        # 3 runs; a cell whose answers varied — here, or in the committed
        # reference — gets the adaptive repetitions (--max-repeat 12).
        assert cell["runs"] in (3, 12)
        assert cell["runs"] == 12 or not cell["varies"]
        assert sum(o["count"] for o in cell["outcomes"]) == cell["runs"]
    extended = sum(cell["runs"] - 3 for cell in results["cells"])
    assert results["totals"]["extra_cases"] == extended


def test_python_is_chosen_by_trying_not_by_metadata(results):
    old = next(e for e in results["environments"] if e["version"] == "8.1")
    assert tuple(int(x) for x in old["python"].split(".")) < (3, 10)
    rejected = [a for a in old["attempts"] if a["result"] != "passed"]
    assert rejected and all(a["result"].startswith("smoke failed") for a in rejected)
    latest = next(e for e in results["environments"] if e["version"] == newest(results))
    assert tuple(int(x) for x in latest["python"].split(".")) >= (3, 10)


def test_send_then_close_records_both_sides_every_step(results):
    for cell in cells(results, "send-then-close"):
        outcome = cell["outcomes"][0]["outcome"]
        server_steps = [s["step"] for s in outcome["server"]["steps"]]
        assert server_steps == ["send", "send", "send", "close"]
        client_steps = [s["step"] for s in outcome["client"]["steps"]]
        assert client_steps[0] == "connect" and client_steps[-1] == "recv"
        assert outcome["client"]["steps"][-1]["result"]["kind"] == "exception"
        assert all(
            "state_before" in s and "state_after" in s for s in cell["outcomes"][0]["example"]["client"]["steps"]
        )


def test_send_then_close_between_two_8_1_peers_delivers_everything(results):
    (cell,) = [
        c
        for c in cells(results, "send-then-close", "close-1000-right-away")
        if c["client"].startswith("8.1/") and c["server"].startswith("8.1/")
    ]
    assert {o["label"] for o in cell["outcomes"]} == {"3/3 msgs, ConnectionClosedOK 1000"}


def test_close_code_and_reason_reach_the_client_exception(results):
    for cell in cells(results, "send-then-close", "close-4001-right-away"):
        exception = first_exception(cell)
        described = json.dumps(exception["attributes"])
        assert "4001" in described and "bye" in described


def test_send_after_remote_close_records_state_before_each_send(results):
    for cell in cells(results, "send-after-remote-close"):
        steps = cell["outcomes"][0]["outcome"]["client"]["steps"]
        sends = [s for s in steps if s["step"] == "send"]
        assert len(sends) == 5
        assert all(s["state_before"]["state"] in ("OPEN", "CLOSING", "CLOSED") for s in sends)
        assert steps[-1]["step"] == "recv"


def test_http_503_status_code_lives_where_each_version_puts_it(results):
    old, new = (peer(results, v)["id"] for v in ("8.1", newest(results)))
    (old_cell,) = [c for c in cells(results, "handshake-non-ready", "http-503") if c["client"] == old]
    (new_cell,) = [c for c in cells(results, "handshake-non-ready", "http-503") if c["client"] == new]
    old_exception, new_exception = first_exception(old_cell), first_exception(new_cell)
    assert old_exception["class"] == "websockets.exceptions.InvalidStatusCode"
    assert integer(old_exception["attributes"]["status_code"]["value"]) == 503
    assert new_exception["class"] == "websockets.exceptions.InvalidStatus"
    assert integer(new_exception["attributes"]["response"]["value"]["status_code"]) == 503


def test_silent_server_timeout_comes_from_the_library_where_it_has_one(results):
    old, new = (peer(results, v)["id"] for v in ("8.1", newest(results)))
    by_client = {c["client"]: c for c in cells(results, "handshake-non-ready", "silent")}
    old_connect = by_client[old]["outcomes"][0]["outcome"]["client"]["steps"][0]
    new_connect = by_client[new]["outcomes"][0]["outcome"]["client"]["steps"][0]
    assert old_connect["args"]["timeout_by"] == "harness"  # 8.1 has no open_timeout
    assert old_connect["result"]["kind"] == "guard-timeout"
    assert new_connect["args"]["timeout_by"] == "library"
    assert "TimeoutError" in new_connect["result"]["exception"]["class"]
    assert new_connect["duration"] == "0.5-2s"


def test_refused_raises_an_oserror_quickly_everywhere(results):
    for cell in cells(results, "handshake-non-ready", "refused"):
        connect = cell["outcomes"][0]["outcome"]["client"]["steps"][0]
        assert "builtins.OSError" in connect["result"]["exception"]["mro"]
        assert connect["duration"] == "<0.5s"


def test_an_unknown_version_is_unavailable_and_the_rest_runs(tmp_path):
    output = tmp_path / "results.json"
    code, text = run(
        "matrix",
        "--clients",
        "8.1,99.0",
        "--servers",
        "8.1",
        "--scenarios",
        "handshake-non-ready",
        "--repeat",
        "1",
        "--output",
        str(output),
        "--no-tables",
    )
    assert code == exit_codes.UNAVAILABLE, text
    document = results_file.load(output)
    statuses = {(c["client"], c["status"]) for c in document["cells"]}
    assert ("99.0/default", "unavailable") in statuses
    assert any(client.startswith("8.1/") and status == "measured" for client, status in statuses)
    (missing,) = [e for e in document["environments"] if e["version"] == "99.0"]
    assert missing["reason"] == "websockets 99.0 is not a release on PyPI"


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find processes")
def test_interrupt_keeps_last_results_and_leaves_no_orphans(tmp_path):
    output = tmp_path / "results.json"
    output.write_text("previous complete results")
    tag = uuid.uuid4().hex
    process = harness(
        "matrix",
        "--versions",
        "8.1",
        "--scenarios",
        "send-then-close",
        "--repeat",
        "500",
        "--output",
        str(output),
        "--no-tables",
        tag=tag,
    )
    deadline = time.monotonic() + 120
    while len(processes_tagged(tag)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == exit_codes.INCOMPLETE, err
    assert output.read_text() == "previous complete results"
    partial = results_file.load(tmp_path / "results.incomplete.json")
    assert partial["run"]["complete"] is False and partial["run"]["interrupted"] is True
    time.sleep(0.5)
    assert processes_tagged(tag) == []
