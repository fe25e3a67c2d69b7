"""The matrix run, as a chain of small steps.

Theory of operation
-------------------

``nox -s matrix`` (and ``check``, ``reference``, ``upgrade`` and ``bench``,
which run the matrix first) goes through these steps, each taking what the
previous one produced, the way nox's ``tasks`` module chains its own:

1. :func:`load_scenarios` — scenario ids → :class:`LoadedScenario` objects;
2. :func:`resolve_versions` — selectors (``newest-14``) → exact releases;
3. :func:`build_environments` — one environment per release (uv, cached);
4. :func:`make_peers` — each environment's implementations → peers;
5. :func:`plan` — every cell (scenario variant × client × server);
6. :func:`run_cells` — every repetition, folded into cell summaries;
7. :func:`wsconform.model.results.build_document` — the results document, and its
   exit code (:func:`wsconform.model.results.exit_code_for`).

:func:`run_matrix` chains them and writes the results and reports. Nothing
here parses arguments (:mod:`wsconform.cli.main` does) or prints tables
(:mod:`wsconform.rendering.display` does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from wsconform.core import exit_codes, files
from wsconform.core.exit_codes import UsageError
from wsconform.core.schema import ReferenceDocument, ResultsDocument, RunOptions
from wsconform.core.vocabulary import Availability
from wsconform.execution import interrupts, outputs
from wsconform.execution.agents import Agent, AgentError, PeerCode, kill_all
from wsconform.execution.environments import CANDIDATE_PYTHONS, Builder, check_requirements
from wsconform.execution.runner import CellKey, Runner, Settings
from wsconform.model import matrix, outcomes, reference, results, shards, versions
from wsconform.model.matrix import Environment, Source
from wsconform.peer import scenario as scenario_api
from wsconform.peer.scenario import LoadedScenario
from wsconform.rendering import display

#: Where outputs go by default: ``reports/`` in the working directory (the
#: command line resolves them against the project's ``pyproject.toml``,
#: see :mod:`wsconform.cli.configuration`). An installed tool never writes
#: into its own installation.
REPORTS = Path("reports")

#: The reference: ``reports/reference/`` of the project.
REFERENCE = REPORTS / "reference"

#: The variable that moves the peer environments (and the package link
#: agents import) out of the per-user cache.
ENVIRONMENTS_VARIABLE = "WSCONFORM_ENVIRONMENTS"


def default_environments() -> Path:
    """Where peer environments are built: ``$WSCONFORM_ENVIRONMENTS``, or
    the per-user cache directory (``~/.cache/wsconform/peers`` on Linux)."""
    chosen = os.environ.get(ENVIRONMENTS_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return platformdirs.user_cache_path("wsconform") / "peers"


#: Environments are built this many at a time.
BUILD_CONCURRENCY = 3


@dataclass(frozen=True)
class MatrixOptions:
    """Everything a matrix run depends on, fixed before it starts."""

    clients: tuple[str, ...] = versions.DEFAULT_SELECTORS
    servers: tuple[str, ...] = versions.DEFAULT_SELECTORS
    implementations: tuple[str, ...] = ("default",)
    scenarios: tuple[str, ...] = ()
    repeat: int = 10
    #: Runs of a cell whose answers vary (in this run or in the reference).
    max_repeat: int = 60
    jobs: int = 8
    agents_per_peer: int = 4
    #: Workers for cases expected to wait, and the most busy cases aside at
    #: once (:mod:`wsconform.execution.runner`), on up to ``waiting_agents`` more agents per peer and role.
    waiting_jobs: int = 32
    waiting_agents: int = 8
    #: Fork agents from a warm interpreter per environment (``--fresh-agents``: off).
    fork_agents: bool = True
    #: Interpreters named per version (``--python``): one peer each.
    pythons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: For other versions, which working interpreters: newest and/or oldest.
    interpreters: tuple[str, ...] = ("newest",)
    output: Path = REPORTS / "results.json"
    environments: Path = field(default_factory=default_environments)
    #: The reference to show drift against in the reports; None for none.
    reference: Path | None = REFERENCE
    download_python: bool = False
    rebuild: bool = False
    #: Print every grid in the terminal (``--tables``); by default a run ends
    #: with the at-a-glance summary and the dashboard's path.
    tables: bool = False
    #: Run only these cells, as (scenario, variant, client version, server
    #: version) — ``fault`` for the fault server; empty for every cell. The
    #: targeted runs of ``history`` and of the upgrade report's bisection.
    only: frozenset[tuple[str, str, str, str]] = frozenset()
    #: Run only this part of the cells (``--shard K/N``, :mod:`wsconform.model.shards`).
    shard: shards.Shard | None = None
    #: The id of the plan the options came from (``--plan``, :mod:`wsconform.execution.plans`).
    plan: str | None = None
    #: What each cell took in a previous run (the plan's ``timings``), by
    #: :func:`shards.timing_key`: what ``--shard`` balances on first.
    timings: Mapping[str, shards.Expectation] | None = None
    #: Also write the results as JUnit XML here (``--junit``).
    junit: Path | None = None
    #: The dashboard's layout (``--layout``): one page, or the atlas site.
    layout: outputs.Layout = outputs.Layout.AUTO
    #: The user's scenario directories (``--scenarios-dir``), beside the built-in ones.
    scenario_directories: tuple[Path, ...] = ()
    #: Whether a run without ``--scenarios`` selects the built-in scenarios too.
    builtin_scenarios: bool = True
    #: Extra requirements installed in every peer environment beside its
    #: websockets release (``--requirement``; local packages as absolute paths).
    requirements: tuple[str, ...] = ()
    #: The first release ``all`` names (``--since``).
    since: str = versions.FIRST_RELEASE

    def peer_code(self) -> PeerCode:
        """What agents of this run import: the package and the scenario directories."""
        return PeerCode.prepare(self.environments, self.scenario_directories)


@dataclass(frozen=True)
class Resolved:
    """Step 2: exact releases on each axis."""

    clients: tuple[str, ...]
    servers: tuple[str, ...]
    releases: versions.Releases

    @property
    def wanted(self) -> tuple[str, ...]:
        """Every release either axis needs, oldest first."""
        return tuple(sorted(set(self.clients) | set(self.servers), key=versions.order))


@dataclass(frozen=True)
class Peers:
    """Step 4: the peers on each axis, and the environments behind them."""

    environments: dict[str, list[Environment]]
    clients: list[matrix.Peer]
    servers: list[matrix.Peer]
    fault: matrix.Peer


@dataclass(frozen=True)
class Measured:
    """Step 6: every cell's summary, and whether the run finished."""

    summaries: list[outcomes.CellSummary]
    interrupted: bool
    seconds: float


@dataclass(frozen=True)
class MatrixRun:
    """What :func:`run_matrix` produced."""

    document: ResultsDocument
    #: Where the results were written; None when they could not be.
    path: Path | None
    exit_code: int


def discover_scenarios(directories: tuple[Path, ...] = (), builtin: bool = True) -> tuple[str, ...]:
    """Every scenario id a run selects by default: the built-in ones (unless
    ``builtin`` is false), then each directory's. A directory that is not
    one, or an id found twice, is a usage error."""
    try:
        return tuple(scenario_api.discover([str(path) for path in directories], builtin))
    except scenario_api.ScenarioError as exc:
        raise UsageError(str(exc)) from None


def load_scenarios(ids: tuple[str, ...], directories: tuple[Path, ...] = ()) -> dict[str, LoadedScenario]:
    """Step 1. A scenario that does not load is a usage error — the
    selected ones, and every other scenario file too: a broken file is
    reported before any environment is built, never silently skipped
    because other scenarios were selected."""
    loaded = {}
    for scenario_id in dict.fromkeys((*ids, *discover_scenarios(directories))):
        try:
            found = scenario_api.load(scenario_id, [str(path) for path in directories])
        except scenario_api.ScenarioError as exc:
            raise UsageError(str(exc)) from None
        if scenario_id in ids:
            loaded[scenario_id] = found
    return loaded


def with_scenario_requirements(options: MatrixOptions, scenarios: Mapping[str, LoadedScenario]) -> MatrixOptions:
    """``options`` whose peers also install what the selected scenarios
    require (``Scenario(requirements=…)``, paths relative to each file)."""
    found = list(options.requirements)
    for loaded in scenarios.values():
        if loaded.declaration.requirements:
            base = Path(loaded.path).parent if loaded.path else Path.cwd()
            where = f"{loaded.path or loaded.id}: requirements"
            found += check_requirements(loaded.declaration.requirements, base, where)
    return dataclasses.replace(options, requirements=tuple(dict.fromkeys(found)))


def resolve_versions(options: MatrixOptions) -> Resolved:
    """Step 2, against PyPI (or the last known release list when offline)."""
    releases = versions.fetch_releases(options.environments / "releases.json")
    if releases.source == "cache":
        display.say("PyPI unreachable: resolving versions from the last known release list")
    return Resolved(
        versions.resolve_all(options.clients, releases, options.since),
        versions.resolve_all(options.servers, releases, options.since),
        releases,
    )


def interpreter_searches(options: MatrixOptions, name: str) -> list[tuple[str, ...]]:
    """The interpreters to try for each environment of one version: each
    named one alone, or the candidates newest first and/or oldest first."""
    if name in options.pythons:
        return [(python,) for python in options.pythons[name]]
    orders = {"newest": CANDIDATE_PYTHONS, "oldest": tuple(reversed(CANDIDATE_PYTHONS))}
    return [orders[choice] for choice in options.interpreters]


async def build_environments(options: MatrixOptions, resolved: Resolved) -> dict[str, list[Environment]]:
    """Step 3: an environment per release and interpreter (by default the
    newest Python that runs it; ``--pythons``/``--python`` for more)."""
    builder = Builder(
        options.environments, options.peer_code(), options.download_python, options.rebuild, log=display.say
    )
    limit = asyncio.Semaphore(BUILD_CONCURRENCY)

    async def one(selector: str) -> list[Environment]:
        name = versions.label(selector)
        named = versions.candidate(selector)
        source = Source.of(named[1] if named else selector)
        is_release = source.requirement.startswith("websockets==")
        if is_release and resolved.releases.source == "pypi" and source.identity not in resolved.releases:
            return [
                Environment(
                    name, Availability.UNAVAILABLE, reason=f"websockets {source.identity} is not a release on PyPI"
                )
            ]
        found: list[Environment] = []
        for pythons in interpreter_searches(options, name):
            async with limit:
                environment = await builder.prepare(name, pythons, options.requirements, source=source)
            if not any(e.python == environment.python and e.status == environment.status for e in found):
                found.append(environment)  # oldest and newest may be one interpreter
        return found

    by_version = await asyncio.gather(*(one(version) for version in resolved.wanted))
    built = [environment for environments in by_version for environment in environments]
    for environment in built:
        if environment.status == Availability.AVAILABLE:
            how = "reused" if environment.reused else f"built in {environment.seconds:.1f} s"
            runs = "" if environment.installed == environment.version else f" = websockets {environment.installed}"
            display.say(f"websockets {environment.version}{runs}: Python {environment.python_full} ({how})")
        else:
            display.say(f"websockets {environment.version}: unavailable: {environment.reason}")
    return {environments[0].version: environments for environments in by_version}


async def inventory(environment: Environment, code: PeerCode) -> dict[str, Any] | None:
    """Ask the release which implementations it has (one short-lived agent)."""
    if environment.status != Availability.AVAILABLE or environment.executable is None:
        return None
    agent = Agent(environment.executable, "inventory", environment.version, code)
    try:
        await agent.start()
        hello = await agent.request("hello", timeout=30)
    except AgentError as exc:
        display.say(f"websockets {environment.version}: agent failed: {exc}")
        return None
    finally:
        await agent.stop()
    implementations: dict[str, Any] | None = hello.get("implementations") or None
    return implementations


async def make_peers(options: MatrixOptions, resolved: Resolved, environments: dict[str, list[Environment]]) -> Peers:
    """Step 4: each release's requested implementations on each of its
    interpreters, as peers on each axis."""
    flat = [environment for found in environments.values() for environment in found]
    code = options.peer_code()
    inventories = await asyncio.gather(*(inventory(environment, code) for environment in flat))
    by_version: dict[str, list[matrix.Peer]] = {}
    for environment, found in zip(flat, inventories):
        if environment.status == Availability.AVAILABLE and found is None:
            environment = Environment(environment.version, Availability.UNAVAILABLE, reason="the agent could not start")
        by_version.setdefault(environment.version, []).extend(
            matrix.peers_for(environment, found, options.implementations)
        )
    return Peers(
        environments,
        [peer for selector in resolved.clients for peer in by_version[versions.label(selector)]],
        [peer for selector in resolved.servers for peer in by_version[versions.label(selector)]],
        matrix.fault_peer(),
    )


def plan(
    scenarios: dict[str, LoadedScenario], peers: Peers, only: frozenset[tuple[str, str, str, str]] = frozenset()
) -> list[matrix.Cell]:
    """Step 5: every cell, runnable or not (only those asked for, when asked)."""
    cells = matrix.plan(scenarios, peers.clients, peers.servers, peers.fault)
    if not only:
        return cells
    return [cell for cell in cells if (cell.scenario, cell.variant, cell.client.version, cell.server.version) in only]


def known_to_vary(cells: list[matrix.Cell], references: dict[str, ReferenceDocument] | None) -> frozenset[CellKey]:
    """Cells whose answers varied in the reference: they get the adaptive
    repetitions from the start, even if this run's first ones agree."""
    if references is None:
        return frozenset()
    varying = set()
    for cell in cells:
        scenario = references.get(cell.scenario)
        key = reference.key_of(cell.variant, cell.client.id, cell.server.id)
        entry = scenario["cells"].get(key) if scenario is not None else None
        if entry is not None and len(entry.get("answers", {})) > 1:
            varying.add(cell.key)
    return frozenset(varying)


async def run_cells(
    options: MatrixOptions,
    scenarios: dict[str, LoadedScenario],
    cells: list[matrix.Cell],
    references: dict[str, ReferenceDocument] | None = None,
) -> Measured:
    """Step 6: every repetition of every runnable cell (more for cells that
    vary), with progress; an interrupt keeps what was measured."""
    clock = time.monotonic()
    settings = Settings(
        options.repeat,
        options.jobs,
        options.agents_per_peer,
        max_repeat=options.max_repeat,
        known_to_vary=known_to_vary(cells, references),
        case_seconds=shards.case_seconds_of(cells, scenarios, references, options.timings),
        waiting_jobs=options.waiting_jobs,
        waiting_agents=options.waiting_agents,
        fork_agents=options.fork_agents,
    )
    runner = Runner(options.peer_code(), scenarios, settings)
    total = sum(runner.repetitions(cell) for cell in cells if cell.runnable)
    interrupted = False
    task = asyncio.current_task()
    assert task is not None
    with display.RunProgress(total) as progress, interrupts.cancelling(task) as received:
        runner.progress = lambda cell, result: progress.advance(result.status)
        runner.on_extend = progress.extend
        try:
            accumulators = await runner.run(cells)
        except (asyncio.CancelledError, KeyboardInterrupt):
            if not received:
                raise  # cancelled by someone else: not an interrupt
            interrupted = True
            accumulators = runner.results
            kill_all()
            if hasattr(task, "uncancel"):  # Python 3.11+: later timeouts must work
                task.uncancel()
        finally:
            await runner.close()
    if interrupted:
        display.say(f"interrupted ({', '.join(received.signals)}): keeping what was measured")
    summaries = [
        accumulators[cell.key].summary()
        if cell.key in accumulators
        else outcomes.aggregate(scenarios[cell.scenario], cell, [])
        for cell in cells
    ]
    return Measured(summaries, interrupted, time.monotonic() - clock)


def lock_path(output: Path) -> Path:
    """The lock that one run holds on its results file."""
    return output.with_name(f".{output.name}.lock")


async def run_matrix(options: MatrixOptions) -> MatrixRun:
    """One run per results file at a time: another run on the same output is
    refused in one line (exit 2); runs on different outputs share the
    environments safely (see :mod:`wsconform.execution.environments`). The
    scenarios are checked first: a broken one stops the run before anything
    is written, the lock's directory included."""
    scenarios = load_scenarios(
        options.scenarios or discover_scenarios(options.scenario_directories, options.builtin_scenarios),
        options.scenario_directories,
    )
    options = with_scenario_requirements(options, scenarios)
    try:
        with files.exclusive(lock_path(options.output), wait=False):
            return await _run_matrix(options, scenarios)
    except files.LockedError as exc:
        raise UsageError(
            f"another run ({exc}) is writing {options.output}; wait for it, or choose another --output"
        ) from None


async def _run_matrix(options: MatrixOptions, scenarios: dict[str, LoadedScenario]) -> MatrixRun:
    """Every step, then the results file, the reports and the terminal summary."""
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    references = outputs.load_reference_if_any(options.reference)  # a corrupt one stops us before any work
    resolved = resolve_versions(options)
    display.say(f"clients: {', '.join(resolved.clients)} · servers: {', '.join(resolved.servers)}")
    environments = await build_environments(options, resolved)
    peers = await make_peers(options, resolved, environments)
    cells = plan(scenarios, peers, options.only)
    if options.shard is not None:
        everything = len(cells)
        cells = shards.select(
            cells, scenarios, options.shard, options.repeat, references, options.max_repeat, options.timings
        )
        display.say(f"shard {options.shard}: {len(cells)} of {everything} cells")
    runnable = sum(1 for cell in cells if cell.runnable)
    display.say(f"{len(cells)} cells ({runnable} runnable) × {options.repeat} repetitions, {options.jobs} in flight")
    measured = await run_cells(options, scenarios, cells, references)
    document = results.build_document(
        results.RunFacts(
            options=options_record(options, tuple(scenarios)),
            started=started,
            seconds=time.monotonic() - clock,
            interrupted=measured.interrupted,
            releases_source=resolved.releases.source,
        ),
        peers.environments,
        peers.clients,
        peers.servers,
        peers.fault,
        scenarios,
        measured.summaries,
    )
    code = results.exit_code_for(document)
    drifts: list[reference.Drift] | None = None
    with interrupts.deferred() as received:
        try:
            path = results.save(options.output, document)
        except OSError as exc:
            display.say(f"error: cannot write {results.target_path(options.output, document)}: {exc.strerror or exc}")
            display.say(f"exit {exit_codes.INCOMPLETE}: {exit_codes.DESCRIPTIONS[exit_codes.INCOMPLETE]}")
            return MatrixRun(document, None, exit_codes.INCOMPLETE)
        if not measured.interrupted:
            written, drifts = outputs.write_or_say(
                document, options.output.parent, references, options.junit, options.layout
            )
            code = code if written else exit_codes.INCOMPLETE
    if received:
        display.say(f"interrupted ({', '.join(received.signals)}) while writing; the files are whole")
        code = exit_codes.INCOMPLETE
    elif not measured.interrupted:
        if options.tables:
            display.print_tables(document)
        display.print_interpreter_differences(document)
        if options.tables:
            display.print_api_surface(document)
            display.print_catchability(document)
        display.print_glance(document, drifts, str(options.output.parent / "index.html"))
    display.print_summary(document, str(path))
    if measured.interrupted:
        display.say("interrupted: partial results written; the last complete results were kept")
    display.say(f"exit {code}: {exit_codes.DESCRIPTIONS[code]}")
    return MatrixRun(document, path, code)


def options_record(options: MatrixOptions, scenarios: tuple[str, ...]) -> RunOptions:
    """The options as the results file records them."""
    record: RunOptions = {
        "clients": list(options.clients),
        "servers": list(options.servers),
        "implementations": list(options.implementations),
        "scenarios": list(scenarios),
        "repeat": options.repeat,
        "max_repeat": options.max_repeat,
        "jobs": options.jobs,
        "agents_per_peer": options.agents_per_peer,
        "waiting_jobs": options.waiting_jobs,
        "waiting_agents": options.waiting_agents,
        "fork_agents": options.fork_agents,
    }
    if options.only:
        record["cells"] = sorted("/".join(cell) for cell in options.only)
    if options.shard is not None:
        record["shard"] = str(options.shard)
    if options.plan is not None:
        record["plan"] = options.plan
    return record
