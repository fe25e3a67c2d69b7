"""The runner, with fake agents: scheduling, repetitions, and how each agent
answer becomes a case result."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.execution import runner as runner_module
from wsconform.execution.agents import AgentError
from wsconform.execution.runner import Runner, Settings
from wsconform.model import matrix
from wsconform.peer import scenario

SCENARIOS = {name: scenario.load(name) for name in ("send-then-close", "api-surface", "handshake-non-ready")}
CLIENT = matrix.Peer("14.2", "default", "3.13", "/fake/client")
SERVER = matrix.Peer("8.1", "default", "3.9", "/fake/server")
RECORD = {"steps": [], "events": []}


class FakeAgent:
    """Answers each op from a script: a reply dict, or an exception to raise."""

    def __init__(self, pool: FakePool) -> None:
        self.pool = pool

    async def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]:
        self.pool.requests.append((op, fields))
        answer = self.pool.script.get(op, {"ok": True, "record": RECORD})
        if isinstance(answer, Exception):
            raise answer
        return dict(answer)


class FakePool:
    pools: ClassVar[list[FakePool]] = []

    def __init__(
        self,
        executable: str,
        role: str,
        peer: str,
        project: Path,
        maximum: int,
        ceiling: int,
        patience: float,
        forkserver: object = None,
    ) -> None:
        self.role, self.peer, self.maximum, self.ceiling, self.patience = role, peer, maximum, ceiling, patience
        self.waiting: list[bool] = []
        self.script: dict[str, Any] = dict(SCRIPTS.get(role, {}))
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.acquired = self.released = 0
        FakePool.pools.append(self)

    async def acquire(self, waiting: bool = False) -> FakeAgent:
        if isinstance(self.script.get("acquire"), Exception):
            raise self.script["acquire"]
        self.waiting.append(waiting)
        self.acquired += 1
        return FakeAgent(self)

    async def release(self, agent: FakeAgent) -> None:
        self.released += 1

    async def close(self) -> None:
        pass


SCRIPTS: dict[str, dict[str, Any]] = {}


@pytest.fixture(autouse=True)
def scripts():
    FakePool.pools = []
    SCRIPTS.clear()
    SCRIPTS["server"] = {"serve": {"ok": True, "port": 4321}, "collect": {"ok": True, "record": {"role": "server"}}}
    SCRIPTS["client"] = {"client": {"ok": True, "record": {"role": "client"}}}
    return SCRIPTS


def run_one(cell: matrix.Cell) -> Any:
    runner = Runner(Path("/project"), SCENARIOS, Settings(1, 1, 1), pool_factory=FakePool)
    return asyncio.run(runner.run_case(cell))


def pool(role: str) -> FakePool:
    (found,) = [p for p in FakePool.pools if p.role == role]
    return found


CELL = matrix.Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)


def test_a_case_that_ran_is_measured_with_both_records():
    result = run_one(CELL)
    assert result.status == CellStatus.MEASURED
    assert (result.client, result.server, result.port, result.error) == (
        {"role": "client"},
        {"role": "server"},
        4321,
        None,
    )
    assert [op for op, _ in pool("server").requests] == ["serve", "collect"]
    (op, fields) = pool("client").requests[0]
    assert op == "client" and fields["port"] == 4321 and fields["implementation"] == "default"
    assert pool("client").released == pool("server").released == 1


@pytest.mark.parametrize(
    ("role", "op", "answer", "status", "error"),
    [
        ("server", "serve", {"unsupported": "no max_size"}, CellStatus.UNSUPPORTED, "server: no max_size"),
        ("server", "serve", {"ok": False, "error": "boom"}, CellStatus.ERROR, "server: boom"),
        ("server", "serve", AgentError("hung"), CellStatus.ERROR, "server: hung"),
        ("client", "client", {"unsupported": "no pause", "record": RECORD}, CellStatus.UNSUPPORTED, "no pause"),
        ("client", "client", {"ok": False, "error": "crashed"}, CellStatus.ERROR, "client: crashed"),
        ("client", "client", {"ok": True, "record": {"harness_error": "bug"}}, CellStatus.ERROR, "client: bug"),
        ("client", "client", AgentError("died"), CellStatus.ERROR, "client: died"),
        ("server", "collect", {"ok": False, "error": "stuck"}, CellStatus.ERROR, "server: stuck"),
        ("server", "collect", {"ok": True, "record": {"harness_error": "bad"}}, CellStatus.ERROR, "server: bad"),
        ("server", "collect", AgentError("gone"), CellStatus.ERROR, "server: gone"),
        ("client", "acquire", AgentError("cannot start"), CellStatus.ERROR, "cannot start"),
        ("server", "acquire", AgentError("cannot start"), CellStatus.ERROR, "cannot start"),
    ],
)
def test_every_agent_answer_becomes_a_status(scripts, role, op, answer, status, error):
    scripts[role][op] = answer
    result = run_one(CELL)
    assert result.status == status
    assert result.error == error


def test_errors_of_both_sides_are_joined_and_the_server_is_always_collected(scripts):
    scripts["client"]["client"] = AgentError("died")
    scripts["server"]["collect"] = {"ok": False, "error": "stuck"}
    result = run_one(CELL)
    assert result.error == "client: died; server: stuck"
    assert [op for op, _ in pool("server").requests] == ["serve", "collect"]


def test_run_schedules_every_repetition_of_runnable_cells_only():
    unsupported = matrix.Peer("8.1", "asyncio", "3.9", "/fake", Availability.UNSUPPORTED, "none")
    cells = [
        CELL,
        matrix.Cell("api-surface", "probe", CLIENT, CLIENT),  # repetitions=1
        matrix.Cell("send-then-close", "close-1000-right-away", CLIENT, unsupported),
    ]
    seen: list[tuple[str, CellStatus]] = []
    runner = Runner(Path("/project"), SCENARIOS, Settings(repeat=3, jobs=2), pool_factory=FakePool)
    runner.progress = lambda cell, result: seen.append((cell.scenario, result.status))
    folded = asyncio.run(runner.run(cells))
    assert set(folded) == {CELL.key, cells[1].key}
    assert folded[CELL.key].runs == 3
    assert folded[cells[1].key].runs == 1
    assert sorted(seen) == [("api-surface", "measured")] + [("send-then-close", "measured")] * 3
    assert runner.repetitions(cells[1]) == 1 and runner.repetitions(CELL) == 3


def test_the_fault_server_pool_scales_with_jobs_and_peers_are_capped():
    runner = Runner(Path("/project"), SCENARIOS, Settings(repeat=1, jobs=7, agents_per_peer=2), pool_factory=FakePool)
    fault = matrix.fault_peer()
    asyncio.run(runner.run([matrix.Cell("handshake-non-ready", "refused", CLIENT, fault)]))
    maxima = {(p.peer, p.role): p.maximum for p in FakePool.pools}
    assert maxima == {(CLIENT.id, "client"): 2, ("fault", "server"): 7}


def test_expected_waits_are_queued_first_longest_first():
    silent = matrix.Cell("handshake-non-ready", "silent", CLIENT, matrix.fault_peer())
    slow = matrix.Cell("handshake-non-ready", "accept-close", CLIENT, matrix.fault_peer())
    settings = Settings(repeat=2, jobs=1, case_seconds={silent.key: 4.0, slow.key: 1.0, CELL.key: 0.05})
    runner = Runner(Path("/project"), SCENARIOS, settings, pool_factory=FakePool)
    started: list[str] = []
    original = runner.run_case

    async def record(cell, waiting):
        started.append(cell.variant)
        return await original(cell, waiting)

    runner.run_case = record
    folded = asyncio.run(runner.run([CELL, slow, silent]))
    assert all(accumulator.runs == 2 for accumulator in folded.values())
    assert started == ["silent", "silent", "accept-close", "accept-close"] + ["close-1000-right-away"] * 2


class SlowAgent(FakeAgent):
    """Answers ``client`` for a gated variant once its gate opens — the test
    opens it from what the runner did, so that no order depends on a real
    sleep — and for other variants after ``delays`` seconds."""

    delays: ClassVar[dict[str, float]] = {}
    gates: ClassVar[dict[str, asyncio.Event]] = {}

    async def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]:
        if op == "client":
            gate = self.gates.get(fields["variant"])
            if gate is not None:
                await gate.wait()
            else:
                await asyncio.sleep(self.delays.get(fields["variant"], 0.0))
        return await super().request(op, timeout, **fields)


class SlowPool(FakePool):
    async def acquire(self, waiting: bool = False) -> FakeAgent:
        self.waiting.append(waiting)
        self.acquired += 1
        return SlowAgent(self)


#: What opens a gate: a test of the variants started and finished so far.
Opener = Callable[[list[str], list[str]], bool]


def run_timed(
    settings: Settings, cells: list[matrix.Cell], opens: dict[str, Opener] | None = None
) -> tuple[list[str], list[str]]:
    """The variants in the order their cases started, and finished. A variant
    in ``opens`` waits until its opener says so; a run that never gets there
    (the runner did not do what the test expects) fails after 30 s."""
    started: list[str] = []
    finished: list[str] = []
    runner = Runner(Path("/project"), SCENARIOS, settings, pool_factory=SlowPool)
    original = runner.run_case

    def check() -> None:
        for variant, opener in (opens or {}).items():
            if opener(started, finished):
                SlowAgent.gates[variant].set()

    def progress(cell: matrix.Cell, result: object) -> None:
        finished.append(cell.variant)
        check()

    async def record(cell, waiting):
        started.append(cell.variant)
        check()
        return await original(cell, waiting)

    runner.progress = progress
    runner.run_case = record

    async def gated() -> None:
        SlowAgent.gates = {variant: asyncio.Event() for variant in opens or {}}
        try:
            await asyncio.wait_for(runner.run(cells), timeout=30)
        finally:
            SlowAgent.gates = {}

    asyncio.run(gated())
    return started, finished


@pytest.mark.parametrize("aside", [0, 1])
@pytest.mark.parametrize("known", [True, False])
def test_a_case_that_waits_steps_aside_for_the_next(aside, known, monkeypatch):
    # One worker; a case that waits, then two quick ones. With a place to
    # step aside to, the quick cases finish while it waits (it waits until
    # they have: a runner that did not step aside would never end) — at
    # once when it is known to wait, after the runner's patience when it is
    # not. Without one, everything queued behind it waits.
    monkeypatch.setattr(runner_module, "PATIENCE", 0.3)
    waiting = matrix.Cell("send-then-close", "close-1000-after-close", CLIENT, SERVER)
    quick = [CELL, matrix.Cell("send-then-close", "close-4001-right-away", CLIENT, SERVER)]
    SlowAgent.delays = {"close-1000-after-close": 0.4}
    settings = Settings(repeat=1, jobs=1, waiting_jobs=aside, case_seconds={waiting.key: 1.0} if known else {})
    opens: dict[str, Opener] = {}
    if aside:
        opens[waiting.variant] = lambda started, finished: all(cell.variant in finished for cell in quick)
    started, finished = run_timed(settings, [waiting, *quick], opens)
    if aside:
        assert finished[-1] == "close-1000-after-close"  # the others went on meanwhile
    else:
        assert finished == started  # one at a time: everything queued behind it waited
    (client,) = [p for p in FakePool.pools if p.role == "client"]
    assert (True in client.waiting) is (known and aside == 1)  # its agents do not count as fresh


def test_pools_are_capped_by_fresh_agents_up_to_a_ceiling():
    runner = Runner(
        Path("/project"),
        SCENARIOS,
        Settings(repeat=1, jobs=7, agents_per_peer=2, waiting_jobs=5, waiting_agents=3),
        pool_factory=FakePool,
    )
    asyncio.run(runner.run([matrix.Cell("handshake-non-ready", "refused", CLIENT, matrix.fault_peer())]))
    assert {(p.peer, p.maximum, p.ceiling) for p in FakePool.pools} == {(CLIENT.id, 2, 5), ("fault", 7, 12)}
    assert {p.patience for p in FakePool.pools} == {runner_module.PATIENCE}


class AlternatingAgent(FakeAgent):
    """The client of ``close-1000-right-away`` receives a message every other run: its answers vary."""

    runs = 0

    async def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]:
        if op == "client" and fields["variant"] == CELL.variant:
            AlternatingAgent.runs += 1
            received = [{"step": "recv", "index": 0, "result": {"kind": "value", "value": "message 0"}}]
            steps = received if AlternatingAgent.runs % 2 else []
            return {"ok": True, "record": {"role": "client", "steps": steps, "events": []}}
        return await super().request(op, timeout, **fields)


class AlternatingPool(FakePool):
    async def acquire(self, waiting: bool = False) -> FakeAgent:
        self.acquired += 1
        return AlternatingAgent(self)


def test_a_cell_that_varies_gets_its_adaptive_runs_as_soon_as_its_first_runs_are_in():
    steady = matrix.Cell("send-then-close", "close-4001-right-away", CLIENT, SERVER)
    known = matrix.Cell("send-then-close", "close-1000-after-close", CLIENT, SERVER)
    settings = Settings(repeat=2, jobs=1, max_repeat=5, known_to_vary=frozenset({known.key}))
    runner = Runner(Path("/project"), SCENARIOS, settings, pool_factory=AlternatingPool)
    extended: list[int] = []
    runner.on_extend = extended.append
    folded = asyncio.run(runner.run([CELL, steady, known]))
    assert folded[CELL.key].varies and folded[CELL.key].runs == 5  # varied: up to max_repeat
    assert folded[known.key].runs == 5  # the reference saw it vary
    assert folded[steady.key].runs == 2
    assert sorted(extended) == [3, 3]  # one extension per cell, when its own first runs were in


def test_busy_workers_run_busy_cases_first_and_then_help_with_waiting_ones():
    long_wait = matrix.Cell("send-then-close", "close-1000-after-close", CLIENT, SERVER)
    short_wait = matrix.Cell("send-then-close", "close-4001-after-close", CLIENT, SERVER)
    SlowAgent.delays = {}
    settings = Settings(
        repeat=1, jobs=1, waiting_jobs=1, case_seconds={long_wait.key: 1.2, short_wait.key: 0.6, CELL.key: 0.01}
    )
    # The longest wait ends only once the other wait has started: a busy
    # worker that idled instead of helping would never let the run end.
    opens: dict[str, Opener] = {long_wait.variant: lambda started, finished: short_wait.variant in started}
    started, finished = run_timed(settings, [CELL, short_wait, long_wait], opens)
    # The waiting worker starts the longest wait; the busy worker runs the
    # busy case, then takes the other wait instead of idling.
    assert sorted(started[:2]) == sorted(["close-1000-right-away", "close-1000-after-close"])
    assert started[2] == "close-4001-after-close"
    assert finished[0] == "close-1000-right-away"


@pytest.mark.asyncio
async def test_a_worker_that_survives_a_cancellation_does_not_hang_the_run(monkeypatch):
    """As seen in an interrupted run on Python 3.11: a worker marked cancelled
    but parked waiting for the next case (a cancellation swallowed on its way,
    as ``asyncio.wait_for`` does before 3.12 when its awaitable completes as
    the cancellation arrives). The runner cancels again until it has ended."""
    take = runner_module.Schedule.take
    swallowed = []

    async def swallowing_take(self: runner_module.Schedule, waiting: bool) -> matrix.Cell | None:
        try:
            return await take(self, waiting)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)
            return await take(self, waiting)  # parked: the schedule is not complete

    class SlowClientAgent(FakeAgent):
        async def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]:
            if op == "client":
                await asyncio.sleep(60)
            return await super().request(op, timeout, **fields)

    class SlowClientPool(FakePool):
        async def acquire(self, waiting: bool = False) -> FakeAgent:
            await super().acquire(waiting)
            return SlowClientAgent(self)

    monkeypatch.setattr(runner_module.Schedule, "take", swallowing_take)
    # One case, running; the three other workers wait in take() for more.
    runner = Runner(Path("/project"), SCENARIOS, Settings(1, 4, 4), pool_factory=SlowClientPool)
    run = asyncio.ensure_future(runner.run([CELL]))
    await asyncio.sleep(0.1)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 10)
    assert swallowed
