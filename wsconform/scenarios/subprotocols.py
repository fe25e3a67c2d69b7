"""subprotocols: which subprotocol do client and server agree on?

The client offers subprotocols (``connect(subprotocols=[...])``) and the
server supports some (``serve(subprotocols=[...])``); each side then reads
``subprotocol`` on its connection. Releases chose differently when both
sides support several: the legacy implementation picks the one with the
lowest sum of positions in both lists, the new ones the server's first that
the client offered. What happens without a common subprotocol, or when
only one side has any, changed too.

The lists are chosen so that no two subprotocols tie: on a tie, the legacy
choice depends on the iteration order of a set of strings, that is on the
interpreter's hash seed — one answer per run, another in the next run.
"""

from wsconform.api import (
    STATE_SNAPSHOTS,
    Scenario,
    Variant,
    first_exception,
    first_result_text,
    handshake_view,
    short_class,
)

SCENARIO = Scenario(
    id="subprotocols",
    question="Which subprotocol do client and server agree on, and what happens when they share none?",
    variants=(
        Variant("same", {"client": ["chat"], "server": ["chat"]}, "both support chat"),
        Variant(
            "orders-differ",
            {"client": ["chat", "superchat", "megachat"], "server": ["megachat", "chat"]},
            "the client prefers chat, the server megachat (no tie: the legacy choice, the lowest sum of "
            "positions in both lists, picks chat)",
        ),
        Variant("none-shared", {"client": ["chat"], "server": ["superchat"]}, "no subprotocol in common"),
        Variant("client-offers-none", {"client": None, "server": ["chat"]}, "only the server has subprotocols"),
        Variant("server-supports-none", {"client": ["chat"], "server": None}, "only the client has subprotocols"),
    ),
    expectation=(
        "RFC 6455 4.2.2: the server selects one of the subprotocols the client offered, or none; the "
        "client fails the connection if the server selects one it did not offer. Both sides then read the "
        "same subprotocol."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2",
        "https://websockets.readthedocs.io/en/stable/topics/design.html",
    ),
    repetitions=3,
)


def server_options(variant):
    return {"subprotocols": variant["server"]} if variant["server"] else {}


async def server(side, variant):
    await side.request()
    await side.close(1000, "")


async def client(side, variant):
    options = {"subprotocols": variant["client"]} if variant["client"] else {}
    if not (await side.connect(**options)).ok:
        return
    await side.response()
    await side.recv()


def _subprotocol(outcome, role, step):
    view = handshake_view(outcome, role, step)
    if view is None:
        return None
    entry = view.get("subprotocol") or {}
    if not entry.get("present"):
        return "absent"
    return entry.get("value")


def answer(outcome):
    """How connect() went, and the subprotocol each side reads."""
    exception = first_exception(outcome, "client", "connect")
    return {
        "connect": short_class(exception["class"]) if exception else first_result_text(outcome, "client", "connect"),
        "client": _subprotocol(outcome, "client", "response"),
        "server": _subprotocol(outcome, "server", "request"),
    }


def label(outcome):
    given = answer(outcome)
    if given["connect"] != "ok":
        return "connect {}".format(given["connect"])
    return "client {!r}, server {!r}".format(given["client"], given["server"])


def grade(outcome):
    given = answer(outcome)
    params = outcome["variant"]["params"]
    offered, supported = params["client"] or [], params["server"] or []
    shared = [name for name in offered if name in supported]
    if given["connect"] != "ok":
        if shared:
            return "failed", "the handshake failed although both sides share " + ", ".join(shared)
        return "informational", "no shared subprotocol: the handshake failed ({})".format(given["connect"])
    if given["client"] != given["server"]:
        return "failed", "the two sides read different subprotocols"
    if given["client"] is not None and given["client"] not in offered:
        return "failed", "a subprotocol the client did not offer was selected"
    if shared and given["client"] is None:
        return "non-strict", "both sides share a subprotocol, but none was selected"
    return "ok", label(outcome)
