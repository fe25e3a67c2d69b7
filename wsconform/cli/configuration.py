"""The ``[tool.wsconform]`` table of a project's ``pyproject.toml``.

Theory of operation
-------------------

Found the way pytest and ruff find theirs: from the working directory
upwards, the first ``pyproject.toml`` that holds a ``[tool.wsconform]``
table. Its directory is the *project root*: relative paths in the table, and
the default outputs (``reports/results.json``, ``reports/reference/``), are
relative to it, so a command gives the same result from any directory of the
project. Without such a file the working directory is the root.

The table gives defaults; a command-line option always wins (a list given on
the command line replaces the table's list). A table that is not valid TOML,
holds an unknown key or a value of the wrong type is one line naming the file
and the key, exit 2, before anything runs::

    [tool.wsconform]
    scenario-dirs = ["conformance/scenarios"]   # beside the built-in scenarios
    builtin-scenarios = false                   # a run selects only yours
    versions = ["13.1", "14.2"]                 # or "13.1,14.2"
    impls = "default"
    repeat = 10
    reference = "conformance/reference"
    output = "reports/results.json"
    requirements = ["."]                        # your package, in every peer
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from ..core.exit_codes import UsageError
from ..execution.environments import check_requirements
from ..execution.pipeline import REPORTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The table's name under ``[tool]``.
TABLE = "wsconform"


def _words(value: str | list[str] | None) -> str | None:
    """A list in the table, or a comma-separated string: the command line's form."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


class Table(pydantic.BaseModel):
    """The keys of ``[tool.wsconform]`` (hyphenated in the file)."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, alias_generator=lambda name: name.replace("_", "-"))

    #: Directories of the project's scenario files, beside the built-in ones.
    scenario_dirs: list[str] = []
    #: Whether a run without ``--scenarios`` selects the built-in scenarios too.
    builtin_scenarios: bool = True
    versions: str | list[str] | None = None
    clients: str | list[str] | None = None
    servers: str | list[str] | None = None
    impls: str | list[str] | None = None
    repeat: int | None = pydantic.Field(default=None, ge=1, le=10_000)
    #: The reference directory (default ``reports/reference``).
    reference: str | None = None
    #: The results file (default ``reports/results.json``).
    output: str | None = None
    #: Peer environments (default: the per-user cache).
    environments: str | None = None
    #: Extra requirements of every peer: a path to a local package (``.``,
    #: ``./client``), or any requirement uv understands.
    requirements: list[str] = []


@dataclass(frozen=True)
class Configuration:
    """The project's configuration: its root, and its table (empty without one)."""

    root: Path
    #: The ``pyproject.toml`` the table came from; None without one.
    path: Path | None = None
    table: Table = field(default_factory=Table)

    def resolve(self, text: str) -> Path:
        """A path of the table (or a default), relative to the root."""
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def reports(self) -> Path:
        return self.root / REPORTS

    @property
    def output(self) -> Path:
        return self.resolve(self.table.output) if self.table.output else self.reports / "results.json"

    @property
    def reference(self) -> Path:
        return self.resolve(self.table.reference) if self.table.reference else self.reports / "reference"

    @property
    def environments(self) -> Path | None:
        return self.resolve(self.table.environments) if self.table.environments else None

    @property
    def scenario_directories(self) -> tuple[Path, ...]:
        return tuple(self.resolve(text) for text in self.table.scenario_dirs)

    def words(self, key: str) -> str | None:
        """``versions``, ``clients``, ``servers`` or ``impls``, as the command line writes them."""
        value: str | list[str] | None = getattr(self.table, key)
        return _words(value)

    @property
    def requirements(self) -> tuple[str, ...]:
        return check_requirements(self.table.requirements, self.root, self.where("requirements"))

    def where(self, key: str) -> str:
        """How errors name a key: ``pyproject.toml: [tool.wsconform] KEY``."""
        return f"{self.path}: [tool.{TABLE}] {key}" if self.path else key


def find(start: Path | None = None) -> Configuration:
    """The configuration of the project ``start`` (default: the working directory) lies in."""
    start = (start or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            document = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"{candidate}: cannot be read: {exc}") from None
        tool = document.get("tool")
        if not isinstance(tool, dict) or TABLE not in tool:
            continue
        return Configuration(directory, candidate, _table(candidate, tool[TABLE]))
    return Configuration(start)


def _table(path: Path, value: Any) -> Table:
    if not isinstance(value, dict):
        raise UsageError(f"{path}: [tool.{TABLE}] must be a table")
    try:
        return Table.model_validate(value)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"][:1]) or "(table)"
        problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        raise UsageError(f"{path}: [tool.{TABLE}] {key}: {problem}") from None
