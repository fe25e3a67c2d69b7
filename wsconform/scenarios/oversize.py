"""oversize: what happens when a message exceeds max_size?

One side limits incoming messages to 1 KiB (``max_size=1024``), the other
sends 2 KiB, then both call recv(). RFC 6455 §7.4.1 assigns 1009 ("message
too big") to this; the library raises PayloadTooBig on the receiving side in
some versions, and ConnectionClosedError(1009) in others.
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

LIMIT = 1024
MESSAGE = "x" * (2 * LIMIT)

SCENARIO = Scenario(
    id="oversize",
    question="When a message exceeds max_size, which exception and close code does each side see?",
    variants=(
        Variant("client-limit", {"limited": "client"}, "client max_size=1024; server sends 2 KiB"),
        Variant("server-limit", {"limited": "server"}, "server max_size=1024; client sends 2 KiB"),
    ),
    expectation="The limited side fails the connection with 1009; its recv() raises (RFC 6455 §7.4.1).",
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html#websockets.exceptions.PayloadTooBig",
        "https://datatracker.ietf.org/doc/html/rfc6455#section-7.4.1",
    ),
)


def server_options(variant):
    return {"max_size": LIMIT} if variant["limited"] == "server" else {}


async def server(side, variant):
    if variant["limited"] == "client":
        await side.send(MESSAGE)
    await side.recv()


async def client(side, variant):
    options = {"max_size": LIMIT} if variant["limited"] == "client" else {}
    if not (await side.connect(**options)).ok:
        return
    if variant["limited"] == "server":
        await side.send(MESSAGE)
    await side.recv()


def label(outcome):
    parts = []
    for role in ("client", "server"):
        recv = steps(outcome, role, "recv")
        parts.append("{}: {}".format(role, result_text(recv[0]["result"]) if recv else "—"))
    return " · ".join(parts)


def grade(outcome):
    limited = outcome["variant"]["params"]["limited"]
    other = "server" if limited == "client" else "client"
    if first_exception(outcome, other, "recv") is None:
        return "failed", "the sender's side did not see the connection fail"
    if any(close_code(first_exception(outcome, role, "recv")) == 1009 for role in ("client", "server")):
        return "ok", label(outcome)
    return "non-strict", "no 1009 seen: " + label(outcome)


def answer(outcome):
    """What each side's first recv() returned or raised."""
    return {role: first_result_text(outcome, role, "recv") for role in ("client", "server")}
