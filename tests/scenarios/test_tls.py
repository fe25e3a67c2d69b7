"""tls: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("tls")

VERIFICATION = exception("ssl.SSLCertVerificationError")
WRAPPED = exception("trio.BrokenResourceError", cause=exception("ssl.SSLCertVerificationError"))
RENAMED = {
    "category": "builtins.DeprecationWarning",
    "message": "ssl_context was renamed to ssl",
    "module": "websockets.sync.client",
}
HANDLER = {"kind": "event", "name": "handler-started", "phase": "handler", "at": 0.0}


def case(variant, connect, received=None, warnings=(), handler=False):
    client = [step("connect", connect, warnings=list(warnings))]
    if received is not None:
        client.append(step("recv", value(received)))
    built = outcome({}, client=client)
    built["variant"]["name"] = variant
    built["server"]["events"] = [HANDLER] if handler else []
    return built


@pytest.mark.parametrize(
    ("variant", "built", "label", "grade"),
    [
        (
            "trusted",
            case("trusted", value({"type": "C"}), "hello over TLS", handler=True),
            "connect ok, recv 'hello over TLS'; handler ran",
            "ok",
        ),
        (
            "trusted",
            case("trusted", raised(VERIFICATION)),
            "connect SSLCertVerificationError; handler did not run",
            "failed",
        ),
        (
            "untrusted",
            case("untrusted", raised(VERIFICATION)),
            "connect SSLCertVerificationError; handler did not run",
            "ok",
        ),
        (
            "untrusted",
            case("untrusted", raised(WRAPPED)),
            "connect BrokenResourceError ← SSLCertVerificationError; handler did not run",
            "ok",
        ),
        (
            "untrusted",
            case("untrusted", value({"type": "C"}), "hello over TLS", handler=True),
            "connect ok, recv 'hello over TLS'; handler ran",
            "failed",
        ),
        (
            "written-for-ssl-context",
            case("written-for-ssl-context", value({"type": "C"}), "hello over TLS", warnings=[RENAMED], handler=True),
            "connect ok, recv 'hello over TLS'; handler ran; DeprecationWarning: ssl_context was renamed to ssl",
            "ok",
        ),
        (
            "written-for-ssl-context",
            case("written-for-ssl-context", raised(exception("builtins.TypeError"))),
            "connect TypeError; handler did not run",
            "informational",
        ),
    ],
)
def test_label_and_grade(variant, built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade


def test_a_warning_is_part_of_the_answer():
    """Code written for ssl_context= that now warns has changed, though it still connects."""
    quiet = case("written-for-ssl-context", value({"type": "C"}), "hello over TLS", handler=True)
    warned = case("written-for-ssl-context", value({"type": "C"}), "hello over TLS", warnings=[RENAMED], handler=True)
    assert SCENARIO.answer(quiet) != SCENARIO.answer(warned)
