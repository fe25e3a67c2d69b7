"""Handshake hooks written the way applications write them, in each
release's calling convention.

``process_request`` changed its calling convention with the new
implementations: the legacy one calls ``process_request(path,
request_headers)`` (a coroutine) and takes a ``(status, headers, body)``
tuple, with an ``HTTPStatus`` or a plain ``int``; the new ones call
``process_request(connection, request)`` and take a ``Response``, made with
``connection.respond(status, text)``. A hook here is exactly the code an
application wrote for one convention, and it is passed to every release
unchanged: "a hook written for 13.1, run on 14.0" is observed as it runs —
what the library calls it with, what it makes of the answer, what it logs,
and what the client gets.
"""

from __future__ import annotations

import http
from typing import Any, Callable, Dict

from .drivers.base import ScenarioMistake

#: The conventions a scenario may ask for.
CONVENTIONS = ("legacy", "legacy-int", "new")


def process_request(options: Dict[str, Any]) -> Callable[..., Any]:
    """A ``process_request`` hook that answers requests for ``options["path"]``
    with 200 and ``options["body"]``, and lets every other request through."""
    convention = options.get("convention")
    path = options.get("path", "/health")
    body = options.get("body", "OK\n")
    if convention in ("legacy", "legacy-int"):
        status = 200 if convention == "legacy-int" else http.HTTPStatus.OK

        async def legacy_process_request(request_path: Any, request_headers: Any) -> Any:
            if request_path == path:
                return status, [("Content-Type", "text/plain")], body.encode()
            return None

        return legacy_process_request
    if convention == "new":

        def new_process_request(connection: Any, request: Any) -> Any:
            if request.path == path:
                return connection.respond(http.HTTPStatus.OK, body)
            return None

        return new_process_request
    raise ScenarioMistake("unknown process_request convention {!r}".format(convention))


#: The ways code adds a header to the handshake's response, by release.
RESPONSE_CONVENTIONS = ("new", "new-async", "legacy-callable")


def response_hook(options: Dict[str, Any]) -> Dict[str, Any]:
    """``serve()`` keyword arguments that add ``options["header"]`` (name,
    value) to the handshake's response, as code written for one convention
    does it: ``new`` — ``process_response(connection, request, response)``
    changing ``response.headers`` in place; ``new-async`` — the same as a
    coroutine; ``legacy-callable`` — ``extra_headers`` given a callable of
    ``(path, request_headers)`` returning the headers (the legacy server).
    Passed to every release as written."""
    convention = options.get("convention")
    name, value = options["header"]
    if convention == "new":

        def process_response(connection: Any, request: Any, response: Any) -> Any:
            response.headers[name] = value
            return None

        return {"process_response": process_response}
    if convention == "new-async":

        async def async_process_response(connection: Any, request: Any, response: Any) -> Any:
            response.headers[name] = value
            return None

        return {"process_response": async_process_response}
    if convention == "legacy-callable":

        def extra_headers(path: Any, request_headers: Any) -> Any:
            return [(name, value)]

        return {"extra_headers": extra_headers}
    raise ScenarioMistake("unknown process_response convention {!r}".format(convention))
