"""handshake-non-ready: what does connect() raise when the server is not ready?

The client connects to fault servers that are not WebSocket servers: nothing
listening, a server that accepts then closes at once, one that reads the
request then closes, one that answers HTTP 503 (with or without
``Content-Length``), and one that never answers
(client open timeout 1 s where the version has one). The harness waits for
the library's own worst case (its open timeout, then its close timeout while
it tears the connection down, plus a margin): only a version without an open
timeout (8.1) is stopped by the harness, and the outcome says so.
"""

from wsconform.api import FAULT_SERVERS, ResultKind, Scenario, Variant, first_result, short_class

OPEN_TIMEOUT = 1.0

SCENARIO = Scenario(
    id="handshake-non-ready",
    question="Which exception does connect() raise against a server that is not ready, and after how long?",
    servers=FAULT_SERVERS,
    variants=(
        Variant("refused", {"fault": "refused"}, "nothing listens on the port"),
        Variant("accept-close", {"fault": "accept-close"}, "TCP accepted, then closed at once"),
        Variant("read-close", {"fault": "read-close"}, "request read, then closed"),
        Variant("http-503", {"fault": "http-503"}, "answers HTTP/1.1 503"),
        Variant(
            "http-503-no-length",
            {"fault": "http-503-no-length"},
            "answers 503 without Content-Length (the body ends at the close)",
        ),
        Variant("silent", {"fault": "silent"}, "accepts, never answers", case_seconds=4.0),
    ),
    expectation=(
        "A handshake that fails raises an InvalidHandshake subclass "
        "(InvalidMessage for a closed or garbled response, InvalidStatus(Code) "
        "for 503); refused raises OSError; silent raises TimeoutError."
    ),
    links=(
        "https://github.com/python-websockets/websockets/issues/1547",
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html",
    ),
)


async def client(side, variant):
    await side.connect(open_timeout=OPEN_TIMEOUT)


def connect_result(outcome):
    return first_result(outcome, "client", "connect")


def label(outcome):
    result = connect_result(outcome)
    if result is None:
        return "no connect"
    if result["kind"] == ResultKind.VALUE:
        return "connected"
    if result["kind"] != ResultKind.EXCEPTION:
        return result["kind"]
    exception = result["exception"]
    name = short_class(exception["class"])
    cause = exception.get("cause")
    if cause:
        name += " ← " + short_class(cause["class"])
    return name


EXPECTED_BASES = {
    "refused": ("builtins.OSError",),
    "accept-close": ("websockets.exceptions.InvalidHandshake",),
    "read-close": ("websockets.exceptions.InvalidHandshake",),
    "http-503": ("websockets.exceptions.InvalidHandshake",),
    "http-503-no-length": ("websockets.exceptions.InvalidHandshake",),
    "silent": ("builtins.TimeoutError", "asyncio.exceptions.TimeoutError", "concurrent.futures._base.TimeoutError"),
}


def grade(outcome):
    result = connect_result(outcome)
    fault = outcome["variant"]["params"]["fault"]
    if result is None or result["kind"] == ResultKind.VALUE:
        return "failed", "connect() did not fail"
    if result["kind"] == ResultKind.GUARD_TIMEOUT:
        if result.get("reason") == "the library has no timeout here":
            return "non-strict", "connect() had no timeout of its own; the harness stopped it"
        return "failed", "connect() did not return within its own timeouts"
    if result["kind"] != ResultKind.EXCEPTION:
        return "failed", result["kind"]
    mro = result["exception"]["mro"]
    if any(base in mro for base in EXPECTED_BASES[fault]):
        return "ok", result["exception"]["class"]
    return "non-strict", "{} is not one of {}".format(result["exception"]["class"], ", ".join(EXPECTED_BASES[fault]))


def answer(outcome):
    """What connect() raised (with its cause), and after how long."""
    connect = first_step(outcome)
    return {"connect": label(outcome), "after": None if connect is None else connect.get("duration")}


def first_step(outcome):
    steps = outcome["client"]["steps"]
    return steps[0] if steps else None
