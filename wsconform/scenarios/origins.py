"""origins: a server that accepts only listed ``Origin`` headers, and
clients that send an allowed origin, another one, or none.

The server passes ``origins=[ALLOWED]`` to ``serve()`` (or a compiled
regular expression, which 14.2 accepts); the client passes
``origin=`` to ``connect()`` (or nothing, as non-browser clients do).
Browsers always send ``Origin``; other clients usually do not, so whether a
server with an origins list refuses a request without one decides whether
scripts and health checks still get through.
"""

import re

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, connect_answer

ALLOWED = "https://allowed.example"
#: A pattern ``origins`` may hold from 14.2 (matched in full).
PATTERN = r"https://[a-z]+\.example"
OTHER = "https://attacker.example"
GREETING = "welcome"

SCENARIO = Scenario(
    id="origins",
    question="With an origins list, which clients does the server accept: an allowed Origin, another, none?",
    variants=(
        Variant("allowed", {"origin": ALLOWED}, "the client sends the allowed Origin"),
        Variant("other", {"origin": OTHER}, "the client sends another Origin"),
        Variant("none", {"origin": None}, "the client sends no Origin (as non-browser clients do)"),
        Variant(
            "pattern",
            {"origin": ALLOWED, "pattern": True},
            "the server's list holds a regular expression (14.2+) that the Origin matches",
        ),
    ),
    expectation=(
        "RFC 6455 10.2: an Origin not in the list gets 403; a request without Origin is refused too unless "
        "None is in the list."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://www.rfc-editor.org/rfc/rfc6455#section-10.2",
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/server.html#websockets.asyncio.server.serve",
    ),
    repetitions=3,
)


def server_options(variant):
    if variant.get("pattern"):
        return {"origins": [re.compile(PATTERN)]}
    return {"origins": [ALLOWED]}


async def server(side, variant):
    await side.send(GREETING)
    await side.recv()  # until the client closes: closing first would race the greeting


async def client(side, variant):
    origin = variant["origin"]
    step = await side.connect(origin=origin) if origin is not None else await side.connect()
    if step.ok:
        await side.recv()
        await side.close(1000, "")


def answer(outcome):
    """What connect() got, with the status of a refused handshake, and the first message."""
    return connect_answer(outcome)


def label(outcome):
    given = answer(outcome)
    text = "connect {}".format(given["connect"])
    if "status" in given:
        text += " {}".format(given["status"])
    if given.get("received"):
        text += ", recv " + given["received"]
    return text


def grade(outcome):
    given = answer(outcome)
    name = outcome["variant"]["name"]
    if name in ("allowed", "pattern"):
        if given["connect"] == "ok":
            return "ok", "the allowed origin is accepted"
        if name == "pattern":
            return "informational", "this release's origins list takes no regular expressions: " + label(outcome)
        return "failed", "the allowed origin was refused: " + label(outcome)
    if given["connect"] == "ok":
        return "failed", "a request with {} was accepted".format("another origin" if name == "other" else "no origin")
    if given.get("status") == 403:
        return "ok", "403 Forbidden"
    return "non-strict", "refused without a 403: " + label(outcome)
