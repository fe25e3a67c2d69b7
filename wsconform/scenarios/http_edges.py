"""http-edges: opening handshakes that are unusual but legal, as browsers,
proxies and load balancers send them — what does the server answer, and
what does the handler read of them?

The client is not the library: the harness sends the request bytes itself
(:mod:`wsconform.peer.raw`) and records the status, the extension the server
accepted (``Sec-WebSocket-Extensions``) and how the exchange ended. The
handler reads the request through every accessor its release has
(``path`` / ``request_headers`` or ``request.path`` / ``request.headers``)
and records what it gives for ``Host`` and ``X-Edge``.

Variants: ``Host`` with a port, an IPv6 literal, or missing (HTTP/1.1
requires it); header names in lowercase and ``Connection: keep-alive,
Upgrade``, as Firefox sends them; ``Content-Length: 0`` on the GET, as some
proxies add; a header value with non-ASCII bytes (Latin-1 and UTF-8); and
the exact requests Chrome and Firefox send, with their permessage-deflate
offers.
"""

from wsconform.api import SAME_SERVERS, STATE_SNAPSHOTS, ResultKind, Scenario, Variant, first_result, handshake_view

#: How long the raw client waits for an answer.
ANSWER_WINDOW = 5.0
#: What the handler reads of the request.
READ = ("Host", "X-Edge")
#: The response header that says which extension the server accepted.
EXTENSIONS = "Sec-WebSocket-Extensions"
KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="

CHROME = (
    "GET /scenario HTTP/1.1",
    "Host: 127.0.0.1:{port}",
    "Connection: Upgrade",
    "Pragma: no-cache",
    "Cache-Control: no-cache",
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Upgrade: websocket",
    "Origin: http://127.0.0.1:8000",
    "Sec-WebSocket-Version: 13",
    "Accept-Encoding: gzip, deflate, br, zstd",
    "Accept-Language: en-US,en;q=0.9",
    KEY,
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
)
FIREFOX = (
    "GET /scenario HTTP/1.1",
    "Host: 127.0.0.1:{port}",
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Accept: */*",
    "Accept-Language: en-US,en;q=0.5",
    "Accept-Encoding: gzip, deflate, br, zstd",
    "Sec-WebSocket-Version: 13",
    "Origin: http://127.0.0.1:8000",
    "Sec-WebSocket-Extensions: permessage-deflate",
    KEY,
    "Connection: keep-alive, Upgrade",
    "Sec-Fetch-Dest: empty",
    "Sec-Fetch-Mode: websocket",
    "Sec-Fetch-Site: same-origin",
    "Pragma: no-cache",
    "Cache-Control: no-cache",
    "Upgrade: websocket",
)
PLAIN = (
    "GET /scenario HTTP/1.1",
    "Host: 127.0.0.1",
    "Upgrade: websocket",
    "Connection: Upgrade",
    KEY,
    "Sec-WebSocket-Version: 13",
)


def _with(*lines, without=()):
    return tuple(line for line in PLAIN if not line.startswith(without or ("\0",))) + lines


REQUESTS = {
    "host-with-port": (*_with("X-Edge: port", without=("Host:",)), "Host: 127.0.0.1:{port}"),
    "host-ipv6": (*_with("X-Edge: ipv6", without=("Host:",)), "Host: [::1]:8080"),
    "no-host": _with("X-Edge: no host", without=("Host:",)),
    "lowercase-names": (
        "GET /scenario HTTP/1.1",
        "host: 127.0.0.1",
        "upgrade: websocket",
        "connection: keep-alive, Upgrade",
        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version: 13",
        "x-edge: lowercase",
    ),
    "content-length-zero": _with("Content-Length: 0", "X-Edge: empty body"),
    "latin-1-value": _with("X-Edge: caf\xe9"),
    "utf-8-value": _with("X-Edge: caf\xc3\xa9"),
    "chrome": CHROME,
    "firefox": FIREFOX,
}

DESCRIPTIONS = {
    "host-with-port": "Host: 127.0.0.1:<port>, as browsers send it",
    "host-ipv6": "Host: [::1]:8080, an IPv6 literal",
    "no-host": "no Host header (HTTP/1.1 requires one)",
    "lowercase-names": "lowercase header names and Connection: keep-alive, Upgrade",
    "content-length-zero": "Content-Length: 0 on the GET, as some proxies add",
    "latin-1-value": "a header value with a Latin-1 byte (0xE9)",
    "utf-8-value": "a header value in UTF-8 (0xC3 0xA9)",
    "chrome": "Chrome's request, offering permessage-deflate; client_max_window_bits",
    "firefox": "Firefox's request, offering permessage-deflate",
}

SCENARIO = Scenario(
    id="http-edges",
    question="What does the server answer to unusual but legal opening handshakes, and what does the handler read "
    "of them?",
    servers=SAME_SERVERS,
    variants=tuple(Variant(name, {"request": name}, DESCRIPTIONS[name]) for name in REQUESTS),
    expectation=(
        "RFC 6455 4.2.1 and RFC 9110: each of these is a valid handshake but the one without Host, which gets 400; "
        "header names are case-insensitive; a browser's permessage-deflate offer is accepted where the server "
        "enables compression (the default). The handler reads the header values the client sent."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://www.rfc-editor.org/rfc/rfc6455#section-4.2.1",
        "https://www.rfc-editor.org/rfc/rfc9110#section-7.2",
        "https://www.rfc-editor.org/rfc/rfc7692#section-7",
    ),
    repetitions=3,
)


def request_bytes(name, port):
    text = "\r\n".join(REQUESTS[name]).replace("{port}", str(port)) + "\r\n\r\n"
    return text.encode("latin-1")


async def server(side, variant):
    await side.request(headers=READ)


async def client(side, variant):
    await side.raw_request(request_bytes(variant["request"], side.port), ANSWER_WINDOW, keep=(EXTENSIONS,))


def _read(outcome):
    """What the handler read: for each header, what the release's headers
    accessor gave (``absent`` when the handler has no such accessor)."""
    view = handshake_view(outcome, "server", "request")
    if view is None:
        return None
    for accessor in ("request.headers", "request_headers"):
        entry = view.get(accessor) or {}
        if entry.get("present") and isinstance(entry.get("value"), dict):
            return {name: entry["value"].get(name) for name in READ}
    return "absent"


def answer(outcome):
    """The status, the extension accepted, how the exchange ended, and what
    the handler read (None when the handler did not run)."""
    result = first_result(outcome, "client", "raw_request")
    if result is None or result["kind"] != ResultKind.VALUE:
        return {"status": None, "ended": None if result is None else result["kind"]}
    found = result["value"]
    return {
        "status": found["status"],
        "ended": found["ended"],
        "extensions": found["headers"].get(EXTENSIONS.lower()),
        "handler_read": _read(outcome),
    }


def label(outcome):
    given = answer(outcome)
    text = "HTTP {}".format(given["status"]) if given["status"] else "no response ({})".format(given["ended"])
    if given.get("extensions"):
        text += " [{}]".format(given["extensions"])
    read = given.get("handler_read")
    if isinstance(read, dict):
        text += "; handler read " + ", ".join(f"{name}={read[name]}" for name in READ)
    elif read == "absent":
        text += "; handler has no headers accessor"
    return text


def grade(outcome):
    given = answer(outcome)
    name = outcome["variant"]["params"]["request"]
    if name == "no-host":
        if given["status"] == 101:
            return "non-strict", "a request without Host was accepted (RFC 9110 7.2: a 400 is required)"
        if given["status"] == 400:
            return "ok", "a request without Host was refused with 400"
        return "non-strict", "a request without Host got no 400: " + label(outcome)
    if given["status"] != 101:
        return "failed", "a valid handshake was refused: " + label(outcome)
    if name in ("chrome", "firefox") and not given.get("extensions"):
        return "informational", "the browser's permessage-deflate offer was declined"
    return "ok", "accepted"
