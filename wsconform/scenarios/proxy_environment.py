"""proxy-environment: does connect() go through the proxy the environment names?

The client sets ``http_proxy`` to a CONNECT proxy the harness runs for the
case (:class:`wsconform.peer.raw.TunnelProxy`, which records every request line
and relays bytes to the real server), then calls ``connect()`` with no proxy
argument and receives one message. A second variant also sets ``no_proxy``
to the server's address, which should bypass the proxy. Releases before 15.0
have no proxy support and connect directly; 15.0 and later honour the
environment by default (``proxy=True``).

The agent running the client runs one case at a time, so changing its
environment for the case affects no other case; it is restored afterwards.
"""

import os

from wsconform.api import SAME_SERVERS, STATE_SNAPSHOTS, ResultKind, Scenario, TunnelProxy, Variant, first_result, steps

#: Proxy variables cleared for the case, so that the machine's own settings do not leak in.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "ws_proxy", "wss_proxy", "all_proxy", "socks_proxy", "no_proxy")

SCENARIO = Scenario(
    id="proxy-environment",
    question="Does connect() honour the proxy named by the http_proxy environment variable?",
    servers=SAME_SERVERS,
    variants=(
        Variant("http_proxy", {"no_proxy": False}, "http_proxy names a CONNECT proxy"),
        Variant("http_proxy-and-no_proxy", {"no_proxy": True}, "the same, with no_proxy=127.0.0.1"),
    ),
    expectation="From 15.0, connect() uses the proxy from the environment unless no_proxy excludes the host.",
    links=("https://websockets.readthedocs.io/en/stable/topics/proxies.html",),
    incidental=STATE_SNAPSHOTS,
)


async def server(side, variant):
    await side.send("through")
    await side.recv()


async def client(side, variant):
    saved = {name: os.environ.get(name) for name in PROXY_VARIABLES + tuple(n.upper() for n in PROXY_VARIABLES)}
    with TunnelProxy() as proxy:
        for name in saved:
            os.environ.pop(name, None)
        os.environ["http_proxy"] = f"http://127.0.0.1:{proxy.port}"
        if variant["no_proxy"]:
            os.environ["no_proxy"] = "127.0.0.1"
        try:
            connected = await side.connect()
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None)
                if value is not None:
                    os.environ[name] = value
        if connected.ok:
            await side.recv()
            await side.close(1000, "")
        side.recorder.event("proxy-requests", requests=[_generic(line) for line in proxy.requests])


def _generic(line):
    """``CONNECT 127.0.0.1:<port> HTTP/1.1``: the case's port is not behaviour."""
    parts = line.split(" ")
    if len(parts) == 3 and parts[1].startswith("127.0.0.1:"):
        parts[1] = "127.0.0.1:<port>"
    return " ".join(parts)


def proxy_requests(outcome):
    for event in (outcome.get("client") or {}).get("events", []):
        if event.get("name") == "proxy-requests":
            return event.get("requests", [])
    return []


def label(outcome):
    result = first_result(outcome, "client", "connect")
    via = "through the proxy" if proxy_requests(outcome) else "directly"
    if result is None or result["kind"] != ResultKind.VALUE:
        return f"connect failed ({via})"
    received = [s for s in steps(outcome, "client", "recv") if s["result"]["kind"] == ResultKind.VALUE]
    return "connected {}{}".format(via, "" if received else ", no message")


def grade(outcome):
    return "informational", label(outcome)


def answer(outcome):
    """Whether the connection went through the proxy, with which request, and whether it worked."""
    result = first_result(outcome, "client", "connect")
    return {
        "proxy_requests": proxy_requests(outcome),
        "connected": result is not None and result["kind"] == ResultKind.VALUE,
    }
