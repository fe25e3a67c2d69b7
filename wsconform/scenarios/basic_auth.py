"""basic-auth: HTTP Basic Auth set up on the server the way code written for
one release does it, and clients with the right, a wrong or no password.

The server enables Basic Auth in one convention, passed to every release as
written: ``legacy`` — ``serve(..., create_protocol=
basic_auth_protocol_factory(realm, credentials))`` (8.0–13.x); ``new`` —
``serve(..., process_request=basic_auth(realm, credentials))`` (14.0+,
imported from the implementation's server module). A release whose
``serve()`` refuses the call records it as the server's ``serve`` step, and
its client is refused a connection. The client puts its credentials in the
URI (``ws://user:password@host/``), from which the library sends the
``Authorization`` header.
"""

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, connect_answer, errors_logged, handler_ran, serve_raised

REALM = "conformance"
USER = "alice"
PASSWORD = "secret"  # noqa: S105 - a test credential, sent to a loopback server of the same case
GREETING = "authenticated"

PROBES = {
    "right": (USER, PASSWORD),
    "wrong": (USER, "not-the-password"),
    "none": None,
}

SCENARIO = Scenario(
    id="basic-auth",
    question="Does HTTP Basic Auth set up the way code for one release does it keep working, and what does a "
    "client with a wrong or no password get?",
    variants=tuple(
        Variant(
            f"{convention}-{probe}-password" if probe != "none" else f"{convention}-no-credentials",
            {"convention": convention, "probe": probe},
            "{}; the client sends {}".format(
                "create_protocol=basic_auth_protocol_factory(...)"
                if convention == "legacy"
                else "process_request=basic_auth(...)",
                {"right": "the right password", "wrong": "a wrong password", "none": "no credentials"}[probe],
            ),
        )
        for convention in ("legacy", "new")
        for probe in PROBES
    ),
    expectation=(
        "RFC 7617: the right credentials open the connection; a wrong password or none gets 401 with a "
        "WWW-Authenticate challenge, and the handler never runs. Code in another release's convention fails "
        "where the upgrade guide says (serve() refuses create_protocol from 14.0's new server)."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/topics/authentication.html",
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/server.html#websockets.asyncio.server.basic_auth",
    ),
    repetitions=3,
)


def server_options(variant):
    return {"basic_auth": {"convention": variant["convention"], "realm": REALM, "credentials": [USER, PASSWORD]}}


async def server(side, variant):
    await side.send(GREETING)
    await side.recv()  # until the client closes: closing first would race the greeting


async def client(side, variant):
    credentials = PROBES[variant["probe"]]
    step = await side.connect(credentials=credentials) if credentials else await side.connect()
    if step.ok:
        await side.recv()
        await side.close(1000, "")


def answer(outcome):
    """What serve() did (when it raised), what connect() got (its status
    for a refused handshake), the first message, whether the handler ran,
    and what the server logged at ERROR."""
    given = connect_answer(outcome)
    given["handler_ran"] = handler_ran(outcome)
    given["errors_logged"] = errors_logged(outcome, "server")
    serve = serve_raised(outcome)
    if serve is not None:
        given["serve"] = serve
    return given


def label(outcome):
    given = answer(outcome)
    parts = []
    if "serve" in given:
        parts.append("serve() raised " + given["serve"])
    connect = "connect {}".format(given["connect"])
    if "status" in given:
        connect += " {}".format(given["status"])
    if given.get("received"):
        connect += ", recv " + given["received"]
    parts.append(connect)
    parts.append("handler ran" if given["handler_ran"] else "handler did not run")
    parts += given["errors_logged"]
    return "; ".join(parts)


def grade(outcome):
    given = answer(outcome)
    probe = outcome["variant"]["params"]["probe"]
    if "serve" in given:
        return "informational", "serve() refuses this convention: " + label(outcome)
    if probe == "right":
        if given["connect"] == "ok" and given.get("received") == repr(GREETING):
            return "ok", "the right password opens the connection"
        return "informational", "the right password did not open the connection: " + label(outcome)
    if given["connect"] == "ok" or given["handler_ran"]:
        return "failed", "a client without the right password reached the handler"
    if given.get("status") == 401:
        return "ok", "401 Unauthorized"
    return "non-strict", "refused without a 401: " + label(outcome)
