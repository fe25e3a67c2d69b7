"""Driver for the threading implementation, ``websockets.sync`` (11.0+).

Theory of operation
-------------------

Scenario scripts are coroutines, but every step of this driver blocks and
returns without ever suspending, so a script runs to completion on the first
``send(None)``: :meth:`SyncDriver.run` is a trampoline, not an event loop. A
step that would need an event loop (``pause``) is :class:`Unsupported`.

Guards cannot cancel a blocking call; instead the process's one watchdog
thread shuts the connection's socket down, which makes the blocked call
return or raise, and the step is recorded as ``guard-timeout``.

The server runs ``serve_forever`` in a thread; each connection's handler runs
in the library's own handler thread.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Any, Callable, Coroutine, Dict, List, Optional, Set, Tuple

from .base import (
    HANDLER_GRACE,
    STOP_TIMEOUT,
    Driver,
    ScenarioMistake,
    Unavailable,
    Unsupported,
    parameters,
    shutdown_socket,
)


class Watchdog:
    """One thread that fires every sync guard of this process.

    Starting a ``threading.Timer`` per step cost about 100–300 µs between two
    library calls — enough to move the races the scenarios measure. Arming a
    guard here is a lock and a heap push; the watchdog checks its deadlines
    every :data:`WATCHDOG_TICK` seconds (guards lie seconds beyond the
    library's own timeouts, so firing a tick late changes nothing).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadlines: List[Tuple[float, int, Callable[[], None]]] = []
        self._disarmed: Set[int] = set()
        self._tokens = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def arm(self, seconds: float, fire: Callable[[], None]) -> int:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="guard-watchdog", daemon=True)
                self._thread.start()
            token = next(self._tokens)
            heapq.heappush(self._deadlines, (time.monotonic() + seconds, token, fire))
            return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._disarmed.add(token)

    def _run(self) -> None:
        while True:
            time.sleep(WATCHDOG_TICK)
            due = []
            with self._lock:
                now = time.monotonic()
                while self._deadlines and (self._deadlines[0][0] <= now or self._deadlines[0][1] in self._disarmed):
                    _, token, fire = heapq.heappop(self._deadlines)
                    if token in self._disarmed:
                        self._disarmed.discard(token)
                    else:
                        due.append(fire)
            for fire in due:
                fire()


#: How often the watchdog looks at its deadlines.
WATCHDOG_TICK = 0.05

WATCHDOG = Watchdog()


class SyncGuard:
    """Shuts the connection's socket down when the step takes too long."""

    def __init__(self, seconds: Optional[float], connection: Any) -> None:
        self.seconds = seconds
        self.connection = connection
        self.fired = False
        self._token: Optional[int] = None

    def __enter__(self) -> "SyncGuard":
        if self.seconds is not None and self.connection is not None:
            self._token = WATCHDOG.arm(self.seconds, self._fire)
        return self

    def _fire(self) -> None:
        self.fired = True
        sock = getattr(self.connection, "socket", None)
        if sock is not None:
            shutdown_socket(sock)

    def __exit__(self, *exc_info: Any) -> None:
        if self._token is not None:
            WATCHDOG.disarm(self._token)


def trampoline(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends; fail loudly if it does."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise RuntimeError("a sync scenario step suspended: the sync driver has no event loop")


class SyncDriver(Driver):
    name = "sync"
    guard_cancels = False
    basic_auth_module = "websockets.sync.server"

    @classmethod
    def load(cls) -> "SyncDriver":
        try:
            from websockets.sync import client, server
        except ImportError as exc:
            raise Unavailable("no websockets.sync implementation: {}".format(exc))
        return cls(client.connect, server.serve, "websockets.sync")

    # Runtime.

    def run(self, main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        return trampoline(main())

    async def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def pause(self) -> None:
        raise Unsupported("the sync implementation has no event loop to yield to")

    def guard(self, seconds: Optional[float], connection: Any = None) -> Any:
        return SyncGuard(seconds, connection)

    def is_cancellation(self, exc: BaseException) -> bool:
        return False

    def run_server(self, part: Any) -> None:
        done = threading.Condition()
        active = [0]

        def handler(connection: Any, *path: Any) -> None:
            with done:
                active[0] += 1
            try:
                self.run(lambda: part.handler(connection))
            finally:
                with done:
                    active[0] -= 1
                    done.notify_all()

        try:
            arguments = self.server_arguments(part.options)
        except Exception as exc:
            part.start_failed(exc)
            return
        try:
            server = self.serve_function(
                _with_signature(handler, part.options.get("handler_signature", "flexible")), "127.0.0.1", 0, **arguments
            )
        except Exception as exc:  # the library refused the call: an observation
            part.serve_raised(exc)
            part.finish.wait()
            part.after_client()
            part.teardown()
            return
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        part.server = server
        part.listening(self.server_port(server))
        part.finish.wait()
        part.after_client()
        with done:
            if not done.wait_for(lambda: active[0] == 0, HANDLER_GRACE):
                part.recorder.event("handler-still-running", count=active[0])
        part.teardown()
        server.shutdown()
        thread.join(STOP_TIMEOUT)

    # Connecting and serving.

    async def connect(self, uri: str, open_timeout: Optional[float], options: Dict[str, Any]) -> Any:
        return self.connect_function(uri, **self.connect_arguments(open_timeout, options))

    def server_port(self, server: Any) -> int:
        return server.socket.getsockname()[1]

    async def shutdown_server(self, server: Any) -> Any:
        # shutdown() waits for every handler (17.x), this one included: an
        # application calls it from another thread, and so does this step.
        if server is None:
            raise Unsupported("no server object to shut down")
        threading.Thread(target=server.shutdown, name="shutdown-server", daemon=True).start()

    # Steps.

    async def send(self, connection: Any, message: Any) -> Any:
        return connection.send(message)

    async def recv(self, connection: Any) -> Any:
        return connection.recv()

    async def recv_with_timeout(self, connection: Any, timeout: float) -> Any:
        if "timeout" not in parameters(connection.recv):
            raise Unsupported("recv() takes no timeout")
        return connection.recv(timeout=timeout)

    async def close(self, connection: Any, code: Optional[int], reason: str) -> Any:
        if code is None:
            return await self.close_without_code(connection)
        return connection.close(code, reason)

    async def close_without_code(self, connection: Any) -> Any:
        with connection.send_context():
            connection.protocol.send_close()
        connection.recv_events_thread.join(10)

    async def reconnect(self, uri: str, options: Dict[str, Any], window: float) -> Dict[str, Any]:
        # ``for connection in reconnect(uri)`` (16.0+) sleeps between attempts
        # in the calling thread: nothing can end it from outside within a
        # window, short of abandoning a thread that retries for the agent's life.
        raise Unsupported("a sync reconnect() loop cannot be bounded from outside its thread")

    async def send_raw(self, connection: Any, data: bytes) -> Any:
        connection.socket.sendall(data)

    async def abort(self, connection: Any, method: str) -> Any:
        if method == "protocol-fail":
            with connection.send_context():
                connection.protocol.fail(1011, "aborted by the scenario")
            return None
        if method == "transport-abort":
            # close_socket() (13.0+) shuts the socket down and lets the
            # library's reader thread notice; closing the socket from here
            # would leave that thread polling a dead descriptor.
            if hasattr(connection, "close_socket"):
                return connection.close_socket()
            return shutdown_socket(connection.socket)
        if method == "fail_connection":
            raise Unsupported("the sync connection has no fail_connection()")
        raise ScenarioMistake("unknown abort method {!r}".format(method))

    async def stop_reading(self, connection: Any) -> Any:
        raise Unsupported("the sync implementation reads in a thread that cannot be paused")

    async def recv_concurrently(self, connection: Any, count: int) -> List[Any]:
        results: List[Any] = [None] * count

        def receive(index: int) -> None:
            try:
                results[index] = connection.recv()
            except BaseException as exc:
                results[index] = exc

        threads = [threading.Thread(target=receive, args=(index,), daemon=True) for index in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        return results


def _with_signature(handler: Callable[..., None], signature: str) -> Callable[..., None]:
    if signature == "connection":
        return lambda connection: handler(connection)
    if signature == "connection-path":
        return lambda connection, path: handler(connection, path)
    return handler
