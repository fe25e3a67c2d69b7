"""abort: what does the other side see when one side fails the connection?

One side fails the connection through what its version offers: legacy
``fail_connection()``, the new implementations' ``protocol.fail()`` inside
``send_context()``, or an abort of the transport. The other side calls
recv(). An implementation without the method records ``unsupported`` (and
then closes normally so that the other side is not left waiting).
"""

from wsconform.api import STATE_SNAPSHOTS, ResultKind, Scenario, Variant, exception_text, first_exception, steps

METHODS = ("fail_connection", "protocol-fail", "transport-abort")

SCENARIO = Scenario(
    id="abort",
    question="When one side fails the connection, what does the other side observe?",
    variants=tuple(
        Variant(
            f"{aborter}-{method}",
            {"aborter": aborter, "method": method},
            f"the {aborter} fails the connection with {method}",
        )
        for aborter in ("server", "client")
        for method in METHODS
    ),
    expectation=(
        "Informational: fail_connection / protocol.fail(1011) send a close frame "
        "(the peer sees 1011); a transport abort sends none (the peer sees 1006)."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://github.com/python-websockets/websockets/issues/1548",
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
    ),
)


async def _abort(side, variant):
    step = await side.abort(variant["method"])
    if step.unsupported:
        await side.close(1000, "")
    else:
        await side.recv()


async def server(side, variant):
    if variant["aborter"] == "server":
        await _abort(side, variant)
    else:
        await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    if variant["aborter"] == "client":
        await _abort(side, variant)
    else:
        await side.recv()


def label(outcome):
    aborter = outcome["variant"]["params"]["aborter"]
    other = "client" if aborter == "server" else "server"
    abort = steps(outcome, aborter, "abort")
    if abort and abort[0]["result"]["kind"] == ResultKind.UNSUPPORTED:
        return "unsupported"
    exception = first_exception(outcome, other, "recv")
    if exception is None:
        return f"{other} saw no exception"
    return f"{other} sees {exception_text(exception)}"


def grade(outcome):
    return "informational", label(outcome)


def answer(outcome):
    """Whether the abort could be expressed, and what the other side saw."""
    aborter = outcome["variant"]["params"]["aborter"]
    other = "client" if aborter == "server" else "server"
    abort = steps(outcome, aborter, "abort")
    exception = first_exception(outcome, other, "recv")
    return {
        "abort": abort[0]["result"]["kind"] if abort else None,
        "other_saw": None if exception is None else exception_text(exception),
    }
