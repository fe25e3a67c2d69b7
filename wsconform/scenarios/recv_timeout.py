"""recv-timeout: ``recv(timeout=0)`` and a short timeout, as code written
for the threading implementation polls — is a message already received
returned, and does the connection survive a timeout?

Only the threading implementation's ``recv()`` takes a timeout. The client
first asks its connection whether ``recv()`` takes one (a direct call, the
escape hatch): where it does not, the case ends there (the application
would wrap ``recv()`` in ``asyncio.wait_for``), at no cost.

With nothing waiting, the server sends only when the client asks (after its
``recv(timeout=0)``), so the answer never depends on timing.
"""

import inspect

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, result_text, results

#: How long the client lets the server's message arrive before polling.
SETTLE = 0.5
#: What the client sends to ask for the message when nothing is waiting.
ASK = "send now"
#: How long the second, patient recv() waits.
PATIENT = 3.0

SCENARIO = Scenario(
    id="recv-timeout",
    question="Does recv(timeout=0) return a message already received, and does a timed-out recv() leave the "
    "connection usable?",
    variants=(
        Variant("zero-message-waiting", {"waiting": True}, "recv(timeout=0) after the message arrived"),
        Variant("zero-nothing-waiting", {"waiting": False}, "recv(timeout=0) before any message, then recv(timeout=3)"),
    ),
    expectation=(
        "recv(timeout=0) returns a message already received and raises TimeoutError when there is none; the "
        "connection stays usable after a timeout (14.0 and 14.1 raised TimeoutError with a message waiting; 14.2 "
        "fixed it)."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/sync/common.html#websockets.sync.connection.Connection.recv",
        "https://github.com/python-websockets/websockets/pull/1573",
    ),
    repetitions=3,
    case_seconds=SETTLE,
)


def recv_takes_a_timeout(connection):
    """Whether this connection's ``recv()`` has a ``timeout`` parameter."""
    return "timeout" in inspect.signature(connection.recv).parameters


async def server(side, variant):
    if not variant["waiting"]:
        if not (await side.recv()).ok:  # the client's request, or its close
            return
    await side.send("ready")
    await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    if not (await side.call(recv_takes_a_timeout)).value:
        await side.close(1000, "")
        return
    if variant["waiting"]:
        await side.sleep(SETTLE)
    first = await side.recv(timeout=0)
    if not variant["waiting"]:
        await side.send(ASK)
    if not first.ok:
        await side.recv(timeout=PATIENT)
    await side.close(1000, "")


def answer(outcome):
    """What each recv() gave, in order (none where recv() takes no timeout)."""
    probe = results(outcome, "client", "call")
    if probe and probe[0].get("kind") == "value" and probe[0].get("value") is False:
        return {"recv": ["unsupported"]}
    return {"recv": [result_text(result) for result in results(outcome, "client", "recv")]}


def label(outcome):
    return "recv → " + ", then ".join(answer(outcome)["recv"]) if answer(outcome)["recv"] else "no recv"


def grade(outcome):
    received = answer(outcome)["recv"]
    if not received:
        return "failed", "no recv() was made"
    if received[0] == "unsupported":
        return "informational", "recv() takes no timeout in this implementation"
    if outcome["variant"]["params"]["waiting"]:
        if received[0] == "'ready'":
            return "ok", "the message already received is returned"
        return "non-strict", "recv(timeout=0) did not return the message already received: " + label(outcome)
    if received[0].startswith("TimeoutError") and received[-1] == "'ready'":
        return "ok", "TimeoutError, and the connection stayed usable"
    return "non-strict", label(outcome)
