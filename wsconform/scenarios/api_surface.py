"""api-surface: which attributes, classes and imports does each peer have?

Per peer, against itself: the client and the server each probe their live
connection object for the attributes users rely on (``close_code``,
``fail_connection``, ``open``, ``state``, ``request``, …); the client also
records where every public name of ``websockets`` and
``websockets.exceptions`` resolves (``InvalidStatusCode`` vs
``InvalidStatus``, ``InvalidMessage``'s module), what ``connect`` / ``serve``
are, and which imports emit warnings (each in a fresh interpreter).
"""

from wsconform.api import SAME_SERVERS, ResultKind, Scenario, Variant, steps

SCENARIO = Scenario(
    id="api-surface",
    question="Which attributes, classes and imports does this peer have, and which warn?",
    servers=SAME_SERVERS,
    variants=(Variant("probe", {}, "probe both connection objects and the package"),),
    expectation="Informational: the API a program written for another version relies on.",
    links=(
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
        "https://github.com/python-websockets/websockets/issues/1548",
    ),
    repetitions=1,
    # The probes take seconds (fresh interpreters): how long the other side
    # waits for them is the harness's timing, not the library's.
    incidental=("duration",),
    case_seconds=2.0,
)

KEY_ATTRIBUTES = ("close_code", "fail_connection", "open", "state", "request", "path")


async def server(side, variant):
    await side.probe()
    await side.recv()


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    await side.probe(modules=True)
    await side.close(1000, "")


def surface(outcome, role="client"):
    probe = steps(outcome, role, "probe")
    if not probe or probe[0]["result"]["kind"] != ResultKind.VALUE:
        return None
    return probe[0]["result"]["value"]


def label(outcome):
    found = surface(outcome)
    if found is None:
        return "probe failed"
    connection = found["connection"]
    present = [name for name in KEY_ATTRIBUTES if connection.get(name, {}).get("present")]
    return "has " + (", ".join(present) or "none of " + ", ".join(KEY_ATTRIBUTES))


def grade(outcome):
    return "informational", label(outcome)


def answer(outcome):
    """What each side's probe found: the attributes, names and imports (not
    the connection's state or timing, which are evidence)."""
    return {role: surface(outcome, role) for role in ("client", "server")}
