"""handler-signature: does a handler written ``(ws, path)`` or ``(ws)`` still work?

The server's connection handler is declared with exactly one signature; the
server then sends "hello" and closes with 1000. Versions differ: legacy
before 10.1 calls ``handler(ws, path)``; 10.1+ accepts both (with a warning
for the two-argument form from 13.0); the new implementations call
``handler(ws)``.
"""

from wsconform.api import STATE_SNAPSHOTS, ResultKind, Scenario, Variant, result_text, steps

SCENARIO = Scenario(
    id="handler-signature",
    question="Does a connection handler declared (ws, path) or (ws) still run?",
    variants=(
        Variant("handler-ws", {"signature": "connection"}, "async def handler(websocket)"),
        Variant("handler-ws-path", {"signature": "connection-path"}, "async def handler(websocket, path)"),
    ),
    expectation=(
        "Informational: a handler the server cannot call should fail visibly "
        "(an error logged, close code 1011), not hang."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/project/changelog.html#id22",
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
    ),
)


def server_options(variant):
    return {"handler_signature": variant["signature"]}


async def server(side, variant):
    await side.send("hello")
    await side.close(1000, "")


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    for _ in range(3):
        if not (await side.recv()).ok:
            break


def label(outcome):
    connect = steps(outcome, "client", "connect")
    if connect and connect[0]["result"]["kind"] != ResultKind.VALUE:
        return "connect: " + result_text(connect[0]["result"])
    return " → ".join(result_text(step["result"]) for step in steps(outcome, "client", "recv"))


def grade(outcome):
    recvs = steps(outcome, "client", "recv")
    if recvs and recvs[0]["result"]["kind"] == ResultKind.VALUE:
        return "ok", "the handler ran"
    return "informational", "the handler did not run: " + label(outcome)


def answer(outcome):
    """What connect() and each recv() returned or raised."""
    return {
        "connect": result_text(steps(outcome, "client", "connect")[0]["result"])
        if steps(outcome, "client", "connect")
        else None,
        "recv": [result_text(step["result"]) for step in steps(outcome, "client", "recv")],
    }
