"""reconnection: ``async for websocket in connect(...)`` against a server
that is not there, fails, or refuses — does the loop retry or raise?

Automatic reconnection (``async for`` over ``connect()``) came with 10.0 in
the legacy implementation, which retries on every exception; the new
implementations (13.0+ asyncio, 17.0+ trio) ask ``process_exception``, which
retries network errors and 5xx answers and raises everything else (a 403
stops the loop). The client iterates against fault servers for a window of
:data:`WINDOW` seconds: long enough for the library's first decision, which
it takes at once (and logs at INFO, with a random delay, masked by the step).
The retry loop itself has no end, so the window is the question ("within so
long, did it give up?"), not a timeout the library owns. How many attempts
fit in the window depends on the random delay, so the answer is *retrying*
or *raised*, never a count.

Releases before 10.0 cannot be iterated: the observation is their TypeError.
The threading implementation's ``reconnect()`` (16.0+) blocks its thread
between attempts and cannot be bounded from outside: unsupported here.
"""

from typing import Any, Dict

from wsconform.api import FAULT_SERVERS, ResultKind, Scenario, Variant, first_result, short_class, steps

#: Seconds the client iterates before the harness stops asking.
WINDOW = 1.5

#: Failures a reconnecting client should ride out, and one it should not.
TRANSIENT = ("refused", "accept-close", "http-503")

SCENARIO = Scenario(
    id="reconnection",
    question="Does `async for websocket in connect(...)` retry or raise when the server is down, fails, or refuses?",
    servers=FAULT_SERVERS,
    variants=(
        Variant("refused", {"fault": "refused"}, "nothing listens on the port", case_seconds=WINDOW),
        Variant("accept-close", {"fault": "accept-close"}, "TCP accepted, then closed at once", case_seconds=WINDOW),
        Variant("http-503", {"fault": "http-503"}, "answers HTTP/1.1 503 Service Unavailable", case_seconds=WINDOW),
        Variant("http-403", {"fault": "http-403"}, "answers HTTP/1.1 403 Forbidden", case_seconds=WINDOW),
    ),
    expectation=(
        "Network errors and 5xx answers are retried (the retry logged at INFO); a 403 is fatal for the new "
        "implementations' process_exception and raised as InvalidStatus, while the legacy loop retries every error."
    ),
    incidental=("state_before", "state_after", "delays"),
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/client.html#websockets.asyncio.client.connect",
        "https://websockets.readthedocs.io/en/stable/reference/variables.html",
        "https://github.com/python-websockets/websockets/issues/1480",
        "https://github.com/python-websockets/websockets/issues/1633",
    ),
    repetitions=3,
    case_seconds=WINDOW,
)


async def client(side, variant):
    await side.reconnect(WINDOW)


def _retries_logged(outcome):
    """The retry decisions the client logged (delays masked)."""
    found = []
    for step in steps(outcome, "client", "reconnect"):
        for entry in step.get("logged", []):
            if "<delay>" in entry.get("message", ""):
                found.append("{}: {}".format(entry.get("level"), entry["message"].split(":", 1)[0]))
    return found


def answer(outcome):
    """How the loop ended within the window (``retrying``, ``connected``,
    or the exception it raised) and whether it logged a retry."""
    result = first_result(outcome, "client", "reconnect")
    given: Dict[str, Any] = {"retried": bool(_retries_logged(outcome))}
    if result is None:
        given["ended"] = "no step"
    elif result["kind"] == ResultKind.VALUE:
        given["ended"] = result["value"].get("ended")
    elif result["kind"] == ResultKind.EXCEPTION:
        exception = result["exception"]
        given["ended"] = "raised"
        given["exception"] = short_class(exception["class"])
        cause = exception.get("cause")
        if cause:
            given["cause"] = short_class(cause["class"])
    else:
        given["ended"] = result["kind"]
    return given


def label(outcome):
    given = answer(outcome)
    if given["ended"] == "raised":
        text = "raised " + given["exception"] + (" ← " + given["cause"] if given.get("cause") else "")
    else:
        text = str(given["ended"])
    retries = _retries_logged(outcome)
    if retries:  # the first decision only: how many more fit in the window is chance
        text += " (" + retries[0] + ")"
    return text


def grade(outcome):
    given = answer(outcome)
    fault = outcome["variant"]["params"]["fault"]
    if given["ended"] in (ResultKind.UNSUPPORTED, "no step"):
        return "informational", "this implementation cannot be iterated under a bound"
    if given["ended"] == "raised" and given["exception"] == "TypeError":
        return "informational", "this release has no automatic reconnection"
    if fault in TRANSIENT:
        if given["ended"] == "retrying" and given["retried"]:
            return "ok", "a transient failure is retried"
        return "informational", "a transient failure ended the loop: " + label(outcome)
    if given["ended"] == "raised":
        return "ok", "a refusal is not retried"
    return "informational", "a refusal is retried: " + label(outcome)
