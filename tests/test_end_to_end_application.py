"""End to end, as an application's maintainers use the tool: from their own
repository, the tool installed from its wheel into a fresh virtualenv.

The repository (``tests/application/``, copied outside this checkout) holds
a tiny package of its own — a client helper and a connection handler written
for websockets 13.1 — a ``[tool.wsconform]`` table, and one scenario that
runs that package inside the peers. The commands: ``new``, ``try``, a matrix
over 13.1 and 14.2 with ``--repeat 2``, ``reference``, ``check`` (exit 0);
then the handler changes behaviour and ``check`` exits 1 naming the cell.
Neither the installed tool nor this checkout gains or loses a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT, run_harness
from wsconform.core import exit_codes
from wsconform.model import results

pytestmark = pytest.mark.peers

APPLICATION = PROJECT / "tests" / "application"

#: Directories of the checkout that tools and tests write into by design.
UNWATCHED = {".git", ".nox", "__pycache__", ".hypothesis", ".mypy_cache", ".ruff_cache", ".import_linter_cache"}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (but :data:`UNWATCHED`), with its size and mtime."""
    found = {}
    for directory, subdirectories, filenames in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name not in UNWATCHED]
        for filename in filenames:
            path = Path(directory, filename)
            status = path.lstat()
            found[str(path.relative_to(root))] = (status.st_size, status.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tool, built as a wheel and installed (bytecode compiled, as pip
    does) into a fresh virtualenv: its ``bin`` directory."""
    build = tmp_path_factory.mktemp("wheel")
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "build", "--wheel", "--quiet", "-o", str(build), str(PROJECT)], check=True, timeout=300)
    (wheel,) = build.glob("wsconform-*.whl")
    venv = tmp_path_factory.mktemp("tool") / "venv"
    subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=300)
    subprocess.run(
        [*uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(venv / "bin" / "python"), str(wheel)],
        check=True,
        timeout=600,
    )
    return venv / "bin"


def test_an_application_repository_gates_its_own_code(tool: Path, tmp_path: Path) -> None:
    application = tmp_path / "chat"
    shutil.copytree(APPLICATION, application, ignore=shutil.ignore_patterns("__pycache__", "greeting.py", "*.md"))
    (site_packages,) = tool.parent.glob("lib/python*/site-packages")
    installed_before = snapshot(site_packages / "wsconform")
    checkout_before = snapshot(PROJECT)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("WSCONFORM_", "VIRTUAL_ENV"))}
    environment["PATH"] = os.pathsep.join([str(tool), environment.get("PATH", "")])
    environment["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the per-user cache, of this test's user

    def wsconform(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["wsconform", *arguments], cwd=application, env=environment, capture_output=True, text=True, timeout=900
        )

    made = wsconform("new", "greeting")
    assert made.returncode == exit_codes.SUCCESS, made.stderr
    scenario = application / "conformance" / "scenarios" / "greeting.py"
    assert scenario.is_file() and (application / "tests" / "scenarios" / "test_greeting.py").is_file()
    shutil.copy(APPLICATION / "greeting.py", scenario)  # the author's edit: run chatapp's code

    tried = wsconform("try", "greeting", "--client", "13.1", "--server", "14.2")
    assert tried.returncode == exit_codes.SUCCESS, tried.stderr[-3000:]
    assert "greeting alice | 13.1/default" in tried.stderr
    assert "function='chatapp.client.greet') → ConnectionClosedOK 1000" in tried.stderr  # 13.1's connect
    assert "call(arguments=[], function='handler') → AttributeError" in tried.stderr  # 14.2: no request_headers

    ran = wsconform("matrix", "--repeat", "2")
    assert ran.returncode == exit_codes.SUCCESS, ran.stderr[-3000:]
    assert "4 cells (4 measured), 8 cases" in ran.stderr
    # 14.2's client takes no extra_headers: the helper written for 13.1 breaks.
    assert "greeting alice 14.2/default → 13.1/default: client TypeError" in ran.stderr

    recorded = wsconform("reference", "--results", "reports/results.json")
    assert recorded.returncode == exit_codes.SUCCESS, recorded.stderr[-3000:]
    assert (application / "conformance" / "reference" / "greeting.json").is_file()

    same = wsconform("check", "--repeat", "2", "--strict")
    assert same.returncode == exit_codes.SUCCESS, same.stderr[-3000:]
    assert "drift: 4 same" in same.stderr

    handler = application / "chatapp" / "server.py"
    handler.write_text(handler.read_text().replace('"hello " + name', '"hi " + name'))
    time.sleep(0.01)
    drifted = wsconform("check", "--repeat", "2", "--strict")
    assert drifted.returncode == exit_codes.DRIFT, drifted.stderr[-3000:]
    assert "greeting alice | 13.1/default → 13.1/default: client 'hello alice'" in drifted.stderr
    assert "client 'hi alice'" in drifted.stderr  # the changed package was installed again

    assert snapshot(site_packages / "wsconform") == installed_before
    assert snapshot(PROJECT) == checkout_before
    assert (application / "reports" / "results.json").is_file()
    assert (tmp_path / "cache" / "wsconform" / "peers").is_dir()


def test_a_requirement_a_release_cannot_hold_makes_that_peer_unavailable(tmp_path: Path) -> None:
    """Extra requirements never change the release under test: a package
    that needs websockets>=14 leaves 13.1 unavailable, with uv's reason."""
    package = tmp_path / "needs14"
    (package / "needs14").mkdir(parents=True)
    (package / "needs14" / "__init__.py").write_text("")
    (package / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "needs14"\nversion = "1.0"\ndependencies = ["websockets>=14"]\n'
    )
    process = run_harness(
        "matrix",
        "--versions",
        "13.1,14.2",
        "--scenarios",
        "oversize",
        "--with",
        str(package),
        "--environments",
        str(tmp_path / "peers"),
        "--output",
        str(tmp_path / "out" / "results.json"),
    )
    assert process.returncode == exit_codes.UNAVAILABLE, process.stderr[-3000:]
    assert "unavailable: websockets 13.1: " in process.stderr
    assert "No solution found: Because only needs14==1.0 is available" in process.stderr
    assert "websockets 14.2: unavailable" not in process.stderr
    document = results.load(tmp_path / "out" / "results.json")
    statuses = {(cell["client"].split("/")[0], cell["server"].split("/")[0]) for cell in document["cells"]}
    measured = {
        (cell["client"].split("/")[0], cell["server"].split("/")[0])
        for cell in document["cells"]
        if cell["status"] == "measured"
    }
    assert len(statuses) == 4 and measured == {("14.2", "14.2")}
