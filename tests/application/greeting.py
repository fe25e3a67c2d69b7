"""greeting: does our client helper get our handler's greeting?

The client peer runs ``chatapp.client.greet`` (written for 13.1: it passes
``extra_headers``) against the server peer, whose connection handler runs
``chatapp.server.handler`` (written for 13.1: it reads ``request_headers``).
Both are installed in every peer (``requirements = ["."]``); the
orchestrator, which loads this file too, has neither chatapp nor websockets,
so they are imported inside the scripts.
"""

from wsconform.api import Scenario, Variant, first_result, first_result_text

SCENARIO = Scenario(
    id="greeting",
    question="Does our client helper receive our handler's greeting?",
    variants=(Variant("alice", {"name": "alice"}, "the client says it is alice"),),
    expectation="The client receives 'hello alice'.",
)


async def server(side, variant):
    from chatapp.server import handler

    await side.call(handler)  # handler(connection), recorded as a step


async def client(side, variant):
    from chatapp.client import greet

    await side.run(greet, side.uri("/chat"), variant["name"])  # greet(uri, name), recorded as a step


def answer(outcome):
    """What the client helper returned or raised, and how the handler ended."""
    return {
        "client": first_result_text(outcome, "client", "run"),
        "handler": first_result_text(outcome, "server", "call"),
    }


def label(outcome):
    return "client {client}; handler {handler}".format(**answer(outcome))


def grade(outcome):
    result = first_result(outcome, "client", "run") or {}
    if result.get("value") == "hello " + "alice":
        return "ok", "the greeting arrived"
    return "failed", "the client helper did not receive the greeting"
