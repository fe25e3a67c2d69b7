"""Command line: ``wsconform COMMAND …`` or ``python -m wsconform COMMAND …``
(what the nox sessions run).

Argument parsing and dispatch only, the way nox keeps ``_cli.py`` apart from
its tasks: each command's options become a frozen options object, and the
work is done by :mod:`wsconform.execution.pipeline` (the matrix run),
:mod:`wsconform.cli.commands` (reference, check, upgrade, report) and
:mod:`wsconform.cli.benchmark`. Every way out is an exit code from
:mod:`wsconform.core.exit_codes`, with errors in one line. Defaults come from
the project's ``[tool.wsconform]`` table (:mod:`wsconform.cli.configuration`).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import dataclasses
import os
import tempfile
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn

from packaging.version import InvalidVersion, Version

from wsconform.cli import benchmark, commands, configuration, scaffold
from wsconform.cli.configuration import Configuration
from wsconform.core import exit_codes
from wsconform.core.exit_codes import BadInputError, UsageError
from wsconform.core.text import visible
from wsconform.execution import interrupts, outputs, pipeline, plans
from wsconform.execution.agents import kill_all
from wsconform.execution.environments import check_requirements
from wsconform.execution.pipeline import MatrixOptions, default_environments
from wsconform.model import matrix, shards, versions
from wsconform.peer.drivers import IMPLEMENTATIONS
from wsconform.rendering.display import say


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but errors are one line and use the documented exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


#: Upper bounds of numeric options: far above any useful value, far below
#: what would exhaust the machine (each job can hold two agent processes).
MAXIMUM_REPEAT = 10_000
MAXIMUM_JOBS = 256
MAXIMUM_AGENTS_PER_PEER = 64

#: Runs of a varying cell when making the reference: more than a check makes,
#: so that the reference's frequencies are the better known side.
REFERENCE_MAX_REPEAT = 100


def bounded_integer(maximum: int, minimum: int = 1) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` (1) to ``maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{visible(text)}'") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"expected {minimum} to {maximum}, got {value}")
        return value

    return parse


def release_version(text: str) -> str:
    """An argparse type: a release version such as 11.0."""
    try:
        return str(Version(text))
    except InvalidVersion:
        raise argparse.ArgumentTypeError(f"expected a release version such as 11.0, got '{visible(text)}'") from None


def output_path(text: str) -> Path:
    """An argparse type: a results file path, checked before anything runs:
    not a directory, in a directory that exists (or can be made) and where a
    file can be created."""
    path = Path(text)
    if not text.strip() or path.is_dir() or text.endswith(os.sep):
        raise argparse.ArgumentTypeError(f"'{visible(text)}' is a directory, not a results file")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"'{visible(text)}' is not a regular file")
    directory = path.parent
    existing = next((p for p in (directory, *directory.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise argparse.ArgumentTypeError(f"cannot create a directory for '{visible(text)}'")
    try:  # the only honest test of writability (root passes os.access everywhere)
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot write in '{visible(str(existing))}': {exc.strerror}") from None
    return path


def parse_pythons(text: str | None) -> dict[str, tuple[str, ...]]:
    """``8.1=3.9,10.4=3.9,3.13`` → the interpreters of each version (one peer
    per interpreter); an item without ``=`` adds to the version before it."""
    choices: dict[str, tuple[str, ...]] = {}
    current: str | None = None
    for item in (text or "").split(","):
        if not item.strip():
            continue
        version, separator, python = item.partition("=")
        if separator:
            current = version.strip()
            if not versions.LABEL.match(current):
                versions.validate_selector(current)
        else:
            python = version
            if current is None:
                raise UsageError(f"invalid --python entry {item!r} (expected VERSION=PYTHON, e.g. 8.1=3.9)")
        python = python.strip()
        if not python or not all(part.isdigit() for part in python.split(".")):
            raise UsageError(f"invalid Python version {python!r} in --python")
        choices[current] = tuple(dict.fromkeys((*choices.get(current, ()), python)))
    return choices


def parse_interpreter_choice(text: str) -> tuple[str, ...]:
    """``newest``, ``oldest`` or ``oldest,newest``: which working interpreters
    each version runs on (one peer each), where ``--python`` names none."""
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not chosen or any(part not in ("oldest", "newest") for part in chosen):
        raise UsageError(f"invalid --pythons {text!r} (expected oldest, newest, or oldest,newest)")
    return chosen


def scenario_directories(arguments: argparse.Namespace) -> tuple[Path, ...]:
    """``--scenarios-dir`` (repeatable), else the table's ``scenario-dirs``."""
    given = getattr(arguments, "scenario_dirs", None)
    if given:
        return tuple(Path(text).resolve() for text in given)
    return arguments.configuration.scenario_directories  # type: ignore[no-any-return]


def builtin_scenarios(arguments: argparse.Namespace) -> bool:
    chosen = getattr(arguments, "builtin_scenarios", None)
    return arguments.configuration.table.builtin_scenarios if chosen is None else bool(chosen)


def extra_requirements(arguments: argparse.Namespace) -> tuple[str, ...]:
    """``--with`` (repeatable), else the table's ``requirements``."""
    given = getattr(arguments, "requirements", None)
    if given:
        return check_requirements(given, Path.cwd(), "--with")
    return arguments.configuration.requirements  # type: ignore[no-any-return]


def parse_scenarios(text: str | None, arguments: argparse.Namespace) -> tuple[str, ...]:
    """Comma-separated scenario ids, each one that exists (default: every
    scenario a run selects: the built-in ones unless turned off, then the
    project's)."""
    directories = scenario_directories(arguments)
    if not text:
        return pipeline.discover_scenarios(directories, builtin_scenarios(arguments))
    known = pipeline.discover_scenarios(directories)
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in known]
    if unknown or not chosen:
        raise UsageError(f"unknown scenario {', '.join(unknown) or '(none)'} (known: {', '.join(known)})")
    return chosen


def add_scenario_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Where scenarios come from, and what peers install beside websockets."""
    parser.add_argument(
        "--scenarios-dir",
        dest="scenario_dirs",
        action="append",
        metavar="DIR",
        help="a directory of your scenario files, beside the built-in ones (repeatable; "
        "default: scenario-dirs of [tool.wsconform])",
    )
    parser.add_argument(
        "--builtin-scenarios",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether a run without --scenarios selects the built-in scenarios too (default: builtin-scenarios of "
        "[tool.wsconform], else yes)",
    )
    parser.add_argument(
        "--with",
        dest="requirements",
        action="append",
        metavar="REQUIREMENT",
        help="install this in every peer environment beside its websockets release: a path to your package "
        "(./mypackage) or any requirement (repeatable; default: requirements of [tool.wsconform])",
    )


def add_matrix_arguments(parser: argparse.ArgumentParser, config: Configuration) -> None:
    parser.add_argument(
        "--versions",
        default=config.words("versions"),
        help="versions on both sides, comma-separated: exact releases (12.0), newest, newest-N, all (every final "
        f"release from --since) (default: {config.words('versions') or ','.join(versions.DEFAULT_SELECTORS)})",
    )
    parser.add_argument(
        "--since",
        type=release_version,
        default=versions.FIRST_RELEASE,
        help=f"the first release `all` names (default: {versions.FIRST_RELEASE})",
    )
    parser.add_argument("--clients", default=config.words("clients"), help="client versions (default: --versions)")
    parser.add_argument("--servers", default=config.words("servers"), help="server versions (default: --versions)")
    parser.add_argument(
        "--impls",
        default=config.words("impls") or "default",
        help="implementations: default, all, or a list among default,legacy,asyncio,sync,trio (default: default)",
    )
    parser.add_argument("--scenarios", help="scenario ids, comma-separated (default: all)")
    add_scenario_source_arguments(parser)
    parser.add_argument(
        "--repeat",
        type=bounded_integer(MAXIMUM_REPEAT),
        default=config.table.repeat or 10,
        help=f"repetitions per cell, 1 to {MAXIMUM_REPEAT} (default: {config.table.repeat or 10})",
    )
    parser.add_argument(
        "--max-repeat",
        type=bounded_integer(MAXIMUM_REPEAT),
        default=MatrixOptions.max_repeat,
        help="runs of a cell whose answers vary, in this run or in the reference "
        f"(default: {MatrixOptions.max_repeat}; `reference` uses {REFERENCE_MAX_REPEAT})",
    )
    parser.add_argument(
        "--jobs",
        type=bounded_integer(MAXIMUM_JOBS),
        default=min(MAXIMUM_JOBS, max(8, 8 * (os.cpu_count() or 1))),
        help=f"cases in flight at once, 1 to {MAXIMUM_JOBS} (default: 8 per core; most cases wait on sockets)",
    )
    parser.add_argument(
        "--agents-per-peer",
        type=bounded_integer(MAXIMUM_AGENTS_PER_PEER),
        default=4,
        help=f"most agent processes per (peer, role), 1 to {MAXIMUM_AGENTS_PER_PEER} (default: 4)",
    )
    parser.add_argument(
        "--waiting-jobs",
        type=bounded_integer(MAXIMUM_JOBS, minimum=0),
        default=MatrixOptions.waiting_jobs,
        help="more cases in flight for cases expected to wait (keepalive windows, timeouts), and at most this many "
        f"busy cases stepping aside after 2 s, 0 to {MAXIMUM_JOBS}; 0: neither (default: {MatrixOptions.waiting_jobs})",
    )
    parser.add_argument(
        "--waiting-agents",
        type=bounded_integer(MAXIMUM_AGENTS_PER_PEER, minimum=0),
        default=MatrixOptions.waiting_agents,
        help="more agent processes per (peer, role) for its cases that wait, 0 to "
        f"{MAXIMUM_AGENTS_PER_PEER} (default: {MatrixOptions.waiting_agents})",
    )
    parser.add_argument(
        "--fresh-agents",
        dest="fork_agents",
        action="store_false",
        help="start every agent as a fresh interpreter instead of forking it from a warm one per environment "
        "(slower; for comparing the two)",
    )
    parser.add_argument(
        "--python", dest="pythons", help="interpreters per version, one peer each, e.g. 8.1=3.9,10.4=3.9,3.13"
    )
    parser.add_argument(
        "--pythons",
        dest="interpreters",
        default="newest",
        help="which working interpreters each version runs on: newest, oldest, or oldest,newest (default: newest)",
    )
    parser.add_argument(
        "--output",
        type=output_path,
        default=config.output,
        help="results file, reports are written beside it (default: reports/results.json)",
    )
    add_environments_argument(parser, config)
    parser.add_argument("--download-python", action="store_true", help="let uv download missing interpreters")
    parser.add_argument("--rebuild", action="store_true", help="rebuild peer environments from scratch")
    parser.add_argument(
        "--tables", dest="tables", action="store_true", help="print every grid, the API surface and catchability tables"
    )
    parser.add_argument(
        "--no-tables", dest="tables", action="store_false", help="only the at-a-glance summary (the default)"
    )
    parser.add_argument(
        "--plan", type=Path, help="take versions, implementations, scenarios and repetitions from this plan file"
    )
    parser.add_argument("--shard", help="run only the K-th of N balanced parts of the cells, e.g. 2/8")
    parser.add_argument("--junit", type=output_path, help="also write the results as JUnit XML to this file")
    add_layout_argument(parser)


def add_environments_argument(parser: argparse.ArgumentParser, config: Configuration) -> None:
    parser.add_argument(
        "--environments",
        type=Path,
        default=config.environments or default_environments(),
        help="where peer environments are built and kept (default: $WSCONFORM_ENVIRONMENTS, else the per-user cache)",
    )


def add_reference_argument(parser: argparse.ArgumentParser, help_text: str, config: Configuration) -> None:
    parser.add_argument(
        "--reference", type=Path, default=config.reference, help=f"{help_text} (default: reports/reference)"
    )


def add_layout_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--layout",
        type=outputs.Layout,
        choices=list(outputs.Layout),
        default=outputs.Layout.AUTO,
        help=f"the dashboard: one page, or the atlas site of data files fetched on demand "
        f"(default: auto, the atlas above {outputs.ATLAS_CELLS:,} cells)",
    )


def matrix_options(arguments: argparse.Namespace) -> MatrixOptions:
    """The options of a matrix run: the command line, or ``--plan`` for what
    it decides, and ``--shard``."""
    options = _command_line_options(arguments)
    shard = shards.Shard.parse(arguments.shard) if getattr(arguments, "shard", None) else None
    plan_path = getattr(arguments, "plan", None)
    if plan_path is not None:
        plan = plans.load(plan_path)
        if shard is not None and shard.count != plan["shards"]:
            raise UsageError(f"--shard {shard}: the plan splits the matrix into {plan['shards']} shards")
        options = plans.apply(options, plan)
    return dataclasses.replace(options, shard=shard)


def _command_line_options(arguments: argparse.Namespace) -> MatrixOptions:
    both = versions.parse_selectors(arguments.versions) if arguments.versions else versions.DEFAULT_SELECTORS
    return MatrixOptions(
        clients=versions.parse_selectors(arguments.clients) if arguments.clients else both,
        servers=versions.parse_selectors(arguments.servers) if arguments.servers else both,
        implementations=matrix.parse_implementations(arguments.impls),
        scenarios=parse_scenarios(arguments.scenarios, arguments),
        repeat=arguments.repeat,
        max_repeat=arguments.max_repeat,
        jobs=arguments.jobs,
        agents_per_peer=arguments.agents_per_peer,
        waiting_jobs=arguments.waiting_jobs,
        waiting_agents=arguments.waiting_agents,
        fork_agents=arguments.fork_agents,
        pythons=parse_pythons(arguments.pythons),
        interpreters=parse_interpreter_choice(arguments.interpreters),
        output=arguments.output or arguments.configuration.output,
        environments=arguments.environments,
        reference=getattr(arguments, "reference", arguments.configuration.reference),
        download_python=arguments.download_python,
        rebuild=arguments.rebuild,
        tables=arguments.tables,
        junit=getattr(arguments, "junit", None),
        layout=getattr(arguments, "layout", outputs.Layout.AUTO),
        scenario_directories=scenario_directories(arguments),
        builtin_scenarios=builtin_scenarios(arguments),
        requirements=extra_requirements(arguments),
        since=arguments.since,
    )


def source(arguments: argparse.Namespace) -> commands.Source:
    """The results a command works on: ``--results``, or a matrix run."""
    return commands.Source(matrix_options(arguments), arguments.results)


def make_parser(config: Configuration | None = None) -> ArgumentParser:
    """The command line, with defaults from ``config`` (default: none, the working directory as root)."""
    config = config or Configuration(Path.cwd())
    parser = ArgumentParser(prog="wsconform", description=__doc__)
    parser.set_defaults(configuration=config)
    subcommands = parser.add_subparsers(dest="command", required=True)

    run = subcommands.add_parser("matrix", help="run the matrix, write reports/results.json")
    add_matrix_arguments(run, config)
    add_reference_argument(run, "reference the reports show drift against", config)

    for name, help_text, reference_help in (
        ("reference", "regenerate reports/reference/ from a run (or --results)", "where to write the reference"),
        ("check", "compare a run (or --results) with the reference; exit 1 on drift", "the reference"),
    ):
        command = subcommands.add_parser(name, help=help_text)
        add_matrix_arguments(command, config)
        command.add_argument("--results", type=Path, help="read this results file instead of running the matrix")
        add_reference_argument(command, reference_help, config)
        command.add_argument(
            "--exact-python",
            action="store_true",
            help="key cells on each peer's Python too (default: version and implementation)",
        )
    subcommands.choices["reference"].set_defaults(max_repeat=REFERENCE_MAX_REPEAT)
    subcommands.choices["check"].add_argument(
        "--strict", action="store_true", help="an answer never seen in the reference (new-outcome) is drift too"
    )

    upgrade = subcommands.add_parser("upgrade", help="what changes from one version to another")
    upgrade.add_argument("before", metavar="FROM")
    upgrade.add_argument("after", metavar="TO")
    add_matrix_arguments(upgrade, config)
    upgrade.add_argument("--impl", default="default", choices=IMPLEMENTATIONS)
    upgrade.add_argument("--against", help="other versions you still run, as counterparts, e.g. 8.1,10.4")
    upgrade.add_argument("--results", type=Path, help="read this results file instead of running the matrix")
    add_reference_argument(upgrade, "reference the reports show drift against", config)
    upgrade.add_argument(
        "--no-bisect",
        dest="bisect",
        action="store_false",
        help="do not run the releases between FROM and TO to find which one introduced each change",
    )
    # Its own run never replaces reports/results.json or the dashboard.
    upgrade.set_defaults(output=None)

    history = subcommands.add_parser("history", help="one scenario's behaviour on every release in a range")
    add_matrix_arguments(history, config)
    history.add_argument(
        "--from", dest="first", default=versions.DEFAULT_SELECTORS[0], help="first release (default: 8.1)"
    )
    history.add_argument("--to", dest="last", default="newest", help="last release (default: newest)")
    history.add_argument(
        "--against", help="one version every release plays against, as client and as server (default: itself)"
    )
    history.add_argument("--impl", default="default", choices=IMPLEMENTATIONS)

    plan = subcommands.add_parser("plan", help="resolve versions once and write a plan file for the shards of a run")
    add_matrix_arguments(plan, config)
    plan.add_argument(
        "--shards", type=bounded_integer(shards.MAXIMUM_SHARDS), default=1, help="how many shards (default: 1)"
    )
    plan.add_argument(
        "--timings",
        type=Path,
        metavar="RESULTS",
        help="balance the shards on what each cell took in this previous run's results (e.g. the last merged run)",
    )
    plan.set_defaults(output=config.reports / "plan.json")  # --output: the plan file

    merge = subcommands.add_parser("merge", help="merge the results of every shard of a run into one")
    merge.add_argument("inputs", metavar="SHARD_RESULTS", nargs="+", type=Path)
    merge.add_argument("--output", type=output_path, default=config.output)
    add_reference_argument(merge, "reference the reports show drift against", config)
    merge.add_argument("--junit", type=output_path, help="also write the merged results as JUnit XML to this file")
    add_layout_argument(merge)

    report = subcommands.add_parser("report", help="rewrite summary.md and index.html from a results file")
    report.add_argument("--results", type=Path, default=config.output)
    add_reference_argument(report, "reference the reports show drift against", config)
    add_layout_argument(report)

    changes = subcommands.add_parser(
        "changes", help="where behaviour changed along each axis of a run of many releases (e.g. the atlas)"
    )
    changes.add_argument(
        "--results", type=Path, default=config.output, help="the results file (default: reports/results.json)"
    )
    changes.add_argument("--scenarios", help="scenario ids, comma-separated (default: every scenario of the run)")
    changes.add_argument(
        "--axis", choices=("client", "server"), help="only the changes along this side's releases (default: both)"
    )
    changes.add_argument("--fixed", help="only with the other side at this release (e.g. 14.2, or fault)")

    new = subcommands.add_parser("new", help="write a new scenario and its test from a template")
    new.add_argument("scenario_id", metavar="ID", help="the new scenario's id: lowercase words joined by hyphens")
    new.add_argument(
        "--scenarios-dir",
        dest="scenario_dirs",
        action="append",
        metavar="DIR",
        help="write it in this directory (default: the first of scenario-dirs of [tool.wsconform])",
    )

    attempt = subcommands.add_parser(
        "try", help="run one scenario once per variant between two releases and print both sides' steps"
    )
    attempt.add_argument("scenario_id", metavar="ID", help="the scenario to run")
    attempt.add_argument("--client", required=True, help="the client release (e.g. 13.1, newest)")
    attempt.add_argument("--server", required=True, help="the server release")
    attempt.add_argument(
        "--impl",
        default="default",
        choices=IMPLEMENTATIONS,
        help="the implementation on both sides (default: default)",
    )
    attempt.add_argument("--output", type=Path, help="the results file (default: reports/try-ID/results.json)")
    add_scenario_source_arguments(attempt)
    add_environments_argument(attempt, config)

    bench = subcommands.add_parser("bench", help="measure cases per second on a fixed subset")
    bench.add_argument("--repeat", type=bounded_integer(MAXIMUM_REPEAT), default=20)
    bench.add_argument(
        "--jobs", type=bounded_integer(MAXIMUM_JOBS), default=min(MAXIMUM_JOBS, max(4, 4 * (os.cpu_count() or 1)))
    )
    add_environments_argument(bench, config)
    return parser


def dispatch(arguments: argparse.Namespace) -> Coroutine[Any, Any, int] | int:
    """The work a parsed command line asks for: a coroutine to run, or an exit code."""
    if arguments.command == "matrix":
        return _matrix(matrix_options(arguments))
    if arguments.command == "reference":
        return commands.make_reference(source(arguments), arguments.reference, arguments.exact_python)
    if arguments.command == "check":
        return commands.check(source(arguments), arguments.reference, arguments.strict, arguments.exact_python)
    if arguments.command == "upgrade":
        for version, what in ((arguments.before, "FROM"), (arguments.after, "TO")):
            versions.validate_one(version, what)
        against = tuple(filter(None, (arguments.against or "").split(",")))
        for version in against:
            versions.validate_selector(version)
        request = commands.Upgrade(arguments.before, arguments.after, arguments.impl, against, arguments.bisect)
        chosen = source(arguments)
        if arguments.output is None:
            own = arguments.configuration.reports / request.stem / "results.json"
            chosen = dataclasses.replace(chosen, matrix=dataclasses.replace(chosen.matrix, output=own))
        return commands.upgrade(chosen, request)
    if arguments.command == "plan":
        if arguments.plan is not None or arguments.shard is not None:
            raise UsageError("plan makes a plan: it takes neither --plan nor --shard")
        return commands.plan(matrix_options(arguments), arguments.shards, arguments.output, arguments.timings)
    if arguments.command == "merge":
        return commands.merge(
            arguments.inputs, arguments.output, arguments.reference, arguments.junit, arguments.layout
        )
    if arguments.command == "history":
        return _history(arguments)
    if arguments.command == "report":
        return commands.report(arguments.results, arguments.reference, arguments.layout)
    if arguments.command == "changes":
        ids = tuple(s.strip() for s in (arguments.scenarios or "").split(",") if s.strip())
        return commands.changes(arguments.results, ids, arguments.axis, arguments.fixed)
    if arguments.command == "new":
        return scaffold.new(arguments.scenario_id, arguments.configuration, scenario_directories(arguments))
    if arguments.command == "try":
        return _try(arguments)
    assert arguments.command == "bench", arguments.command
    return benchmark.run_benchmark(arguments.repeat, arguments.jobs, arguments.environments)


def _history(arguments: argparse.Namespace) -> Coroutine[Any, Any, int]:
    if not arguments.scenarios:
        raise UsageError("history needs --scenarios ID (one or more, comma-separated)")
    for version, what in ((arguments.first, "--from"), (arguments.last, "--to"), (arguments.against, "--against")):
        if not version:
            continue
        versions.validate_one(version, what)
        if versions.candidate(version) is not None:
            raise UsageError(f"history runs PyPI releases; {version!r} is a candidate")
    request = commands.History(
        parse_scenarios(arguments.scenarios, arguments),
        arguments.first,
        arguments.last,
        arguments.against,
        arguments.impl,
    )
    options = matrix_options(arguments)
    if arguments.output == arguments.configuration.output:  # its own run never replaces reports/results.json
        own = arguments.configuration.reports / request.stem / "results.json"
        options = dataclasses.replace(options, output=own)
    return commands.history_command(options, request)


def _try(arguments: argparse.Namespace) -> Coroutine[Any, Any, int]:
    for version, what in ((arguments.client, "--client"), (arguments.server, "--server")):
        versions.validate_one(version, what)
    scenario_id = arguments.scenario_id
    options = MatrixOptions(
        clients=versions.parse_selectors(arguments.client),
        servers=versions.parse_selectors(arguments.server),
        implementations=matrix.parse_implementations(arguments.impl),
        scenarios=parse_scenarios(scenario_id, arguments),
        repeat=1,
        max_repeat=1,
        # Its own run never replaces reports/results.json.
        output=arguments.output or arguments.configuration.reports / f"try-{scenario_id}" / "results.json",
        environments=arguments.environments,
        reference=None,
        scenario_directories=scenario_directories(arguments),
        requirements=extra_requirements(arguments),
    )
    return scaffold.try_scenario(options)


async def _matrix(options: MatrixOptions) -> int:
    return (await pipeline.run_matrix(options)).exit_code


def main(argv: list[str] | None = None) -> int:
    atexit.register(kill_all)
    interrupts.install()
    try:
        work = dispatch(make_parser(configuration.find()).parse_args(argv))
        return work if isinstance(work, int) else asyncio.run(work)
    except UsageError as exc:
        say(f"error: {exc}")
        return exit_codes.USAGE
    except BadInputError as exc:
        say(f"error: {exc}")
        return exit_codes.BAD_INPUT
    except KeyboardInterrupt:
        say("interrupted")
        return exit_codes.INCOMPLETE
    except Exception as exc:  # a harness bug: one line with where, never exit 1 (drift)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        say(f"error: harness bug: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})")
        return exit_codes.INCOMPLETE
    finally:
        kill_all()


__all__ = ["main"]
