"""keepalive: what happens when a peer stops answering pings?

One side sends pings every 0.3 s with a 0.3 s timeout; the other stops
reading from the network (so it answers nothing) and sleeps 1.5 s. The
pinging side calls recv(): does it notice, with which close code, and when?
"""

from wsconform.api import STATE_SNAPSHOTS, ResultKind, Scenario, Variant, close_code, result_text, steps

PING = 0.3

SCENARIO = Scenario(
    id="keepalive",
    question="When the other side stops answering pings, what does the pinging side see, and when?",
    variants=(
        Variant("server-stops-answering", {"silent": "server"}, "client pings; server stops reading"),
        Variant("client-stops-answering", {"silent": "client"}, "server pings; client stops reading"),
    ),
    expectation=(
        "The pinging side closes the connection with 1011 (keepalive ping timeout) "
        "about ping_interval + ping_timeout after the peer fell silent."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/topics/keepalive.html",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    case_seconds=1.6,
    # Every case waits out the keepalive (1.6 s): the costliest scenario of
    # the default matrix at 10 repetitions. None of its 72 reference cells
    # varied over 10 runs each (2026-11-26); a cell that varies still runs
    # up to --max-repeat times.
    repetitions=3,
)


def server_options(variant):
    return {"ping_interval": PING, "ping_timeout": PING} if variant["silent"] == "client" else {}


async def _go_silent(side):
    if (await side.stop_reading()).unsupported:
        await side.close(1000, "")
        return
    await side.sleep(1.5)
    # Reading is paused, so a closing handshake would wait close_timeout:
    # end the connection at once; the observation window is over.
    await side.abort("transport-abort")


async def server(side, variant):
    if variant["silent"] == "server":
        await _go_silent(side)
    else:
        await side.recv()


async def client(side, variant):
    options = {"ping_interval": PING, "ping_timeout": PING} if variant["silent"] == "server" else {}
    if not (await side.connect(**options)).ok:
        return
    if variant["silent"] == "client":
        await _go_silent(side)
    else:
        await side.recv()


#: The duration bucket of "ping_interval + ping_timeout after the peer fell silent".
IN_TIME = "0.5-2s"


def pinger(outcome):
    return "client" if outcome["variant"]["params"]["silent"] == "server" else "server"


def first_recv(outcome):
    """The pinging side's recv() step: what it saw, and when."""
    recv = steps(outcome, pinger(outcome), "recv")
    return recv[0] if recv else None


def label(outcome):
    recv = first_recv(outcome)
    if recv is None:
        return "no recv"
    return "{} recv: {} after {}".format(pinger(outcome), result_text(recv["result"]), recv.get("duration", "?"))


def grade(outcome):
    recv = first_recv(outcome)
    result = recv["result"] if recv is not None else {"kind": None}
    if result["kind"] == ResultKind.GUARD_TIMEOUT:
        return "failed", "the pinging side did not notice within 5 s"
    exception = result["exception"] if result["kind"] == ResultKind.EXCEPTION else None
    if close_code(exception) == 1011 and recv.get("duration") == IN_TIME:
        return "ok", label(outcome)
    return "non-strict", label(outcome)


def answer(outcome):
    """What the pinging side's recv() raised, and when."""
    recv = first_recv(outcome)
    return {
        "pinger": pinger(outcome),
        "recv": None if recv is None else result_text(recv["result"]),
        "after": None if recv is None else recv.get("duration"),
    }
