"""invalid-utf8: what happens on a text frame that is not valid UTF-8?

One side writes a raw text frame whose payload (``C3 28``) is invalid UTF-8,
bypassing its library; the other side calls recv(). RFC 6455 §8.1 requires
failing the connection with 1007.
"""

from wsconform.api import (
    STATE_SNAPSHOTS,
    Scenario,
    Variant,
    close_code,
    first_exception,
    first_result_text,
    result_text,
    steps,
)

PAYLOAD = b"\xc3\x28"
#: FIN + text opcode, unmasked length 2 (server to client).
SERVER_FRAME = b"\x81\x02" + PAYLOAD
#: FIN + text opcode, masked length 2 with a zero mask (client to server).
CLIENT_FRAME = b"\x81\x82\x00\x00\x00\x00" + PAYLOAD

SCENARIO = Scenario(
    id="invalid-utf8",
    question="Does a text frame with invalid UTF-8 fail the connection with 1007?",
    variants=(
        Variant("server-sends", {"sender": "server"}, "server writes a raw invalid text frame"),
        Variant("client-sends", {"sender": "client"}, "client writes a raw invalid text frame"),
    ),
    expectation="The receiver fails the connection with 1007 (RFC 6455 §8.1); its recv() raises.",
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://datatracker.ietf.org/doc/html/rfc6455#section-8.1",
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html",
    ),
)


async def server(side, variant):
    if variant["sender"] == "server":
        await side.send_raw(SERVER_FRAME)
    await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    if variant["sender"] == "client":
        await side.send_raw(CLIENT_FRAME)
    await side.recv()


def label(outcome):
    receiver = "client" if outcome["variant"]["params"]["sender"] == "server" else "server"
    recv = steps(outcome, receiver, "recv")
    sender = "server" if receiver == "client" else "client"
    sender_recv = steps(outcome, sender, "recv")
    return "{}: {} · {}: {}".format(
        receiver,
        result_text(recv[0]["result"]) if recv else "—",
        sender,
        result_text(sender_recv[0]["result"]) if sender_recv else "—",
    )


def grade(outcome):
    if any(close_code(first_exception(outcome, role, "recv")) == 1007 for role in ("client", "server")):
        return "ok", label(outcome)
    return "failed", "no 1007: " + label(outcome)


def answer(outcome):
    """What each side's first recv() returned or raised."""
    return {role: first_result_text(outcome, role, "recv") for role in ("client", "server")}
