"""Build, probe and reuse one environment per websockets release.

Theory of operation
-------------------

A release's environment is a virtualenv made by ``uv`` (the backend nox uses)
under ``.nox/peers/``, holding only that websockets release (plus what an
implementation needs, e.g. trio). The harness's peer code is not installed:
agents import it through ``PYTHONPATH``, so editing it never forces a rebuild.

Which Python? The newest interpreter on which the release *installs and
completes a smoke exchange*. Metadata is not enough: 8.1 installs on 3.13 and
breaks at run time. So candidates are tried newest first; the first that
passes is used and recorded in a marker file inside the environment, which
later runs reuse. Deterministic failures (resolution refused by
``Requires-Python``, a smoke exchange that ran and failed) are remembered in
``attempts.json`` so they are not retried every run; network failures, and
an agent that could not run at all (a file vanishing mid-smoke, a kill), are
not remembered: they say nothing about the interpreter. A smoke exchange runs
this tool's peer code as well as the release, so its failure is remembered
with a digest of that code (:func:`peer_code_digest`): a change of the tool
— a fix of the bug that made every smoke fail, say — tries again.

Concurrent runs share ``.nox/peers/``: each release's environment is built
under a lock (``.locks/websockets-VERSION.lock``), so one run builds while
the others wait and then reuse what it built; ``attempts.json`` is merged
under its own lock and written atomically.

Nox's sessions are fixed when the noxfile is imported, while the set of peers
is only known at run time (it is resolved against PyPI), so the nox session
calls this module rather than declaring one session per peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from wsconform import peer
from wsconform.core import files
from wsconform.core.exit_codes import UsageError
from wsconform.core.vocabulary import Availability
from wsconform.execution.agents import Agent, AgentError, PeerCode
from wsconform.model.matrix import Attempt, Environment, Source

#: Bump when the layout of environments changes, to rebuild them all.
#: 2: releases that ship websockets.trio get trio installed.
ENVIRONMENT_FORMAT = 2

#: Packages an implementation of the release needs, installed when the
#: release has that implementation (module → requirement).
IMPLEMENTATION_REQUIREMENTS = (("websockets.trio", "trio"),)

#: Interpreters to try, newest first.
CANDIDATE_PYTHONS = ("3.13", "3.12", "3.11", "3.10", "3.9", "3.8")

MARKER = "harness-peer.json"

#: The format of ``attempts.json``; another format is ignored (it is only a
#: cache). 3: smoke failures are keyed on the peer code's digest.
ATTEMPTS_FORMAT = 3

#: Directories a local package's fingerprint skips: what building, testing
#: and version control leave beside the code.
FINGERPRINT_SKIPS = frozenset(
    {
        ".git",
        ".hg",
        ".nox",
        ".tox",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "node_modules",
        "reports",
    }
)


def is_local(requirement: str) -> bool:
    """Whether an extra requirement is a local package (an absolute path)."""
    return os.path.isabs(requirement)


def names_a_path(text: str) -> bool:
    """Whether a requirement as written names a local package by its path."""
    return text.startswith((".", "/", "~")) or text.endswith(("/", ".whl", ".tar.gz"))


def check_requirements(texts: Sequence[str], root: Path, where: str) -> tuple[str, ...]:
    """Extra peer requirements, checked: local packages as absolute paths
    (that exist), the rest as PEP 508 requirements, none of them websockets
    (its version is what the matrix varies)."""
    found = []
    for text in texts:
        text = text.strip()
        if names_a_path(text):
            path = Path(text).expanduser()
            path = (path if path.is_absolute() else root / path).resolve()
            if not path.exists():
                raise UsageError(f"{where}: {text!r}: no such file or directory ({path})")
            found.append(str(path))
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise UsageError(f"{where}: {text!r} is not a requirement: {exc}") from None
        if requirement.name.lower() == "websockets":
            raise UsageError(f"{where}: {text!r}: the websockets release is what the matrix varies, not a requirement")
        found.append(text)
    return tuple(found)


@functools.cache
def peer_code_digest() -> str:
    """A digest of the code agents run beside a release (``wsconform.peer``)."""
    return fingerprint(Path(peer.__file__).parent)


def smoke_key(key: str) -> str:
    """How a smoke failure of ``key`` (release, Python, packages) is remembered."""
    return f"{key}|peer code {peer_code_digest()}"


def fingerprint(path: Path) -> str:
    """A digest of a local package's files (names and contents): what keys
    its environments, so that an edit of the package rebuilds them."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()[:16]
    for directory, subdirectories, filenames in os.walk(path):
        subdirectories[:] = sorted(
            name for name in subdirectories if name not in FINGERPRINT_SKIPS and not name.endswith(".egg-info")
        )
        for filename in sorted(filenames):
            file = Path(directory, filename)
            digest.update(str(file.relative_to(path)).encode(errors="surrogateescape") + b"\0")
            try:
                digest.update(file.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
    return digest.hexdigest()[:16]


@dataclass
class Builder:
    """Builds environments under ``root`` with uv."""

    root: Path
    code: PeerCode
    download_python: bool = False
    rebuild: bool = False
    log: Any = None  # callable(str) for progress messages
    _attempts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._attempts = self._load_attempts()

    # Attempt cache.

    @property
    def attempts_file(self) -> Path:
        return self.root / "attempts.json"

    def _load_attempts(self) -> dict[str, str]:
        if self.rebuild or not self.attempts_file.exists():
            return {}
        try:
            data = json.loads(self.attempts_file.read_text())
        except ValueError:
            return {}  # a corrupt cache is only a cache
        if not isinstance(data, dict) or data.get("format") != ATTEMPTS_FORMAT:
            return {}
        return {str(k): str(v) for k, v in data.get("failures", {}).items()}

    def _remember(self, key: str, reason: str) -> None:
        """Record a deterministic failure, merged with what other runs recorded."""
        with files.exclusive(self.root / ".locks" / "attempts.lock", wait=True):
            merged = {**self._load_attempts(), key: reason}
            files.write_json_atomically(
                self.attempts_file, {"format": ATTEMPTS_FORMAT, "failures": merged}, sort_keys=True
            )
        self._attempts = merged

    @contextlib.asynccontextmanager
    async def _building(self, version: str) -> AsyncIterator[None]:
        """Hold the lock of ``version``'s environments; wait (without
        blocking the event loop) while another run holds it."""
        lock = files.exclusive(self.root / ".locks" / f"websockets-{version}.lock", wait=True)
        try:
            with files.exclusive(self.root / ".locks" / f"websockets-{version}.lock", wait=False):
                yield
                return
        except files.LockedError as exc:
            self._say(f"websockets {version}: another run ({exc}) is building it; waiting to reuse it")
        await asyncio.to_thread(lock.__enter__)
        try:
            if not self.rebuild:
                self._attempts = self._load_attempts()  # what the other run learned
            yield
        finally:
            lock.__exit__(None, None, None)

    # Building.

    def path_for(self, version: str, python: str, packages: tuple[str, ...]) -> Path:
        if any(is_local(package) for package in packages):  # a path is no name: a digest of the list is
            extra = "-with-" + hashlib.sha256("\0".join(packages).encode()).hexdigest()[:12]
        else:
            names = sorted(re.split(r"[<>=!~\[;\s@]", package, maxsplit=1)[0] for package in packages)
            extra = "-" + "-".join(names) if names else ""
        return self.root / f"websockets-{version}{extra}-py{python}"

    @staticmethod
    def packages_key(packages: tuple[str, ...]) -> str:
        """The extra requirements as attempts are keyed: local ones with their fingerprint."""
        return ",".join(
            f"{package}#{fingerprint(Path(package))}" if is_local(package) else package for package in packages
        )

    async def prepare(
        self,
        version: str,
        pythons: tuple[str, ...] = CANDIDATE_PYTHONS,
        packages: tuple[str, ...] = (),
        source: Source | None = None,
    ) -> Environment:
        """Return a working environment for ``version`` (the peer's name),
        installing ``source`` (default: that release), trying ``pythons`` in order."""
        source = source or Source.release(version)
        async with self._building(source.identity):
            return await self._prepare(version, pythons, packages, source)

    async def _prepare(
        self, version: str, pythons: tuple[str, ...], packages: tuple[str, ...], source: Source
    ) -> Environment:
        started = time.monotonic()
        attempts: list[Attempt] = []
        for python in pythons:
            key = f"{source.identity}|{python}|{self.packages_key(packages)}"
            remembered = self._attempts.get(key) or self._attempts.get(smoke_key(key))
            if remembered is not None:
                attempts.append(Attempt(python, remembered, cached=True))
                continue
            environment = await self._try(version, python, packages, attempts, source)
            if environment is not None:
                return dataclasses.replace(
                    environment, attempts=tuple(attempts), seconds=time.monotonic() - started, source=source
                )
        reason = "; ".join(f"py{a.python}: {a.result}" for a in attempts) or "no interpreter to try"
        return Environment(
            version,
            Availability.UNAVAILABLE,
            reason=reason,
            attempts=tuple(attempts),
            packages=packages,
            seconds=time.monotonic() - started,
            source=source,
        )

    async def _try(
        self, version: str, python: str, packages: tuple[str, ...], attempts: list[Attempt], source: Source
    ) -> Environment | None:
        key = f"{source.identity}|{python}|{self.packages_key(packages)}"
        path = self.path_for(source.identity, python, packages)
        spec = {
            "format": ENVIRONMENT_FORMAT,
            "version": source.identity,
            "requirement": source.requirement,
            "sha256": source.sha256,
            "python": python,
            "packages": list(packages),
            # A local package that changed makes another spec: rebuilt.
            "fingerprints": {package: fingerprint(Path(package)) for package in packages if is_local(package)},
        }
        marker = path / MARKER
        if not self.rebuild and not source.always_rebuild and marker.exists():
            try:
                recorded = json.loads(marker.read_text())
            except ValueError:
                recorded = {}
            executable = _executable(path)
            if recorded.get("spec") == spec and executable.exists():
                attempts.append(Attempt(python, "passed", cached=True))
                return Environment(
                    version,
                    Availability.AVAILABLE,
                    python,
                    recorded.get("python_full"),
                    str(executable),
                    str(path),
                    packages=packages,
                    reused=True,
                    installed=recorded.get("installed"),
                )
        interpreter = await self._find_python(python)
        if interpreter is None:
            attempts.append(Attempt(python, "no interpreter"))
            return None
        self._say(f"building websockets {version} on Python {python}")
        if path.exists():
            shutil.rmtree(path)
        code, output = await _run(
            "uv", "venv", "--quiet", "--no-project", "--python", interpreter, str(path), cwd=self.code.path
        )
        if code != 0:
            attempts.append(Attempt(python, "venv failed: " + _last_line(output)))
            return None
        executable = _executable(path)
        code, output = await _run(
            "uv",
            "pip",
            "install",
            "--quiet",
            # uv reuses a local package's build while its pyproject.toml is
            # unchanged; an edited module must be built again.
            *(["--no-cache"] if any(is_local(package) for package in packages) else []),
            "--python",
            str(executable),
            source.requirement,
            *packages,
            cwd=self.code.path,
        )
        if code != 0:
            reason = "install failed: " + _install_reason(output)
            attempts.append(Attempt(python, reason))
            if "No solution found" in output or "not found in the package registry" in output:
                self._remember(key, reason)
            shutil.rmtree(path, ignore_errors=True)
            return None
        extras = await self._implementation_requirements(executable)
        if extras:
            code, output = await _run(
                "uv", "pip", "install", "--quiet", "--python", str(executable), *extras, cwd=self.code.path
            )
            if code != 0:
                attempts.append(Attempt(python, f"install of {', '.join(extras)} failed: " + _install_reason(output)))
                shutil.rmtree(path, ignore_errors=True)
                return None
        smoke, python_full, ran, installed = await self._smoke(executable)
        if smoke != "passed":
            attempts.append(Attempt(python, "smoke failed: " + smoke))
            if ran:  # the exchange ran and failed: a fact about this interpreter (and this tool)
                self._remember(smoke_key(key), "smoke failed: " + smoke)
            shutil.rmtree(path, ignore_errors=True)
            return None
        attempts.append(Attempt(python, "passed"))
        files.write_json_atomically(marker, {"spec": spec, "python_full": python_full, "installed": installed})
        return Environment(
            version,
            Availability.AVAILABLE,
            python,
            python_full,
            str(executable),
            str(path),
            packages=packages,
            installed=installed,
        )

    async def _implementation_requirements(self, executable: Path) -> list[str]:
        """Requirements of the implementations this release ships (e.g. trio)."""
        modules = [module for module, _ in IMPLEMENTATION_REQUIREMENTS]
        probe = (
            "import importlib.util, sys\n"
            "for name in sys.argv[1:]:\n"
            "    try: print(name, importlib.util.find_spec(name) is not None)\n"
            "    except Exception: print(name, False)\n"
        )
        _, output = await _run(str(executable), "-c", probe, *modules, cwd=self.code.path)
        present = {line.split()[0] for line in output.splitlines() if line.endswith(" True")}
        return [requirement for module, requirement in IMPLEMENTATION_REQUIREMENTS if module in present]

    async def _find_python(self, python: str) -> str | None:
        arguments = ["uv", "python", "find", python]
        if self.download_python:
            await _run("uv", "python", "install", python, cwd=self.code.path)
        else:
            arguments.append("--no-python-downloads")
        code, output = await _run(*arguments, cwd=self.code.path)
        if code != 0:
            return None
        found = output.strip().splitlines()[-1].strip()
        return found or None

    async def _smoke(self, executable: Path) -> tuple[str, str | None, bool, str | None]:
        """``passed`` or why not, the full Python version, whether the smoke
        exchange ran at all (False: the agent itself failed), and the
        websockets version it imported."""
        agent = Agent(str(executable), role="smoke", peer=str(executable), code=self.code)
        try:
            await agent.start()
            hello = await agent.request("hello", timeout=30)
            python, installed = hello.get("python"), hello.get("websockets")
            if not installed:
                return "import failed: " + str(hello.get("import_error")), python, True, None
            smoke = await agent.request("smoke", timeout=30, implementation="default")
            if not smoke.get("passed"):
                return str(smoke.get("detail")), python, True, installed
            return "passed", python, True, installed
        except AgentError as exc:
            return str(exc).splitlines()[0], None, False, None
        finally:
            await agent.stop()

    def _say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


def _executable(path: Path) -> Path:
    return path / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


async def _run(*arguments: str, cwd: Path) -> tuple[int, str]:
    """Run a command without a shell; return its exit code and combined output."""
    environment = dict(os.environ)
    environment.pop("VIRTUAL_ENV", None)
    try:
        process = await asyncio.create_subprocess_exec(
            *arguments,
            cwd=str(cwd),
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except FileNotFoundError as exc:
        return 127, str(exc)
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _install_reason(output: str) -> str:
    """uv's reason, on one line: the resolver's explanation ("Because … we
    can conclude that your requirements are unsatisfiable") when it gives
    one, else the most telling line."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    for index, line in enumerate(lines):
        text = line.lstrip("╰─▶ ").strip()
        if text.lower().startswith("cause:"):
            text = text[len("cause:") :].strip()
        if text.startswith("Because"):
            explanation = " ".join([text, *lines[index + 1 :]])
            return ("No solution found: " if any("No solution" in other for other in lines) else "") + explanation
    for line in lines:
        if "because" in line or "not found" in line or "No solution" in line:
            return line.lstrip("╰─▶ ").strip()
    return lines[-1] if lines else "no output"
