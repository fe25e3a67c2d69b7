"""What each side can read of the opening handshake, through every accessor
the release has.

Releases moved the handshake from attributes of the connection to objects:
the legacy implementation exposes ``path``, ``request_headers`` (server) and
``response_headers`` (client); the new ones ``request.path``,
``request.headers``, ``response.status_code`` and ``response.headers``. Code
written for one reads the other's as an ``AttributeError``, or as a
deprecation warning while both exist. So a view reads *every* accessor and
records, for each, whether it exists, what it gives, and whether reading it
warned — exactly as the close accessors are read (:mod:`.recording`).

For a headers object, the value is what it gives for the header names the
scenario asks about (``None`` when absent), not the whole mapping, whose
other headers (``Sec-WebSocket-Key``, ``Date``, ``User-Agent``) change with
every run and every release.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, Sequence

from .recording import describe_value, qualified_name, truncate

#: What a server handler can read of the request it accepted, and of what it negotiated.
REQUEST_ACCESSORS = ("path", "request_headers", "request.path", "request.headers", "subprotocol")

#: What a client can read of the response it got, and of what it negotiated.
RESPONSE_ACCESSORS = ("response_headers", "response.status_code", "response.headers", "subprotocol")


def read(connection: Any, accessor: str, names: Sequence[str]) -> Dict[str, Any]:
    """One accessor (``request.headers``): present or not, its value, what it
    raised, and the categories of the warnings reading it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entry: Dict[str, Any]
        try:
            value = connection
            for part in accessor.split("."):
                value = getattr(value, part)
        except AttributeError:
            entry = {"present": False}
        except Exception as exc:  # a property that raises is an observation
            entry = {"present": True, "raised": qualified_name(type(exc)), "str": truncate(str(exc))}
        else:
            entry = {"present": True, "value": None}
            if value is not None:
                entry["value"] = headers_value(value, names) if accessor.endswith("headers") else describe_value(value)
    if caught:
        entry["warns"] = sorted({qualified_name(warning.category) for warning in caught})
    return entry


def headers_value(headers: Any, names: Sequence[str]) -> Dict[str, Any]:
    """What a headers object gives for each name: every value it holds for it
    (in order), or None when it holds none."""
    found: Dict[str, Any] = {}
    for name in names:
        try:
            if hasattr(headers, "get_all"):
                values = list(headers.get_all(name))
            else:
                value = headers.get(name)
                values = [] if value is None else [value]
        except Exception as exc:  # pragma: no cover - a mapping that raises is an observation
            found[name] = {"raised": qualified_name(type(exc))}
            continue
        found[name] = [describe_value(value) for value in values] or None
    return found


def view(connection: Any, accessors: Sequence[str], names: Sequence[str]) -> Dict[str, Any]:
    """Every accessor of ``accessors`` on ``connection``."""
    return {accessor: read(connection, accessor, names) for accessor in accessors}
