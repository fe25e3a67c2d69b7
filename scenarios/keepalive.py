"""keepalive: what happens when a peer stops answering pings?

One side sends pings every 0.3 s with a 0.3 s timeout; the other stops
reading from the network (so it answers nothing) and sleeps 1.5 s. The
pinging side calls recv(): does it notice, with which close code, and when?
"""

from harness.peer.labels import result_text, steps
from harness.peer.scenario import Scenario, Variant

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
    # When frames arrive relative to each state snapshot is a race that this
    # question does not ask about; the evidence keeps the states.
    incidental=("state_before", "state_after"),
    links=(
        "https://websockets.readthedocs.io/en/stable/topics/keepalive.html",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
)


def server_options(variant):
    return {"ping_interval": PING, "ping_timeout": PING} if variant["silent"] == "client" else {}


async def _go_silent(side):
    if (await side.stop_reading()).kind == "unsupported":
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
    if (await side.connect(**options)).raised:
        return
    if variant["silent"] == "client":
        await _go_silent(side)
    else:
        await side.recv()


def label(outcome):
    pinger = "client" if outcome["variant"]["params"]["silent"] == "server" else "server"
    recv = steps(outcome, pinger, "recv")
    if not recv:
        return "no recv"
    return "{} recv: {} after {}".format(pinger, result_text(recv[0]["result"]), recv[0].get("duration", "?"))


def grade(outcome):
    text = label(outcome)
    if "1011" in text and "0.5-2s" in text:  # sent or received 1011, in time
        return "ok", text
    if "guard-timeout" in text:
        return "failed", "the pinging side did not notice within 5 s"
    return "non-strict", text
