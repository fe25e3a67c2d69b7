"""server-shutdown: the server is shut down while a client is connected —
what does each side see, and is the port closed to new connections?

The handler sends a message, then starts shutting down the server it runs in
the way an application's main code does on a signal (``server.close()``
for asyncio, ``shutdown()`` for the threading server, ``aclose()`` for trio,
each without waiting for the handlers, this one included), then calls
``recv()``. The client reads the message, calls ``recv()`` again, then
tries to connect once more.

Where the shutdown leaves the connection open, both ``recv()`` calls wait
for a step guard (the library has no timeout there). The client starts its
second ``recv()`` a second after the handler's, so the handler's guard ends
first and the library closes the connection as the handler returns: the
client sees that close, not a race between two guards of the same length.
"""

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, first_result_text, result_text, results

GREETING = "before shutdown"
#: How much later than the handler the client starts its second recv().
HEAD_START = 1.0
#: The second connection's open timeout (where the release has one).
OPEN_TIMEOUT = 1.0

SCENARIO = Scenario(
    id="server-shutdown",
    question="When the server shuts down with a client connected, what do the client and the handler see, and "
    "are new connections refused?",
    variants=(Variant("with-client-connected", {}, "the handler shuts its server down mid-connection"),),
    expectation=(
        "Open connections are closed with 1001 (going away): the client's recv() raises ConnectionClosedOK 1001, "
        "the handler's recv() too; the listening socket is closed, so a new connection is refused."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/faq/server.html#how-do-i-stop-a-server",
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/server.html#websockets.asyncio.server.Server.close",
        "https://websockets.readthedocs.io/en/stable/reference/sync/server.html#websockets.sync.server.Server.shutdown",
    ),
    repetitions=3,
    # A release whose shutdown leaves the connection open (10.4 on Python
    # 3.12+, the threading server before 15.0) waits out two step guards.
    case_seconds=5.0,
)


async def server(side, variant):
    await side.send(GREETING)
    if (await side.shutdown_server()).unsupported:
        return
    await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    await side.recv()
    # Start waiting a little after the handler does, so that where the
    # connection stays open the handler's step guard ends first (the
    # library then closes with 1000 as the handler returns): one answer,
    # not a race between two guards of the same length.
    await side.sleep(HEAD_START)
    await side.recv()
    await side.connect(open_timeout=OPEN_TIMEOUT)


def answer(outcome):
    """What the client's second recv() gave, what the handler's recv() gave,
    and what a new connection got."""
    received = [result_text(result) for result in results(outcome, "client", "recv")]
    connects = [result_text(result) for result in results(outcome, "client", "connect")]
    return {
        "first": received[0] if received else None,
        "client_recv": received[1] if len(received) > 1 else None,
        "handler_recv": first_result_text(outcome, "server", "recv"),
        "shutdown": first_result_text(outcome, "server", "shutdown_server"),
        "new_connection": connects[1] if len(connects) > 1 else None,
    }


def label(outcome):
    given = answer(outcome)
    if given["shutdown"] not in (None, "None"):
        shutdown = "shutdown " + str(given["shutdown"]) + "; "
    else:
        shutdown = ""
    return "{}client recv {}; handler recv {}; new connection {}".format(
        shutdown, given["client_recv"], given["handler_recv"], given["new_connection"]
    )


def grade(outcome):
    given = answer(outcome)
    if given["shutdown"] == "unsupported":
        return "informational", "this implementation has no server object to shut down"
    closed = str(given["client_recv"] or "")
    refused = str(given["new_connection"] or "")
    if closed.startswith("ConnectionClosed") and closed.endswith(" 1001") and refused != "ok":
        return "ok", "the client saw 1001 (going away) and the port is closed"
    if refused == "ok":
        return "failed", "the server still accepts connections after shutting down"
    return "non-strict", "the connection did not end with 1001: " + label(outcome)
