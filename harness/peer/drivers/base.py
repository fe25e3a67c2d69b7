"""The driver seam shared by every implementation.

Theory of operation
-------------------

A driver has two parts:

* the *runtime*: how a case's coroutine runs (``asyncio.run`` for the asyncio
  family; later threads for ``sync`` and ``trio.run`` for trio), how to sleep,
  how to yield to the loop once, how to put a time limit on one step;
* the *API*: connect, serve, send, recv, close, and reading connection state.

Time limits (guards) on steps are armed with ``loop.call_later`` and fire by
cancelling the case's task. Unlike ``asyncio.wait_for``, arming a guard does
not create a task nor yield to the loop, so a step that completes without
suspending still completes without suspending: races stay races.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any, Awaitable, Callable, Coroutine, Dict, Optional, Tuple

from ..recording import CONNECTION_ATTRIBUTES, qualified_name, read_attribute


class Unavailable(Exception):
    """The installed release has no such implementation or API."""


class Unsupported(Exception):
    """The implementation cannot express this step."""


Handler = Callable[[Any], Awaitable[None]]


class Guard:
    """A time limit on one step that cancels the running task when it expires."""

    def __init__(self, seconds: Optional[float]) -> None:
        self.seconds = seconds
        self.fired = False
        self._handle: Optional[asyncio.TimerHandle] = None
        self._task: Optional["asyncio.Task[Any]"] = None

    def __enter__(self) -> "Guard":
        if self.seconds is not None:
            loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._handle = loop.call_later(self.seconds, self._fire)
        return self

    def _fire(self) -> None:
        self.fired = True
        if self._task is not None:
            self._task.cancel()

    def __exit__(self, *exc_info: Any) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self.fired and self._task is not None and hasattr(self._task, "uncancel"):
            self._task.uncancel()


class Driver:
    """Base class for drivers of asyncio-based implementations."""

    #: Name of the implementation, e.g. ``legacy``.
    name = "?"

    def __init__(self, connect: Any, serve: Any, module: str) -> None:
        self.connect_function = connect
        self.serve_function = serve
        self.module = module

    # Description.

    def describe(self) -> Dict[str, Any]:
        return {
            "implementation": self.name,
            "resolves_to": self.resolves_to or self.name,
            "module": self.module,
            "connect": _name_of(self.connect_function),
            "serve": _name_of(self.serve_function),
        }

    # Runtime.

    #: What ``default`` resolves to; the implementation's own name otherwise.
    resolves_to: Optional[str] = None

    def run(self, main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """Run one case in a fresh event loop, alone."""
        return asyncio.run(main())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def pause(self) -> None:
        """Yield to the event loop exactly once."""
        await asyncio.sleep(0)

    def guard(self, seconds: Optional[float]) -> Guard:
        return Guard(seconds)

    def is_cancellation(self, exc: BaseException) -> bool:
        return isinstance(exc, asyncio.CancelledError)

    # API, overridden per implementation.

    def connect_options(self, open_timeout: Optional[float]) -> Tuple[Dict[str, Any], bool]:
        """Keyword arguments for ``connect``, and whether the open timeout is the library's."""
        raise NotImplementedError

    async def connect(self, uri: str, open_timeout: Optional[float]) -> Any:
        options, _ = self.connect_options(open_timeout)
        return await self.connect_function(uri, **options)

    async def serve(self, handler: Handler) -> Any:
        raise NotImplementedError

    def server_port(self, server: Any) -> int:
        return server.sockets[0].getsockname()[1]

    async def stop(self, server: Any) -> None:
        server.close()
        await server.wait_closed()

    async def send(self, connection: Any, message: Any) -> Any:
        return await connection.send(message)

    async def recv(self, connection: Any) -> Any:
        return await connection.recv()

    async def close(self, connection: Any, code: Optional[int], reason: str) -> Any:
        if code is None:
            raise Unsupported("closing without a status code is not expressible here")
        return await connection.close(code, reason)

    def snapshot(self, connection: Any) -> Optional[Dict[str, Any]]:
        """Connection state, read through every accessor the version has."""
        if connection is None:
            return None
        state: Dict[str, Any] = {}
        for name in CONNECTION_ATTRIBUTES:
            entry = read_attribute(connection, name)
            if entry["present"]:
                state[name] = entry.get("value", {"raised": entry.get("raised")})
        protocol = getattr(connection, "protocol", None)
        if protocol is not None and not isinstance(protocol, str):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                protocol_state = getattr(protocol, "state", None)
            if protocol_state is not None:
                state["protocol.state"] = getattr(protocol_state, "name", repr(protocol_state))
        for key, value in list(state.items()):
            if isinstance(value, dict) and "enum" in value:
                state[key] = value["name"]
        return state


def _name_of(obj: Any) -> str:
    if isinstance(obj, type) or callable(obj):
        return "{}.{}".format(getattr(obj, "__module__", "?"), getattr(obj, "__qualname__", repr(obj)))
    return qualified_name(type(obj))  # pragma: no cover
