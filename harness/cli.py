"""Command line: ``python -m harness matrix|bench …`` (what the nox sessions run).

Each command is a pipeline of small steps; see :func:`run_matrix`.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import datetime
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import __version__, derived, display, exit_codes, matrix, outcomes, reference, reports, results, versions
from .agents import Agent, AgentError, kill_all
from .environments import CANDIDATE_PYTHONS, Builder, Environment
from .exit_codes import BadInputError, UsageError
from .peer import scenario as scenario_api
from .runner import Runner, Settings

PROJECT = Path(__file__).resolve().parent.parent

#: Environments are built this many at a time.
BUILD_CONCURRENCY = 3


@dataclass(frozen=True)
class MatrixOptions:
    clients: tuple[str, ...]
    servers: tuple[str, ...]
    implementations: tuple[str, ...]
    scenarios: tuple[str, ...]
    repeat: int
    jobs: int
    agents_per_peer: int
    pythons: dict[str, tuple[str, ...]]
    output: Path
    environments: Path
    download_python: bool
    rebuild: bool
    tables: bool


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but errors are one line and use the documented exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
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
    parser.add_argument("--output", type=Path, default=PROJECT / "reports" / "results.json")
    parser.add_argument("--environments", type=Path, default=PROJECT / ".nox" / "peers")
    parser.add_argument("--download-python", action="store_true", help="let uv download missing interpreters")
    parser.add_argument("--rebuild", action="store_true", help="rebuild peer environments from scratch")
    parser.add_argument("--no-tables", dest="tables", action="store_false", help="do not print result tables")


def matrix_options(arguments: argparse.Namespace) -> MatrixOptions:
    both = versions.parse_selectors(arguments.versions) if arguments.versions else versions.DEFAULT_SELECTORS
    clients = versions.parse_selectors(arguments.clients) if arguments.clients else both
    servers = versions.parse_selectors(arguments.servers) if arguments.servers else both
    known = scenario_api.discover(str(PROJECT))
    if arguments.scenarios:
        chosen = tuple(s.strip() for s in arguments.scenarios.split(",") if s.strip())
        unknown = [s for s in chosen if s not in known]
        if unknown or not chosen:
            raise UsageError(f"unknown scenario {', '.join(unknown) or '(none)'} (known: {', '.join(known)})")
    else:
        chosen = tuple(known)
    return MatrixOptions(
        clients=clients,
        servers=servers,
        implementations=matrix.parse_implementations(arguments.impls),
        scenarios=chosen,
        repeat=arguments.repeat,
        jobs=arguments.jobs,
        agents_per_peer=arguments.agents_per_peer,
        pythons=parse_pythons(arguments.pythons),
        output=arguments.output,
        environments=arguments.environments,
        download_python=arguments.download_python,
        rebuild=arguments.rebuild,
        tables=arguments.tables,
    )


# The matrix pipeline, one step per function.


def load_scenarios(ids: tuple[str, ...]) -> dict[str, ModuleType]:
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    loaded = {}
    for scenario_id in ids:
        try:
            loaded[scenario_id] = scenario_api.load(scenario_id)
        except scenario_api.ScenarioError as exc:
            raise UsageError(str(exc)) from None
    return loaded


def resolve_versions(options: MatrixOptions) -> tuple[tuple[str, ...], tuple[str, ...], versions.Releases]:
    releases = versions.fetch_releases(options.environments / "releases.json")
    if releases.source == "cache":
        display.say("PyPI unreachable: resolving versions from the last known release list")
    clients = versions.resolve_all(options.clients, releases)
    servers = versions.resolve_all(options.servers, releases)
    return clients, servers, releases


async def build_environments(
    options: MatrixOptions, wanted: tuple[str, ...], releases: versions.Releases
) -> dict[str, Environment]:
    builder = Builder(options.environments, PROJECT, options.download_python, options.rebuild, log=display.say)
    limit = asyncio.Semaphore(BUILD_CONCURRENCY)

    async def one(version: str) -> Environment:
        if releases.source == "pypi" and version not in releases:
            return Environment(version, "unavailable", reason=f"websockets {version} is not a release on PyPI")
        pythons = _pythons_for(version, options.pythons)
        async with limit:
            return await builder.prepare(version, pythons)

    built = await asyncio.gather(*(one(version) for version in wanted))
    for environment in built:
        if environment.status == "available":
            how = "reused" if environment.reused else f"built in {environment.seconds:.1f} s"
            display.say(f"websockets {environment.version}: Python {environment.python_full} ({how})")
        else:
            display.say(f"websockets {environment.version}: unavailable: {environment.reason}")
    return {environment.version: environment for environment in built}


def _pythons_for(version: str, choices: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return choices.get(version, CANDIDATE_PYTHONS)


async def inventory(environment: Environment) -> dict[str, Any] | None:
    """Ask the release which implementations it has (one short-lived agent)."""
    if environment.status != "available" or environment.executable is None:
        return None
    agent = Agent(environment.executable, "inventory", environment.version, PROJECT)
    try:
        await agent.start()
        hello = await agent.request("hello", timeout=30)
    except AgentError as exc:
        display.say(f"websockets {environment.version}: agent failed: {exc}")
        return None
    finally:
        await agent.stop()
    return hello.get("implementations") or None


async def make_peers(
    options: MatrixOptions, environments: dict[str, Environment], clients: tuple[str, ...], servers: tuple[str, ...]
) -> tuple[list[matrix.Peer], list[matrix.Peer]]:
    inventories = dict(zip(environments, await asyncio.gather(*(inventory(e) for e in environments.values()))))
    peers: dict[str, list[matrix.Peer]] = {}
    for version, environment in environments.items():
        if environment.status == "available" and inventories[version] is None:
            environment = Environment(version, "unavailable", reason="the agent could not start")
        peers[version] = matrix.peers_for(environment, inventories[version], options.implementations)
    return (
        [peer for version in clients for peer in peers[version]],
        [peer for version in servers for peer in peers[version]],
    )


def build_document(
    options: MatrixOptions,
    started: datetime.datetime,
    seconds: float,
    complete: bool,
    interrupted: bool,
    environments: dict[str, Environment],
    client_peers: list[matrix.Peer],
    server_peers: list[matrix.Peer],
    fault: matrix.Peer,
    scenarios: dict[str, ModuleType],
    summaries: list[outcomes.CellSummary],
    releases_source: str,
) -> dict[str, Any]:
    cell_statuses: dict[str, int] = {}
    for summary in summaries:
        cell_statuses[summary.status] = cell_statuses.get(summary.status, 0) + 1
    all_peers = {peer.id: peer for peer in [*client_peers, *server_peers]}
    if any(module.SCENARIO.servers == "fault" for module in scenarios.values()):
        all_peers[fault.id] = fault
    document = {
        "schema": results.SCHEMA,
        "schema_version": results.SCHEMA_VERSION,
        "run": {
            "harness_version": __version__,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3),
            "complete": complete,
            "interrupted": interrupted,
            "argv": sys.argv[1:],
            "platform": platform.platform(),
            "orchestrator_python": platform.python_version(),
            "releases_source": releases_source,
            "options": {
                "clients": list(options.clients),
                "servers": list(options.servers),
                "implementations": list(options.implementations),
                "scenarios": list(options.scenarios),
                "repeat": options.repeat,
                "jobs": options.jobs,
                "agents_per_peer": options.agents_per_peer,
            },
        },
        "environments": [environments[v].describe() for v in sorted(environments, key=versions.Version)],
        "peers": [peer.describe() for peer in all_peers.values()],
        "clients": list(dict.fromkeys(peer.id for peer in client_peers)),
        "servers": list(dict.fromkeys(peer.id for peer in server_peers)),
        "scenarios": [scenario_api.describe(module.SCENARIO) for module in scenarios.values()],
        "cells": [summary.describe() for summary in summaries],
        "totals": {
            "cells": cell_statuses,
            "cases": sum(summary.runs for summary in summaries),
            "varies": sum(1 for summary in summaries if summary.varies),
        },
    }
    document["catchability"] = derived.catchability(document)
    document["api_surface"] = derived.api_surface(document)
    return document


def exit_code_for(document: dict[str, Any]) -> int:
    if not document["run"]["complete"] or document["totals"]["cells"].get("error"):
        return exit_codes.INCOMPLETE
    if any(peer["status"] == "unavailable" for peer in document["peers"]):
        return exit_codes.UNAVAILABLE
    return exit_codes.SUCCESS


async def run_matrix(options: MatrixOptions) -> int:
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    scenarios = load_scenarios(options.scenarios)
    client_versions, server_versions, releases = resolve_versions(options)
    display.say(f"clients: {', '.join(client_versions)} · servers: {', '.join(server_versions)}")
    wanted = tuple(sorted(set(client_versions) | set(server_versions), key=versions.Version))
    environments = await build_environments(options, wanted, releases)
    client_peers, server_peers = await make_peers(options, environments, client_versions, server_versions)
    fault = matrix.fault_peer()
    cells = matrix.plan(scenarios, client_peers, server_peers, fault)
    runnable = sum(1 for cell in cells if cell.status == "run")
    settings = Settings(options.repeat, options.jobs, options.agents_per_peer)
    display.say(f"{len(cells)} cells ({runnable} runnable) × {options.repeat} repetitions, {options.jobs} in flight")
    interrupted = False
    runner = Runner(PROJECT, scenarios, settings)
    total = sum(runner.repetitions(cell) for cell in cells if cell.status == "run")
    with display.RunProgress(total) as progress:
        runner.progress = lambda cell, result: progress.advance(result.status)
        try:
            case_results = await runner.run(cells)
        except (asyncio.CancelledError, KeyboardInterrupt):
            interrupted = True
            case_results = runner.results
            kill_all()
        finally:
            await runner.close()
    summaries = [
        case_results[cell.key].summary()
        if cell.key in case_results
        else outcomes.aggregate(scenarios[cell.scenario], cell, [])
        for cell in cells
    ]
    complete = not interrupted
    document = build_document(
        options,
        started,
        time.monotonic() - clock,
        complete,
        interrupted,
        environments,
        client_peers,
        server_peers,
        fault,
        scenarios,
        summaries,
        releases.source,
    )
    path = results.save(options.output, document)
    if not interrupted:
        write_reports(document, options.output.parent)
    if options.tables and not interrupted:
        display.print_tables(document)
        display.print_api_surface(document)
        display.print_catchability(document)
    display.print_summary(document, str(path))
    if interrupted:
        display.say("interrupted: partial results written; the last complete results were kept")
    code = exit_code_for(document)
    display.say(f"exit {code}: {exit_codes.DESCRIPTIONS[code]}")
    return code


# Reports, reference, check, upgrade.

REFERENCE = PROJECT / "reports" / "reference"


def load_reference_if_any(directory: Path) -> dict[str, dict[str, Any]] | None:
    try:
        return reference.load(directory)
    except BadInputError as exc:
        if directory.is_dir() and any(directory.glob("*.json")):
            raise  # a corrupt reference is an error, an absent one is not
        display.say(f"note: {exc}")
        return None


def write_reports(document: dict[str, Any], directory: Path, references: dict[str, Any] | None = None) -> list[Any]:
    """summary.md and index.html beside the results, with drift when a reference exists."""
    if references is None and directory.resolve() == (PROJECT / "reports").resolve():
        references = load_reference_if_any(REFERENCE)
    drifts = reference.compare(document, references) if references is not None else None
    results.write_text_atomically(directory / "summary.md", reports.summary_markdown(document, drifts))
    results.write_text_atomically(directory / "index.html", reports.dashboard_html(document, drifts))
    display.say(f"reports: {directory / 'summary.md'}, {directory / 'index.html'}")
    return drifts or []


async def results_for(arguments: argparse.Namespace) -> tuple[dict[str, Any], int]:
    """Read ``--results``, or run the matrix first; return the document and the run's exit code."""
    if arguments.results is not None:
        document = results.load(arguments.results)
        return document, exit_code_for(document)
    options = matrix_options(arguments)
    code = await run_matrix(options)
    if code == exit_codes.INCOMPLETE and not options.output.exists():
        raise BadInputError("the matrix run did not complete; no results to compare")
    return results.load(options.output), code


async def run_reference(arguments: argparse.Namespace) -> int:
    document, code = await results_for(arguments)
    if code == exit_codes.INCOMPLETE:
        display.say("error: the run is incomplete or has harness errors; the reference was not changed")
        return exit_codes.INCOMPLETE
    written = reference.save(arguments.reference, reference.build(document))
    display.say(
        f"reference: {len(written)} files in {arguments.reference}; review with `git diff {arguments.reference}`"
    )
    return exit_codes.SUCCESS


async def run_check(arguments: argparse.Namespace) -> int:
    references = reference.load(arguments.reference)
    document, code = await results_for(arguments)
    drifts = reference.compare(document, references)
    write_reports(
        document, arguments.output.parent if arguments.results is None else arguments.results.parent, references
    )
    tally = reference.counts(drifts)
    for drift in drifts:
        if drift.verdict != reference.SAME:
            display.say(drift.line())
    display.say("drift: " + ", ".join(f"{count} {verdict}" for verdict, count in tally.items() if count))
    if code == exit_codes.INCOMPLETE or not document["run"]["complete"]:
        result = exit_codes.INCOMPLETE
    elif tally[reference.CHANGED] or tally[reference.NEW] or tally[reference.MISSING]:
        result = exit_codes.DRIFT
    elif tally[reference.NOT_COMPARED]:
        result = exit_codes.INCOMPLETE
    else:
        result = exit_codes.SUCCESS
    display.say(f"exit {result}: {exit_codes.DESCRIPTIONS[result]}")
    return result


async def run_upgrade(arguments: argparse.Namespace) -> int:
    for version in (arguments.before, arguments.after):
        versions.validate_selector(version)
    if arguments.results is None:
        wanted = ",".join(
            dict.fromkeys([arguments.before, arguments.after, *filter(None, (arguments.against or "").split(","))])
        )
        arguments.versions = wanted
        arguments.impls = arguments.impl
    document, code = await results_for(arguments)
    report = reports.upgrade_report(document, arguments.before, arguments.after, arguments.impl)
    directory = arguments.results.parent if arguments.results else arguments.output.parent
    stem = f"upgrade-{arguments.before}-to-{arguments.after}"
    results.write_text_atomically(directory / f"{stem}.md", reports.upgrade_markdown(report, document))
    results.write_text_atomically(directory / f"{stem}.html", reports.upgrade_html(report, document))
    display.say(
        f"{len(report.behaviour)} behaviours change, {len(report.api)} API changes, "
        f"{len(report.except_clauses)} except clauses stop catching → {directory / stem}.md / .html"
    )
    return code


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m harness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add_matrix_arguments(commands.add_parser("matrix", help="run the matrix, write reports/results.json"))
    for name, help_text in (
        ("reference", "regenerate reports/reference/ from a run (or --results)"),
        ("check", "compare a run (or --results) with the reference; exit 1 on drift"),
    ):
        command = commands.add_parser(name, help=help_text)
        add_matrix_arguments(command)
        command.add_argument("--results", type=Path, help="read this results file instead of running the matrix")
        command.add_argument("--reference", type=Path, default=REFERENCE)
    upgrade = commands.add_parser("upgrade", help="what changes from one version to another")
    upgrade.add_argument("before", metavar="FROM")
    upgrade.add_argument("after", metavar="TO")
    add_matrix_arguments(upgrade)
    upgrade.add_argument("--impl", default="default", choices=matrix.IMPLEMENTATIONS)
    upgrade.add_argument("--against", help="other versions you still run, as counterparts, e.g. 8.1,10.4")
    upgrade.add_argument("--results", type=Path, help="read this results file instead of running the matrix")
    report = commands.add_parser("report", help="rewrite summary.md and index.html from a results file")
    report.add_argument("--results", type=Path, default=PROJECT / "reports" / "results.json")
    bench = commands.add_parser("bench", help="measure cases per second on a fixed subset")
    bench.add_argument("--repeat", type=positive_integer, default=20)
    bench.add_argument("--jobs", type=positive_integer, default=max(4, 4 * (os.cpu_count() or 1)))
    bench.add_argument("--environments", type=Path, default=PROJECT / ".nox" / "peers")
    atexit.register(kill_all)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        arguments = parser.parse_args(argv)
        if arguments.command == "bench":
            from .benchmark import run_benchmark

            return asyncio.run(run_benchmark(PROJECT, arguments.repeat, arguments.jobs, arguments.environments))
        if arguments.command == "reference":
            return asyncio.run(run_reference(arguments))
        if arguments.command == "check":
            return asyncio.run(run_check(arguments))
        if arguments.command == "upgrade":
            return asyncio.run(run_upgrade(arguments))
        if arguments.command == "report":
            document = results.load(arguments.results)
            write_reports(document, arguments.results.parent)
            return exit_code_for(document)
        return asyncio.run(run_matrix(matrix_options(arguments)))
    except UsageError as exc:
        display.say(f"error: {exc}")
        return exit_codes.USAGE
    except BadInputError as exc:
        display.say(f"error: {exc}")
        return exit_codes.BAD_INPUT
    except KeyboardInterrupt:
        display.say("interrupted")
        return exit_codes.INCOMPLETE
    finally:
        kill_all()


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
