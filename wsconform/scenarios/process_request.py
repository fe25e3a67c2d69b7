"""process-request: a handshake hook as applications write it — a health
check answered by ``process_request`` — in each calling convention.

The server's ``process_request`` answers ``GET /health`` with ``200 OK\\n``
and lets every other request through. It is written for one convention
(:mod:`wsconform.peer.hooks`): the legacy one, ``async def
process_request(path, request_headers)`` returning ``(HTTPStatus.OK,
headers, body)`` or ``(200, headers, body)``; or the new one,
``process_request(connection, request)`` returning
``connection.respond(...)``. Every release gets the hook as written.

Two probes: a load balancer's health check (a plain ``GET /health``, no
upgrade headers, sent by the harness's raw client), and a WebSocket client
connecting to another path, whose handler must still run.
"""

from wsconform.api import (
    SAME_SERVERS,
    STATE_SNAPSHOTS,
    ResultKind,
    Scenario,
    Variant,
    errors_logged,
    first_result,
    first_result_text,
    handler_ran,
)

HEALTH = "/health"
BODY = "OK\n"
#: How long the raw client waits for an answer.
ANSWER_WINDOW = 5.0
GREETING = "handler ran"

CONVENTIONS = (
    ("legacy", "async def process_request(path, request_headers) returning (HTTPStatus.OK, headers, body)"),
    ("legacy-int", "the same, returning (200, headers, body)"),
    ("new", "def process_request(connection, request) returning connection.respond(HTTPStatus.OK, body)"),
)

SCENARIO = Scenario(
    id="process-request",
    question="Does a process_request hook written for one release still answer health checks, and let "
    "WebSocket connections through, on every release?",
    servers=SAME_SERVERS,
    variants=tuple(
        Variant(
            f"{convention}-{probe}",
            {"convention": convention, "probe": probe},
            "{}; {}".format(
                description,
                "a plain GET /health, as a load balancer sends"
                if probe == "health-check"
                else "a WebSocket client connects to /scenario",
            ),
        )
        for convention, description in CONVENTIONS
        for probe in ("health-check", "websocket")
    ),
    expectation=(
        "A hook in the release's own convention answers the health check with its status and body, and the "
        "handler does not run; a request it lets through reaches the handler. A hook in another release's "
        "convention fails in a way the upgrade guide describes: the observation is what the client gets "
        "and what the server logs."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/server.html",
        "https://github.com/python-websockets/websockets/issues/1537",
    ),
    repetitions=3,
)


def server_options(variant):
    return {"process_request": {"convention": variant["convention"], "path": HEALTH, "body": BODY}}


async def server(side, variant):
    await side.send(GREETING)
    await side.close(1000, "")


async def client(side, variant):
    if variant["probe"] == "health-check":
        request = f"GET {HEALTH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: health-checker\r\n\r\n"
        await side.raw_request(request.encode(), ANSWER_WINDOW)
        return
    if not (await side.connect()).ok:
        return
    await side.recv()


def answer(outcome):
    """What the client got (the health check's status and body, or the
    WebSocket connection and its first message), whether the handler ran,
    and what the server logged at ERROR."""
    given = {"handler_ran": handler_ran(outcome), "errors_logged": errors_logged(outcome, "server")}
    raw = first_result(outcome, "client", "raw_request")
    if raw is not None:
        value = raw.get("value") if raw.get("kind") == ResultKind.VALUE else None
        given["status"] = value.get("status") if value else None
        given["body"] = value.get("body") if value else None
        given["ended"] = value.get("ended") if value else raw.get("kind")
    else:
        given["connect"] = first_result_text(outcome, "client", "connect")
        given["received"] = first_result_text(outcome, "client", "recv")
    return given


def label(outcome):
    given = answer(outcome)
    if "status" in given:
        got = "HTTP {} {!r}".format(given["status"], given["body"]) if given["status"] else "no response"
    else:
        got = "connect {}".format(given["connect"]) + (
            ", recv {}".format(given["received"]) if given.get("received") else ""
        )
    parts = [got, "handler ran" if given["handler_ran"] else "handler did not run"]
    parts += given["errors_logged"]
    return "; ".join(parts)


def grade(outcome):
    given = answer(outcome)
    if "status" in given:
        if given["status"] == 200 and given["body"] == BODY and not given["handler_ran"]:
            return "ok", "the hook answered the health check"
        return "informational", "the hook did not answer the health check: " + label(outcome)
    if given["connect"] == "ok" and given["received"] == repr(GREETING):
        return "ok", "the hook let the connection through to the handler"
    return "informational", "the connection did not reach the handler: " + label(outcome)
