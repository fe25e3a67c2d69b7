"""Long-lived agent processes, and pools of them per (peer, role).

Theory of operation
-------------------

An :class:`Agent` is one ``python -m harness.peer.agent`` process in a peer
environment, spoken to with JSON lines (see :mod:`harness.peer.agent`). Every
request has a deadline; an agent that misses it, dies, or answers garbage is
*broken*: it is killed (its whole process group) and never reused, and the
pool starts a fresh one on demand.

Agents start in their own session so that a terminal's Ctrl-C reaches the
orchestrator only, which then kills every agent it started; an agent whose
orchestrator vanished sees its stdin close and exits by itself. Every live
agent is tracked in :data:`LIVE_AGENTS` so that nothing outlives the run.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import math
import os
import signal
from pathlib import Path
from typing import Any

#: Largest reply accepted from an agent (records with long traces).
MAXIMUM_LINE = 64 * 1024 * 1024

#: Environment variables removed before starting an agent: proxies would
#: reroute loopback traffic in versions that honour them (15.0+).
SCRUBBED_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "PYTHONSTARTUP",
    "PYTHONHOME",
    "VIRTUAL_ENV",
)

LIVE_AGENTS: set["Agent"] = set()


class AgentError(Exception):
    """An agent failed: did not start, died, timed out, or broke the protocol."""


class Agent:
    """One agent process."""

    _counter = itertools.count(1)

    def __init__(self, executable: str, role: str, peer: str, project: Path) -> None:
        self.executable = executable
        self.role = role
        self.peer = peer
        self.project = project
        self.number = next(self._counter)
        self.process: asyncio.subprocess.Process | None = None
        self.broken = False
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self._requests = itertools.count(1)
        self._stderr_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Agent #{self.number} {self.peer} {self.role}>"

    async def start(self) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in SCRUBBED_VARIABLES}
        environment["PYTHONPATH"] = str(self.project)
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONIOENCODING"] = "utf-8"
        try:
            self.process = await asyncio.create_subprocess_exec(
                self.executable,
                "-m",
                "harness.peer.agent",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=str(self.project),
                env=environment,
                start_new_session=True,
                limit=MAXIMUM_LINE,
            )
        except OSError as exc:
            self.broken = True
            raise AgentError(f"cannot start agent for {self.peer}: {exc}") from None
        LIVE_AGENTS.add(self)
        self._stderr_task = asyncio.ensure_future(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while True:
            line = await self.process.stderr.readline()
            if not line:
                return
            self.stderr_tail.append(line.decode(errors="replace").rstrip())

    async def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]:
        """Send one request and wait for its reply, at most ``timeout`` seconds."""
        if self.process is None or self.broken:
            raise AgentError(f"{self!r} is not running")
        assert self.process.stdin is not None and self.process.stdout is not None
        identifier = next(self._requests)
        line = json.dumps(dict(fields, op=op, id=identifier)) + "\n"
        raw: bytes | None = None
        try:
            self.process.stdin.write(line.encode())
            await self.process.stdin.drain()
        except (ConnectionError, OSError):
            raw = b""  # the agent is gone: report how it died, below
        try:
            if raw is None:
                raw = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except asyncio.TimeoutError:
            self.kill()
            raise AgentError(f"{self.peer} {self.role} agent did not answer {op!r} within {timeout:g} s") from None
        except (ConnectionError, OSError, ValueError) as exc:
            self.kill()
            raise AgentError(f"{self.peer} {self.role} agent channel failed: {exc}") from None
        if not raw:
            await self._wait_exit()
            self.kill()
            raise AgentError(f"{self.peer} {self.role} agent exited: {self.last_words()}")
        try:
            reply: dict[str, Any] = json.loads(raw)
        except ValueError:
            self.kill()
            raise AgentError(f"{self.peer} {self.role} agent sent garbage: {raw[:200]!r}") from None
        if reply.get("id") != identifier:
            self.kill()
            raise AgentError(f"{self.peer} {self.role} agent answered request {reply.get('id')}, not {identifier}")
        if reply.get("poisoned"):
            # A case thread is stuck inside the agent: never reuse it.
            self.kill()
        return reply

    def last_words(self) -> str:
        lines = [line for line in self.stderr_tail if line.strip()]
        return lines[-1] if lines else "no output on stderr"

    async def _wait_exit(self) -> None:
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 2)
            except asyncio.TimeoutError:
                pass
            if self._stderr_task is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(self._stderr_task), 1)
                except asyncio.TimeoutError:
                    pass

    def kill(self) -> None:
        """Kill the agent's whole process group, now."""
        self.broken = True
        LIVE_AGENTS.discard(self)
        if self.process is not None and self.process.returncode is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    async def stop(self) -> None:
        """Ask the agent to leave; kill it if it does not."""
        if self.process is None:
            return
        if not self.broken and self.process.returncode is None:
            try:
                await self.request("exit", timeout=2)
            except AgentError:
                pass
        try:
            await asyncio.wait_for(self.process.wait(), 2)
        except asyncio.TimeoutError:
            pass
        self.kill()
        await self._reap()

    async def _reap(self) -> None:
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except asyncio.TimeoutError:  # pragma: no cover - SIGKILL does not fail
                pass
        if self._stderr_task is not None:
            self._stderr_task.cancel()


def kill_all() -> None:
    """Kill every agent still alive: the last line of defence against orphans."""
    for agent in list(LIVE_AGENTS):
        agent.kill()


class AgentPool:
    """Agents of one (peer, role), started on demand.

    At most ``maximum`` agents are *fresh* — lent less than ``patience``
    seconds ago, to a case not known to wait — and at most ``ceiling``
    exist. An agent lent longer, or lent to a case that waits
    (``acquire(waiting=True)``: a keepalive window, a timeout the library
    owns), no longer counts against ``maximum``: another agent may start
    for the next case, up to ``ceiling``. Without a ``ceiling``,
    ``maximum`` is a hard cap.
    """

    def __init__(
        self,
        executable: str,
        role: str,
        peer: str,
        project: Path,
        maximum: int,
        ceiling: int | None = None,
        patience: float = 2.0,
    ) -> None:
        self.executable = executable
        self.role = role
        self.peer = peer
        self.project = project
        self.maximum = maximum
        self.ceiling = max(maximum, ceiling or maximum)
        self.patience = patience
        self.idle: list[Agent] = []
        #: Agents lent, and when.
        self.lent: dict[Agent, float] = {}
        self.count = 0
        self.started = 0
        self.condition = asyncio.Condition()

    def _fresh(self, now: float) -> list[float]:
        """When each agent lent less than ``patience`` ago was lent."""
        return [since for since in self.lent.values() if now - since < self.patience]

    async def acquire(self, waiting: bool = False) -> Agent:
        loop = asyncio.get_running_loop()

        def since() -> float:
            """When the agent counts as lent: a waiting case's, long ago (never fresh)."""
            return -math.inf if waiting else loop.time()

        async with self.condition:
            while True:
                now = loop.time()
                if self.idle:
                    agent = self.idle.pop()
                    self.lent[agent] = since()
                    return agent
                fresh = self._fresh(now)
                if self.count < self.ceiling and (waiting or len(fresh) < self.maximum):
                    self.count += 1
                    break
                if self.count < self.ceiling and fresh:
                    # Wake when the oldest fresh lease turns into waiting.
                    try:
                        await asyncio.wait_for(self.condition.wait(), min(fresh) + self.patience - now)
                    except asyncio.TimeoutError:
                        pass
                else:
                    await self.condition.wait()
        agent = Agent(self.executable, self.role, self.peer, self.project)
        try:
            await agent.start()
        except AgentError:
            await self._forget()
            raise
        self.started += 1
        self.lent[agent] = since()
        return agent

    async def release(self, agent: Agent) -> None:
        self.lent.pop(agent, None)
        if agent.broken:
            await agent.stop()
            await self._forget()
            return
        async with self.condition:
            self.idle.append(agent)
            self.condition.notify()

    async def _forget(self) -> None:
        async with self.condition:
            self.count -= 1
            self.condition.notify()

    async def close(self) -> None:
        """Stop the idle agents; the pool stays usable and starts new ones on demand."""
        async with self.condition:
            agents, self.idle = self.idle, []
            self.count -= len(agents)
            self.condition.notify(len(agents))
        await asyncio.gather(*(agent.stop() for agent in agents))
