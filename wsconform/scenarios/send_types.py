"""send-types: what does send() do with arguments of the wrong type?

Applications pass what they have: an ``int``, a ``dict`` they forgot to
serialize, ``None``, a ``bytearray`` or ``memoryview`` from a buffer, a list of
strings (which websockets sends as one fragmented message), or a list that
mixes text and bytes. The client sends one, then a plain ``"after"``; the
server receives twice. What each release raises, and whether the connection
survives a refused call, changed with the new implementations.
"""

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, results, short_class

AFTER = "after"

#: What each variant sends, made inside the peer (not all of it is JSON).
MESSAGES = {
    "int": lambda: 42,
    "dict": lambda: {"type": "greeting"},
    "none": lambda: None,
    "bytearray": lambda: bytearray(b"buffer"),
    "memoryview": lambda: memoryview(b"buffer"),
    "text-fragments": lambda: ["frag", "ments"],
    "mixed-fragments": lambda: ["text", b"bytes"],
}

SCENARIO = Scenario(
    id="send-types",
    question="What does send() raise for arguments of the wrong type, and does the connection survive it?",
    variants=tuple(Variant(name, {"message": name}, f"send({name})") for name in MESSAGES),
    expectation=(
        "send() takes str, bytes-like objects, and iterables of one of them (a fragmented message); anything "
        "else raises TypeError at the call and leaves the connection open, so the next send() works."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/client.html#websockets.asyncio.client.ClientConnection.send",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    # What send() accepts does not race: none of the 252 reference cells
    # varied over 10 runs each (2026-11-26); a cell that varies (the trio
    # server skipping its handler when the client is already gone) still
    # runs up to --max-repeat times.
    repetitions=3,
)


async def server(side, variant):
    for _ in range(2):
        if not (await side.recv()).ok:
            return


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    await side.send(MESSAGES[variant["message"]]())
    await side.send(AFTER)
    await side.close(1000, "")


def _what(result):
    """``ok``, the exception's class, or the result's kind."""
    if result is None:
        return None
    if result["kind"] == "value":
        return "ok"
    if result["kind"] == "exception":
        return short_class(result["exception"]["class"])
    return result["kind"]


def answer(outcome):
    """What the first send() did, whether the next one worked, and what the server received."""
    sends = results(outcome, "client", "send")
    received = [
        repr(result["value"]) if result["kind"] == "value" else _what(result)
        for result in results(outcome, "server", "recv")
    ]
    return {
        "send": _what(sends[0]) if sends else None,
        "then": _what(sends[1]) if len(sends) > 1 else None,
        "server_received": received,
    }


def label(outcome):
    given = answer(outcome)
    return "send {} · then {} · server got {}".format(
        given["send"], given["then"], ", ".join(str(item) for item in given["server_received"])
    )


def grade(outcome):
    given = answer(outcome)
    kind = outcome["variant"]["params"]["message"]
    valid = kind in ("bytearray", "memoryview", "text-fragments")
    if valid:
        if given["send"] != "ok":
            return "failed", "a valid message was refused: {}".format(given["send"])
        return "ok", label(outcome)
    if given["send"] == "TypeError" and given["then"] == "ok":
        return "ok", "TypeError at the call; the connection survived"
    if given["send"] == "TypeError":
        return "non-strict", "TypeError at the call, but the connection did not survive it"
    return "non-strict", "not a TypeError at the call: " + label(outcome)
