"""non-upgrade-request: what does a server answer to a request that is not a plain WebSocket upgrade?

The client here is not the library: the harness sends raw bytes over TCP
(:mod:`wsconform.peer.raw`) to each real peer's server — another method, HTTP/1.0,
a plain GET a browser would send, a request line or headers beyond the
server's limits, or nothing at all — and records the status line, a few
headers and how the exchange ended. A valid upgrade is the control.

Upstream changed this more than once: 17.0 lets ``process_request`` answer
non-GET and HTTP/1.0 requests instead of closing without a response; limits
on lines and headers became configurable in 13.0. The silent client measures
the server's default opening-handshake timeout (``open_timeout``, 10 s where
the server has one): the window, 25 s, lies beyond it.
"""

from wsconform.api import SAME_SERVERS, STATE_SNAPSHOTS, ResultKind, Scenario, Variant, first_result, upgrade_request

#: How long the raw client waits for an answer to a request.
ANSWER_WINDOW = 5.0
#: How long the silent client waits for the server to give up on it.
SILENT_WINDOW = 25.0

SCENARIO = Scenario(
    id="non-upgrade-request",
    question="What does the server answer to a request that is not a plain WebSocket upgrade?",
    servers=SAME_SERVERS,
    variants=(
        Variant("valid-upgrade", {"request": "valid"}, "control: a valid opening handshake"),
        Variant("post", {"request": "post"}, "POST with upgrade headers"),
        Variant("http-1.0", {"request": "http-1.0"}, "GET with upgrade headers, HTTP/1.0"),
        Variant("plain-get", {"request": "plain-get"}, "GET without upgrade headers, as a browser sends"),
        Variant("long-request-line", {"request": "long-request-line"}, "a 9,000-byte request line"),
        Variant("long-header", {"request": "long-header"}, "a 9,000-byte header line"),
        Variant("many-headers", {"request": "many-headers"}, "300 extra headers"),
        Variant("silent", {"request": "silent"}, "connects and sends nothing for 25 s", case_seconds=15.0),
    ),
    expectation=(
        "RFC 6455 4.2.1: a request that is not a valid handshake gets an HTTP error response "
        "(such as 400; 426 for a request without Upgrade); a valid one gets 101. "
        "A client that sends nothing is disconnected by the server's opening timeout."
    ),
    links=(
        "https://www.rfc-editor.org/rfc/rfc6455#section-4.2.1",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    incidental=STATE_SNAPSHOTS,
    # What a server answers does not race; the silent variant costs 10-25 s.
    repetitions=3,
)


def request_bytes(kind):
    if kind == "valid":
        return upgrade_request()
    if kind == "post":
        return upgrade_request(method="POST")
    if kind == "http-1.0":
        return upgrade_request(version="HTTP/1.0")
    if kind == "plain-get":
        return b"GET /scenario HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n"
    if kind == "long-request-line":
        return upgrade_request(path="/" + "a" * 9000)
    if kind == "long-header":
        return upgrade_request(extra=("X-Long: " + "b" * 9000,))
    if kind == "many-headers":
        return upgrade_request(extra=tuple(f"X-Header-{n}: {n}" for n in range(300)))
    assert kind == "silent", kind
    return b""


async def server(side, variant):
    await side.recv()


async def client(side, variant):
    kind = variant["request"]
    await side.raw_request(request_bytes(kind), SILENT_WINDOW if kind == "silent" else ANSWER_WINDOW)


def response(outcome):
    result = first_result(outcome, "client", "raw_request")
    if result is None or result["kind"] != ResultKind.VALUE:
        return None
    return result["value"]


def label(outcome):
    found = response(outcome)
    if found is None:
        result = first_result(outcome, "client", "raw_request")
        return "no answer recorded" if result is None else result["kind"]
    if found["status"] is not None:
        text = found["status_line"].split(" ", 1)[1] if " " in found["status_line"] else found["status_line"]
        return text + ("" if found["ended"] in ("closed", "response") else ", then " + found["ended"])
    return {"closed": "closed, no response", "reset": "reset, no response", "open": "no response, still open"}.get(
        found["ended"], found["ended"]
    )


def grade(outcome):
    found = response(outcome)
    kind = outcome["variant"]["params"]["request"]
    if found is None:
        return "failed", "the raw request did not complete"
    status = found["status"]
    if kind == "valid":
        return ("ok", "101 Switching Protocols") if status == 101 else ("failed", "a valid handshake was refused")
    if kind == "silent":
        if found["ended"] == "open":
            return "non-strict", "the server kept a silent connection open for 25 s"
        return "ok", "the server closed a silent connection"
    if status == 101:
        return "failed", "the server accepted an invalid handshake"
    if status is not None and 400 <= status < 600:
        return "ok", f"HTTP {status}"
    if status is None and found["ended"] == "open":
        return "failed", "no response and the connection stayed open"
    return "non-strict", "the server closed the connection without an HTTP error response"


def answer(outcome):
    """The status code, whether the response says Upgrade, and how the exchange ended."""
    found = response(outcome)
    if found is None:
        return {"status": None, "ended": None}
    return {"status": found["status"], "ended": found["ended"], "upgrade": found["headers"].get("upgrade")}
