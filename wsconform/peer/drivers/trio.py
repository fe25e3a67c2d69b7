"""Driver for the trio implementation, ``websockets.trio`` (17.0+).

Theory of operation
-------------------

Trio's ``connect`` is only an async context manager: the connection lives in
a nursery. To keep connections open across steps without nesting cancel
scopes across them, each ``connect`` step starts a *holder* task in a
case-level nursery; the holder enters ``connect(...)``, hands the connection
over, and waits until the case ends. Exceptions from ``connect`` are handed
over too, and re-raised by the step, unchanged.

Guards are cancel scopes with a deadline: entering one does not checkpoint.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Coroutine, Dict, List, Optional

from .base import HANDLER_GRACE, STOP_TIMEOUT, Driver, ScenarioMistake, Unavailable, Unsupported, make_handler

#: How long connections may take to close once a case's script is done.
TEARDOWN_GRACE = 3.0


def _trio() -> Any:
    import trio

    return trio


class TrioGuard:
    def __init__(self, seconds: Optional[float]) -> None:
        self.seconds = seconds
        self.scope: Any = None

    @property
    def fired(self) -> bool:
        return self.scope is not None and self.scope.cancel_called

    def __enter__(self) -> "TrioGuard":
        if self.seconds is not None:
            trio = _trio()
            self.scope = trio.CancelScope(deadline=trio.current_time() + self.seconds)
            self.scope.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        if self.scope is not None:
            return self.scope.__exit__(*exc_info)
        return None


class TrioDriver(Driver):
    name = "trio"
    basic_auth_module = "websockets.trio.server"

    def __init__(self, connect: Any, serve: Any, module: str) -> None:
        super().__init__(connect, serve, module)
        self.nursery: Any = None
        self.server_nursery: Any = None
        self.holders: List[Any] = []

    @classmethod
    def load(cls) -> "TrioDriver":
        try:
            _trio()
            from websockets.trio import client, server
        except ImportError as exc:
            raise Unavailable("no websockets.trio implementation: {}".format(exc))
        return cls(client.connect, server.serve, "websockets.trio")

    # Runtime.

    def run(self, main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        trio = _trio()

        async def case() -> Any:
            async with trio.open_nursery() as nursery:
                self.nursery = nursery
                try:
                    return await main()
                finally:
                    for done in self.holders:
                        done.set()
                    self.holders = []
                    # Connections whose reading was paused never finish
                    # closing: give them a grace period, then cancel.
                    nursery.cancel_scope.deadline = trio.current_time() + TEARDOWN_GRACE

        return trio.run(case)

    async def within(self, seconds: float, function: Callable[[], Any]) -> bool:
        with _trio().move_on_after(seconds) as scope:
            await function()
        return not scope.cancelled_caught

    async def sleep(self, seconds: float) -> None:
        await _trio().sleep(seconds)

    async def pause(self) -> None:
        await _trio().lowlevel.checkpoint()

    def guard(self, seconds: Optional[float], connection: Any = None) -> Any:
        return TrioGuard(seconds)

    def is_cancellation(self, exc: BaseException) -> bool:
        return isinstance(exc, _trio().Cancelled)

    def run_server(self, part: Any) -> None:
        trio = _trio()

        async def main() -> None:
            token = trio.lowlevel.current_trio_token()
            finished = trio.Event()
            idle = trio.Event()
            active = [0]
            part.wake = lambda: trio.from_thread.run_sync(finished.set, trio_token=token)

            async def handler(connection: Any) -> None:
                active[0] += 1
                try:
                    await part.handler(connection)
                finally:
                    active[0] -= 1
                    if active[0] == 0:
                        idle.set()

            async with trio.open_nursery() as nursery:
                try:
                    serve = functools.partial(
                        self.serve_function,
                        make_handler(handler, part.options.get("handler_signature", "flexible")),
                        0,
                        host="127.0.0.1",
                        **self.server_arguments(part.options),
                    )
                except Exception as exc:
                    part.start_failed(exc)
                    nursery.cancel_scope.cancel()
                    return
                try:
                    server = await nursery.start(serve)
                except Exception as exc:  # the library refused the call: an observation
                    part.serve_raised(exc)
                    await finished.wait()
                    part.after_client()
                    part.teardown()
                    nursery.cancel_scope.cancel()
                    return
                part.server = server
                self.server_nursery = nursery
                part.listening(self.server_port(server))
                await finished.wait()
                part.after_client()
                if active[0]:
                    with trio.move_on_after(HANDLER_GRACE) as scope:
                        await idle.wait()
                    if scope.cancelled_caught:
                        part.recorder.event("handler-still-running", count=active[0])
                part.teardown()
                with trio.move_on_after(STOP_TIMEOUT):
                    await server.aclose()
                nursery.cancel_scope.cancel()

        trio.run(main)

    def server_port(self, server: Any) -> int:
        return server.listeners[0].socket.getsockname()[1]

    async def shutdown_server(self, server: Any) -> Any:
        # aclose() waits for every handler, this one included: started
        # beside the handlers, as an application's main task would.
        if server is None or self.server_nursery is None:
            raise Unsupported("no server object to shut down")
        self.server_nursery.start_soon(server.aclose)

    # Connecting.

    async def connect(self, uri: str, open_timeout: Optional[float], options: Dict[str, Any]) -> Any:
        trio = _trio()
        arguments = self.connect_arguments(open_timeout, options)
        opened = trio.Event()
        done = trio.Event()
        box: Dict[str, Any] = {}
        self.holders.append(done)

        async def hold() -> None:
            try:
                async with self.connect_function(uri, **arguments) as connection:
                    box["connection"] = connection
                    opened.set()
                    await done.wait()
            except BaseException as exc:
                if not opened.is_set():
                    box["exception"] = exc
                    opened.set()
                if isinstance(exc, trio.Cancelled):
                    raise

        self.nursery.start_soon(hold)
        await opened.wait()
        if "exception" in box:
            raise box["exception"]
        return box["connection"]

    # Steps.

    async def close(self, connection: Any, code: Optional[int], reason: str) -> Any:
        if code is None:
            return await self.close_without_code(connection)
        return await connection.aclose(code, reason)

    async def send_raw(self, connection: Any, data: bytes) -> Any:
        await connection.stream.send_all(data)

    async def abort(self, connection: Any, method: str) -> Any:
        if method == "protocol-fail":
            async with connection.send_context():
                connection.protocol.fail(1011, "aborted by the scenario")
            return None
        if method == "transport-abort":
            return await _trio().aclose_forcefully(connection.stream)
        if method == "fail_connection":
            raise Unsupported("the trio connection has no fail_connection()")
        raise ScenarioMistake("unknown abort method {!r}".format(method))

    async def stop_reading(self, connection: Any) -> Any:
        connection.pause_reading()

    async def recv_concurrently(self, connection: Any, count: int) -> List[Any]:
        trio = _trio()
        results: List[Any] = [None] * count

        async def receive(index: int) -> None:
            try:
                results[index] = await connection.recv()
            except Exception as exc:
                results[index] = exc

        async with trio.open_nursery() as nursery:
            for index in range(count):
                nursery.start_soon(receive, index)
        return results
