"""The API surface of the installed release: what exists, where, and what warns.

Used by the ``api-surface`` scenario. Everything is read without calling
anything: attribute presence on live connection objects, where exception
names resolve, and — in fresh interpreters, because an import warns only the
first time — which imports emit warnings.
"""

from __future__ import annotations

import concurrent.futures
import re
import subprocess
import sys
import warnings
from typing import Any, Dict, List, Tuple

from .recording import describe_warning, read_attribute

#: Connection attributes users rely on, old and new.
PROBED_ATTRIBUTES = (
    "close_code",
    "close_reason",
    "fail_connection",
    "open",
    "closed",
    "state",
    "path",
    "request",
    "response",
    "request_headers",
    "response_headers",
    "protocol",
    "latency",
    "id",
    "local_address",
    "remote_address",
    "subprotocol",
    "transport",
    "socket",
    "wait_closed",
    "ping",
    "pong",
    "recv_streaming",
    "send_context",
    "close_timeout",
)

#: Names users import from the package, old and new.
PACKAGE_NAMES = (
    "connect",
    "serve",
    "ClientConnection",
    "ServerConnection",
    "WebSocketClientProtocol",
    "WebSocketServerProtocol",
    "ConnectionClosed",
    "ConnectionClosedOK",
    "ConnectionClosedError",
    "InvalidHandshake",
    "InvalidMessage",
    "InvalidStatus",
    "InvalidStatusCode",
    "ConcurrencyError",
    "PayloadTooBig",
    "ProtocolError",
    "InvalidState",
    "AbortHandshake",
    "WebSocketException",
    "InvalidURI",
    "SecurityError",
    "broadcast",
    "basic_auth",
    "State",
)

#: Fresh interpreters importing at once (:func:`import_warnings`).
IMPORT_PROBES_AT_ONCE = 4

#: Modules whose import may warn (deprecations) or fail: the current ones,
#: and the aliases kept for modules moved in 9.0 and 11.0 (removed in 17.0).
IMPORTS = (
    "websockets",
    "websockets.client",
    "websockets.server",
    "websockets.legacy",
    "websockets.legacy.client",
    "websockets.legacy.server",
    "websockets.asyncio.client",
    "websockets.sync.client",
    "websockets.trio.client",
    "websockets.auth",
    "websockets.connection",
    "websockets.framing",
    "websockets.handshake",
    "websockets.headers",
    "websockets.http",
    "websockets.protocol",
    "websockets.typing",
    "websockets.uri",
)

#: Public callables whose calling convention programs rely on: which
#: parameters exist, which are keyword-only, and their defaults (timeouts,
#: limits) when the user passes none.
SIGNATURES = (
    "websockets.connect",
    "websockets.serve",
    "websockets.broadcast",
    "websockets.legacy.client.connect",
    "websockets.legacy.server.serve",
    "websockets.asyncio.client.connect",
    "websockets.asyncio.server.serve",
    "websockets.sync.client.connect",
    "websockets.sync.server.serve",
    "websockets.legacy.protocol.WebSocketCommonProtocol.send",
    "websockets.legacy.protocol.WebSocketCommonProtocol.ping",
    "websockets.asyncio.connection.Connection.send",
    "websockets.asyncio.connection.Connection.ping",
    "websockets.sync.connection.Connection.send",
    "websockets.sync.connection.Connection.ping",
)

#: Calls that programs (and their tests) make, and what they raise or
#: return: calls with bad arguments, each failing while checking them, and
#: exceptions constructed the way applications' tests construct them —
#: several exceptions' signatures changed (``ConnectionClosed`` in 10.0,
#: ``InvalidStatusCode`` → ``InvalidStatus``, ``PayloadTooBig`` in 14.0).
#: None of them reaches the network.
BAD_CALLS: Tuple[Tuple[str, str, Tuple[Any, ...]], ...] = (
    ("websockets.asyncio.server.basic_auth", "basic_auth() without credentials", ()),
    ("websockets.sync.server.basic_auth", "basic_auth() without credentials", ()),
    ("websockets.sync.client.unix_connect", "unix_connect() without a path", ()),
    (
        "websockets.exceptions.ConnectionClosed",
        "ConnectionClosed(1000, 'bye'), as tests built it before 10.0",
        (1000, "bye"),
    ),
    ("websockets.exceptions.ConnectionClosedOK", "ConnectionClosedOK(None, None)", (None, None)),
    ("websockets.exceptions.InvalidStatusCode", "InvalidStatusCode(403)", (403,)),
    ("websockets.exceptions.InvalidStatusCode", "InvalidStatusCode(403, {})", (403, {})),
    ("websockets.exceptions.InvalidHandshake", "InvalidHandshake('refused')", ("refused",)),
    ("websockets.exceptions.InvalidMessage", "InvalidMessage('bad response')", ("bad response",)),
    ("websockets.exceptions.PayloadTooBig", "PayloadTooBig('too big')", ("too big",)),
    ("websockets.exceptions.InvalidURI", "InvalidURI('http://x')", ("http://x",)),
)

#: How long a bad call may take before it is recorded as not returning.
CALL_WINDOW = 5.0


def connection_surface(connection: Any) -> Dict[str, Any]:
    """For each attribute: present or not, and whether reading it warns."""
    result: Dict[str, Any] = {"class": "{}.{}".format(type(connection).__module__, type(connection).__qualname__)}
    for name in PROBED_ATTRIBUTES:
        entry = read_attribute(connection, name)
        result[name] = {"present": entry["present"]}
        if "warnings" in entry:
            result[name]["warns"] = _categories(entry["warnings"])
    return result


def _categories(warnings_seen: List[Dict[str, Any]]) -> List[str]:
    """The categories of warnings, each once: how many times a name warns
    depends on what this process imported before (a module warns on its
    first import only), not on the release."""
    return sorted({warning["category"] for warning in warnings_seen})


def package_surface() -> Dict[str, Any]:
    """Where each name of ``websockets`` and ``websockets.exceptions`` resolves."""
    import websockets

    result: Dict[str, Any] = {}
    for owner_name in ("websockets", "websockets.exceptions"):
        owner = sys.modules.get(owner_name)
        if owner is None:
            try:
                owner = __import__(owner_name, fromlist=["_"])
            except ImportError:
                continue
        for name in PACKAGE_NAMES:
            if owner_name == "websockets.exceptions" and not name[0].isupper():
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    value = getattr(owner, name)
                except AttributeError:
                    value = None
                    present = False
                else:
                    present = True
            entry: Dict[str, Any] = {"present": present}
            if present:
                entry["resolves_to"] = "{}.{}".format(
                    getattr(value, "__module__", "?"), getattr(value, "__qualname__", type(value).__name__)
                )
            if caught:
                entry["warns"] = _categories([describe_warning(w) for w in caught])
            result["{}.{}".format(owner_name, name)] = entry
    result["version"] = getattr(websockets, "__version__", None)
    return result


def _resolve(dotted: str) -> Any:
    """The object at ``dotted``: the longest importable module prefix, then
    attributes (``websockets.sync.connection.Connection.send``)."""
    parts = dotted.split(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for split in range(len(parts) - 1, 0, -1):
            try:
                value = __import__(".".join(parts[:split]), fromlist=["_"])
            except ImportError:
                continue
            for name in parts[split:]:
                value = getattr(value, name)
            return value
    raise ImportError(dotted)


#: Version numbers inside defaults (``user_agent_header``) change with every
#: release and interpreter without the signature changing.
_VERSIONS = re.compile(r"(websockets|Python)/[0-9][0-9.a-z]*")


def _default(value: Any) -> str:
    """A default value as text: literals as written (release and Python
    versions elided), anything else by type (a repr would carry an address)."""
    if value is None or isinstance(value, (bool, int, float, bytes)):
        return repr(value)
    if isinstance(value, str):
        return repr(_VERSIONS.sub(r"\1/<version>", value))
    return "<{}>".format(type(value).__name__)


def signature_text(parameters: List[List[str]]) -> str:
    """``(uri, *, origin=None, **kwargs)`` from :func:`signatures`' parameter list."""
    parts = []
    marked = False
    for entry in parameters:
        name, kind = entry[0], entry[1]
        if kind == "*args":
            marked = True
            parts.append("*" + name)
            continue
        if kind == "**kwargs":
            parts.append("**" + name)
            continue
        if kind == "keyword-only" and not marked:
            parts.append("*")
            marked = True
        parts.append(name + ("=" + entry[2] if len(entry) > 2 else ""))
        if kind == "positional-only" and (
            parameters.index(entry) + 1 == len(parameters) or parameters[parameters.index(entry) + 1][1] != kind
        ):
            parts.append("/")
    return "(" + ", ".join(parts) + ")"


def signatures() -> Dict[str, Any]:
    """``inspect.signature`` of each public callable, as text and per parameter."""
    import inspect

    kinds = {
        inspect.Parameter.POSITIONAL_ONLY: "positional-only",
        inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
        inspect.Parameter.VAR_POSITIONAL: "*args",
        inspect.Parameter.KEYWORD_ONLY: "keyword-only",
        inspect.Parameter.VAR_KEYWORD: "**kwargs",
    }
    result: Dict[str, Any] = {}
    for dotted in SIGNATURES:
        try:
            signature = inspect.signature(_resolve(dotted))
        except (ImportError, AttributeError):
            result[dotted] = {"present": False}
            continue
        except (TypeError, ValueError) as exc:
            result[dotted] = {"present": True, "signature": None, "error": type(exc).__name__}
            continue
        parameters = []
        for parameter in signature.parameters.values():
            entry = [parameter.name, kinds[parameter.kind]]
            if parameter.default is not inspect.Parameter.empty:
                entry.append(_default(parameter.default))
            parameters.append(entry)
        result[dotted] = {"present": True, "signature": signature_text(parameters), "parameters": parameters}
    return result


def bad_calls() -> Dict[str, Any]:
    """What each call in :data:`BAD_CALLS` raises (in a thread, bounded)."""
    import threading

    result: Dict[str, Any] = {}
    for dotted, description, arguments in BAD_CALLS:
        try:
            function = _resolve(dotted)
        except (ImportError, AttributeError):
            result[description + " · " + dotted] = {"present": False}
            continue
        outcome: Dict[str, Any] = {}

        def call(function: Any = function, outcome: Dict[str, Any] = outcome, arguments: Any = arguments) -> None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = function(*arguments)
            except Exception as exc:
                outcome["raises"] = "{}.{}".format(type(exc).__module__, type(exc).__qualname__)
                outcome["message"] = str(exc)[:200]
            else:
                outcome["returns"] = type(value).__name__
                if isinstance(value, BaseException):
                    try:
                        outcome["str"] = str(value)[:200]
                    except Exception as exc:  # a constructed exception whose str() fails is an observation
                        outcome["str"] = "str() raised {}".format(type(exc).__name__)

        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        thread.join(CALL_WINDOW)
        if thread.is_alive():
            outcome["raises"] = "did not return within {:g} s".format(CALL_WINDOW)
        result[description + " · " + dotted] = dict(outcome, present=True)
    return result


def import_warnings() -> Dict[str, Any]:
    """Import each module in a fresh interpreter; record failure or warnings.

    The interpreters are independent (each sees its module's first import),
    so :data:`IMPORT_PROBES_AT_ONCE` run at a time: one after the other, the
    18 took 12–17 s of a loaded run's tail."""
    with concurrent.futures.ThreadPoolExecutor(IMPORT_PROBES_AT_ONCE) as executor:
        return dict(zip(IMPORTS, executor.map(import_probe, IMPORTS)))


def import_probe(module: str) -> Dict[str, Any]:
    process = subprocess.run(
        [sys.executable, "-W", "always", "-c", "import " + module],
        capture_output=True,
        text=True,
        timeout=30,
    )
    lines: List[str] = [line for line in process.stderr.splitlines() if "Warning:" in line]
    if process.returncode != 0:
        return {"imports": False}
    return {"imports": True, "warns": [_warning_category(line) for line in lines]}


def _warning_category(line: str) -> str:
    # "path/x.py:12: DeprecationWarning: message" → "DeprecationWarning: message"
    parts = line.split(": ", 1)
    return parts[1] if len(parts) == 2 else line
