"""``nox -s bench``: cases per second and harness overhead per case.

The subset is fixed so that numbers compare across commits: websockets 8.1
and 14.2 on both sides, the scenario variants that contain no deliberate
sleeps (so wall time is harness + library, not waiting), ``repeat`` times.

Two runs: serial (one case in flight: the per-case cost) and parallel (the
default ``jobs``: throughput). *Overhead* is a case's wall time as the
orchestrator sees it (serve → client → collect) minus the time the client's
scenario script itself took inside the agent. *CPU per case* is the CPU
time of the orchestrator and of every agent (``/proc``: user + system)
during the measurement, divided by the cases.

A third run is the *baseline*: what a user writes without this tool, one
fresh interpreter per case — the same scenario code, but every case starts
its server and client agents and stops them after (:class:`OneShotPool`).
The ratio is the baseline's seconds per case over the harness's, serial and
parallel.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from wsconform.core import exit_codes
from wsconform.core.vocabulary import CellStatus
from wsconform.execution import agents, pipeline
from wsconform.execution.pipeline import REPORTS, MatrixOptions
from wsconform.execution.runner import Runner, Settings
from wsconform.model import matrix
from wsconform.model.outcomes import CaseResult
from wsconform.rendering import display

VERSIONS = ("8.1", "14.2")

#: Repetitions of the baseline (process per case): enough for a median.
BASELINE_REPEAT = 3
SUBSET = {
    "send-then-close": ("close-1000-right-away", "close-4001-right-away"),
    "send-after-remote-close": ("right-after-connect", "after-one-yield"),
    "handshake-non-ready": ("refused", "http-503", "read-close"),
}


#: Clock ticks per second of /proc's CPU times.
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def agent_cpu_seconds(agent: agents.Agent) -> float:
    """User + system CPU seconds of a live agent process so far (Linux /proc)."""
    if agent.process is None:
        return 0.0
    try:
        fields = Path(f"/proc/{agent.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def cpu_seconds() -> float:
    """CPU seconds so far of the orchestrator, of its children that exited
    (reaped agents), and of every live agent."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(agent_cpu_seconds(agent) for agent in list(agents.LIVE_AGENTS))
    return time.process_time() + children.ru_utime + children.ru_stime + live


class OneShotPool:
    """A pool that starts a fresh agent for every case and stops it after:
    one interpreter per case and role, the baseline the harness is measured
    against (never forked: a fresh interpreter is the point)."""

    def __init__(
        self,
        executable: str,
        role: str,
        peer: str,
        code: agents.PeerCode,
        maximum: int,
        ceiling: int,
        patience: float,
        forkserver: agents.Forkserver | None,
    ) -> None:
        self.executable, self.role, self.peer, self.code = executable, role, peer, code

    async def acquire(self, waiting: bool = False) -> agents.Agent:
        agent = agents.Agent(self.executable, self.role, self.peer, self.code)
        await agent.start()
        return agent

    async def release(self, agent: agents.Agent) -> None:
        await agent.stop()

    async def close(self) -> None:
        pass


async def measure(runner: Runner, cells: list[matrix.Cell]) -> dict[str, Any]:
    flat: list[CaseResult] = []
    runner.progress = lambda cell, result: flat.append(result)
    cpu = cpu_seconds()
    started = time.monotonic()
    await runner.run(cells)
    seconds = time.monotonic() - started
    cpu = cpu_seconds() - cpu
    runner.progress = None
    overheads = [
        result.seconds - float(result.client.get("elapsed", 0.0)) for result in flat if result.client is not None
    ]
    errors = sum(1 for result in flat if result.status == CellStatus.ERROR)
    return {
        "cases": len(flat),
        "errors": errors,
        "seconds": round(seconds, 3),
        "cases_per_second": round(len(flat) / seconds, 1),
        "overhead_median_ms": round(statistics.median(overheads) * 1000, 2),
        "overhead_p90_ms": round(sorted(overheads)[int(len(overheads) * 0.9)] * 1000, 2),
        "cpu_ms_per_case": round(cpu / max(1, len(flat)) * 1000, 2),
        "seconds_per_case_ms": round(seconds / max(1, len(flat)) * 1000, 2),
    }


async def subset_cells(options: MatrixOptions) -> tuple[dict[str, Any], list[matrix.Cell]]:
    """The pipeline's first steps, then only the benchmark's runnable cells."""
    scenarios = pipeline.load_scenarios(options.scenarios)
    resolved = pipeline.resolve_versions(options)
    environments = await pipeline.build_environments(options, resolved)
    peers = await pipeline.make_peers(options, resolved, environments)
    cells = [
        cell for cell in pipeline.plan(scenarios, peers) if cell.variant in SUBSET[cell.scenario] and cell.runnable
    ]
    return scenarios, cells


#: The gap between two library calls, measured on send-then-close's recv loop
#: (the race that loses buffered messages in 14.0 is decided in that gap).
GAP_VARIANT = ("send-then-close", "close-1000-right-away")
GAP_VERSIONS = ("14.0", "newest")


def step_gaps(record: dict[str, Any]) -> list[float]:
    """Seconds between one ``recv()`` returning and the next being called:
    the harness's own work between two library calls (recording, snapshots)."""
    steps = record.get("steps", [])
    return [
        later["called_at"] - earlier["returned_at"]
        for earlier, later in zip(steps, steps[1:])
        if earlier["step"] == later["step"] == "recv" and "returned_at" in earlier and "called_at" in later
    ]


async def measure_gaps(environments: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Median and 99th percentile of the inter-step gap, in µs, per client implementation."""
    options = MatrixOptions(
        clients=GAP_VERSIONS,
        servers=("newest",),
        implementations=("legacy", "asyncio", "sync", "trio"),
        scenarios=(GAP_VARIANT[0],),
        environments=environments,
        tables=False,
    )
    scenarios = pipeline.load_scenarios(options.scenarios)
    resolved = pipeline.resolve_versions(options)
    built = await pipeline.build_environments(options, resolved)
    peers = await pipeline.make_peers(options, resolved, built)
    cells = [
        cell
        for cell in pipeline.plan(scenarios, peers)
        if cell.variant == GAP_VARIANT[1] and cell.runnable and cell.server.implementation == "asyncio"
    ]
    gaps: dict[str, list[float]] = {}
    async with Runner(options.peer_code(), scenarios, Settings(repeat, 1, agents_per_peer=1)) as runner:
        runner.progress = lambda cell, result: gaps.setdefault(cell.client.id, []).extend(
            step_gaps(result.client or {})
        )
        await runner.run(cells)
    return {
        peer: {
            "median_us": round(statistics.median(found) * 1e6, 1),
            "p99_us": round(sorted(found)[min(len(found) - 1, int(len(found) * 0.99))] * 1e6, 1),
            "gaps": len(found),
        }
        for peer, found in sorted(gaps.items())
        if found
    }


async def run_benchmark(repeat: int, jobs: int, environments: Path) -> int:
    options = MatrixOptions(
        clients=VERSIONS, servers=VERSIONS, scenarios=tuple(SUBSET), environments=environments, tables=False
    )
    scenarios, cells = await subset_cells(options)
    report: dict[str, Any] = {"versions": list(VERSIONS), "subset": SUBSET, "repeat": repeat, "cells": len(cells)}
    for name, in_flight in (("serial", 1), ("parallel", jobs)):
        async with Runner(options.peer_code(), scenarios, Settings(repeat, in_flight, agents_per_peer=4)) as runner:
            await runner.run(cells)  # warm up: start the agents outside the measurement
            report[name] = dict(await measure(runner, cells), jobs=in_flight)
        display.say(
            f"{name:8} jobs={in_flight:<3} {report[name]['cases']} cases in {report[name]['seconds']} s: "
            f"{report[name]['cases_per_second']} cases/s, harness overhead per case "
            f"median {report[name]['overhead_median_ms']} ms, p90 {report[name]['overhead_p90_ms']} ms, "
            f"CPU {report[name]['cpu_ms_per_case']} ms per case, {report[name]['errors']} errors"
        )
    report["parallel_speedup"] = round(report["parallel"]["cases_per_second"] / report["serial"]["cases_per_second"], 2)
    display.say(f"parallel / serial: {report['parallel_speedup']}×")
    # The baseline: one interpreter per case and role, one case at a time,
    # on fewer repetitions (each case costs two interpreter start-ups).
    baseline_repeat = max(1, min(repeat, BASELINE_REPEAT))
    async with Runner(
        options.peer_code(),
        scenarios,
        Settings(baseline_repeat, 1, agents_per_peer=1),
        pool_factory=OneShotPool,  # type: ignore[arg-type]  # acquire returns Agent, as AgentPool's
    ) as runner:
        report["baseline"] = dict(await measure(runner, cells), jobs=1, repeat=baseline_repeat)
    per_case = report["baseline"]["seconds_per_case_ms"]
    report["baseline_ratio"] = {
        name: round(per_case / report[name]["seconds_per_case_ms"], 1) for name in ("serial", "parallel")
    }
    display.say(
        f"baseline (one interpreter per case): {report['baseline']['cases']} cases, {per_case} ms per case, "
        f"CPU {report['baseline']['cpu_ms_per_case']} ms per case → the harness is "
        f"{report['baseline_ratio']['serial']}× faster serially, {report['baseline_ratio']['parallel']}× in parallel"
    )
    report["gaps"] = await measure_gaps(environments, repeat)
    for peer, gap in report["gaps"].items():
        display.say(f"gap between recv() calls, {peer}: median {gap['median_us']} µs, p99 {gap['p99_us']} µs")
    path = REPORTS / "bench" / "benchmark.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    display.say(f"→ {path}")
    errors = any(report[name]["errors"] for name in ("serial", "parallel", "baseline"))
    return exit_codes.INCOMPLETE if errors else exit_codes.SUCCESS
