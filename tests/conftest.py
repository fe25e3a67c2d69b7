"""Shared fixtures and helpers.

Tests marked ``peers`` build real peer environments from PyPI under
``.nox/peers`` (``$WSCONFORM_ENVIRONMENTS``, set here and by the noxfile: the
same cache ``nox -s matrix`` uses), so a second run reuses them. They drive
the harness as users do, through ``python -m wsconform``:
:func:`start_harness` and :func:`run_harness` are the one way they do it.

Tests marked ``racy`` assert a ratio of a real race (how often the kernel
answers one way), which holds on an idle machine and moves with load: they
run only with ``--racy`` (``nox -s tests -- --racy -m racy``; the scheduled
workflow does), never in the default run that decides whether work lands.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

#: Peer environments of the tests: this checkout's, as the nox sessions'.
PEERS = PROJECT / ".nox" / "peers"
os.environ.setdefault("WSCONFORM_ENVIRONMENTS", str(PEERS))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--racy", action="store_true", help="also run tests that assert a race's ratio (idle machine)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--racy"):
        return
    skip = pytest.mark.skip(reason="asserts a race's ratio, which moves with load: run with --racy on an idle machine")
    for item in items:
        if "racy" in item.keywords:
            item.add_marker(skip)


def start_harness(*arguments: str, tag: str = "", **kwargs: Any) -> subprocess.Popen[str]:
    """Start ``python -m wsconform ARGUMENTS`` in the project, output captured.

    ``HARNESS_TEST_TAG`` marks the process (and so its agents' environment),
    so that a test can find what it started with a /proc scan.
    """
    environment = dict(os.environ, HARNESS_TEST_TAG=tag or uuid.uuid4().hex)
    return subprocess.Popen(
        [sys.executable, "-m", "wsconform", *arguments],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def run_harness(*arguments: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wsconform ARGUMENTS`` to completion."""
    process = start_harness(*arguments)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def processes_tagged(tag: str) -> list[int]:
    """Live processes started with ``HARNESS_TEST_TAG=tag`` (the harness and
    every agent it started inherit it): what a test left behind."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"HARNESS_TEST_TAG={tag}".encode() in (entry / "environ").read_bytes():
                    status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if status != "Z":  # a zombie is dead, only not yet reaped by its parent
                        pids.append(int(entry.name))
            except (OSError, IndexError):
                pass
    return pids


@pytest.fixture
def project() -> Any:
    """What agents of the tests import: this checkout's package."""
    from wsconform.execution.agents import PeerCode

    return PeerCode.prepare(PEERS)


#: The directory an author's scenarios live in, in the tests that play an author.
AUTHORED = "authored_scenarios"


@pytest.fixture
def author_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A scenario directory of the author's, outside this checkout, that
    :func:`wsconform.peer.scenario.load` searches (as agents would, from the
    environment); the working directory is its parent, so that errors name
    ``authored_scenarios/FILE``. Its modules are forgotten afterwards."""
    from wsconform.peer import scenario

    directory = tmp_path / AUTHORED
    directory.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(scenario.DIRECTORIES_VARIABLE, str(directory))
    yield directory
    for name in [name for name in sys.modules if name.startswith(scenario.USER_MODULE_PREFIX)]:
        del sys.modules[name]
