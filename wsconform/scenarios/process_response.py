"""process-response: a header added to every handshake response, the way
code written for one release adds it — does it still reach the client?

The server adds ``X-Served-By`` in one convention (:mod:`wsconform.peer.hooks`):
``new`` — ``process_response(connection, request, response)`` setting
``response.headers[...]`` (13.0+); ``new-async`` — the same hook as a
coroutine; ``legacy-callable`` — ``extra_headers`` given a callable of
``(path, request_headers)`` (the legacy server). Each is passed to every
release as written: a ``serve()`` that refuses it is recorded as the
server's ``serve`` step. The client reads the header through every accessor
its release has.
"""

from wsconform.api import (
    STATE_SNAPSHOTS,
    Scenario,
    Variant,
    errors_logged,
    first_result_text,
    handshake_view,
    serve_raised,
)

HEADER = "X-Served-By"
VALUE = "conformance"
GREETING = "hello"

CONVENTIONS = (
    ("new", "process_response(connection, request, response) setting response.headers"),
    ("new-async", "async def process_response(connection, request, response)"),
    ("legacy-callable", "extra_headers=callable(path, request_headers) returning the headers"),
)

SCENARIO = Scenario(
    id="process-response",
    question="Does a response header added the way code for one release adds it still reach the client?",
    variants=tuple(Variant(name, {"convention": name}, description) for name, description in CONVENTIONS),
    expectation=(
        "A hook in the release's own convention adds the header and the connection opens; a hook in another "
        "release's convention fails where the upgrade guide says (serve() refuses a parameter it does not take, "
        "or the hook's error is logged and the handshake fails)."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/server.html#websockets.asyncio.server.serve",
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
    ),
    repetitions=3,
)


def server_options(variant):
    return {"response_hook": {"convention": variant["convention"], "header": [HEADER, VALUE]}}


async def server(side, variant):
    await side.send(GREETING)
    await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    await side.response(headers=(HEADER,))
    await side.recv()
    await side.close(1000, "")


def _header(outcome):
    """What the client read of the header, through its release's accessor."""
    view = handshake_view(outcome, "client", "response")
    if view is None:
        return None
    for accessor in ("response.headers", "response_headers"):
        entry = view.get(accessor) or {}
        if entry.get("present") and isinstance(entry.get("value"), dict):
            return entry["value"].get(HEADER)
    return None


def answer(outcome):
    """Whether serve() raised, what connect() gave, the header as the
    client read it, the first message, and what the server logged at ERROR."""
    given = {
        "connect": first_result_text(outcome, "client", "connect"),
        "header": _header(outcome),
        "received": first_result_text(outcome, "client", "recv"),
        "errors_logged": errors_logged(outcome, "server"),
    }
    serve = serve_raised(outcome)
    if serve is not None:
        given["serve"] = serve
    return given


def label(outcome):
    given = answer(outcome)
    parts = ["serve() raised " + given["serve"]] if "serve" in given else []
    connect = "connect {}".format(given["connect"])
    if given["connect"] == "ok":
        connect += ", {}: {}".format(HEADER, given["header"])
    parts.append(connect)
    parts += given["errors_logged"]
    return "; ".join(parts)


def grade(outcome):
    given = answer(outcome)
    if "serve" in given:
        return "informational", "serve() refuses this convention"
    if given["connect"] == "ok" and given["header"] == [VALUE] and given["received"] == repr(GREETING):
        return "ok", "the header reached the client"
    return "informational", "the header did not reach the client: " + label(outcome)
