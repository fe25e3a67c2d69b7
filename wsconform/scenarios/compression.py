"""compression: is permessage-deflate offered and accepted by default?

The server reads the ``Sec-WebSocket-Extensions`` header of the request (what
the client offered) and the client that of the response (what the server
accepted); then the server sends a compressible 4 KiB message. Either side
may turn compression off (``compression=None``), as applications do to save
memory or CPU.
"""

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, first_result, first_result_text, handshake_view

EXTENSIONS = "Sec-WebSocket-Extensions"
MESSAGE = "compress me " * 341

SCENARIO = Scenario(
    id="compression",
    question="Is permessage-deflate offered and accepted by default, and does either side turning it off work?",
    variants=(
        Variant("defaults", {"off": None}, "both sides with their defaults"),
        Variant("client-off", {"off": "client"}, "the client passes compression=None"),
        Variant("server-off", {"off": "server"}, "the server passes compression=None"),
    ),
    expectation=(
        "RFC 7692: an extension is in use only if the client offered it and the server accepted it; a side "
        "that turned compression off neither offers nor accepts it, and messages get through either way."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://www.rfc-editor.org/rfc/rfc7692",
        "https://websockets.readthedocs.io/en/stable/topics/compression.html",
    ),
    # Not deterministic everywhere: 14.0's sync client can lose the message
    # buffered when the server closes (send-then-close); the default
    # repetitions, and more where answers vary, measure how often.
)


def server_options(variant):
    return {"compression": None} if variant["off"] == "server" else {}


async def server(side, variant):
    await side.request(headers=(EXTENSIONS,))
    await side.send(MESSAGE)
    await side.close(1000, "")


async def client(side, variant):
    options = {"compression": None} if variant["off"] == "client" else {}
    if not (await side.connect(**options)).ok:
        return
    await side.response(headers=(EXTENSIONS,))
    await side.recv()


def _header(outcome, role, step):
    """The extensions header as one side read it, through whichever accessor had it."""
    view = handshake_view(outcome, role, step)
    if view is None:
        return None
    for entry in view.values():
        value = entry.get("value") if isinstance(entry, dict) else None
        if isinstance(value, dict) and EXTENSIONS in value:
            return value[EXTENSIONS]
    return None


def answer(outcome):
    """What the client offered, what the server accepted, and whether the message got through."""
    received = first_result(outcome, "client", "recv")
    got = received is not None and received.get("kind") == "value"
    return {
        "connect": first_result_text(outcome, "client", "connect"),
        "offered": _header(outcome, "server", "request"),
        "accepted": _header(outcome, "client", "response"),
        "message": "received" if got else first_result_text(outcome, "client", "recv"),
    }


def label(outcome):
    given = answer(outcome)
    if given["connect"] != "ok":
        return "connect {}".format(given["connect"])
    offered = "; ".join(given["offered"]) if given["offered"] else "nothing"
    accepted = "; ".join(given["accepted"]) if given["accepted"] else "nothing"
    return "offered {} · accepted {} · message {}".format(offered, accepted, given["message"])


def grade(outcome):
    given = answer(outcome)
    off = outcome["variant"]["params"]["off"]
    if given["connect"] != "ok" or given["message"] != "received":
        return "failed", "the connection or the message failed: " + label(outcome)
    if off == "client" and given["offered"]:
        return "failed", "the client offered compression it was told not to use"
    if off == "server" and given["accepted"]:
        return "failed", "the server accepted compression it was told not to use"
    if given["accepted"] and not given["offered"]:
        return "failed", "the server accepted an extension the client did not offer"
    return "ok", label(outcome)
