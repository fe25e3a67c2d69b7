"""The long-lived agent that runs inside a peer environment.

Theory of operation
-------------------

The orchestrator starts agents per (peer, role) — as ``python -m
wsconform.peer.agent``, or forked by its environment's fork server
(:mod:`wsconform.peer.forkserver`), which then calls :func:`main` — and
talks to each with JSON lines: one request per line on stdin, one reply per
line on stdout. Anything else the process prints goes to stderr
(``sys.stdout`` is redirected), so a library that prints cannot corrupt the
channel.

Requests (``op``) and replies:

``hello``
    versions, and which implementations this release has.
``smoke``
    a short echo exchange on ``implementation``: does it work on this Python?
``serve``
    start the server part of a case; reply with the port once listening.
``collect``
    end the server part of a case (after the client finished); reply with
    its record.
``client``
    run the client part of a case against ``port``; reply with its record.
``exit``
    leave.

Each side of a case runs on the agent's *case thread* with a fresh event
loop, so it runs alone: the main thread only reads requests and waits. Case
threads are reused, one part at a time each (:class:`CaseThread`):
starting a thread per part cost 0.3–0.5 ms on a 2-core machine, a tenth of
a short case, and a thread carries nothing from one case to the next that a
fresh one would not (the event loop, the recorder, the driver's state are
all per case; websockets keeps no thread-local state). If a case does not finish in time, the reply says so
with the partial record and ``poisoned: true``: the stuck case thread cannot
be stopped, so the orchestrator replaces the agent.

The agent exits when stdin closes, so it never outlives the orchestrator.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import queue
import socket
import sys
import threading
import time
from typing import Any, Callable, ClassVar, Dict, List, Optional

from . import drivers, faults, scenario
from .drivers.base import HANDLER_GRACE, Driver, Unavailable, Unsupported
from .recording import Recorder, format_traceback, result_exception
from .side import STEP_GUARD, Side

#: How long starting a server may take.
START_TIMEOUT = 10.0


class CaseThread:
    """Runs one side of one case on a case thread: an idle one if there is
    one, else a new one. A part that never ends keeps its thread (the agent
    is then replaced); two parts at once (tests run both sides in one
    process) get two threads."""

    _idle: ClassVar[List[queue.SimpleQueue[CaseThread]]] = []
    _lock = threading.Lock()

    def __init__(self, target: Callable[[], Any]) -> None:
        self.target = target
        self.error: Optional[str] = None
        self.finished = threading.Event()

    @classmethod
    def _serve(cls, jobs: queue.SimpleQueue[CaseThread]) -> None:
        while True:
            jobs.get()._run()
            with cls._lock:
                cls._idle.append(jobs)

    def _run(self) -> None:
        try:
            self.target()
        except BaseException:
            self.error = format_traceback()
        finally:
            self.finished.set()

    def start(self) -> "CaseThread":
        with self._lock:
            jobs = self._idle.pop() if self._idle else None
        if jobs is None:
            jobs = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(jobs,), name="case", daemon=True).start()
        jobs.put(self)
        return self

    def join(self, timeout: float) -> bool:
        """Whether the part finished within ``timeout`` seconds."""
        return self.finished.wait(timeout)


def collect_garbage(recorder: Recorder) -> None:
    """Collect this case's garbage while its recorder listens.

    Objects a case leaked (an unclosed socket, say) warn when collected; left
    to chance, the warning would land in a later case of this agent.

    What survives is long-lived (modules, caches): ``gc.freeze()`` moves it
    out of the collector's sight, so the next case's collection scans only
    that case's objects (≈0.01 ms instead of 3–5 ms per collection).
    """
    recorder.phase = "teardown"
    gc.collect()
    if hasattr(gc, "freeze"):  # Python 3.7+
        gc.freeze()


class Part:
    """What both sides of a case share: a recorder and a possible harness error."""

    implementation: str
    recorder: Recorder
    harness_error: Optional[str]

    def record(self) -> Dict[str, Any]:
        record = self.recorder.as_dict()
        record["implementation"] = self.implementation
        if self.harness_error:
            record["harness_error"] = self.harness_error
        return record


class ServerPart(Part):
    """The server side of a case: a real peer's server, or a fault server.

    The driver's runtime (:meth:`Driver.run_server`) runs it: it calls
    :meth:`listening` once the server accepts connections, :meth:`handler`
    for each connection, and waits for :attr:`finish`, which :meth:`stop`
    sets from the agent's main thread.
    """

    def __init__(self, loaded: scenario.LoadedScenario, variant: scenario.Variant, implementation: str) -> None:
        self.scenario = loaded
        self.variant = variant
        self.implementation = implementation
        self.recorder = Recorder("server")
        self.driver: Driver
        if implementation == "fault":
            self.driver = faults.FaultDriver(variant["fault"], self.recorder)
            self.options: Dict[str, Any] = {}
        else:
            self.driver = drivers.load(implementation)
            self.options = dict(loaded.server_options(variant))
        self.ready = threading.Event()
        self.finish = threading.Event()
        self.wake: Optional[Callable[[], Any]] = None
        #: The library's server object, once serving (for ``shutdown_server``).
        self.server: Any = None
        #: The port held when ``serve()`` raised (see :meth:`serve_raised`).
        self.reservation: Optional[socket.socket] = None
        self.port = 0
        self.start_error: Optional[str] = None
        self.unsupported_reason: Optional[str] = None
        self.harness_error: Optional[str] = None

    def run(self) -> None:
        with self.recorder:
            try:
                self.driver.run_server(self)
            finally:
                if self.reservation is not None:
                    self.reservation.close()
                self.ready.set()
                collect_garbage(self.recorder)

    # Called by the driver's runtime.

    def listening(self, port: int) -> None:
        self.port = port
        self.recorder.event("listening")
        self.ready.set()

    def start_failed(self, exc: Exception) -> None:
        """The server did not start: an option the implementation lacks
        (:class:`Unsupported`) or a failure. Call it inside the ``except``
        block, so that the traceback is the one being handled."""
        if isinstance(exc, Unsupported):
            self.unsupported_reason = str(exc)
        else:
            self.start_error = format_traceback()
        self.ready.set()

    def serve_raised(self, exc: BaseException) -> None:
        """The library's ``serve()`` raised (code written for another
        release's ``serve()``, say): recorded as the server's ``serve`` step,
        an observation like any other. A port stays reserved, not listening,
        until the case ends: the client is refused, as an application's
        clients would be, and no other case's server can take the port."""
        record = self.recorder.begin("serve", {"options": sorted(self.options)}, None)
        self.recorder.finish(record, result_exception(exc), None)
        self.reservation = faults.reserve_port()
        self.listening(self.reservation.getsockname()[1])

    def after_client(self) -> None:
        self.recorder.phase = "after-client"

    def teardown(self) -> None:
        self.recorder.phase = "teardown"

    async def handler(self, connection: Any) -> None:
        side = Side("server", self.driver, self.recorder)
        side.connection = connection
        side.server = self.server
        self.recorder.event("handler-started", state=self.driver.snapshot(connection))
        assert self.scenario.server is not None, "fault-server scenarios have no server script"
        try:
            await self.scenario.server(side, self.variant)
        except BaseException as exc:
            if self.driver.is_cancellation(exc):
                self.recorder.event("handler-cancelled")
                raise
            if isinstance(exc, Exception):
                self.harness_error = "server scenario raised:\n" + format_traceback()
            else:
                raise
        finally:
            self.recorder.event("handler-returned", state=self.driver.snapshot(connection))
            self.recorder.phase = "after-handler"

    # Called by the agent.

    def stop(self) -> None:
        self.finish.set()
        if self.wake is not None:
            self.wake()


class ClientPart(Part):
    """The client side of a case."""

    def __init__(
        self, loaded: scenario.LoadedScenario, variant: scenario.Variant, implementation: str, port: int
    ) -> None:
        self.scenario = loaded
        self.variant = variant
        self.implementation = implementation
        self.driver = drivers.load(implementation)
        self.recorder = Recorder("client")
        self.port = port
        self.harness_error: Optional[str] = None

    def run(self) -> None:
        with self.recorder:
            try:
                self.driver.run(self.main)
            finally:
                collect_garbage(self.recorder)

    async def main(self) -> None:
        side = Side("client", self.driver, self.recorder, self.port)
        self.recorder.phase = "between-steps"
        try:
            await self.scenario.client(side, self.variant)
        except Exception:
            self.harness_error = "client scenario raised:\n" + format_traceback()
        self.recorder.phase = "teardown"
        if side.connection is not None:
            # Not a step: clean up so the server's handler can finish.
            with self.driver.guard(2.0, side.connection):
                try:
                    await self.driver.close(side.connection, 1000, "")
                except BaseException as exc:
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
        await self.driver.finish_client()


class Agent:
    def __init__(self, output: Any) -> None:
        self.output = output
        self.server: Optional[ServerPart] = None
        self.server_thread: Optional[CaseThread] = None

    def reply(self, message: Dict[str, Any]) -> None:
        self.output.write(json.dumps(message, default=repr) + "\n")
        self.output.flush()

    def handle(self, request: Dict[str, Any]) -> Dict[str, Any]:
        op = request.get("op")
        if op == "hello":
            return hello()
        if op == "smoke":
            return smoke(request.get("implementation", "default"))
        if op == "serve":
            return self.serve(request)
        if op == "collect":
            return self.collect(request)
        if op == "client":
            return self.client(request)
        raise ValueError("unknown op {!r}".format(op))

    def serve(self, request: Dict[str, Any]) -> Dict[str, Any]:
        if self.server is not None:
            raise RuntimeError("a server part is already running")
        loaded = scenario.load(request["scenario"])
        variant = loaded.variant(request["variant"])
        try:
            part = ServerPart(loaded, variant, request["implementation"])
        except Unavailable as exc:
            return {"unsupported": str(exc)}
        thread = CaseThread(part.run).start()
        if not part.ready.wait(START_TIMEOUT):
            return {"error": "server did not start within {} s".format(START_TIMEOUT), "poisoned": True}
        if part.unsupported_reason:
            thread.join(START_TIMEOUT)
            return {"unsupported": part.unsupported_reason}
        if part.start_error or thread.error or not part.port:
            thread.join(START_TIMEOUT)
            return {"error": "server failed to start:\n" + (part.start_error or thread.error or "no port")}
        self.server, self.server_thread = part, thread
        return {"port": part.port}

    def collect(self, request: Dict[str, Any]) -> Dict[str, Any]:
        part, thread = self.server, self.server_thread
        self.server = self.server_thread = None
        if part is None or thread is None:
            raise RuntimeError("no server part to collect")
        part.stop()
        finished = thread.join(HANDLER_GRACE + START_TIMEOUT)
        reply: Dict[str, Any] = {"record": part.record()}
        if not finished:
            reply["error"] = "server part did not stop"
            reply["poisoned"] = True
        elif thread.error:
            reply["error"] = "server part crashed:\n" + thread.error
        return reply

    def client(self, request: Dict[str, Any]) -> Dict[str, Any]:
        loaded = scenario.load(request["scenario"])
        variant = loaded.variant(request["variant"])
        try:
            part = ClientPart(loaded, variant, request["implementation"], request["port"])
        except Unavailable as exc:
            return {"unsupported": str(exc)}
        thread = CaseThread(part.run).start()
        timeout = float(request.get("timeout_seconds", loaded.declaration.timeout))
        finished = thread.join(timeout)
        reply: Dict[str, Any] = {"record": part.record()}
        if not finished:
            reply["error"] = "client part did not finish within {} s".format(timeout)
            reply["poisoned"] = True
        elif thread.error:
            reply["error"] = "client part crashed:\n" + thread.error
        return reply

    def serve_forever(self, requests: Any) -> None:
        for line in requests:
            line = line.strip()
            if not line:
                continue
            request: Dict[str, Any] = {}
            try:
                request = json.loads(line)
                if request.get("op") == "exit":
                    self.reply({"id": request.get("id"), "ok": True})
                    return
                reply = self.handle(request)
                reply.setdefault("ok", "error" not in reply)
            except Exception:
                reply = {"ok": False, "error": format_traceback()}
            reply["id"] = request.get("id")
            self.reply(reply)


def hello() -> Dict[str, Any]:
    info: Dict[str, Any] = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "pid": os.getpid(),
        "step_guard": STEP_GUARD,
    }
    try:
        import websockets
    except Exception as exc:
        info["websockets"] = None
        info["import_error"] = "{}: {}".format(type(exc).__name__, exc)
        info["implementations"] = {}
        return info
    info["websockets"] = getattr(websockets, "__version__", None) or _version_from_module()
    info["implementations"] = drivers.inventory()
    return info


def _version_from_module() -> Optional[str]:
    try:
        from websockets.version import version

        return str(version)
    except Exception:  # pragma: no cover
        return None


def smoke(implementation: str) -> Dict[str, Any]:
    """Serve an echo handler and exchange one message with it (asyncio family:
    the smoke test checks the `default` implementation)."""
    started = time.perf_counter()
    outcome: Dict[str, Any] = {}

    def run() -> None:
        driver = drivers.load(implementation)

        async def echo(connection: Any) -> None:
            await driver.send(connection, await driver.recv(connection))

        async def main() -> None:
            server = await driver.serve(echo, {})
            uri = "ws://127.0.0.1:{}/smoke".format(driver.server_port(server))
            connection = await driver.connect(uri, None, {})
            await driver.send(connection, "smoke")
            outcome["echo"] = await driver.recv(connection)
            await driver.close(connection, 1000, "")
            await driver.stop(server)

        driver.run(main)

    thread = CaseThread(run).start()
    if not thread.join(20.0):
        return {"passed": False, "detail": "smoke test hung", "poisoned": True}
    if thread.error or outcome.get("echo") != "smoke":
        last = (thread.error or "echo returned {!r}".format(outcome.get("echo"))).strip().splitlines()[-1]
        return {"passed": False, "detail": last, "traceback": thread.error}
    return {"passed": True, "seconds": round(time.perf_counter() - started, 3)}


def main() -> None:
    output = sys.stdout
    sys.stdout = sys.stderr  # nothing but replies on the channel
    Agent(output).serve_forever(sys.stdin)
    # Case threads are daemons: leaving now abandons any stuck one.
    output.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
