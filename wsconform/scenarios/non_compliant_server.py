"""non-compliant-server: what does connect() do when the server answers
``101 Switching Protocols`` in a way RFC 6455 forbids?

The client connects to fault servers (:mod:`wsconform.peer.faults`) that
answer the opening handshake like a broken proxy or a hand-written server:
a wrong ``Sec-WebSocket-Accept``, no ``Upgrade`` header, a subprotocol the
client did not offer, a permessage-deflate parameter out of range. Which
exception a client raises for each — and whether it raises at all — is what
applications catch, and its class changed across releases.

The fault server then holds the connection open, as a server that believes
the handshake succeeded does: a client that waits for the server to close
before raising waits out its open timeout (2 s here).
"""

from wsconform.api import FAULT_SERVERS, STATE_SNAPSHOTS, ResultKind, Scenario, Variant, first_result, short_class

#: The client's open timeout (where the release has one): the fault server
#: answers at once, so the handshake never waits for it.
OPEN_TIMEOUT = 2.0

SCENARIO = Scenario(
    id="non-compliant-server",
    question="Which exception does connect() raise when the server's 101 answer breaks RFC 6455?",
    servers=FAULT_SERVERS,
    variants=(
        Variant("bad-accept", {"fault": "bad-accept"}, "a Sec-WebSocket-Accept that is not the key's digest"),
        Variant("no-upgrade", {"fault": "no-upgrade"}, "101 without Upgrade: websocket"),
        Variant("unoffered-subprotocol", {"fault": "unoffered-subprotocol"}, "a subprotocol the client did not offer"),
        Variant("bad-extension", {"fault": "bad-extension"}, "permessage-deflate; server_max_window_bits=7"),
    ),
    expectation=(
        "RFC 6455 4.1: the client fails the connection: connect() raises an InvalidHandshake subclass "
        "(InvalidHeaderValue, InvalidUpgrade, NegotiationError, …) and no connection is returned."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://www.rfc-editor.org/rfc/rfc6455#section-4.1",
        "https://www.rfc-editor.org/rfc/rfc7692#section-7.1.2.1",
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html",
    ),
    repetitions=3,
    # The legacy clients wait for the server to close the connection until
    # their open timeout; 8.1, without one, until the harness's guard.
    case_seconds=OPEN_TIMEOUT,
)


async def client(side, variant):
    await side.connect(open_timeout=OPEN_TIMEOUT)


def answer(outcome):
    """The exception connect() raised (its class, its cause's class, and
    whether it is an InvalidHandshake), or that it connected."""
    result = first_result(outcome, "client", "connect")
    if result is None:
        return {"connect": None}
    if result["kind"] == ResultKind.VALUE:
        return {"connect": "ok"}
    if result["kind"] != ResultKind.EXCEPTION:
        return {"connect": result["kind"]}
    exception = result["exception"]
    given = {
        "connect": short_class(exception["class"]),
        "invalid_handshake": "websockets.exceptions.InvalidHandshake" in exception.get("mro", []),
    }
    if exception.get("cause"):
        given["cause"] = short_class(exception["cause"]["class"])
    return given


def label(outcome):
    given = answer(outcome)
    text = "connect {}".format(given["connect"])
    if given.get("cause"):
        text += " ← " + given["cause"]
    return text


def grade(outcome):
    given = answer(outcome)
    if given["connect"] == "ok":
        return "failed", "the client accepted a handshake RFC 6455 says to fail"
    if given.get("invalid_handshake"):
        return "ok", "connect() raised an InvalidHandshake"
    return "non-strict", "connect() failed with something other than an InvalidHandshake: " + label(outcome)
