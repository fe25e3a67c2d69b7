"""send-after-remote-close: when does send() notice the server closed?

The server closes right after the handshake. The client sends five messages
back to back without yielding (right after connect, after one event-loop
yield, or after a short delay), then calls recv(). The record shows which
send raised first and the connection state before each send.
"""

from wsconform.api import ResultKind, Scenario, Variant, first_result, first_result_text, short_class, steps

SENDS = 5

SCENARIO = Scenario(
    id="send-after-remote-close",
    question="After the server closed, which send() raises first, and what does state say meanwhile?",
    variants=(
        Variant("right-after-connect", {"wait": "none"}, "send at once after connect returns"),
        Variant("after-one-yield", {"wait": "yield"}, "yield to the event loop once, then send"),
        Variant("after-delay", {"wait": "delay", "seconds": 0.1}, "sleep 0.1 s, then send"),
    ),
    expectation=(
        "Informational: RFC 6455 lets a library discard sends after it received a "
        "close frame; users expect send() to raise ConnectionClosed once the "
        "library knows the connection is closing."
    ),
    # The state before each send is the question; the states right after each
    # step multiply the race's combinations without answering anything more.
    incidental=("state_after",),
    links=(
        "https://github.com/python-websockets/websockets/issues/1537",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html#id11",
    ),
)


async def server(side, variant):
    await side.close(1000, "")


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    if variant["wait"] == "yield":
        await side.pause()
    elif variant["wait"] == "delay":
        await side.sleep(variant["seconds"])
    for number in range(SENDS):
        await side.send(f"message {number}")
    await side.recv()


def sends(outcome):
    return steps(outcome, "client", "send")


def first_failing_send(outcome):
    """The number and record of the first send() that did not return, or (None, None)."""
    for number, step in enumerate(sends(outcome)):
        if step["result"]["kind"] != ResultKind.VALUE:
            return number, step
    return None, None


def label(outcome):
    connect = first_result(outcome, "client", "connect")
    if connect is None or connect["kind"] != ResultKind.VALUE:
        return "connect failed"
    number, step = first_failing_send(outcome)
    if step is None:
        return f"all {len(sends(outcome))} sends ok"
    result = step["result"]
    name = short_class(result["exception"]["class"]) if result["kind"] == ResultKind.EXCEPTION else result["kind"]
    state = (step.get("state_before") or {}).get("state", "?")
    return f"send #{number} raised {name} (state before: {state})"


def grade(outcome):
    return "informational", label(outcome)


def answer(outcome):
    """Which send() failed first, how, and the state it saw just before."""
    number, step = first_failing_send(outcome)
    result = step["result"] if step is not None else None
    return {
        "connect": first_result_text(outcome, "client", "connect"),
        "sends": len(sends(outcome)),
        "first_failing_send": number,
        "raised": None
        if result is None
        else (short_class(result["exception"]["class"]) if result["kind"] == ResultKind.EXCEPTION else result["kind"]),
        "state_before": None if step is None else (step.get("state_before") or {}).get("state"),
    }
