"""basic-auth: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("basic-auth")

HANDLER = {"kind": "event", "name": "handler-started", "phase": "handler", "at": 0.0}
REFUSED = raised(exception("builtins.ConnectionRefusedError"))
ERROR_LOGGED = {
    "logger": "websockets.server",
    "level": "ERROR",
    "message": "opening handshake failed",
    "exception": exception("builtins.AttributeError"),
}


def case(probe, connect, server_steps=(), received=None, handler=False, events=()):
    client = [step("connect", connect)]
    if received is not None:
        client.append(step("recv", value(received)))
    built = outcome({"convention": "new", "probe": probe}, client=client, server=list(server_steps))
    built["server"]["events"] = ([HANDLER] if handler else []) + [
        dict(event, kind="logged", phase="setup") for event in events
    ]
    return built


@pytest.mark.parametrize(
    ("built", "label", "grade"),
    [
        (
            case("right", value({"type": "C"}), received="authenticated", handler=True),
            "connect ok, recv 'authenticated'; handler ran",
            "ok",
        ),
        (
            case("wrong", raised(exception("websockets.exceptions.InvalidStatus", response_status=401))),
            "connect InvalidStatus 401; handler did not run",
            "ok",
        ),
        (
            case(
                "none",
                raised(exception("websockets.exceptions.InvalidStatusCode", status_code=500)),
                events=[ERROR_LOGGED],
            ),
            "connect InvalidStatusCode 500; handler did not run; "
            "websockets.server ERROR: opening handshake failed (AttributeError)",
            "non-strict",
        ),
        (
            case("right", REFUSED, server_steps=[step("serve", raised(exception("builtins.TypeError")))]),
            "serve() raised TypeError; connect ConnectionRefusedError; handler did not run",
            "informational",
        ),
        (
            case("wrong", value({"type": "C"}), received="authenticated", handler=True),
            "connect ok, recv 'authenticated'; handler ran",
            "failed",
        ),
    ],
)
def test_label_and_grade(built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade


def test_where_the_status_lives_does_not_split_the_answer_but_the_class_does():
    old = case("wrong", raised(exception("websockets.exceptions.InvalidStatusCode", status_code=401)))
    new = case("wrong", raised(exception("websockets.exceptions.InvalidStatus", response_status=401)))
    assert SCENARIO.answer(old)["status"] == SCENARIO.answer(new)["status"] == 401
    assert SCENARIO.answer(old)["connect"] != SCENARIO.answer(new)["connect"]
