"""The long-lived agent that runs inside a peer environment.

Theory of operation
-------------------

The orchestrator starts one agent per (peer, role) and talks to it with JSON
lines: one request per line on stdin, one reply per line on stdout. Anything
else the process prints goes to stderr (``sys.stdout`` is redirected), so a
library that prints cannot corrupt the channel.

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

Each case runs in a fresh thread with a fresh event loop, so it runs alone:
the main thread only reads requests and waits. If a case does not finish in
time, the reply says so with the partial record and ``poisoned: true``: the
stuck thread cannot be stopped, so the orchestrator replaces the agent.

The agent exits when stdin closes, so it never outlives the orchestrator.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import threading
import time
from typing import Any, Callable, Dict, Optional, Set

from . import drivers, faults, scenario
from .drivers.base import Driver, Unavailable
from .recording import Recorder, format_traceback
from .side import STEP_GUARD, Side

#: How long the server waits for its handlers to return after the client is done.
HANDLER_GRACE = 3.0

#: How long starting a server may take.
START_TIMEOUT = 10.0


class CaseThread:
    """Runs one side of one case in its own thread and event loop."""

    def __init__(self, target: Callable[[], Any]) -> None:
        self.target = target
        self.error: Optional[str] = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.target()
        except BaseException:
            self.error = format_traceback()

    def start(self) -> "CaseThread":
        self.thread.start()
        return self

    def join(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()


class ServerPart:
    """The server side of a case: a real peer's server, or a fault server."""

    def __init__(self, module: Any, variant: scenario.Variant, implementation: str) -> None:
        self.module = module
        self.variant = variant
        self.implementation = implementation
        self.recorder = Recorder("server")
        self.driver: Optional[Driver] = None
        if implementation != "fault":
            self.driver = drivers.load(implementation)
        self.ready = threading.Event()
        self.port = 0
        self.start_error: Optional[str] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.finish: Optional[asyncio.Event] = None
        self.handlers: Set["asyncio.Task[Any]"] = set()
        self.harness_error: Optional[str] = None

    def run(self) -> None:
        with self.recorder:
            if self.driver is None:
                asyncio.run(self.main())
            else:
                self.driver.run(self.main)

    async def main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.finish = asyncio.Event()
        fault = None
        try:
            if self.driver is None:
                fault = faults.FaultServer(self.variant["fault"], self.recorder)
                self.port = await fault.start()
            else:
                server = await self.driver.serve(self.handler)
                self.port = self.driver.server_port(server)
        except Exception:
            self.start_error = format_traceback()
            self.ready.set()
            return
        self.recorder.event("listening")
        self.ready.set()
        await self.finish.wait()
        self.recorder.phase = "after-client"
        pending = [task for task in self.handlers if not task.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=HANDLER_GRACE)
            if still:
                self.recorder.event("handler-still-running", count=len(still))
        self.recorder.phase = "teardown"
        try:
            if fault is not None:
                await asyncio.wait_for(fault.stop(), START_TIMEOUT)
            else:
                assert self.driver is not None
                await asyncio.wait_for(self.driver.stop(server), START_TIMEOUT)
        except Exception as exc:
            self.recorder.event("stop-failed", error=repr(exc))

    async def handler(self, connection: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
        assert self.driver is not None
        side = Side("server", self.driver, self.recorder)
        side.connection = connection
        self.recorder.event("handler-started", state=self.driver.snapshot(connection))
        try:
            await self.module.server(side, self.variant)
        except asyncio.CancelledError:
            self.recorder.event("handler-cancelled")
            raise
        except Exception:
            self.harness_error = "server scenario raised:\n" + format_traceback()
        finally:
            self.recorder.event("handler-returned", state=self.driver.snapshot(connection))
            self.recorder.phase = "after-handler"

    def stop(self) -> None:
        if self.loop is not None and self.finish is not None:
            self.loop.call_soon_threadsafe(self.finish.set)

    def record(self) -> Dict[str, Any]:
        record = self.recorder.as_dict()
        record["implementation"] = self.implementation
        if self.harness_error:
            record["harness_error"] = self.harness_error
        return record


class ClientPart:
    """The client side of a case."""

    def __init__(self, module: Any, variant: scenario.Variant, implementation: str, port: int) -> None:
        self.module = module
        self.variant = variant
        self.implementation = implementation
        self.driver = drivers.load(implementation)
        self.recorder = Recorder("client")
        self.port = port
        self.harness_error: Optional[str] = None

    def run(self) -> None:
        with self.recorder:
            self.driver.run(self.main)

    async def main(self) -> None:
        side = Side("client", self.driver, self.recorder, self.port)
        self.recorder.phase = "between-steps"
        try:
            await self.module.client(side, self.variant)
        except Exception:
            self.harness_error = "client scenario raised:\n" + format_traceback()
        self.recorder.phase = "teardown"
        if side.connection is not None:
            # Not a step: clean up so the server's handler can finish.
            with self.driver.guard(2.0):
                try:
                    await self.driver.close(side.connection, 1000, "")
                except BaseException as exc:
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise

    def record(self) -> Dict[str, Any]:
        record = self.recorder.as_dict()
        record["implementation"] = self.implementation
        if self.harness_error:
            record["harness_error"] = self.harness_error
        return record


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
        module = scenario.load(request["scenario"])
        variant = module.SCENARIO.variant(request["variant"])
        try:
            part = ServerPart(module, variant, request["implementation"])
        except Unavailable as exc:
            return {"unsupported": str(exc)}
        thread = CaseThread(part.run).start()
        if not part.ready.wait(START_TIMEOUT):
            return {"error": "server did not start within {} s".format(START_TIMEOUT), "poisoned": True}
        if part.start_error:
            thread.join(START_TIMEOUT)
            return {"error": "server failed to start:\n" + part.start_error}
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
        module = scenario.load(request["scenario"])
        variant = module.SCENARIO.variant(request["variant"])
        try:
            part = ClientPart(module, variant, request["implementation"], request["port"])
        except Unavailable as exc:
            return {"unsupported": str(exc)}
        thread = CaseThread(part.run).start()
        timeout = float(request.get("timeout_seconds", module.SCENARIO.timeout))
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
        import websockets  # type: ignore[import-not-found]
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
        from websockets.version import version  # type: ignore[import-not-found]

        return str(version)
    except Exception:  # pragma: no cover
        return None


def smoke(implementation: str) -> Dict[str, Any]:
    """Serve an echo handler and exchange one message with it."""
    started = time.perf_counter()
    outcome: Dict[str, Any] = {}

    def run() -> None:
        driver = drivers.load(implementation)

        async def echo(connection: Any) -> None:
            await driver.send(connection, await driver.recv(connection))

        async def main() -> None:
            server = await driver.serve(echo)
            connection = await driver.connect("ws://127.0.0.1:{}/smoke".format(driver.server_port(server)), None)
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
