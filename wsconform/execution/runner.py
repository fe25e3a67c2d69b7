"""Run cells: schedule every repetition across pools of long-lived agents.

Theory of operation
-------------------

Each repetition of each runnable cell is a *case*. Workers take cases
from a queue; for a case a worker borrows a client agent of the
client peer, then a server agent of the server peer (always in that order, so
two workers can never wait on each other), and:

1. asks the server agent to ``serve`` the scenario (it replies with a port);
2. asks the client agent to run the ``client`` part against that port;
3. asks the server agent to ``collect`` its record.

*Adaptive repetitions.* Every cell first runs ``repeat`` times. A cell
whose answers varied — in those runs, or in the reference — then runs again
until it has ``max_repeat`` runs, so that its frequencies are known well
enough to compare (see :mod:`wsconform.model.statistics`); a cell with one answer
stops at ``repeat``. A deterministic scenario (``repetitions=1``) never
repeats.

Inside each agent the case runs alone in a fresh event loop; parallelism
comes only from several agents. Cases are ordered repetition by repetition,
in a fixed shuffle, so that load spreads over every peer's agents rather than
one pair being hammered (and its pool growing while others idle).

*Waiting cases.* Most cases are busy: a few milliseconds of CPU in the
orchestrator and two agents, and ``jobs`` of them in flight keep the cores
fed. Some only wait: keepalive windows, a silent peer held for a server's
open timeout, a close timeout the library owns (some racy: 13.1's sync
server waits 10 s in one run of several). They cost seconds of wall time
and almost no CPU, so they must not hold the busy cases' places:

* cases expected to wait (``case_seconds`` ≥ :data:`WAITING_SECONDS`: the
  reference's timing, else the scenario's declaration;
  :func:`wsconform.model.shards.case_seconds_of`) have a queue of their own,
  longest first, which ``waiting_jobs`` more workers take from, so that the
  longest waits start at once and overlap everything else instead of
  trailing at the end; the ``jobs`` busy workers take busy cases, and
  waiting ones once no busy case is left (:class:`Schedule`);
* a busy case still running after :data:`PATIENCE` seconds *steps aside*:
  its worker hands its place to a new worker, which takes the next case,
  and waits for it alone (at most ``waiting_jobs`` aside at once);
* a peer's pool counts only the agents lent to busy cases less than
  :data:`PATIENCE` ago against ``agents_per_peer``, and may start up to
  ``waiting_agents`` more for its cases that wait
  (:class:`wsconform.execution.agents.AgentPool`).

Patience is not zero because a busy case slowed by load must not start new
agents: a forked agent costs a few milliseconds (a fresh interpreter about
150 ms of CPU), and how many agents share the CPU moves racy answers. This changes only
*when* a case runs and on which agent of its peer, never how: each still
runs alone in its agent's event loop, and no deadline of the library or the
harness changes.

Any agent failure — no answer within the deadline, death, garbage — makes the
case an ``error`` with the reason; the broken agent is killed and replaced,
and the run goes on.
"""

from __future__ import annotations

import asyncio
import heapq
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from wsconform.core.schema import Record
from wsconform.core.vocabulary import CellStatus
from wsconform.execution.agents import AgentError, AgentPool, Forkserver, PeerCode
from wsconform.model.matrix import FAULT, Cell, Peer
from wsconform.model.outcomes import CaseResult, CellAccumulator
from wsconform.peer.scenario import LoadedScenario

#: Seconds granted on top of a scenario's own timeout for the agent to reply.
REPLY_MARGIN = 5.0

#: Seed of the case order: fixed, so that runs are comparable.
SHUFFLE_SEED = 20261121

#: A case expected to take at least this long mostly waits (see above).
WAITING_SECONDS = 0.5

#: A case running this long steps aside (see above).
PATIENCE = 2.0

#: Seconds for a server to start listening, and to stop and report.
SERVE_TIMEOUT = 15.0
COLLECT_TIMEOUT = 20.0


#: How often workers that survived a cancellation are cancelled again.
CANCEL_AGAIN_SECONDS = 0.5


@dataclass(frozen=True)
class Settings:
    repeat: int = 10
    jobs: int = 8
    agents_per_peer: int = 4
    #: Runs of a cell whose answers vary; at most ``repeat`` turns it off.
    max_repeat: int = 0
    #: Keys of cells known to vary from elsewhere (the reference).
    known_to_vary: frozenset[tuple[str, str, str, str]] = frozenset()
    #: Expected seconds per case, by cell key (cells not listed: 0).
    case_seconds: Mapping[tuple[str, str, str, str], float] = field(default_factory=dict)
    #: Most cases that stepped aside to wait at once; 0: cases never step aside.
    waiting_jobs: int = 0
    #: More agents per (peer, role) for its waiting cases.
    waiting_agents: int = 0
    #: Fork agents from one warm interpreter per environment
    #: (:class:`wsconform.execution.agents.Forkserver`) instead of starting each afresh.
    fork_agents: bool = True


Progress = Callable[[Cell, CaseResult], None]

#: A cell's key: scenario, variant, client peer id, server peer id.
CellKey = tuple[str, str, str, str]


class Speaker(Protocol):
    """What the runner needs of an agent (:class:`wsconform.execution.agents.Agent`)."""

    async def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]: ...


class Pool(Protocol):
    """What the runner needs of a pool (:class:`wsconform.execution.agents.AgentPool`)."""

    async def acquire(self, waiting: bool = False) -> Speaker: ...
    async def release(self, agent: Speaker) -> None: ...
    async def close(self) -> None: ...


#: Makes the pool of one (peer, role): ``(executable, role, peer id, project,
#: maximum, ceiling, patience, fork server or None)``.
PoolFactory = Callable[[str, str, str, PeerCode, int, int, float, "Forkserver | None"], Pool]


@dataclass(frozen=True)
class _Side:
    """One agent's answer for its part of a case."""

    record: Record | None = None
    error: str | None = None
    unsupported: str | None = None


class Schedule:
    """The cases still to run, in two queues: those expected to wait
    (longest first) and the busy ones; each in repetition order, then the
    shuffle's. Busy workers take busy cases, then waiting ones when no busy
    case is left; waiting workers take only waiting cases. Complete when
    every case put has finished."""

    def __init__(
        self, sequence: Mapping[tuple[str, str, str, str], int], wait: Callable[[Cell], float], lanes: bool = True
    ) -> None:
        self.sequence = sequence
        self.wait = wait
        #: Without lanes (no waiting workers), one queue: expected waits first.
        self.lanes = lanes
        self.busy: list[tuple[float, int, int, Cell]] = []
        self.waiting: list[tuple[float, int, int, Cell]] = []
        self.unfinished = 0
        #: Set when a case is put or the last one finishes: takers look again.
        self.changed = asyncio.Event()

    def put(self, cell: Cell, repetition: int) -> None:
        wait = self.wait(cell)
        queue = self.waiting if wait > 0 and self.lanes else self.busy
        heapq.heappush(queue, (-wait, repetition, self.sequence[cell.key], cell))
        self.unfinished += 1
        self.changed.set()

    @property
    def complete(self) -> bool:
        return self.unfinished == 0

    async def take(self, waiting: bool) -> Cell | None:
        """The next case for a waiting (or busy) worker; None once complete."""
        while True:
            # No await between looking and waiting: a put cannot slip between.
            self.changed.clear()
            for queue in (self.waiting,) if waiting else (self.busy, self.waiting):
                if queue:
                    return heapq.heappop(queue)[-1]
            if self.complete:
                self.changed.set()  # the other takers leave too
                return None
            await self.changed.wait()

    def finished(self) -> None:
        """A case taken has finished (after ``done`` put any follow-up)."""
        self.unfinished -= 1
        if self.complete:
            self.changed.set()


class Runner:
    def __init__(
        self,
        code: PeerCode,
        scenarios: dict[str, LoadedScenario],
        settings: Settings,
        progress: Progress | None = None,
        pool_factory: PoolFactory = AgentPool,  # type: ignore[assignment]  # AgentPool.acquire returns Agent
        on_extend: Callable[[int], None] | None = None,
    ) -> None:
        self.code = code
        self.scenarios = scenarios
        self.settings = settings
        self.progress = progress
        self.pool_factory = pool_factory
        #: Told how many cases the adaptive repetitions add (progress totals).
        self.on_extend = on_extend
        self.pools: dict[tuple[str, str], Pool] = {}
        #: One fork server per environment (executable), started on its first agent.
        self.forkservers: dict[str, Forkserver] = {}
        #: Results so far, folded per cell; complete once :meth:`run` returns.
        self.results: dict[tuple[str, str, str, str], CellAccumulator] = {}

    def pool(self, peer: Peer, role: str) -> Pool:
        key = (peer.id, role)
        if key not in self.pools:
            assert peer.executable is not None
            # The fault server is the harness's own, cheap, and stands in for
            # every client's server: let it scale with the cases in flight.
            if peer.implementation == FAULT:
                maximum, more = self.settings.jobs, self.settings.waiting_jobs
            else:
                maximum, more = self.settings.agents_per_peer, self.settings.waiting_agents
            forkserver = None
            if self.settings.fork_agents:
                if peer.executable not in self.forkservers:
                    self.forkservers[peer.executable] = Forkserver(
                        peer.executable, self.code, tuple(sorted(self.scenarios))
                    )
                forkserver = self.forkservers[peer.executable]
            self.pools[key] = self.pool_factory(
                peer.executable, role, peer.id, self.code, maximum, maximum + more, PATIENCE, forkserver
            )
        return self.pools[key]

    def expected_wait(self, cell: Cell) -> float:
        """How long a case of ``cell`` is expected to wait; 0 for a busy one."""
        seconds = self.settings.case_seconds.get(cell.key, 0.0)
        return seconds if seconds >= WAITING_SECONDS else 0.0

    async def run(self, cells: list[Cell]) -> dict[tuple[str, str, str, str], CellAccumulator]:
        runnable = [cell for cell in cells if cell.runnable]
        results = self.results = {cell.key: CellAccumulator(self.scenarios[cell.scenario], cell) for cell in runnable}
        # A fixed shuffle spreads consecutive cases over different peers, so
        # that no pool grows to its maximum while others idle: each agent
        # start costs more than many cases.
        order = list(runnable)
        random.Random(SHUFFLE_SEED).shuffle(order)  # noqa: S311 - scheduling, not security
        sequence = {cell.key: number for number, cell in enumerate(order)}
        schedule = Schedule(sequence, self.expected_wait, lanes=self.settings.waiting_jobs > 0)
        first_runs_left = {cell.key: self.repetitions(cell) for cell in order}

        def done(cell: Cell, result: CaseResult) -> None:
            results[cell.key].add(result)
            if self.progress is not None:
                self.progress(cell, result)
            first_runs_left[cell.key] -= 1
            if first_runs_left[cell.key] == 0:
                # Its first runs are in: a cell that varies gets its adaptive
                # runs now, without waiting for every other cell's.
                more = self.extra_runs(cell)
                if more and self.on_extend is not None:
                    self.on_extend(more)
                for repetition in range(results[cell.key].runs, results[cell.key].runs + more):
                    schedule.put(cell, repetition)

        for repetition in range(self.settings.repeat):
            for cell in order:
                if repetition < self.repetitions(cell):
                    schedule.put(cell, repetition)
        await self._drain(schedule, done)
        return results

    def extra_runs(self, cell: Cell) -> int:
        """More runs for a cell that varies (now or in the reference), up to ``max_repeat``."""
        if self.scenarios[cell.scenario].declaration.repetitions is not None:
            return 0
        accumulator = self.results[cell.key]
        if accumulator.varies or cell.key in self.settings.known_to_vary:
            return max(0, self.settings.max_repeat - accumulator.runs)
        return 0

    async def _drain(self, schedule: Schedule, done: Callable[[Cell, CaseResult], None]) -> None:
        """Run every scheduled case (and those ``done`` schedules): ``jobs``
        busy workers, ``waiting_jobs`` workers for the cases expected to wait,
        and a case that outlasts :data:`PATIENCE` steps aside (module doc)."""
        workers: list[asyncio.Future[None]] = []
        aside = 0

        async def worker(waiting: bool) -> None:
            nonlocal aside
            while True:
                cell = await schedule.take(waiting)
                if cell is None:
                    return
                case = asyncio.ensure_future(self.run_case(cell, waiting=waiting))
                try:
                    stepped = False
                    if not waiting and not (await asyncio.wait({case}, timeout=PATIENCE))[0]:
                        stepped = aside < self.settings.waiting_jobs
                    if stepped:
                        # This case waits: a new worker takes this one's place.
                        aside += 1
                        workers.append(asyncio.ensure_future(worker(False)))
                    try:
                        done(cell, await case)
                    finally:
                        if stepped:
                            aside -= 1
                        schedule.finished()
                    if stepped:
                        return
                except BaseException:
                    case.cancel()
                    raise

        workers += [asyncio.ensure_future(worker(False)) for _ in range(max(1, self.settings.jobs))]
        workers += [asyncio.ensure_future(worker(True)) for _ in range(self.settings.waiting_jobs)]
        try:
            while not schedule.complete:
                running = [task for task in workers if not task.done()]
                if not running:
                    break
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in workers:
                    if task.done() and not task.cancelled() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]  # a harness bug: stop the run
        finally:
            # Cancel until every worker has ended: on Python < 3.12, a
            # wait_for whose awaitable completes as the cancellation arrives
            # returns the result and swallows it, and that worker would wait
            # for the next case forever.
            pending = {task for task in workers if not task.done()}
            while pending:
                for task in pending:
                    task.cancel()
                _, pending = await asyncio.wait(pending, timeout=CANCEL_AGAIN_SECONDS)
            for task in workers:
                if not task.cancelled():
                    task.exception()  # retrieved: no "never retrieved" warning

    def repetitions(self, cell: Cell) -> int:
        """How many times to run a cell: ``--repeat``, unless the scenario fixes it."""
        fixed = self.scenarios[cell.scenario].declaration.repetitions
        return self.settings.repeat if fixed is None else min(fixed, self.settings.repeat)

    async def __aenter__(self) -> Runner:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop every agent; call once the runner is no longer needed."""
        await asyncio.gather(*(pool.close() for pool in self.pools.values()), return_exceptions=True)
        await asyncio.gather(*(server.close() for server in self.forkservers.values()), return_exceptions=True)

    async def run_case(self, cell: Cell, waiting: bool = False) -> CaseResult:
        """Run one case; ``waiting``: it is expected to wait (its agents do
        not count against the pools' ``agents_per_peer``)."""
        started = time.monotonic()
        client_pool = self.pool(cell.client, "client")
        server_pool = self.pool(cell.server, "server")
        try:
            client = await client_pool.acquire(waiting)
        except AgentError as exc:
            return CaseResult(CellStatus.ERROR, error=str(exc))
        try:
            try:
                server = await server_pool.acquire(waiting)
            except AgentError as exc:
                return CaseResult(CellStatus.ERROR, error=str(exc))
            try:
                result = await self._exchange(cell, client, server)
            finally:
                await server_pool.release(server)
        finally:
            await client_pool.release(client)
        return CaseResult(
            result.status,
            result.client,
            result.server,
            result.error,
            result.port,
            round(time.monotonic() - started, 6),
        )

    async def _exchange(self, cell: Cell, client: Speaker, server: Speaker) -> CaseResult:
        timeout = self.scenarios[cell.scenario].declaration.timeout
        common = {"scenario": cell.scenario, "variant": cell.variant}
        try:
            served = await server.request(
                "serve", timeout=SERVE_TIMEOUT, implementation=cell.server.implementation, **common
            )
        except AgentError as exc:
            return CaseResult(CellStatus.ERROR, error=f"server: {exc}")
        if "unsupported" in served:
            return CaseResult(CellStatus.UNSUPPORTED, error=f"server: {served['unsupported']}")
        if not served.get("ok"):
            return CaseResult(CellStatus.ERROR, error=f"server: {served.get('error')}")
        port = served["port"]
        ran = await self._ask(
            client,
            "client",
            timeout=timeout + REPLY_MARGIN,
            implementation=cell.client.implementation,
            port=port,
            timeout_seconds=timeout,
            **common,
        )
        # The server part is always collected, whatever the client did, so
        # that the server agent is ready for its next case.
        collected = await self._ask(server, "server", "collect", timeout=COLLECT_TIMEOUT)
        if ran.unsupported is not None:
            return CaseResult(CellStatus.UNSUPPORTED, error=ran.unsupported, port=port)
        if ran.error or collected.error:
            error = "; ".join(e for e in (ran.error, collected.error) if e)
            return CaseResult(CellStatus.ERROR, ran.record, collected.record, error, port)
        return CaseResult(CellStatus.MEASURED, ran.record, collected.record, None, port)

    @staticmethod
    async def _ask(agent: Speaker, role: str, op: str | None = None, **fields: Any) -> _Side:
        """Ask an agent for its part of a case (``op`` defaults to ``role``);
        a failure of the agent, or a harness error it reports, is an error."""
        try:
            reply = await agent.request(op or role, **fields)
        except AgentError as exc:
            return _Side(error=f"{role}: {exc}")
        record = reply.get("record")
        if "unsupported" in reply:
            return _Side(record, unsupported=str(reply["unsupported"]))
        if not reply.get("ok"):
            return _Side(record, error=f"{role}: {reply.get('error')}")
        if record and record.get("harness_error"):
            return _Side(record, error=f"{role}: {record['harness_error']}")
        return _Side(record)
