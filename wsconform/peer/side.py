"""The object a scenario script talks to: one side of one connection.

Every method is one recorded *step* and returns a :class:`Step`. Steps never
raise what the library raised: the exception is recorded, and the scenario
decides what to do next (``if step.raised: return``). Only harness failures
propagate.

Scenarios are written once against this API and run unchanged on every
implementation; the driver maps each step to that implementation's calls.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence

from .drivers.base import LEGACY_CLOSE_TIMEOUT, Driver, ScenarioMistake, Unsupported
from .recording import (
    Recorder,
    ResultKind,
    describe_exception,
    describe_value,
    qualified_name,
    result_exception,
    result_guard,
    result_unsupported,
    result_value,
)

#: Time limit on a step the library puts no bound on (recv, send, …). A step
#: that takes longer is recorded as ``guard-timeout`` with the reason.
STEP_GUARD = 5.0

#: Time the library gets beyond its own worst case before the harness stops
#: waiting: a guard never pre-empts a timeout the library owns.
GUARD_MARGIN = 2.0

#: The delay in a retry's log line ("reconnecting in 2.3 seconds", "retrying
#: in 1 seconds"): random from one attempt to the next, so masked.
RETRY_DELAY = re.compile(r"(\bin )(\d+(?:\.\d+)?)( seconds?\b)")

#: Why the harness stopped a step.
NO_LIBRARY_TIMEOUT = "the library has no timeout here"
BEYOND_LIBRARY_TIMEOUT = "the library did not return within its own timeouts"


class Step:
    """What a scenario sees of a step it just ran."""

    def __init__(self, record: Dict[str, Any], value: Any = None) -> None:
        self.record = record
        self.value = value

    @property
    def kind(self) -> str:
        """One of :class:`ResultKind`'s values."""
        return str(self.record["result"]["kind"])

    @property
    def ok(self) -> bool:
        """The library returned normally. A scenario that needs the step's
        effect (a connection, a message) checks ``if not step.ok``."""
        return self.kind == ResultKind.VALUE

    @property
    def raised(self) -> bool:
        """The library raised an exception (not a guard, not unsupported)."""
        return self.kind == ResultKind.EXCEPTION

    @property
    def unsupported(self) -> bool:
        """The implementation cannot express this step: nothing was called."""
        return self.kind == ResultKind.UNSUPPORTED

    @property
    def exception(self) -> Optional[str]:
        """Qualified class name of the exception the step raised, if any."""
        if self.raised:
            return str(self.record["result"]["exception"]["class"])
        return None


class Side:
    """One side of a case: the client script's or the server handler's view."""

    def __init__(self, role: str, driver: Driver, recorder: Recorder, port: int = 0) -> None:
        self.role = role
        self.driver = driver
        self.recorder = recorder
        self.port = port
        self.connection: Any = None
        #: Server side: the library's server object this handler runs in.
        self.server: Any = None
        #: The library's close timeout on this connection, once known.
        self.close_bound: Optional[float] = LEGACY_CLOSE_TIMEOUT

    # Connection steps.

    async def connect(self, open_timeout: Optional[float] = None, path: str = "/scenario", **options: Any) -> Step:
        """Open a connection to the case's server.

        ``open_timeout`` is passed to the library where the version has it;
        otherwise a harness guard of the same length stands in, and the step
        records ``timeout_by: harness``. ``options`` (``max_size``,
        ``ping_interval``, ``ping_timeout``, ``close_timeout``) are passed
        through; an implementation without one records the step unsupported.

        ``headers`` (a dict) are extra request headers, passed through the
        parameter this release takes them with (``extra_headers`` or
        ``additional_headers``), or through the one ``headers_convention``
        names: code written for a release that took that parameter. The step
        records which (``headers_parameter``).

        ``tls`` (a dict) connects with ``wss://`` and a TLS context that
        trusts ``trust`` (``test-ca``, the default, or ``system``: see
        :mod:`wsconform.peer.tls`), passed as ``ssl`` or ``ssl_context`` —
        this release's name, or the one ``convention`` names. The step
        records which (``tls_parameter``).

        ``credentials`` (user, password) go in the URI's user information
        (``ws://user:password@host/``), from which the library sends HTTP
        Basic Auth.
        """
        scheme = "wss" if options.get("tls") is not None else "ws"
        credentials = options.get("credentials")
        userinfo = "{}:{}@".format(*credentials) if credentials is not None else ""
        uri = "{}://{}127.0.0.1:{}{}".format(scheme, userinfo, self.port, path)
        bounds = self.driver.timeouts(open_timeout, options)
        self.close_bound = bounds.closing
        arguments: Dict[str, Any] = dict(options, path=path)
        if options.get("headers") is not None:
            try:
                arguments["headers_parameter"] = self.driver.header_parameter(options.get("headers_convention"))
            except Unsupported:
                arguments["headers_parameter"] = None
        if options.get("tls") is not None:
            arguments["tls_parameter"] = self.driver.tls_parameter(
                self.driver.connect_function, dict(options["tls"]).get("convention")
            )
        if open_timeout is not None:
            arguments["open_timeout"] = open_timeout
        if bounds.opening is not None:
            # The library's worst case: it times out the opening handshake,
            # then closes the connection within its close timeout.
            guard = bounds.opening + (bounds.closing or 0.0) + GUARD_MARGIN
            arguments["timeout_by"] = "library"
            reason = BEYOND_LIBRARY_TIMEOUT
        else:
            guard = open_timeout if open_timeout is not None else STEP_GUARD
            arguments["timeout_by"] = "harness"
            reason = NO_LIBRARY_TIMEOUT
        arguments["library_timeouts"] = {"open": bounds.opening, "close": bounds.closing}

        async def operation() -> Any:
            return await self.driver.connect(uri, open_timeout, options)

        step = await self._step("connect", arguments, operation, guard=guard, describe=False, guard_reason=reason)
        if step.ok:
            self.connection = step.value
            step.record["state_after"] = self.driver.snapshot(self.connection)
        return step

    async def send(self, message: Any) -> Step:
        return await self._step(
            "send", {"message": _short(message)}, lambda: self.driver.send(self.connection, message)
        )

    async def recv(self, timeout: Optional[float] = None) -> Step:
        """Receive a message; with ``timeout``, pass it to ``recv(timeout=...)``
        where the implementation takes one (the threading one), else the
        step is unsupported. The guard lies beyond that timeout."""
        if timeout is None:
            return await self._step("recv", {}, lambda: self.driver.recv(self.connection))
        return await self._step(
            "recv",
            {"timeout": timeout},
            lambda: self.driver.recv_with_timeout(self.connection, timeout),
            guard=timeout + STEP_GUARD,
        )

    async def close(self, code: Optional[int] = 1000, reason: str = "") -> Step:
        """Close with ``code`` and ``reason``; ``code=None`` sends an empty close frame.

        The guard lies beyond the library's close timeout, which bounds a close."""
        bound = self.close_bound
        return await self._step(
            "close",
            {"code": code, "reason": reason},
            lambda: self.driver.close(self.connection, code, reason),
            guard=STEP_GUARD if bound is None else max(STEP_GUARD, bound + GUARD_MARGIN),
            guard_reason=NO_LIBRARY_TIMEOUT if bound is None else BEYOND_LIBRARY_TIMEOUT,
        )

    async def send_raw(self, data: bytes) -> Step:
        """Write bytes straight to the socket, e.g. a frame the library would refuse to send."""
        return await self._step("send_raw", {"data": data.hex()}, lambda: self.driver.send_raw(self.connection, data))

    async def abort(self, method: str) -> Step:
        """Fail the connection: ``fail_connection``, ``protocol-fail`` or ``transport-abort``."""
        return await self._step("abort", {"method": method}, lambda: self.driver.abort(self.connection, method))

    async def stop_reading(self) -> Step:
        """Stop reading from the network, so that pings go unanswered."""
        return await self._step("stop_reading", {}, lambda: self.driver.stop_reading(self.connection))

    async def recv_concurrently(self, count: int = 2) -> Step:
        """Start ``count`` recv() calls at once; the value lists each one's result."""

        async def operation() -> Any:
            outcomes = await self.driver.recv_concurrently(self.connection, count)
            return [
                result_exception(item) if isinstance(item, BaseException) else result_value(item) for item in outcomes
            ]

        return await self._step("recv_concurrently", {"count": count}, operation, raw=True)

    async def inspect(self) -> Step:
        """Record the connection's state and close accessors as this step's value
        (``close_code``, ``close_reason``, ``protocol.close_code``, …)."""

        async def operation() -> Any:
            return self.driver.snapshot(self.connection)

        return await self._step("inspect", {}, operation, guard=None, raw=True)

    async def request(self, headers: Sequence[str] = ()) -> Step:
        """Server side: the request as the handler can read it, through every
        accessor the release has (``path``, ``request_headers``,
        ``request.path``, ``request.headers``, ``subprotocol``); for headers,
        what each of the ``headers`` names gives (:mod:`wsconform.peer.handshake`)."""

        async def operation() -> Any:
            from . import handshake

            return handshake.view(self.connection, handshake.REQUEST_ACCESSORS, headers)

        return await self._step("request", {"headers": list(headers)}, operation, guard=None, raw=True)

    async def response(self, headers: Sequence[str] = ()) -> Step:
        """Client side: the handshake's response as the client can read it
        (``response_headers``, ``response.status_code``, ``response.headers``,
        ``subprotocol``)."""

        async def operation() -> Any:
            from . import handshake

            return handshake.view(self.connection, handshake.RESPONSE_ACCESSORS, headers)

        return await self._step("response", {"headers": list(headers)}, operation, guard=None, raw=True)

    async def probe(self, modules: bool = False) -> Step:
        """Which attributes this side's connection has (and, with ``modules``,
        which names the package exports, and which imports warn)."""

        async def operation() -> Any:
            from . import surface

            result = {"connection": surface.connection_surface(self.connection)}
            if modules:
                result["package"] = surface.package_surface()
                result["imports"] = surface.import_warnings()
                result["signatures"] = surface.signatures()
                result["calls"] = surface.bad_calls()
            return result

        return await self._step("probe", {"modules": modules}, operation, guard=30.0, describe=False, raw=True)

    async def raw_request(self, request: bytes, wait: float, keep: Sequence[str] = ()) -> Step:
        """Send ``request`` to the case's server on a new TCP connection,
        without the library, and record what the server answered and how the
        exchange ended (:func:`wsconform.peer.raw.exchange`), with the response
        headers ``keep`` names beside the usual few. ``wait`` is the
        scenario's window; it must lie beyond the library's own timeouts."""

        async def operation() -> Any:
            from . import raw

            return raw.exchange(self.port, request, wait, tuple(keep))

        first_line = request.split(b"\r\n", 1)[0][:120].decode("latin-1")
        arguments: Dict[str, Any] = {"first_line": first_line, "length": len(request), "wait": wait}
        if keep:
            arguments["keep"] = list(keep)
        return await self._step("raw_request", arguments, operation, guard=None, raw=True)

    async def shutdown_server(self) -> Step:
        """Server side: start shutting down the server this handler runs in,
        as an application does on a signal while clients are connected, and
        return at once (:meth:`Driver.shutdown_server`); the handler's next
        steps show what its own connection then does."""
        return await self._step("shutdown_server", {}, lambda: self.driver.shutdown_server(self.server))

    async def reconnect(self, window: float, path: str = "/scenario", **options: Any) -> Step:
        """``async for connection in connect(...)`` for at most ``window``
        seconds (:meth:`Driver.reconnect`): the value says how the loop ended
        (``connected``, ``retrying``); a fatal error is the step's exception.
        The library logs each retry with its (random) delay: the step masks
        the number in those messages and keeps the delays in ``delays``."""
        uri = "ws://127.0.0.1:{}{}".format(self.port, path)

        async def operation() -> Any:
            return await self.driver.reconnect(uri, dict(options), window)

        arguments: Dict[str, Any] = dict(options, path=path, window=window)
        step = await self._step("reconnect", arguments, operation, guard=window + STEP_GUARD, raw=True)
        delays = []
        for entry in step.record.get("logged", []):
            match = RETRY_DELAY.search(entry.get("message", ""))
            if match:
                delays.append(float(match.group(2)))
                entry["message"] = RETRY_DELAY.sub(r"\1<delay>\3", entry["message"], count=1)
        if delays:
            step.record["delays"] = delays
        return step

    async def call(self, function: Callable[..., Any], *arguments: Any, guard: Optional[float] = STEP_GUARD) -> Step:
        """The escape hatch, for what no verb says: ``function(connection,
        *arguments)`` — a direct library call the scenario writes — run as a
        recorded step like any other (value, exception and its causes,
        warnings, logs, timing). ``function`` may be async; for the ``sync``
        implementation it must not suspend. The step records the function's
        name and arguments."""
        name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or repr(function)
        return await self._step(
            "call",
            {"function": str(name), "arguments": [_short(argument) for argument in arguments]},
            lambda: self.driver.call(self.connection, function, arguments),
            guard=guard,
        )

    async def run(self, function: Callable[..., Any], *arguments: Any, guard: Optional[float] = STEP_GUARD) -> Step:
        """Your own code as a recorded step: ``function(*arguments)`` —
        a client helper of your application that connects by itself (pass it
        :meth:`uri`), say — awaited if it returns an awaitable, recorded like
        any step (value, exception and its causes, warnings, logs, timing).
        The step records the function's module-qualified name and arguments.
        With no connection of its own, the side's connection (if any) is
        untouched; :meth:`call` is the form that passes the connection."""
        module = getattr(function, "__module__", None)
        name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or repr(function)
        qualified = "{}.{}".format(module, name) if module else str(name)
        return await self._step(
            "run",
            {"function": qualified, "arguments": [_short(argument) for argument in arguments]},
            lambda: self.driver.invoke(function, arguments),
            guard=guard,
        )

    def uri(self, path: str = "/") -> str:
        """The case's server as a ``ws://`` URI (what your own client code connects to)."""
        return "ws://127.0.0.1:{}{}".format(self.port, path)

    # Timing steps.

    async def sleep(self, seconds: float) -> Step:
        return await self._step("sleep", {"seconds": seconds}, lambda: self.driver.sleep(seconds), guard=None)

    async def pause(self) -> Step:
        """Yield to the event loop once (``asyncio.sleep(0)``)."""
        return await self._step("pause", {}, self.driver.pause, guard=None)

    # Recording.

    async def _step(
        self,
        name: str,
        arguments: Dict[str, Any],
        operation: Callable[[], Awaitable[Any]],
        guard: Optional[float] = STEP_GUARD,
        describe: bool = True,
        raw: bool = False,
        guard_reason: str = NO_LIBRARY_TIMEOUT,
    ) -> Step:
        record = self.recorder.begin(name, arguments, self.driver.snapshot(self.connection))
        value = None
        with self.driver.guard(guard, self.connection) as timer:
            try:
                record["called_at"] = self.recorder.elapsed()
                try:
                    value = await operation()
                finally:
                    record["returned_at"] = self.recorder.elapsed()
            except Unsupported as exc:
                result = result_unsupported(str(exc))
            except ScenarioMistake:
                raise  # the scenario's bug: the case fails as a harness error, never as the library's answer
            except BaseException as exc:
                if timer.fired and (self.driver.is_cancellation(exc) or not self.driver.guard_cancels):
                    result = result_guard(guard or 0.0, guard_reason)
                    if not self.driver.is_cancellation(exc):
                        # The guard made the blocked call fail (sync): keep what it raised.
                        result["exception"] = describe_exception(exc)
                elif isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                else:
                    result = result_exception(exc)
                    if self.driver.is_cancellation(exc):
                        # Somebody else cancelled us (e.g. the server shutting
                        # down a handler): record it, then let it propagate.
                        self.recorder.finish(record, result, self.driver.snapshot(self.connection))
                        raise
            else:
                if raw:  # already JSON-ready (probes, concurrent results)
                    result = {"kind": ResultKind.VALUE, "value": value}
                elif describe:
                    result = result_value(value)
                else:
                    result = {"kind": ResultKind.VALUE, "value": {"type": qualified_name(type(value))}}
        self.recorder.finish(record, result, self.driver.snapshot(self.connection))
        return Step(record, value)


def _short(message: Any) -> Any:
    """A message as a step's argument: short, and JSON whatever was passed
    (scenarios pass wrong types on purpose)."""
    if isinstance(message, (bytes, bytearray, memoryview)):
        data = bytes(message)
        return {"bytes": data[:64].hex(), "length": len(data)}
    if isinstance(message, str) and len(message) > 200:
        return {"text": message[:64], "length": len(message)}
    if message is None or isinstance(message, (str, bool, int, float)):
        return message
    return describe_value(message)


__all__ = ["STEP_GUARD", "Side", "Step", "describe_exception"]
