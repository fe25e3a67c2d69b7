"""The driver seam shared by every implementation.

Theory of operation
-------------------

A driver has two parts:

* the *runtime*: how a case runs (``asyncio.run`` here; a coroutine trampoline
  and threads for ``sync``; ``trio.run`` for trio), how to sleep, how to yield
  to the loop once, how to put a time limit on one step, and how a server
  part lives (:meth:`Driver.run_server`);
* the *API*: connect, serve, send, recv, close, and the rarer steps (raw
  frames, aborts, concurrent receives, pausing reads), each of which raises
  :class:`Unsupported` where the implementation cannot express it.

Time limits (guards) on steps are armed with ``loop.call_later`` and fire by
cancelling the case's task. Unlike ``asyncio.wait_for``, arming a guard does
not create a task nor yield to the loop, so a step that completes without
suspending still completes without suspending: races stay races.

Scenario scripts are coroutines for every implementation: a driver's steps
are ``async def`` even when they block (``sync``), and the runtime drives the
coroutine accordingly.
"""

from __future__ import annotations

import asyncio
import http
import inspect
import socket
import warnings
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Optional, Tuple

from ..recording import STATE_ACCESSORS, describe_value, qualified_name

#: How long the server part waits for its handlers after the client is done.
HANDLER_GRACE = 3.0

#: How long stopping a server may take.
STOP_TIMEOUT = 10.0

#: Options a scenario may pass to ``connect``, where the implementation has them.
CONNECT_OPTIONS = (
    "max_size",
    "ping_interval",
    "ping_timeout",
    "close_timeout",
    "subprotocols",
    "compression",
    "origin",
)

#: Options a scenario may pass to ``connect`` that the driver maps onto the
#: release's own API (see :meth:`Driver.header_parameter`).
MAPPED_CONNECT_OPTIONS = ("headers", "headers_convention", "tls", "credentials")

#: The parameters releases take extra request headers with, newest first:
#: ``extra_headers`` (the legacy implementation, and so ``websockets.connect``
#: until 13.x), ``additional_headers`` (the new implementations, and so
#: ``websockets.connect`` from 14.0). Code is written for one of them.
HEADER_PARAMETERS = ("additional_headers", "extra_headers")

#: The parameters releases take a TLS context with: ``ssl`` (the asyncio
#: implementations, through to ``loop.create_connection``; the threading one
#: from 13.0) and ``ssl_context`` (the threading implementation in 11.x and
#: 12.x; a deprecated alias from 13.0). Code is written for one of them.
TLS_PARAMETERS = ("ssl", "ssl_context")

#: Options a scenario may ask of a server (see :meth:`Driver.server_arguments`).
SERVE_OPTIONS = (
    "max_size",
    "ping_interval",
    "ping_timeout",
    "reject_status",
    "handler_signature",
    "response_headers",
    "process_request",
    "subprotocols",
    "compression",
    "tls",
    "origins",
    "basic_auth",
    "response_hook",
)

#: Handler signatures a scenario may ask for.
HANDLER_SIGNATURES = ("flexible", "connection", "connection-path")

#: Ways to fail a connection (the ``abort`` step).
ABORT_METHODS = ("fail_connection", "protocol-fail", "transport-abort")

Handler = Callable[[Any], Awaitable[None]]


class Unavailable(Exception):
    """The installed release has no such implementation or API."""


class Unsupported(Exception):
    """The implementation cannot express this step or option."""


class ScenarioMistake(ValueError):
    """A scenario asked for something no driver knows (an unknown option,
    convention or method): the scenario's bug, never recorded as if the
    library had raised it."""


class ServeRaised(Exception):
    """The library's ``serve()`` raised: an observation (code written for
    another release's ``serve()``), not a harness failure."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__(repr(exception))
        self.exception = exception


class Guard:
    """A time limit on one step that cancels the running task when it expires."""

    def __init__(self, seconds: Optional[float]) -> None:
        self.seconds = seconds
        self.fired = False
        self._handle: Optional[asyncio.TimerHandle] = None
        self._task: Optional[asyncio.Task] = None

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


#: What the legacy protocol uses when ``close_timeout`` is None.
LEGACY_CLOSE_TIMEOUT = 10.0


class Timeouts:
    """A release's own bounds on the opening and closing handshakes, in
    seconds; None where the library has no bound."""

    def __init__(self, opening: Optional[float], closing: Optional[float]) -> None:
        self.opening = opening
        self.closing = closing

    def __repr__(self) -> str:
        return "Timeouts(opening={!r}, closing={!r})".format(self.opening, self.closing)


def _default(parameter: Any) -> Optional[float]:
    default = parameter.default
    if default is inspect.Parameter.empty or default is None or isinstance(default, bool):
        return None
    try:
        return float(default)
    except (TypeError, ValueError):
        return None


#: Signatures already read, by function: a library's functions do not change
#: during an agent's life, and reading one costs about 0.1 ms per call.
_PARAMETERS: Dict[Any, Dict[str, Any]] = {}


def parameters(function: Any) -> Dict[str, Any]:
    """The keyword parameters ``function`` (or a class's ``__init__``) accepts."""
    target = function.__init__ if isinstance(function, type) else function  # type: ignore[misc]
    try:
        known = _PARAMETERS.get(target)
    except TypeError:  # pragma: no cover - an unhashable callable
        known = None
    if known is None:
        try:
            known = dict(inspect.signature(target).parameters)
        except (TypeError, ValueError):  # pragma: no cover
            known = {}
        try:
            _PARAMETERS[target] = known
        except TypeError:  # pragma: no cover
            pass
    return dict(known)


def make_handler(handler: Handler, signature: str) -> Callable[..., Awaitable[None]]:
    """A connection handler with exactly the requested signature.

    ``flexible`` accepts ``(connection)`` and ``(connection, path)`` without
    the deprecation warning a two-argument handler gets from some versions.
    """
    if signature == "connection":

        async def handler_connection(connection: Any) -> None:
            await handler(connection)

        return handler_connection
    if signature == "connection-path":

        async def handler_connection_path(connection: Any, path: Any) -> None:
            await handler(connection)

        return handler_connection_path

    async def handler_flexible(connection: Any, *path: Any) -> None:
        await handler(connection)

    return handler_flexible


class Driver:
    """Base class for drivers; the runtime here is asyncio's."""

    #: Name of the implementation, e.g. ``legacy``.
    name = "?"

    #: What ``default`` resolves to; the implementation's own name otherwise.
    resolves_to: Optional[str] = None

    #: Whether a guard that fires raises a cancellation in the step (asyncio,
    #: trio) rather than making the blocked call fail some other way (sync).
    guard_cancels = True

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

    def run(self, main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """Run one case's side in a fresh event loop, alone."""
        return asyncio.run(main())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def pause(self) -> None:
        """Yield to the event loop exactly once."""
        await asyncio.sleep(0)

    def guard(self, seconds: Optional[float], connection: Any = None) -> Any:
        return Guard(seconds)

    def is_cancellation(self, exc: BaseException) -> bool:
        return isinstance(exc, asyncio.CancelledError)

    async def finish_client(self) -> None:
        """Called once the client script and its teardown are done."""

    def run_server(self, part: Any) -> None:
        """Serve ``part.handler`` until ``part.finish`` is set, then stop.

        ``part`` is the agent's ServerPart: it receives ``listening(port)``,
        ``start_failed(exception)`` and the phase changes, and its ``wake``
        is set to a thread-safe callable that ends the wait.
        """

        async def main() -> None:
            loop = asyncio.get_running_loop()
            finished = asyncio.Event()
            part.wake = lambda: loop.call_soon_threadsafe(finished.set)
            tasks = set()

            async def handler(connection: Any) -> None:
                task = asyncio.current_task()
                if task is not None:
                    tasks.add(task)
                await part.handler(connection)

            server = None
            try:
                server = await self.serve(handler, part.options)
                port = self.server_port(server)
            except ServeRaised as raised:
                part.serve_raised(raised.exception)
            except Exception as exc:
                part.start_failed(exc)
                return
            else:
                part.server = server
                part.listening(port)
            if not part.finish.is_set():
                await finished.wait()
            part.after_client()
            pending = [task for task in tasks if not task.done()]
            if pending:
                _, still = await asyncio.wait(pending, timeout=HANDLER_GRACE)
                if still:
                    part.recorder.event("handler-still-running", count=len(still))
            part.teardown()
            if server is None:
                return
            try:
                await asyncio.wait_for(self.stop(server), STOP_TIMEOUT)
            except Exception as exc:
                part.recorder.event("stop-failed", error=repr(exc))

        self.run(main)

    # Connecting and serving.

    def timeouts(self, open_timeout: Optional[float], options: Dict[str, Any]) -> "Timeouts":
        """The library's own bounds on opening and closing a connection made
        with these arguments: what the caller passed, else the defaults read
        from this release's ``connect`` signature (None: no bound at all)."""
        accepted = parameters(self.connect_function)
        opening: Optional[float] = None
        if "open_timeout" in accepted:
            opening = open_timeout if open_timeout is not None else _default(accepted["open_timeout"])
        closing = options.get("close_timeout")
        if closing is None and "close_timeout" in accepted:
            closing = _default(accepted["close_timeout"])
        if closing is None and "timeout" in accepted:  # legacy before 10.0: close_timeout defaults to timeout
            closing = _default(accepted["timeout"])
        if closing is None and "close_timeout" in accepted:
            closing = LEGACY_CLOSE_TIMEOUT  # legacy: None means the protocol's default
        return Timeouts(opening, closing)

    def connect_options(self, open_timeout: Optional[float]) -> Tuple[Dict[str, Any], bool]:
        """Keyword arguments for ``connect``, and whether the open timeout is the library's."""
        if open_timeout is not None and "open_timeout" in parameters(self.connect_function):
            return {"open_timeout": open_timeout}, True
        return {}, open_timeout is None

    def header_parameter(self, convention: Optional[str]) -> str:
        """The parameter extra request headers are passed with: the one the
        scenario asked for (``convention``: code written for a release that
        took it, passed whether or not this one does — what the library then
        does is the observation), else this release's own."""
        if convention is not None:
            if convention not in HEADER_PARAMETERS:
                raise ScenarioMistake("unknown headers convention {!r}".format(convention))
            return convention
        accepted = parameters(self.connect_function)
        for name in HEADER_PARAMETERS:
            if name in accepted:
                return name
        raise Unsupported("connect() takes no extra request headers")

    def tls_parameter(self, function: Any, convention: Optional[str]) -> str:
        """The parameter ``function`` (``connect`` or ``serve``) is given its
        TLS context with: the one the scenario's ``convention`` names (code
        written for a release that took it, passed as written), else the one
        this release names, else ``ssl`` (the asyncio implementations take it
        as a keyword argument passed through to the event loop)."""
        if convention is not None:
            if convention not in TLS_PARAMETERS:
                raise ScenarioMistake("unknown TLS convention {!r}".format(convention))
            return convention
        accepted = parameters(function)
        for name in TLS_PARAMETERS:
            if name in accepted:
                return name
        return "ssl"

    def connect_arguments(self, open_timeout: Optional[float], options: Dict[str, Any]) -> Dict[str, Any]:
        arguments, _ = self.connect_options(open_timeout)
        accepted = parameters(self.connect_function)
        for name, value in options.items():
            if name in MAPPED_CONNECT_OPTIONS:
                continue
            if name not in CONNECT_OPTIONS:
                raise ScenarioMistake("unknown connect option {!r}".format(name))
            if name not in accepted:
                raise Unsupported("connect() has no {} parameter".format(name))
            arguments[name] = value
        if options.get("headers") is not None:
            parameter = self.header_parameter(options.get("headers_convention"))
            arguments[parameter] = list(options["headers"].items())
        if options.get("tls") is not None:
            from .. import tls

            wanted = dict(options["tls"])
            parameter = self.tls_parameter(self.connect_function, wanted.get("convention"))
            arguments[parameter] = tls.client_context(wanted.get("trust", "test-ca"))
        return arguments

    async def connect(self, uri: str, open_timeout: Optional[float], options: Dict[str, Any]) -> Any:
        return await self.connect_function(uri, **self.connect_arguments(open_timeout, options))

    def server_arguments(self, options: Dict[str, Any]) -> Dict[str, Any]:
        """Library keyword arguments for the scenario's server options."""
        accepted = parameters(self.serve_function)
        arguments: Dict[str, Any] = {}
        for name, value in options.items():
            if name not in SERVE_OPTIONS:
                raise ScenarioMistake("unknown server option {!r}".format(name))
            if name in ("handler_signature",):
                continue
            if name == "response_headers":
                arguments.update(self.response_headers_arguments(dict(value)))
                continue
            if name == "process_request":
                # A hook as an application wrote it for one convention,
                # passed to every release as written (wsconform/peer/hooks.py).
                if "process_request" not in accepted:
                    raise Unsupported("serve() has no process_request parameter")
                from .. import hooks

                arguments["process_request"] = hooks.process_request(dict(value))
                continue
            if name == "tls":
                from .. import tls

                parameter = self.tls_parameter(self.serve_function, dict(value).get("convention"))
                arguments[parameter] = tls.server_context()
                continue
            if name == "response_hook":
                from .. import hooks

                arguments.update(hooks.response_hook(dict(value)))
                continue
            if name == "basic_auth":
                arguments.update(self.basic_auth_arguments(dict(value)))
                continue
            if name == "reject_status":
                if "process_request" not in accepted:
                    raise Unsupported("serve() has no process_request parameter")
                arguments["process_request"] = self.rejecting_process_request(int(value))
                continue
            if name not in accepted:
                raise Unsupported("serve() has no {} parameter".format(name))
            arguments[name] = value
        return arguments

    def response_headers_arguments(self, headers: Dict[str, str]) -> Dict[str, Any]:
        """Arguments of ``serve`` that add ``headers`` to the handshake's
        response: the new implementations' ``process_response`` hook."""
        if "process_response" not in parameters(self.serve_function):
            raise Unsupported("serve() has no process_response parameter")

        def process_response(connection: Any, request: Any, response: Any) -> Any:
            for name, value in headers.items():
                response.headers[name] = value
            return None

        return {"process_response": process_response}

    #: Where code written for the new implementations imports ``basic_auth``.
    basic_auth_module = "websockets.asyncio.server"

    def basic_auth_arguments(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        """HTTP Basic Auth as code written for one convention sets it up,
        passed to this release as written (what it then does is the
        observation): ``legacy`` — ``create_protocol=
        basic_auth_protocol_factory(realm, credentials)`` (8.0–13.x);
        ``new`` — ``process_request=basic_auth(realm, credentials)`` (14.0+),
        imported from the new implementation's server module. A release
        that has no such factory cannot express it (unsupported): the
        application's import would fail before any connection."""
        import importlib

        realm = str(spec.get("realm", ""))
        credentials = tuple(spec["credentials"])
        convention = spec.get("convention")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # importing the legacy modules warns from 14.0
            if convention == "legacy":
                for module in ("websockets.legacy.auth", "websockets.auth"):
                    try:
                        factory = importlib.import_module(module).basic_auth_protocol_factory
                        break
                    except (ImportError, AttributeError):
                        continue
                else:
                    raise Unsupported("no basic_auth_protocol_factory to import")
                return {"create_protocol": factory(realm=realm, credentials=credentials)}
            if convention == "new":
                try:
                    basic_auth = importlib.import_module(self.basic_auth_module).basic_auth
                except (ImportError, AttributeError):
                    raise Unsupported("no basic_auth in {}".format(self.basic_auth_module))
                return {"process_request": basic_auth(realm=realm, credentials=credentials)}
        raise ScenarioMistake("unknown basic auth convention {!r}".format(convention))

    def rejecting_process_request(self, status: int) -> Any:
        """A ``process_request`` hook that rejects the handshake with ``status``."""

        def process_request(connection: Any, request: Any) -> Any:
            return connection.respond(status, http.HTTPStatus(status).phrase + "\n")

        return process_request

    async def serve(self, handler: Handler, options: Dict[str, Any]) -> Any:
        signature = options.get("handler_signature", "flexible")
        arguments = self.server_arguments(options)
        try:
            return await self.serve_function(make_handler(handler, signature), "127.0.0.1", 0, **arguments)
        except Exception as exc:
            raise ServeRaised(exc) from exc

    def server_port(self, server: Any) -> int:
        return server.sockets[0].getsockname()[1]

    async def shutdown_server(self, server: Any) -> Any:
        """Start shutting ``server`` down, as an application's main code does
        while handlers run (on a signal, say), and return at once: the
        handler that asked goes on and sees what its connection does.
        asyncio: ``server.close()`` (waiting for it would wait for this very
        handler, which the library's ``wait_closed`` does)."""
        if server is None:
            raise Unsupported("no server object to shut down")
        server.close()

    async def stop(self, server: Any) -> None:
        server.close()
        await server.wait_closed()

    async def reconnect(self, uri: str, options: Dict[str, Any], window: float) -> Dict[str, Any]:
        """``async for connection in connect(uri, ...)``, as an application
        that reconnects writes it, for at most ``window`` seconds.

        The first connection the iterator yields ends the loop (``ended:
        connected``). The library's retry loop has no end of its own: it
        retries until it decides an error is fatal and raises it (the
        exception is the step's), so the window is the scenario's question —
        "within so long, did it give up?" — and not a timeout the library
        owns; a loop still retrying when it closes ends as ``retrying``.
        """
        arguments = self.connect_arguments(None, options)
        connections: List[Any] = []

        async def iterate() -> None:
            async for connection in self.connect_function(uri, **arguments):
                connections.append(connection)
                return

        finished = await self.within(window, iterate)
        ended = "connected" if connections else ("returned" if finished else "retrying")
        return {"ended": ended, "connections": len(connections)}

    async def within(self, seconds: float, function: Callable[[], Awaitable[Any]]) -> bool:
        """Run ``function()`` for at most ``seconds``: True if it finished
        (its exception propagates), False if the time ran out first."""
        task = asyncio.ensure_future(function())
        try:
            done, _ = await asyncio.wait({task}, timeout=seconds)
        finally:
            if not task.done():
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        if done:
            task.result()
            return True
        return False

    async def call(self, connection: Any, function: Callable[..., Any], arguments: Tuple[Any, ...]) -> Any:
        """The escape hatch: ``function(connection, *arguments)``, awaited if it
        returns an awaitable."""
        value = function(connection, *arguments)
        if inspect.isawaitable(value):
            value = await value
        return value

    async def invoke(self, function: Callable[..., Any], arguments: Tuple[Any, ...]) -> Any:
        """The scenario author's own code: ``function(*arguments)``, awaited
        if it returns an awaitable."""
        value = function(*arguments)
        if inspect.isawaitable(value):
            value = await value
        return value

    # Steps.

    async def send(self, connection: Any, message: Any) -> Any:
        return await connection.send(message)

    async def recv(self, connection: Any) -> Any:
        return await connection.recv()

    async def recv_with_timeout(self, connection: Any, timeout: float) -> Any:
        """``recv(timeout=...)``, where the connection's ``recv`` takes one."""
        if "timeout" not in parameters(connection.recv):
            raise Unsupported("recv() takes no timeout")
        return await connection.recv(timeout=timeout)

    async def close(self, connection: Any, code: Optional[int], reason: str) -> Any:
        if code is None:
            return await self.close_without_code(connection)
        return await connection.close(code, reason)

    async def close_without_code(self, connection: Any) -> Any:
        """Send a close frame with no status code, then wait for the closing handshake."""
        if getattr(connection, "protocol", None) is None or not hasattr(connection, "send_context"):
            raise Unsupported("no way to send an empty close frame")
        async with connection.send_context():
            connection.protocol.send_close()
        await connection.wait_closed()

    async def send_raw(self, connection: Any, data: bytes) -> Any:
        """Write bytes to the connection's transport, bypassing the library."""
        transport = getattr(connection, "transport", None)
        if transport is None:
            raise Unsupported("no transport to write to")
        transport.write(data)

    async def abort(self, connection: Any, method: str) -> Any:
        if method == "fail_connection":
            if not hasattr(connection, "fail_connection"):
                raise Unsupported("the connection has no fail_connection()")
            return connection.fail_connection(1011, "aborted by the scenario")
        if method == "protocol-fail":
            if getattr(connection, "protocol", None) is None or not hasattr(connection, "send_context"):
                raise Unsupported("no protocol.fail() inside send_context()")
            async with connection.send_context():
                connection.protocol.fail(1011, "aborted by the scenario")
            return None
        if method == "transport-abort":
            transport = getattr(connection, "transport", None)
            if transport is None:
                raise Unsupported("no transport to abort")
            return transport.abort()
        raise ScenarioMistake("unknown abort method {!r}".format(method))

    async def stop_reading(self, connection: Any) -> Any:
        """Stop reading from the network: pings go unanswered."""
        transport = getattr(connection, "transport", None)
        if transport is None:
            raise Unsupported("no transport to pause")
        transport.pause_reading()

    async def recv_concurrently(self, connection: Any, count: int) -> List[Any]:
        """Start ``count`` recv() calls at once; return each one's value or exception."""
        return list(await asyncio.gather(*(connection.recv() for _ in range(count)), return_exceptions=True))

    # State.

    def snapshot(self, connection: Any) -> Optional[Dict[str, Any]]:
        """Connection state, read through every accessor the version has."""
        if connection is None:
            return None
        state: Dict[str, Any] = {}
        # One warnings context for every accessor (a state snapshot keeps
        # values, not warnings): this runs between library calls, so it must
        # be cheap (see the inter-step gap in README).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in STATE_ACCESSORS:
                try:
                    value = getattr(connection, name)
                except AttributeError:
                    continue
                except Exception as exc:  # a property that raises is an observation
                    state[name] = {"raised": qualified_name(type(exc))}
                    continue
                state[name] = describe_value(value)
        protocol = getattr(connection, "protocol", None)
        if protocol is not None and not isinstance(protocol, str):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for name in ("state", "close_code", "close_reason"):
                    try:
                        value = getattr(protocol, name)
                    except Exception:  # noqa: S112 - absent or raising: not a state
                        continue
                    state["protocol." + name] = getattr(value, "name", value)
        for key, value in list(state.items()):
            if isinstance(value, dict) and "enum" in value:
                state[key] = value["name"]
        return state


def shutdown_socket(sock: Any) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _name_of(obj: Any) -> str:
    if isinstance(obj, type) or callable(obj):
        return "{}.{}".format(getattr(obj, "__module__", "?"), getattr(obj, "__qualname__", repr(obj)))
    return qualified_name(type(obj))  # pragma: no cover
