"""ping: an application pings to measure latency, as the docs show — what
does ``ping()`` hand back, and what does waiting for the pong give?

No verb says this: the client makes the library calls itself, inside one
recorded step (``side.call``, the scenario language's escape hatch), the
way an application writes them for its implementation — ``pong_waiter =
await websocket.ping(); latency = await pong_waiter`` (asyncio), ``event =
websocket.ping(); event.wait()`` (threading), ``event = await
websocket.ping(); await event.wait()`` (trio). The step's value gives the
*types* of what came back (the latency itself is a timing, never an
answer), and whether the connection exposes ``latency``.
"""

import inspect

from wsconform.api import STATE_SNAPSHOTS, ResultKind, Scenario, Variant, first_result, result_text

#: How long the threading client waits for its pong.
PONG_WAIT = 5.0

SCENARIO = Scenario(
    id="ping",
    question="What does ping() hand back, what does waiting for the pong give, and is there a latency attribute?",
    variants=(Variant("measure-latency", {}, "ping, then wait for the pong, as an application measures latency"),),
    expectation=(
        "ping() returns something to wait on; the pong arrives. Since 10.0 the asyncio implementations give the "
        "latency in seconds when the pong arrives, and connections have a latency attribute."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/common.html#websockets.asyncio.connection.Connection.ping",
        "https://websockets.readthedocs.io/en/stable/topics/keepalive.html",
    ),
    repetitions=3,
)


def _type(value):
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


async def ping_and_wait(connection):
    """The application's code: ping, wait for the pong, read the latency."""
    returned = connection.ping()
    if inspect.isawaitable(returned):  # the asyncio implementations: ping() is a coroutine
        returned = await returned
    given = {"ping_returns": _type(returned)}
    if inspect.isawaitable(returned):  # a future that resolves on the pong
        given["pong_gives"] = _type(await returned)
    elif inspect.iscoroutinefunction(getattr(returned, "wait", None)):  # trio.Event
        given["pong_gives"] = _type(await returned.wait())
    elif hasattr(returned, "wait"):  # threading.Event
        given["pong_gives"] = _type(returned.wait(PONG_WAIT))
    given["latency"] = _type(connection.latency) if hasattr(connection, "latency") else "absent"
    return given


async def server(side, variant):
    await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    await side.call(ping_and_wait)
    await side.close(1000, "")


def answer(outcome):
    """The types ping() and the pong gave (or what the call raised)."""
    result = first_result(outcome, "client", "call")
    if result is None:
        return None
    if result["kind"] == ResultKind.VALUE:
        return result["value"]
    return {"raised": result_text(result)}


def label(outcome):
    given = answer(outcome)
    if given is None:
        return "no ping"
    if "raised" in given:
        return "ping raised " + given["raised"]
    short = {key: str(value).rsplit(".", 1)[-1] for key, value in given.items()}
    return "ping() → {}, pong → {}, latency: {}".format(
        short.get("ping_returns"), short.get("pong_gives", "?"), short.get("latency")
    )


def grade(outcome):
    given = answer(outcome)
    if given is None or "raised" in given:
        return "failed", "the ping did not complete: " + label(outcome)
    if given.get("pong_gives") == "builtins.bool" and given["latency"] == "absent":
        return "informational", "the pong arrived; no latency is measured"
    return "ok", "the pong arrived"
