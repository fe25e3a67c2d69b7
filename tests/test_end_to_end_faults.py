"""Fault injection on real runs: signals at any moment and in storms, agents
killed or stopped, two runs at once, unwritable and full outputs.

Each test asserts the exit code (the README's contract), what was kept (the
previous results untouched, partial results whole and valid), and that no
process of the run is left behind.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import PROJECT, processes_tagged, run_harness, start_harness
from wsconform.core import exit_codes
from wsconform.core.vocabulary import CellStatus
from wsconform.model import results

pytestmark = [pytest.mark.peers, pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")]

#: A run long enough to be interrupted: 8.1 against itself, thousands of cases.
LONG = ("--versions", "8.1", "--scenarios", "send-then-close", "--repeat", "400", "--no-tables")
PREVIOUS = "previous complete results"


@pytest.fixture(scope="module", autouse=True)
def environment_built(tmp_path_factory):
    """Build the 8.1 environment once, outside any fault."""
    output = tmp_path_factory.mktemp("warm") / "results.json"
    process = run_harness(
        "matrix",
        "--versions",
        "8.1",
        "--scenarios",
        "handshake-non-ready",
        "--repeat",
        "1",
        "--output",
        str(output),
        "--no-tables",
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-2000:]


def start(output: Path, *arguments: str, tag: str, **kwargs) -> subprocess.Popen:
    return start_harness("matrix", *(arguments or LONG), "--output", str(output), tag=tag, **kwargs)


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def is_fork_server(pid: int) -> bool:
    """A fork server, not an agent it forked (which inherits its command line
    but has it as parent)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"wsconform.peer.forkserver" in command and not is_fork_server(parent_of(pid))


def fork_servers(tag: str) -> list[int]:
    return [pid for pid in processes_tagged(tag) if is_fork_server(pid)]


def wait_for_agents(tag: str, process: subprocess.Popen, count: int = 3, timeout: float = 120) -> list[int]:
    """The agents of a run (its processes other than the orchestrator and
    the fork servers), once ``count`` are up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        agents = [pid for pid in processes_tagged(tag) if pid != process.pid and not is_fork_server(pid)]
        if len(agents) >= count:
            return agents
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} agents after {timeout} s")


#: The ending signals ``wsconform/__main__.py`` catches from its first lines.
ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def handles_signals(process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the orchestrator catches every ending signal (its first
    lines of Python ran): a signal before that ends any interpreter, handled
    by no code. SIGINT alone says nothing: Python catches it from startup,
    before ``wsconform/__main__.py`` runs; SIGTERM and SIGHUP only once it has."""
    wanted = sum(1 << (signum - 1) for signum in ENDING)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:") and int(line.split()[1], 16) & wanted == wanted:
                return
        time.sleep(0.01)
    raise AssertionError(f"the ending signals are not all handled after {timeout} s")


def first_case_done(process: subprocess.Popen, seen: list[str]) -> None:
    """Read the run's output until its first progress line: a case measured."""
    for line in process.stderr:
        seen.append(line)
        if re.match(r"\s+[1-9][0-9]*/[0-9]+ cases \(", line):
            return
    raise AssertionError("the run ended before any case: " + "".join(seen)[-2000:])


def assert_nothing_left(tag: str) -> None:
    deadline = time.monotonic() + 5
    while processes_tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_tagged(tag) == []


def assert_partial_results_are_whole(directory: Path) -> dict:
    partial = directory / "results.incomplete.json"
    document = results.load(partial)  # valid against the schema: whole, never half-written
    assert document["run"]["complete"] is False and document["run"]["interrupted"] is True
    for cell in document["cells"]:
        if cell["status"] == CellStatus.MEASURED:
            assert cell["runs"] > 0 and sum(o["count"] for o in cell["outcomes"]) == cell["runs"]
        if cell["runs"] == 0:
            assert cell["status"] == CellStatus.NOT_RUN
    return document


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("moment", ["before the cases", "during the cases"])
def test_an_ending_signal_keeps_what_was_measured(tmp_path, signum, moment):
    output = tmp_path / "results.json"
    output.write_text(PREVIOUS)
    tag = uuid.uuid4().hex
    process = start(output, tag=tag)
    if moment == "during the cases":
        wait_for_agents(tag, process)
        time.sleep(random.Random(signum).uniform(0.2, 2.0))
    else:
        handles_signals(process)
        time.sleep(0.3)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == exit_codes.INCOMPLETE, err[-2000:]
    assert "Traceback" not in err
    assert output.read_text() == PREVIOUS
    if (tmp_path / "results.incomplete.json").exists():
        assert_partial_results_are_whole(tmp_path)
    else:
        assert moment == "before the cases", err[-2000:]
    assert_nothing_left(tag)


def test_a_storm_of_signals_still_saves_whole_results(tmp_path):
    output = tmp_path / "results.json"
    output.write_text(PREVIOUS)
    tag = uuid.uuid4().hex
    process = start(output, tag=tag)
    seen: list[str] = []
    first_case_done(process, seen)
    for number in range(30):
        process.send_signal((signal.SIGINT, signal.SIGTERM, signal.SIGHUP)[number % 3])
        time.sleep(0.01)
    _, rest = process.communicate(timeout=120)
    err = "".join(seen) + rest
    assert process.returncode == exit_codes.INCOMPLETE, err[-2000:]
    assert "Traceback" not in err
    assert output.read_text() == PREVIOUS
    document = assert_partial_results_are_whole(tmp_path)
    assert document["totals"]["cases"] > 0
    assert_nothing_left(tag)


def test_a_killed_agent_costs_its_cases_not_the_run(tmp_path):
    output = tmp_path / "results.json"
    tag = uuid.uuid4().hex
    process = start(output, tag=tag)  # 1,600 cases: long enough to outlast the kill
    victim = wait_for_agents(tag, process)[0]
    time.sleep(0.5)
    assert process.poll() is None
    subprocess.run(["kill", "-KILL", str(victim)], check=False)
    _, err = process.communicate(timeout=300)
    assert process.returncode == exit_codes.INCOMPLETE, err[-2000:]  # a harness error: never a pass
    document = results.load(output)  # the run finished: complete results, with the error counted apart
    statuses = {cell["status"] for cell in document["cells"]}
    assert CellStatus.ERROR in statuses
    errored = [cell for cell in document["cells"] if cell["status"] == CellStatus.ERROR]
    assert all(cell["errors"] and cell["outcomes"] for cell in errored)  # the other runs still counted
    assert_nothing_left(tag)


def test_a_killed_fork_server_costs_nothing(tmp_path):
    """Agents already forked go on; new ones start as fresh interpreters."""
    output = tmp_path / "results.json"
    tag = uuid.uuid4().hex
    process = start(output, tag=tag)
    wait_for_agents(tag, process)
    (victim,) = fork_servers(tag)
    assert process.poll() is None
    subprocess.run(["kill", "-KILL", str(victim)], check=False)
    _, err = process.communicate(timeout=300)
    assert process.returncode == exit_codes.SUCCESS, err[-2000:]
    document = results.load(output)
    assert sum(cell["runs"] for cell in document["cells"]) == 4 * 400
    assert all(cell["status"] == CellStatus.MEASURED for cell in document["cells"])
    assert_nothing_left(tag)


def test_a_stopped_agent_misses_its_deadline_and_is_replaced(tmp_path):
    output = tmp_path / "results.json"
    tag = uuid.uuid4().hex
    process = start(
        output, "--versions", "8.1", "--scenarios", "send-then-close", "--repeat", "20", "--no-tables", tag=tag
    )
    victim = wait_for_agents(tag, process)[0]
    subprocess.run(["kill", "-STOP", str(victim)], check=False)
    _, err = process.communicate(timeout=300)
    assert process.returncode == exit_codes.INCOMPLETE, err[-2000:]
    document = results.load(output)
    reasons = [error["reason"] for cell in document["cells"] for error in cell["errors"]]
    assert any("did not answer" in reason for reason in reasons), reasons
    assert sum(cell["runs"] for cell in document["cells"]) == 4 * 20  # every case accounted for
    assert_nothing_left(tag)


def test_a_second_run_on_the_same_output_is_refused_in_one_line(tmp_path):
    output = tmp_path / "results.json"
    tag = uuid.uuid4().hex
    first = start(output, tag=tag)
    wait_for_agents(tag, first)
    second = run_harness("matrix", *LONG, "--output", str(output), timeout=120)
    assert second.returncode == exit_codes.USAGE, second.stderr
    (line,) = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert f"another run (pid {first.pid}) is writing {output}" in line
    assert first.poll() is None  # the first run goes on, untouched
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == exit_codes.INCOMPLETE, err[-2000:]
    assert_partial_results_are_whole(tmp_path)
    assert_nothing_left(tag)


@pytest.mark.parametrize(
    ("make_output", "message"),
    [
        (lambda tmp: tmp, "is a directory, not a results file"),
        (lambda tmp: Path("/proc/results.json"), "cannot write in '/proc'"),
        (lambda tmp: (tmp / "file").write_text("x") and tmp / "file" / "results.json", "cannot create a directory"),
    ],
)
def test_an_unusable_output_is_refused_before_anything_runs(tmp_path, make_output, message):
    started = time.monotonic()
    process = run_harness("matrix", *LONG, "--output", str(make_output(tmp_path)), timeout=60)
    assert process.returncode == exit_codes.USAGE, process.stderr
    (line,) = process.stderr.strip().splitlines()
    assert line.startswith("error: argument --output: ") and message in line
    assert time.monotonic() - started < 30  # refused up front, not after the matrix ran


def test_a_full_disk_loses_nothing_already_written(tmp_path):
    output = tmp_path / "results.json"
    output.write_text(PREVIOUS)
    tag = uuid.uuid4().hex

    def small_disk() -> None:  # writes past 16 KiB fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    process = start(
        output,
        "--versions",
        "8.1",
        "--scenarios",
        "send-then-close",
        "--repeat",
        "2",
        "--no-tables",
        tag=tag,
        preexec_fn=small_disk,
    )
    _, err = process.communicate(timeout=300)
    assert process.returncode == exit_codes.INCOMPLETE, err[-2000:]
    assert "Traceback" not in err
    assert any(line.startswith(f"error: cannot write {output}: File too large") for line in err.splitlines()), err
    assert output.read_text() == PREVIOUS
    assert sorted(path.name for path in tmp_path.iterdir()) == [".results.json.lock", "results.json"]
    assert_nothing_left(tag)


def test_corrupt_inputs_are_one_line_and_exit_5(tmp_path):
    bad_encoding = tmp_path / "latin1.json"
    bad_encoding.write_bytes(b'{"schema": "caf\xe9"}')
    process = run_harness("check", "--results", str(bad_encoding), timeout=60)
    assert process.returncode == exit_codes.BAD_INPUT
    assert process.stderr.strip() == f"error: {bad_encoding}: corrupt results file (not UTF-8 at byte 15)"
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "send-then-close.json").write_text(
        json.dumps({"schema": "websockets-conformance/reference", "schema_version": 2, "cells": []})
    )
    process = run_harness("check", "--results", str(bad_encoding), "--reference", str(reference), timeout=60)
    assert process.returncode == exit_codes.BAD_INPUT
    (line,) = process.stderr.strip().splitlines()
    assert "send-then-close.json: corrupt reference file" in line


def test_nox_passes_an_interrupted_runs_exit_code_through(tmp_path):
    output = tmp_path / "results.json"
    output.write_text(PREVIOUS)
    tag = uuid.uuid4().hex
    nox = subprocess.Popen(
        [sys.executable, "-m", "nox", "-s", "matrix", "--", *LONG, "--output", str(output)],
        cwd=PROJECT,
        env=dict(os.environ, HARNESS_TEST_TAG=tag),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_agents(tag, nox, count=4, timeout=300)  # nox, the harness, and agents
    nox.send_signal(signal.SIGINT)  # to nox alone: it must pass it on and wait
    out, _ = nox.communicate(timeout=120)
    assert nox.returncode == exit_codes.INCOMPLETE, out[-2000:]
    assert output.read_text() == PREVIOUS
    assert_partial_results_are_whole(tmp_path)
    assert_nothing_left(tag)
