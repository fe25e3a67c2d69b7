"""close-code-reason: does the other side get the close code and reason, and where?

Either side closes with 1000, 1001, 4001 "bye", or an empty close frame (no
status code). Then both sides call recv(). Each exception is recorded with
every accessor the version has: ``.rcvd`` / ``.sent`` (10.0+), the deprecated
``.code`` / ``.reason`` (with the warning reading them emits); then each side
inspects its connection's ``close_code`` / ``close_reason`` /
``protocol.close_code``, once the connection is closed.
"""

from wsconform.api import (
    STATE_SNAPSHOTS,
    Scenario,
    Variant,
    attribute,
    exception_text,
    first_exception,
    is_subclass,
    received_close,
    short_class,
    values,
)

CLOSES = (
    ("1000", 1000, ""),
    ("1001", 1001, ""),
    ("4001-bye", 4001, "bye"),
    ("empty", None, ""),
)

SCENARIO = Scenario(
    id="close-code-reason",
    question="Does the other side receive the close code and reason, through which accessors, as which exception?",
    variants=tuple(
        Variant(
            f"{closer}-closes-{name}",
            {"closer": closer, "code": code, "reason": reason},
            "{} closes with {}".format(closer, "an empty close frame" if code is None else code),
        )
        for closer in ("server", "client")
        for name, code, reason in CLOSES
    ),
    expectation=(
        "RFC 6455 §7.1.5: the peer's recv() raises with the received code (1005 for an "
        "empty close frame) and reason; ConnectionClosedOK for 1000/1001 (and 1005), "
        "ConnectionClosedError otherwise (websockets docs)."
    ),
    links=(
        "https://github.com/python-websockets/websockets/issues/1548",
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html#websockets.exceptions.ConnectionClosed",
    ),
    # In-flight snapshots race with the close frame; the inspect step records
    # the accessors once the connection is closed, deterministically.
    incidental=STATE_SNAPSHOTS,
)


async def server(side, variant):
    if variant["closer"] == "server":
        await side.close(variant["code"], variant["reason"])
    await side.recv()
    await side.inspect()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    if variant["closer"] == "client":
        await side.close(variant["code"], variant["reason"])
    await side.recv()
    await side.inspect()


def _side(outcome, role):
    exception = first_exception(outcome, role, "recv")
    if exception is None:
        return "no exception"
    return exception_text(exception)


def label(outcome):
    return "client: {} · server: {}".format(_side(outcome, "client"), _side(outcome, "server"))


def grade(outcome):
    params = outcome["variant"]["params"]
    receiver = "client" if params["closer"] == "server" else "server"
    exception = first_exception(outcome, receiver, "recv")
    expected = 1005 if params["code"] is None else params["code"]
    if exception is None:
        return "failed", f"the {receiver}'s recv() did not raise"
    if received_close(exception) != expected:
        return "failed", f"the {receiver} received {received_close(exception)}, not {expected}"
    closed_ok = expected in (1000, 1001, 1005)
    if closed_ok != is_subclass(exception, "websockets.exceptions.ConnectionClosedOK"):
        return "non-strict", "code delivered, but as {}".format(short_class(exception["class"]))
    return "ok", "code {} delivered as {}".format(expected, short_class(exception["class"]))


def received_reason(exception):
    """The close reason this side received (``.rcvd.reason``, else the deprecated ``.reason``)."""
    rcvd = attribute(exception, "rcvd")
    if isinstance(rcvd, dict):
        return rcvd.get("reason")
    return attribute(exception, "reason")


def _side_answer(outcome, role):
    exception = first_exception(outcome, role, "recv")
    inspected = values(outcome, role, "inspect")
    state = inspected[0] if inspected and isinstance(inspected[0], dict) else {}
    return {
        "exception": None if exception is None else exception_text(exception),
        "reason": None if exception is None else received_reason(exception),
        "close_code": state.get("close_code"),
        "close_reason": state.get("close_reason"),
    }


def answer(outcome):
    """For each side: the exception, the code and reason it received, and
    what its connection's close accessors say once closed."""
    return {"client": _side_answer(outcome, "client"), "server": _side_answer(outcome, "server")}
