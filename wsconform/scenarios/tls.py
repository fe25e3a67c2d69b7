"""tls: ``wss://`` — a TLS handshake that succeeds, one the client must
refuse, a plain ``ws://`` client at a TLS server, and the TLS context passed
under another release's parameter name.

The server serves TLS with a certificate for 127.0.0.1 from the run's own
test certificate authority (made by the orchestrator with trustme; see
:mod:`wsconform.peer.tls`). The client trusts that authority, or only the
system's trust store (as ``wss://`` without an ``ssl`` argument does), or
does not speak TLS at all. The context goes through the parameter this
release names (``ssl``; ``ssl_context`` for the threading implementation
before 13.0), or through ``ssl_context`` as code written for 11.x/12.x's
threading client passes it.
"""

from wsconform.api import (
    STATE_SNAPSHOTS,
    ResultKind,
    Scenario,
    Variant,
    errors_logged,
    first_result,
    first_result_text,
    handler_ran,
    short_class,
)

GREETING = "hello over TLS"

SCENARIO = Scenario(
    id="tls",
    question="Does a wss:// connection work, fail cleanly when the certificate is not trusted, and accept the TLS "
    "context under the parameter name code was written for?",
    variants=(
        Variant("trusted", {"client_tls": {"trust": "test-ca"}}, "the client trusts the server's certificate"),
        Variant(
            "untrusted",
            {"client_tls": {"trust": "system"}},
            "the client trusts only the system's store, which does not hold the test authority",
        ),
        Variant("plain-client", {"client_tls": None}, "the client connects with ws:// to the TLS server"),
        Variant(
            "written-for-ssl-context",
            {"client_tls": {"trust": "test-ca", "convention": "ssl_context"}},
            "the client passes its context as ssl_context=, as the threading client of 11.x and 12.x took it",
        ),
    ),
    expectation=(
        "A trusted certificate gives a working connection; an untrusted one makes connect() raise "
        "ssl.SSLCertVerificationError (or a class wrapping it) before any WebSocket handshake, and the handler "
        "never runs; a plain client at a TLS server fails its handshake. ssl_context= works where the release "
        "still accepts it, with a DeprecationWarning once renamed to ssl= (13.0)."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/howto/encryption.html",
        "https://websockets.readthedocs.io/en/stable/reference/sync/client.html",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    repetitions=3,
)


def server_options(variant):
    return {"tls": {}}


async def server(side, variant):
    await side.send(GREETING)
    await side.close(1000, "")


async def client(side, variant):
    tls = variant["client_tls"]
    step = await side.connect(tls=tls) if tls is not None else await side.connect()
    if not step.ok:
        return
    await side.recv()


def _connect_warnings(outcome):
    result = [step for step in outcome.get("client", {}).get("steps", []) if step.get("step") == "connect"]
    return sorted(
        {
            short_class(warning["category"]) + ": " + warning["message"]
            for warning in (result[0].get("warnings", []) if result else [])
        }
    )


def answer(outcome):
    """What connect() gave (with the cause of an exception), the first
    message, the warnings connect() emitted, whether the handler ran."""
    result = first_result(outcome, "client", "connect")
    given = {"connect": first_result_text(outcome, "client", "connect"), "handler_ran": handler_ran(outcome)}
    if result is not None and result["kind"] == ResultKind.EXCEPTION:
        cause = result["exception"].get("cause")
        if cause:
            given["cause"] = short_class(cause["class"])
    received = first_result_text(outcome, "client", "recv")
    if received is not None:
        given["received"] = received
    warned = _connect_warnings(outcome)
    if warned:
        given["warnings"] = warned
    return given


def label(outcome):
    given = answer(outcome)
    text = "connect {}".format(given["connect"]) + (" ← " + given["cause"] if given.get("cause") else "")
    if given.get("received"):
        text += ", recv " + given["received"]
    text += "; handler ran" if given["handler_ran"] else "; handler did not run"
    for warning in given.get("warnings", []):
        text += "; " + warning
    return text


def server_errors(outcome):
    """What the server logged at ERROR (evidence, not the answer: when the
    server logs a failed TLS handshake races the end of the case)."""
    return errors_logged(outcome, "server")


def grade(outcome):
    given = answer(outcome)
    name = outcome["variant"]["name"]
    connected = given["connect"] == "ok"
    if name == "trusted":
        if connected and given.get("received") == repr(GREETING):
            return "ok", "the TLS connection works"
        return "failed", "a trusted TLS connection did not work: " + label(outcome)
    if name in ("untrusted", "plain-client"):
        if connected:
            return "failed", "the connection opened anyway: " + label(outcome)
        if given["handler_ran"]:
            return "failed", "the handler ran for a failed TLS handshake"
        return "ok", "the handshake failed before the handler"
    if connected:
        return "ok", "ssl_context= is still accepted" + (" (with a warning)" if given.get("warnings") else "")
    return "informational", "ssl_context= is refused: " + label(outcome)
