"""``new`` and ``try``: start a scenario from a template, and run it
between two releases in seconds.

``new ID`` writes ``<id>.py`` in the project's scenario directory (the first
of ``--scenarios-dir`` or of ``scenario-dirs``; in this tool's own checkout,
the built-in ``wsconform/scenarios/``) and its test,
``tests/scenarios/test_<id>.py`` under the project root, from templates (a
complete, working scenario to edit), and refuses to overwrite either or to
take an id a scenario already has. ``try ID`` runs every
variant of one scenario once between one client release and one server
release (environments are cached) and prints both sides' steps, so an
author sees what the libraries did before running any matrix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from ..core.exit_codes import UsageError
from ..execution.pipeline import MatrixOptions, run_matrix
from ..peer import scenario as scenario_api
from ..peer.labels import result_text
from ..rendering import display
from .configuration import Configuration

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("wsconform.cli", "templates"),
    autoescape=False,  # noqa: S701 - Python source, and the only value is a checked scenario id
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def scenario_directory(config: Configuration, directories: tuple[Path, ...]) -> Path:
    """Where ``new`` writes: the first scenario directory; in this tool's own
    checkout (the built-in scenarios under the project root), the built-in one."""
    if directories:
        return directories[0]
    builtin = Path(scenario_api.builtin_directory())
    if builtin.is_relative_to(config.root.resolve()):
        return builtin
    raise UsageError(
        "new needs a directory for your scenarios: --scenarios-dir DIR, "
        "or scenario-dirs in [tool.wsconform] of your pyproject.toml"
    )


def scenario_paths(scenario_id: str, directory: Path, root: Path) -> tuple[Path, Path]:
    """Where a scenario's file and its test go."""
    module = scenario_id.replace("-", "_")
    return directory / f"{module}.py", root / "tests" / "scenarios" / f"test_{module}.py"


def new(scenario_id: str, config: Configuration, directories: tuple[Path, ...] = ()) -> int:
    """Write a new scenario and its test from the templates; never overwrite."""
    if not scenario_api.SCENARIO_ID.match(scenario_id):
        raise UsageError(f"{scenario_id!r} is not a scenario id: lowercase words joined by hyphens, e.g. my-scenario")
    directory = scenario_directory(config, directories)
    taken = scenario_api.locate(scenario_id, [str(path) for path in directories])
    if taken is not None:
        raise UsageError(f"{scenario_api.display_path(taken)} has the id {scenario_id!r}: choose another id")
    paths = scenario_paths(scenario_id, directory, config.root)
    for path in paths:
        if path.exists():
            raise UsageError(f"{path} exists: choose another id")
    for path, template in zip(paths, ("scenario.py.j2", "test_scenario.py.j2")):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:  # "x": a file made meanwhile is never overwritten
            file.write(TEMPLATES.get_template(template).render(id=scenario_id))
        display.say(f"written: {_shown(path)}")
    display.say(
        f"next: wsconform try {scenario_id} --client 13.1 --server 14.2; then record its reference "
        f"(wsconform reference --scenarios {scenario_id})"
    )
    return 0


def _shown(path: Path) -> str:
    """A path as people typed it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def step_lines(record: dict[str, Any] | None) -> list[str]:
    """One line per step of one side: ``name(arguments) → what it gave``."""
    lines = []
    for step in (record or {}).get("steps", []):
        arguments = ", ".join(f"{key}={value!r}" for key, value in sorted(step.get("args", {}).items()))
        lines.append(f"{step.get('step')}({arguments}) → {result_text(step.get('result'))}")
    return lines


async def try_scenario(options: MatrixOptions) -> int:
    """Run one scenario once per variant between the given releases, then
    print each side's steps."""
    run = await run_matrix(options)
    for cell in run.document["cells"]:
        display.say(f"\n{cell['scenario']} {cell['variant']} | {cell['client']} → {cell['server']}: {cell['status']}")
        if not cell["outcomes"]:
            for error in cell.get("errors", []):
                display.say(f"  {error['reason']}")
            if cell.get("reason"):
                display.say(f"  {cell['reason']}")
            continue
        first = cell["outcomes"][0]
        grade = first["grade"]["grade"] if first["grade"] else "ungraded"
        display.say(f"  label: {first['label']} ({grade})")
        for role in ("client", "server"):
            for line in step_lines(first["outcome"].get(role)):
                display.say(f"  {role}  {line}")
    return run.exit_code


__all__ = ["new", "scenario_paths", "try_scenario"]
