"""uri-forms: what the handler reads as the path when the client connects
to an IRI, a percent-encoded path, or a path with a query string.

9.0 added IRIs (non-ASCII characters in the URI, encoded by the client);
the new implementations moved the path from ``connection.path`` to
``connection.request.path``. The client connects with its library to each
form; the handler reads the path through every accessor its release has.
"""

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, first_result_text, handshake_view

GREETING = "path read"

FORMS = (
    ("iri", "/café?name=zoë", "non-ASCII characters in the path and the query (an IRI)"),
    ("percent-encoded", "/caf%C3%A9?name=zo%C3%AB", "the same, percent-encoded by the application"),
    ("query", "/scenario?a=1&b=two&b=three", "a query string with a repeated key"),
)

SCENARIO = Scenario(
    id="uri-forms",
    question="Can the client connect to an IRI or a URI with a query, and what path does the handler read?",
    variants=tuple(Variant(name, {"path": path}, description) for name, path, description in FORMS),
    expectation=(
        "RFC 3987 and RFC 6455 3: an IRI is sent percent-encoded (9.0+); the handler reads the request target as "
        "sent, query included, through path (legacy) or request.path (new implementations)."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://www.rfc-editor.org/rfc/rfc3987",
        "https://www.rfc-editor.org/rfc/rfc6455#section-3",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    repetitions=3,
)


async def server(side, variant):
    await side.request()
    await side.send(GREETING)
    await side.recv()


async def client(side, variant):
    if not (await side.connect(path=variant["path"])).ok:
        return
    await side.recv()
    await side.close(1000, "")


def _path(outcome):
    """The path the handler read, through its release's accessor."""
    view = handshake_view(outcome, "server", "request")
    if view is None:
        return None
    for accessor in ("request.path", "path"):
        entry = view.get(accessor) or {}
        if entry.get("present") and "value" in entry:
            return entry["value"]
    return None


def answer(outcome):
    """What connect() gave and the path the handler read."""
    return {"connect": first_result_text(outcome, "client", "connect"), "handler_path": _path(outcome)}


def label(outcome):
    given = answer(outcome)
    if given["connect"] != "ok":
        return "connect {}".format(given["connect"])
    return "handler reads {!r}".format(given["handler_path"])


def grade(outcome):
    given = answer(outcome)
    if given["connect"] != "ok":
        return "informational", "the client cannot connect to this URI form: " + label(outcome)
    if given["handler_path"] is None:
        return "failed", "the handler cannot read the path"
    return "ok", label(outcome)
