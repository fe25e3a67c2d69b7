"""Long-lived agent processes, and pools of them per (peer, role).

Theory of operation
-------------------

An :class:`Agent` is one ``python -m wsconform.peer.agent`` process in a peer
environment, spoken to with JSON lines (see :mod:`wsconform.peer.agent`). Every
request has a deadline; an agent that misses it, dies, or answers garbage is
*broken*: it is killed (its whole process group) and never reused, and the
pool starts a fresh one on demand.

Agents start in their own session so that a terminal's Ctrl-C reaches the
orchestrator only, which then kills every agent it started; an agent whose
orchestrator vanished sees its stdin close and exits by itself. Every live
agent is tracked in :data:`LIVE_AGENTS` so that nothing outlives the run.

An agent starts either as a fresh interpreter (``python -m
wsconform.peer.agent``) or forked by its environment's :class:`Forkserver`
(:mod:`wsconform.peer.forkserver`), which has imported the library, the
drivers and the scenarios once: the agent is the same, and its start costs
a ``fork()`` instead of an interpreter start-up and those imports. A forked
agent is a grandchild: the fork server reports its exit (:class:`ForkedProcess`).
A fork server that fails or dies is not replaced: its environment's agents
start as fresh interpreters from then on.
"""

from __future__ import annotations

import array
import asyncio
import collections
import hashlib
import itertools
import json
import math
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..peer import scenario, tls
from . import certificates

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

#: Every fork server running: killed with the agents.
LIVE_FORKSERVERS: set["Forkserver"] = set()

#: How long a fork server may take to import everything, and to fork.
FORKSERVER_START_TIMEOUT = 60.0
FORK_TIMEOUT = 10.0


class AgentError(Exception):
    """An agent failed: did not start, died, timed out, or broke the protocol."""


@dataclass(frozen=True)
class PeerCode:
    """What agents import besides their release: this tool's package, alone
    on their path, and the user's scenario directories."""

    #: A directory holding nothing but (a link to) the ``wsconform`` package:
    #: agents' ``PYTHONPATH`` and working directory. Not the directory the
    #: package is installed in: whatever else is installed there (the
    #: orchestrator's own websockets, say) would shadow the peer's release.
    path: Path
    #: Scenario directories beside the built-in scenarios, in order.
    scenario_directories: tuple[Path, ...] = ()

    @classmethod
    def prepare(cls, cache: Path, scenario_directories: tuple[Path, ...] = ()) -> PeerCode:
        """The package's own directory in ``cache`` (made once per installed
        copy of the tool, by its location; replaced atomically, so that
        concurrent runs agree)."""
        package = Path(__file__).resolve().parent.parent
        path = cache / "code" / hashlib.sha256(str(package).encode()).hexdigest()[:12]
        link = path / package.name
        if not (link.is_symlink() and Path(os.readlink(link)) == package):
            path.mkdir(parents=True, exist_ok=True)
            temporary = path / f".{package.name}.{os.getpid()}"
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(package, target_is_directory=True)
            os.replace(temporary, link)
        return cls(path, tuple(directory.resolve() for directory in scenario_directories))


def agent_environment(code: PeerCode) -> dict[str, str]:
    """The environment of an agent (and of a fork server, which agents inherit)."""
    environment = {k: v for k, v in os.environ.items() if k not in SCRUBBED_VARIABLES}
    environment["PYTHONPATH"] = str(code.path)
    environment[scenario.DIRECTORIES_VARIABLE] = os.pathsep.join(str(path) for path in code.scenario_directories)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment["PYTHONUNBUFFERED"] = "1"
    environment["PYTHONIOENCODING"] = "utf-8"
    environment[tls.MATERIAL_VARIABLE] = str(certificates.material())
    return environment


class LastWords:
    """The last lines a process wrote on stderr: how it died, in its own words."""

    def __init__(self, size: int) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=size)

    async def drain(self, stream: asyncio.StreamReader) -> None:
        """Keep the last lines of ``stream`` until it ends."""
        while line := await stream.readline():
            self.lines.append(line.decode(errors="replace").rstrip())

    def last(self) -> str:
        lines = [line for line in self.lines if line.strip()]
        return lines[-1] if lines else "no output on stderr"


class AgentProcess(Protocol):
    """What an agent needs of its process: :class:`asyncio.subprocess.Process`
    for a fresh interpreter, :class:`ForkedProcess` for a forked one."""

    @property
    def pid(self) -> int: ...
    @property
    def returncode(self) -> int | None: ...
    @property
    def stdin(self) -> asyncio.StreamWriter | None: ...
    @property
    def stdout(self) -> asyncio.StreamReader | None: ...
    @property
    def stderr(self) -> asyncio.StreamReader | None: ...
    async def wait(self) -> int: ...


#: ``asyncio.timeout`` (Python 3.11+), else None.
_TIMEOUT: Any = getattr(asyncio, "timeout", None)


async def read_line(stream: asyncio.StreamReader, timeout: float) -> bytes:
    """One line within ``timeout`` seconds (:class:`asyncio.TimeoutError` if
    not). On Python 3.11+ with ``asyncio.timeout``: no task per read (three
    reads per case), and a cancellation that arrives with the line is never
    swallowed, as ``asyncio.wait_for`` does before 3.12."""
    if _TIMEOUT is None:
        return await asyncio.wait_for(stream.readline(), timeout)
    async with _TIMEOUT(timeout):
        return await stream.readline()


def kill_group(process: AgentProcess | None) -> None:
    """SIGKILL the process group that a process still running leads (its
    own session: an agent, a fork server)."""
    if process is not None and process.returncode is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def process_exists(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


class ForkedProcess:
    """An agent forked by a :class:`Forkserver`: its pipes, and its exit as
    the fork server reports it (the orchestrator cannot wait for a grandchild)."""

    def __init__(
        self,
        pid: int,
        pipes: tuple[asyncio.StreamWriter, asyncio.StreamReader, asyncio.StreamReader],
        transports: list[asyncio.BaseTransport],
        exited: asyncio.Future[int],
        forkserver: Forkserver,
    ) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = pipes
        self.transports = transports
        self.exited = exited
        self.forkserver = forkserver

    @property
    def returncode(self) -> int | None:
        if self.exited.done() and not self.exited.cancelled():
            return self.exited.result()
        return None

    async def wait(self) -> int:
        """The exit status; if the fork server is gone (nobody reports it),
        poll until the process has disappeared."""
        while not self.exited.done():
            if not self.forkserver.running and not process_exists(self.pid):
                self.exited.set_result(-signal.SIGKILL)  # its status died with its parent
                break
            await asyncio.wait([self.exited], timeout=0.05)
        return self.exited.result()

    def close(self) -> None:
        """Close the orchestrator's ends of the pipes."""
        for transport in self.transports:
            transport.close()


class Forkserver:
    """The fork server of one peer environment (:mod:`wsconform.peer.forkserver`),
    started on the first :meth:`spawn`."""

    def __init__(self, executable: str, code: PeerCode, scenarios: tuple[str, ...] = ()) -> None:
        self.executable = executable
        self.code = code
        self.scenarios = scenarios
        self.process: asyncio.subprocess.Process | None = None
        self.control: socket.socket | None = None
        #: Set when the fork server failed: agents start as fresh interpreters.
        self.failed: str | None = None
        self.forked = 0
        self._lock = asyncio.Lock()
        self._requests = itertools.count(1)
        #: Fork requests in flight: the reply, with the future of that agent's exit.
        self._pending: dict[int, asyncio.Future[tuple[dict[str, Any], asyncio.Future[int] | None]]] = {}
        #: Forked agents not yet exited: the future their exit notice resolves.
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self.stderr_tail = LastWords(20)

    def __repr__(self) -> str:
        return f"<Forkserver {self.executable}>"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None and self.failed is None

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = await asyncio.create_subprocess_exec(
                self.executable,
                "-m",
                "wsconform.peer.forkserver",
                *self.scenarios,
                stdin=theirs.fileno(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                cwd=str(self.code.path),
                env=agent_environment(self.code),
                start_new_session=True,
            )
        finally:
            theirs.close()
        LIVE_FORKSERVERS.add(self)
        ours.setblocking(False)
        self.control = ours
        reader, writer = await asyncio.open_unix_connection(sock=ours.dup(), limit=MAXIMUM_LINE)
        self._ready = loop.create_future()
        self._reader_task = asyncio.ensure_future(self._read(reader, writer))
        assert self.process.stderr is not None
        self._stderr_task = asyncio.ensure_future(self.stderr_tail.drain(self.process.stderr))
        await asyncio.wait_for(asyncio.shield(self._ready), FORKSERVER_START_TIMEOUT)

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Dispatch the fork server's lines: fork replies, exits, readiness."""
        try:
            while line := await reader.readline():
                message = json.loads(line)
                if "exited" in message:
                    exited = self._exits.pop(message["exited"], None)
                    if exited is not None and not exited.done():
                        exited.set_result(int(message["returncode"]))
                elif "ready" in message:
                    if self._ready is not None and not self._ready.done():
                        self._ready.set_result(message)
                else:
                    exit_future = None
                    if "pid" in message:
                        # Now, not once the requester resumes: the exit notice may be next.
                        exit_future = self._exits[message["pid"]] = asyncio.get_running_loop().create_future()
                    pending = self._pending.pop(message.get("id"), None)
                    if pending is not None and not pending.done():
                        pending.set_result((message, exit_future))
        except (ValueError, ConnectionError, OSError):
            pass
        finally:
            writer.close()
            if self._stderr_task is not None:  # its last words first
                try:
                    await asyncio.wait_for(asyncio.shield(self._stderr_task), 1)
                except (asyncio.TimeoutError, asyncio.CancelledError):
                    pass
            self._fail("the fork server exited: " + self.last_words())

    def last_words(self) -> str:
        return self.stderr_tail.last()

    def _fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
        waiting: list[asyncio.Future[Any]] = [*self._pending.values(), *([self._ready] if self._ready else [])]
        for future in waiting:
            if not future.done():
                future.set_exception(AgentError(self.failed))
        self._pending.clear()

    async def spawn(self) -> ForkedProcess:
        """Fork one agent, with pipes of its own; :class:`AgentError` if the
        fork server cannot (it is then given up)."""
        loop = asyncio.get_running_loop()
        async with self._lock:  # one request in flight: descriptors stay with their request
            if self.failed is not None:
                raise AgentError(self.failed)
            if self.process is None:
                try:
                    await self._start()
                except (OSError, asyncio.TimeoutError, AgentError) as exc:
                    self._fail(f"the fork server did not start: {exc}")
                    self.kill()
                    raise AgentError(self.failed) from None
            assert self.control is not None
            stdin, stdout, stderr = os.pipe(), os.pipe(), os.pipe()
            theirs = [stdin[0], stdout[1], stderr[1]]
            ours = [stdin[1], stdout[0], stderr[0]]
            identifier = next(self._requests)
            future: asyncio.Future[tuple[dict[str, Any], asyncio.Future[int] | None]] = loop.create_future()
            self._pending[identifier] = future
            try:
                message = (json.dumps({"op": "fork", "id": identifier}) + "\n").encode()
                self.control.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", theirs))])
                reply, exited = await asyncio.wait_for(future, FORK_TIMEOUT)
            except (OSError, asyncio.TimeoutError, AgentError) as exc:
                for fd in ours:
                    os.close(fd)
                self._fail(f"the fork server failed: {exc}")
                self.kill()
                raise AgentError(self.failed) from None
            finally:
                self._pending.pop(identifier, None)
                for fd in theirs:
                    os.close(fd)
            if exited is None:
                for fd in ours:
                    os.close(fd)
                raise AgentError(f"the fork server refused: {reply.get('error')}")
            self.forked += 1
        return await self._connect(int(reply["pid"]), ours, exited)

    async def _connect(self, pid: int, fds: list[int], exited: asyncio.Future[int]) -> ForkedProcess:
        loop = asyncio.get_running_loop()
        stdin, stdout, stderr = (open(fd, mode, buffering=0) for fd, mode in zip(fds, ("wb", "rb", "rb")))
        readers = []
        transports: list[asyncio.BaseTransport] = []
        for pipe in (stdout, stderr):
            reader = asyncio.StreamReader(limit=MAXIMUM_LINE)
            protocol = asyncio.StreamReaderProtocol(reader)
            transport, _ = await loop.connect_read_pipe(lambda: protocol, pipe)  # noqa: B023  (used at once)
            readers.append(reader)
            transports.append(transport)
        write_transport, flow = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdin)
        transports.append(write_transport)
        writer = asyncio.StreamWriter(write_transport, flow, None, loop)
        return ForkedProcess(pid, (writer, readers[0], readers[1]), transports, exited, self)

    def kill(self) -> None:
        """Kill the fork server (not the agents it forked: they are agents)."""
        LIVE_FORKSERVERS.discard(self)
        kill_group(self.process)

    async def close(self) -> None:
        """Stop the fork server: close its channel (both ends we hold), then reap it."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self._reader_task is not None:
            self._reader_task.cancel()  # closes the reader's end of the channel
        tasks = [task for task in (self._reader_task, self._stderr_task) if task is not None]
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 2)
            except asyncio.TimeoutError:
                self.kill()
                await self.process.wait()
        self.kill()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Ready to start again on the next spawn.
        self.process = None
        self.failed = None
        self._pending.clear()
        self._exits.clear()
        self._ready = self._reader_task = self._stderr_task = None


class Agent:
    """One agent process."""

    _counter = itertools.count(1)

    def __init__(
        self, executable: str, role: str, peer: str, code: PeerCode, forkserver: Forkserver | None = None
    ) -> None:
        self.executable = executable
        self.role = role
        self.peer = peer
        self.code = code
        self.forkserver = forkserver
        self.number = next(self._counter)
        self.process: AgentProcess | None = None
        self.broken = False
        self.stderr_tail = LastWords(40)
        self._requests = itertools.count(1)
        self._stderr_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Agent #{self.number} {self.peer} {self.role}>"

    async def start(self) -> None:
        """Start the agent: forked by its fork server if it has a working
        one, else as a fresh interpreter."""
        if self.forkserver is not None and self.forkserver.failed is None:
            try:
                self.process = await self.forkserver.spawn()
            except AgentError:
                pass  # the fork server is given up: start as a fresh interpreter
            else:
                self._started()
                return
        try:
            self.process = await asyncio.create_subprocess_exec(
                self.executable,
                "-m",
                "wsconform.peer.agent",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=str(self.code.path),
                env=agent_environment(self.code),
                start_new_session=True,
                limit=MAXIMUM_LINE,
            )
        except OSError as exc:
            self.broken = True
            raise AgentError(f"cannot start agent for {self.peer}: {exc}") from None
        self._started()

    def _started(self) -> None:
        """Track the agent's process, and keep its last words."""
        assert self.process is not None and self.process.stderr is not None
        LIVE_AGENTS.add(self)
        self._stderr_task = asyncio.ensure_future(self.stderr_tail.drain(self.process.stderr))

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
                raw = await read_line(self.process.stdout, timeout)
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
        return self.stderr_tail.last()

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
        kill_group(self.process)

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
        if isinstance(self.process, ForkedProcess):
            self.process.close()


def kill_all() -> None:
    """Kill every agent and fork server still alive: the last line of
    defence against orphans."""
    for agent in list(LIVE_AGENTS):
        agent.kill()
    for forkserver in list(LIVE_FORKSERVERS):
        forkserver.kill()


class AgentPool:
    """Agents of one (peer, role), started on demand.

    At most ``maximum`` agents are *fresh* — lent less than ``patience``
    seconds ago, to a case not known to wait — and at most ``ceiling``
    exist. An agent lent longer, or lent to a case that waits
    (``acquire(waiting=True)``: a keepalive window, a timeout the library
    owns), no longer counts against ``maximum``: another agent may start
    for the next case, up to ``ceiling``. Without a ``ceiling``,
    ``maximum`` is a hard cap. With a ``forkserver``, it forks the agents.
    """

    def __init__(
        self,
        executable: str,
        role: str,
        peer: str,
        code: PeerCode,
        maximum: int,
        ceiling: int | None = None,
        patience: float = 2.0,
        forkserver: Forkserver | None = None,
    ) -> None:
        self.executable = executable
        self.forkserver = forkserver
        self.role = role
        self.peer = peer
        self.code = code
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
        agent = Agent(self.executable, self.role, self.peer, self.code, self.forkserver)
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
