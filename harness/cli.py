"""Command line: ``python -m harness COMMAND …`` (what the nox sessions run).

Argument parsing and dispatch only, the way nox keeps ``_cli.py`` apart from
its tasks: each command's options become a frozen options object, and the
work is done by :mod:`harness.pipeline` (the matrix run),
:mod:`harness.commands` (reference, check, upgrade, report) and
:mod:`harness.benchmark`. Every way out is an exit code from
:mod:`harness.exit_codes`, with errors in one line.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import signal
from collections.abc import Coroutine
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from . import benchmark, commands, exit_codes, matrix, pipeline, versions
from .agents import kill_all
from .display import say
from .exit_codes import BadInputError, UsageError
from .peer.drivers import IMPLEMENTATIONS
from .pipeline import PROJECT, REFERENCE, MatrixOptions


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but errors are one line and use the documented exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def positive_integer(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def parse_pythons(text: str | None) -> dict[str, tuple[str, ...]]:
    """``8.1=3.9,14.2=3.12`` → which Python to use for which version."""
    choices: dict[str, tuple[str, ...]] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        version, separator, python = item.partition("=")
        if not separator or not python.strip():
            raise UsageError(f"invalid --python entry {item!r} (expected VERSION=PYTHON, e.g. 8.1=3.9)")
        versions.validate_selector(version.strip())
        if not all(part.isdigit() for part in python.strip().split(".")):
            raise UsageError(f"invalid Python version {python.strip()!r} in --python")
        choices[version.strip()] = (python.strip(),)
    return choices


def parse_scenarios(text: str | None) -> tuple[str, ...]:
    """Comma-separated scenario ids, each one that exists (default: all)."""
    known = pipeline.discover_scenarios()
    if not text:
        return known
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in known]
    if unknown or not chosen:
        raise UsageError(f"unknown scenario {', '.join(unknown) or '(none)'} (known: {', '.join(known)})")
    return chosen


def add_matrix_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--versions",
        help="versions on both sides, comma-separated: exact releases (12.0), newest, newest-N "
        f"(default: {','.join(versions.DEFAULT_SELECTORS)})",
    )
    parser.add_argument("--clients", help="client versions (default: --versions)")
    parser.add_argument("--servers", help="server versions (default: --versions)")
    parser.add_argument(
        "--impls",
        default="default",
        help="implementations: default, all, or a list among default,legacy,asyncio,sync,trio (default: default)",
    )
    parser.add_argument("--scenarios", help="scenario ids, comma-separated (default: all)")
    parser.add_argument("--repeat", type=positive_integer, default=10, help="repetitions per cell (default: 10)")
    parser.add_argument(
        "--jobs",
        type=positive_integer,
        default=max(8, 8 * (os.cpu_count() or 1)),
        help="cases in flight at once (default: 8 per core; most cases wait on sockets)",
    )
    parser.add_argument(
        "--agents-per-peer",
        type=positive_integer,
        default=4,
        help="most agent processes per (peer, role) (default: 4)",
    )
    parser.add_argument("--python", dest="pythons", help="Python per version, e.g. 8.1=3.9,14.2=3.12")
    parser.add_argument("--output", type=Path, default=MatrixOptions.output, help="results file")
    parser.add_argument("--environments", type=Path, default=MatrixOptions.environments)
    parser.add_argument("--download-python", action="store_true", help="let uv download missing interpreters")
    parser.add_argument("--rebuild", action="store_true", help="rebuild peer environments from scratch")
    parser.add_argument("--no-tables", dest="tables", action="store_false", help="do not print result tables")


def add_reference_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--reference", type=Path, default=REFERENCE, help=f"{help_text} (default: reports/reference)")


def matrix_options(arguments: argparse.Namespace) -> MatrixOptions:
    both = versions.parse_selectors(arguments.versions) if arguments.versions else versions.DEFAULT_SELECTORS
    return MatrixOptions(
        clients=versions.parse_selectors(arguments.clients) if arguments.clients else both,
        servers=versions.parse_selectors(arguments.servers) if arguments.servers else both,
        implementations=matrix.parse_implementations(arguments.impls),
        scenarios=parse_scenarios(arguments.scenarios),
        repeat=arguments.repeat,
        jobs=arguments.jobs,
        agents_per_peer=arguments.agents_per_peer,
        pythons=parse_pythons(arguments.pythons),
        output=arguments.output,
        environments=arguments.environments,
        reference=getattr(arguments, "reference", REFERENCE),
        download_python=arguments.download_python,
        rebuild=arguments.rebuild,
        tables=arguments.tables,
    )


def source(arguments: argparse.Namespace) -> commands.Source:
    """The results a command works on: ``--results``, or a matrix run."""
    return commands.Source(matrix_options(arguments), arguments.results)


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m harness", description=__doc__)
    subcommands = parser.add_subparsers(dest="command", required=True)

    run = subcommands.add_parser("matrix", help="run the matrix, write reports/results.json")
    add_matrix_arguments(run)
    add_reference_argument(run, "reference the reports show drift against")

    for name, help_text, reference_help in (
        ("reference", "regenerate reports/reference/ from a run (or --results)", "where to write the reference"),
        ("check", "compare a run (or --results) with the reference; exit 1 on drift", "the reference"),
    ):
        command = subcommands.add_parser(name, help=help_text)
        add_matrix_arguments(command)
        command.add_argument("--results", type=Path, help="read this results file instead of running the matrix")
        add_reference_argument(command, reference_help)

    upgrade = subcommands.add_parser("upgrade", help="what changes from one version to another")
    upgrade.add_argument("before", metavar="FROM")
    upgrade.add_argument("after", metavar="TO")
    add_matrix_arguments(upgrade)
    upgrade.add_argument("--impl", default="default", choices=IMPLEMENTATIONS)
    upgrade.add_argument("--against", help="other versions you still run, as counterparts, e.g. 8.1,10.4")
    upgrade.add_argument("--results", type=Path, help="read this results file instead of running the matrix")
    add_reference_argument(upgrade, "reference the reports show drift against")

    report = subcommands.add_parser("report", help="rewrite summary.md and index.html from a results file")
    report.add_argument("--results", type=Path, default=MatrixOptions.output)
    add_reference_argument(report, "reference the reports show drift against")

    bench = subcommands.add_parser("bench", help="measure cases per second on a fixed subset")
    bench.add_argument("--repeat", type=positive_integer, default=20)
    bench.add_argument("--jobs", type=positive_integer, default=max(4, 4 * (os.cpu_count() or 1)))
    bench.add_argument("--environments", type=Path, default=MatrixOptions.environments)
    return parser


def dispatch(arguments: argparse.Namespace) -> Coroutine[Any, Any, int] | int:
    """The work a parsed command line asks for: a coroutine to run, or an exit code."""
    if arguments.command == "matrix":
        return _matrix(matrix_options(arguments))
    if arguments.command == "reference":
        return commands.make_reference(source(arguments), arguments.reference)
    if arguments.command == "check":
        return commands.check(source(arguments), arguments.reference)
    if arguments.command == "upgrade":
        for version in (arguments.before, arguments.after):
            versions.validate_selector(version)
        against = tuple(filter(None, (arguments.against or "").split(",")))
        request = commands.Upgrade(arguments.before, arguments.after, arguments.impl, against)
        return commands.upgrade(source(arguments), request)
    if arguments.command == "report":
        return commands.report(arguments.results, arguments.reference)
    assert arguments.command == "bench", arguments.command
    return benchmark.run_benchmark(arguments.repeat, arguments.jobs, arguments.environments)


async def _matrix(options: MatrixOptions) -> int:
    return (await pipeline.run_matrix(options)).exit_code


def main(argv: list[str] | None = None) -> int:
    atexit.register(kill_all)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        work = dispatch(make_parser().parse_args(argv))
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
    finally:
        kill_all()


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


__all__ = ["PROJECT", "main"]
