"""The API surface of the installed release: what exists, where, and what warns.

Used by the ``api-surface`` scenario. Everything is read without calling
anything: attribute presence on live connection objects, where exception
names resolve, and — in fresh interpreters, because an import warns only the
first time — which imports emit warnings.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Any, Dict, List

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

#: Modules whose import may warn (deprecations).
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
)


def connection_surface(connection: Any) -> Dict[str, Any]:
    """For each attribute: present or not, and whether reading it warns."""
    result: Dict[str, Any] = {"class": "{}.{}".format(type(connection).__module__, type(connection).__qualname__)}
    for name in PROBED_ATTRIBUTES:
        entry = read_attribute(connection, name)
        result[name] = {"present": entry["present"]}
        if "warnings" in entry:
            result[name]["warns"] = [warning["category"] for warning in entry["warnings"]]
    return result


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
                entry["warns"] = [describe_warning(w)["category"] for w in caught]
            result["{}.{}".format(owner_name, name)] = entry
    result["version"] = getattr(websockets, "__version__", None)
    return result


def import_warnings() -> Dict[str, Any]:
    """Import each module in a fresh interpreter; record failure or warnings."""
    result: Dict[str, Any] = {}
    for module in IMPORTS:
        process = subprocess.run(
            [sys.executable, "-W", "always", "-c", "import " + module],
            capture_output=True,
            text=True,
            timeout=30,
        )
        lines: List[str] = [line for line in process.stderr.splitlines() if "Warning:" in line]
        if process.returncode != 0:
            result[module] = {"imports": False}
        else:
            result[module] = {"imports": True, "warns": [_warning_category(line) for line in lines]}
    return result


def _warning_category(line: str) -> str:
    # "path/x.py:12: DeprecationWarning: message" → "DeprecationWarning: message"
    parts = line.split(": ", 1)
    return parts[1] if len(parts) == 2 else line
