"""send-then-close: are messages sent right before a close delivered?

The server sends three messages and closes at once. The client reads either
right away or only after the closing handshake has completed. RFC 6455 §1.4
and the library docs say messages received before the close frame are
delivered by ``recv()`` before it raises ``ConnectionClosed``.
"""

from wsconform.api import (
    STATE_SNAPSHOTS,
    ResultKind,
    Scenario,
    Variant,
    exception_text,
    first_result,
    first_result_text,
    result_text,
    results,
    values,
)

MESSAGES = ("message 0", "message 1", "message 2")

#: Client waits this long before reading in the ``after-close`` variants,
#: long enough for the closing handshake to complete on loopback.
WAIT_BEFORE_READING = 0.3

SCENARIO = Scenario(
    id="send-then-close",
    question="Does the client receive every message the server sent just before closing?",
    variants=tuple(
        Variant(
            f"{close_name}-{read}",
            {"code": code, "reason": reason, "read": read},
            "server closes with {}{}; client reads {}".format(
                code, f' "{reason}"' if reason else "", read.replace("-", " ")
            ),
        )
        for close_name, code, reason in (("close-1000", 1000, ""), ("close-4001", 4001, "bye"))
        for read in ("right-away", "after-close")
    ),
    expectation=(
        "recv() returns the 3 messages in order, then raises ConnectionClosedOK "
        "carrying the server's close code and reason."
    ),
    # When the close frame arrives relative to each recv() is a race that
    # does not change what is delivered; the evidence keeps the states.
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://github.com/python-websockets/websockets/issues/1538",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    case_seconds=0.25,
)


async def server(side, variant):
    for message in MESSAGES:
        await side.send(message)
    await side.close(variant["code"], variant["reason"])


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    if variant["read"] == "after-close":
        await side.sleep(WAIT_BEFORE_READING)
    # Three messages, then the close; a few more tries expose a library that
    # keeps returning after the close.
    for _ in range(len(MESSAGES) + 2):
        if not (await side.recv()).ok:
            break


def received(outcome):
    """Messages the client's recv() calls returned, in order."""
    return values(outcome, "client", "recv")


def final_recv(outcome):
    """The result of the client's last recv(): what ended its loop."""
    found = results(outcome, "client", "recv")
    return found[-1] if found else None


def label(outcome):
    result = final_recv(outcome)
    messages = received(outcome)
    if result is None:
        connect = first_result(outcome, "client", "connect")
        return "connect failed" if connect and connect["kind"] != ResultKind.VALUE else "no recv"
    ending = exception_text(result["exception"]) if result["kind"] == ResultKind.EXCEPTION else result["kind"]
    return f"{len(messages)}/3 msgs, {ending}"


def grade(outcome):
    messages = received(outcome)
    result = final_recv(outcome)
    if messages != list(MESSAGES):
        return "failed", f"received {len(messages)} of 3 messages"
    if result is None or result["kind"] != ResultKind.EXCEPTION:
        return "failed", "recv() did not raise after the close"
    mro = result["exception"]["mro"]
    if not any(name.endswith(".ConnectionClosed") for name in mro):
        return "failed", "recv() raised {}, not ConnectionClosed".format(result["exception"]["class"])
    if not any(name.endswith(".ConnectionClosedOK") for name in mro):
        return "non-strict", "all messages, but {}".format(result["exception"]["class"])
    return "ok", "all messages, then ConnectionClosedOK"


def answer(outcome):
    """The messages received, in order, and what ended the loop."""
    result = final_recv(outcome)
    return {
        "connect": first_result_text(outcome, "client", "connect"),
        "received": received(outcome),
        "ended_by": None if result is None else result_text(result),
    }
