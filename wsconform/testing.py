"""Helpers for testing scenarios: load one as a run would, and build
normalized outcomes by hand for table tests of its ``label()``, ``grade()``
and ``answer()``, in the shape ``docs/reference/side-records.md`` documents
(what peers record, after normalization).

Part of the scenario API (:mod:`wsconform.api`), under the same stability
promise; it runs in your tests, not in peers.
"""

from __future__ import annotations

from typing import Any

from wsconform.core import formats
from wsconform.peer import scenario as scenario_api


def load_scenario(scenario_id: str) -> scenario_api.LoadedScenario:
    """The scenario ``scenario_id`` as a run loads it: built in, or in the
    scenario directories of the project's ``[tool.wsconform]`` table (found
    from the working directory, as the command line finds it)."""
    from wsconform.cli import configuration

    directories = [str(path) for path in configuration.find().scenario_directories]
    return scenario_api.load(scenario_id, directories)


CONNECTION_CLOSED = "websockets.exceptions.ConnectionClosed"
CLOSED_OK = "websockets.exceptions.ConnectionClosedOK"
CLOSED_ERROR = "websockets.exceptions.ConnectionClosedError"
INVALID_HANDSHAKE = "websockets.exceptions.InvalidHandshake"

#: Every recorded MRO ends with these (checked against recorded samples by
#: tests/scenarios/test_recorded_samples.py).
TAIL = ["builtins.BaseException", "builtins.object"]

#: MROs as the libraries define them, without the tail.
_MRO = {
    CLOSED_OK: [CLOSED_OK, CONNECTION_CLOSED, "websockets.exceptions.WebSocketException", "builtins.Exception"],
    CLOSED_ERROR: [CLOSED_ERROR, CONNECTION_CLOSED, "websockets.exceptions.WebSocketException", "builtins.Exception"],
    CONNECTION_CLOSED: [CONNECTION_CLOSED, "websockets.exceptions.WebSocketException", "builtins.Exception"],
    "websockets.exceptions.InvalidMessage": [
        "websockets.exceptions.InvalidMessage",
        INVALID_HANDSHAKE,
        "websockets.exceptions.WebSocketException",
        "builtins.Exception",
    ],
    "websockets.exceptions.InvalidStatus": [
        "websockets.exceptions.InvalidStatus",
        INVALID_HANDSHAKE,
        "websockets.exceptions.WebSocketException",
        "builtins.Exception",
    ],
    "websockets.exceptions.InvalidStatusCode": [
        "websockets.exceptions.InvalidStatusCode",
        INVALID_HANDSHAKE,
        "websockets.exceptions.WebSocketException",
        "builtins.Exception",
    ],
    "websockets.exceptions.ConcurrencyError": [
        "websockets.exceptions.ConcurrencyError",
        "websockets.exceptions.WebSocketException",
        "builtins.RuntimeError",
        "builtins.Exception",
    ],
    INVALID_HANDSHAKE: [INVALID_HANDSHAKE, "websockets.exceptions.WebSocketException", "builtins.Exception"],
    "websockets.exceptions.InvalidHeaderValue": [
        "websockets.exceptions.InvalidHeaderValue",
        "websockets.exceptions.InvalidHeader",
        INVALID_HANDSHAKE,
        "websockets.exceptions.WebSocketException",
        "builtins.Exception",
    ],
    "asyncio.exceptions.CancelledError": ["asyncio.exceptions.CancelledError"],
    "builtins.RuntimeError": ["builtins.RuntimeError", "builtins.Exception"],
    "builtins.EOFError": ["builtins.EOFError", "builtins.Exception"],
    "builtins.ConnectionRefusedError": [
        "builtins.ConnectionRefusedError",
        "builtins.ConnectionError",
        "builtins.OSError",
        "builtins.Exception",
    ],
    "builtins.TimeoutError": ["builtins.TimeoutError", "builtins.OSError", "builtins.Exception"],
    "asyncio.exceptions.TimeoutError": ["asyncio.exceptions.TimeoutError", "builtins.Exception"],
}


#: MROs as the libraries define them.
MRO = {name: [*mro, *TAIL] for name, mro in _MRO.items()}


def close_frame(code: int, reason: str = "") -> dict[str, Any]:
    return {"present": True, "value": {"type": "websockets.frames.Close", "code": code, "reason": reason}}


def exception(
    cls: str,
    *,
    rcvd: int | bool | None = False,
    sent: int | bool | None = False,
    code: int | None = None,
    status_code: int | None = None,
    response_status: int | None = None,
    cause: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An exception record. ``rcvd``/``sent``: False = no such attribute
    (old versions), None = present but no frame, an int = that close code."""
    attributes: dict[str, Any] = {}
    for name, value in (("rcvd", rcvd), ("sent", sent)):
        if value is None:
            attributes[name] = {"present": True, "value": None}
        elif value is not False:
            attributes[name] = close_frame(int(value))
    if code is not None:
        attributes["code"] = {"present": True, "value": code}
    if status_code is not None:
        attributes["status_code"] = {"present": True, "value": status_code}
    if response_status is not None:
        attributes["response"] = {
            "present": True,
            "value": {"type": "websockets.http11.Response", "status_code": response_status, "reason_phrase": ""},
        }
    record: dict[str, Any] = {"class": cls, "mro": MRO.get(cls, [cls, "builtins.Exception", *TAIL]), "str": ""}
    if attributes:
        record["attributes"] = attributes
    if cause is not None:
        record["cause"] = cause
    return record


def value(result: Any = None) -> dict[str, Any]:
    return {"kind": "value", "value": result}


def raised(exception_record: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "exception", "exception": exception_record}


def guard(after: float = 5.0, reason: str = "the library has no timeout here") -> dict[str, Any]:
    return {"kind": "guard-timeout", "after": after, "reason": reason}


def unsupported(reason: str = "no such API") -> dict[str, Any]:
    return {"kind": "unsupported", "reason": reason}


def step(name: str, result: dict[str, Any], duration: str | None = "<0.5s", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"step": name, "args": {}, "result": result, **fields}
    if duration is not None:
        record["duration"] = duration
    return record


def outcome(
    params: dict[str, Any] | None = None,
    client: list[dict[str, Any]] | None = None,
    server: list[dict[str, Any]] | None = None,
    scenario: str = "s",
) -> dict[str, Any]:
    """A normalized outcome; client steps default to a successful connect.
    Each side is checked against the side record's type (what peers record):
    a hand-built outcome that no peer could make fails here, not in a label."""
    built = {
        "scenario": scenario,
        "variant": {"name": "v", "params": dict(params or {})},
        "client": {"steps": [step("connect", value({"type": "C"}))] if client is None else client, "events": []},
        "server": {"steps": list(server or []), "events": []},
    }
    for role in ("client", "server"):
        problem = formats.first_problem("side", built[role])
        assert problem is None, f"hand-built {role} record: {problem}"
    return built


CONNECTED = step("connect", value({"type": "websockets.asyncio.client.ClientConnection"}))
