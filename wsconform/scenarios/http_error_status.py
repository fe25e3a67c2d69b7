"""http-error-status: how does a client see a server that rejects the handshake?

A real peer's server rejects the opening handshake in ``process_request``
with 403 or 503. The client's exception is recorded with how its status
code is reached: ``InvalidStatusCode.status_code`` (up to 13.x legacy) or
``InvalidStatus.response.status_code`` (new implementations).
"""

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, first_exception, is_subclass, short_class, status_accessor

SCENARIO = Scenario(
    id="http-error-status",
    question="Which exception does a rejected handshake raise, and where is the status code?",
    variants=(
        Variant("403", {"status": 403}, "process_request answers 403 Forbidden"),
        Variant("503", {"status": 503}, "process_request answers 503 Service Unavailable"),
    ),
    expectation="An InvalidHandshake subclass carrying the status code (websockets docs).",
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html#websockets.exceptions.InvalidStatus",
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
    ),
)


def server_options(variant):
    return {"reject_status": variant["status"]}


async def server(side, variant):
    await side.send("the handshake should have been rejected")


async def client(side, variant):
    await side.connect()


def label(outcome):
    exception = first_exception(outcome, "client", "connect")
    if exception is None:
        return "connected"
    accessor, status = status_accessor(exception)
    if accessor is None:
        return short_class(exception["class"]) + " (no status code)"
    return "{} {}={}".format(short_class(exception["class"]), accessor, status)


def grade(outcome):
    exception = first_exception(outcome, "client", "connect")
    status = outcome["variant"]["params"]["status"]
    if exception is None:
        return "failed", "the handshake succeeded"
    if not is_subclass(exception, "websockets.exceptions.InvalidHandshake"):
        return "failed", "{} is not an InvalidHandshake".format(short_class(exception["class"]))
    if status_accessor(exception)[1] != status:
        return "non-strict", "the status code is not reachable on the exception"
    return "ok", label(outcome)


def answer(outcome):
    """The exception, and where and what its status code is."""
    exception = first_exception(outcome, "client", "connect")
    if exception is None:
        return {"exception": None, "accessor": None, "status": None}
    accessor, status = status_accessor(exception)
    return {"exception": short_class(exception["class"]), "accessor": accessor, "status": status}
