"""default-open-timeout: how long does connect() wait for a silent server when the user sets no timeout?

The client calls ``connect()`` with no ``open_timeout`` against a fault
server that accepts the TCP connection and never answers the handshake. A
release with a default opening timeout (10 s in recent releases) raises
after it; one without never returns on its own, and the harness stops it
after its step guard (the outcome says so: ``timeout_by: harness``).
"""

from wsconform.api import FAULT_SERVERS, STATE_SNAPSHOTS, ResultKind, Scenario, Variant, first_result, short_class

SCENARIO = Scenario(
    id="default-open-timeout",
    question="With no open_timeout, how long does connect() wait for a server that never answers?",
    servers=FAULT_SERVERS,
    variants=(Variant("silent-server", {"fault": "silent"}, "accepts, reads the request, never answers"),),
    expectation="connect() gives up on its own (TimeoutError) after its documented default open timeout.",
    links=("https://websockets.readthedocs.io/en/stable/reference/asyncio/client.html",),
    incidental=STATE_SNAPSHOTS,
    # A default timeout does not race, and each case waits it out (10 s).
    repetitions=2,
    case_seconds=12.0,
)


async def client(side, variant):
    await side.connect()


def connect_step(outcome):
    found = [step for step in outcome["client"]["steps"] if step["step"] == "connect"]
    return found[0] if found else None


def label(outcome):
    step = connect_step(outcome)
    if step is None:
        return "no connect"
    result = step["result"]
    after = step.get("duration", "?")
    if result["kind"] == ResultKind.EXCEPTION:
        return "{} after {}".format(short_class(result["exception"]["class"]), after)
    if result["kind"] == ResultKind.GUARD_TIMEOUT:
        return "no timeout of its own (stopped by the harness after {:g} s)".format(result.get("after", 0))
    return "{} after {}".format(result["kind"], after)


def grade(outcome):
    result = first_result(outcome, "client", "connect")
    if result is None or result["kind"] == ResultKind.VALUE:
        return "failed", "connect() succeeded against a silent server"
    if result["kind"] == ResultKind.GUARD_TIMEOUT:
        return "non-strict", "no default open timeout: connect() would wait forever"
    return "ok", "connect() gave up on its own"


def answer(outcome):
    """What ended connect(), after how long, and whose timeout it was."""
    step = connect_step(outcome)
    if step is None:
        return None
    result = step["result"]
    exception = result.get("exception", {}).get("class") if result["kind"] == ResultKind.EXCEPTION else None
    return {
        "kind": result["kind"],
        "exception": exception,
        "after": step.get("duration"),
        "library_open_timeout": step["args"].get("library_timeouts", {}).get("open"),
    }
