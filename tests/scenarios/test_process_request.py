"""process-request: answer, label and grade on hand-built outcomes of a health
check answered, refused or dropped, and of a connection let through or not."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("process-request")


def health_check(status, body, handler_ran=False, logged=()):
    answer = {"status": status, "status_line": f"HTTP/1.1 {status}" if status else "", "headers": {}, "body": body}
    answer["ended"] = "closed"
    made = outcome(
        {"convention": "new", "probe": "health-check"}, client=[step("raw_request", value(answer))], server=[]
    )
    if handler_ran:
        made["server"]["events"].append({"kind": "event", "name": "handler-started", "phase": "setup"})
    made["server"]["events"] += list(logged)
    return made


def websocket(connect, received=None):
    client = [step("connect", connect)]
    if received is not None:
        client.append(step("recv", value(received)))
    made = outcome({"convention": "legacy", "probe": "websocket"}, client=client, server=[])
    if received is not None:
        made["server"]["events"].append({"kind": "event", "name": "handler-started", "phase": "setup"})
    return made


ERROR = {
    "kind": "logged",
    "phase": "setup",
    "logger": "websockets.server",
    "level": "ERROR",
    "message": "opening handshake failed",
    "exception": exception("builtins.AttributeError"),
}


@pytest.mark.parametrize(
    ("made", "grade", "label"),
    [
        (health_check(200, "OK\n"), "ok", "HTTP 200 'OK\\n'; handler did not run"),
        (
            health_check(200, "OK\n", logged=[dict(ERROR, exception=exception("websockets.exceptions.InvalidStatus"))]),
            "ok",
            "HTTP 200 'OK\\n'; handler did not run; websockets.server ERROR: opening handshake failed (InvalidStatus)",
        ),
        (
            health_check(426, "Failed to open a WebSocket connection"),
            "informational",
            "HTTP 426 'Failed to open a WebSocket connection'; handler did not run",
        ),
        (health_check(None, None), "informational", "no response; handler did not run"),
        (websocket(value({"type": "C"}), "handler ran"), "ok", "connect ok, recv 'handler ran'; handler ran"),
        (
            websocket(raised(exception("websockets.exceptions.InvalidStatusCode"))),
            "informational",
            "connect InvalidStatusCode; handler did not run",
        ),
    ],
)
def test_grade_and_label(made, grade, label):
    assert SCENARIO.grade(made)[0] == grade
    assert SCENARIO.label(made) == label


def test_the_answer_names_errors_logged_with_their_exception():
    given = SCENARIO.answer(health_check(500, "Failed", logged=[ERROR]))
    assert given == {
        "handler_ran": False,
        "errors_logged": ["websockets.server ERROR: opening handshake failed (AttributeError)"],
        "status": 500,
        "body": "Failed",
        "ended": "closed",
    }


@pytest.mark.parametrize("variant", SCENARIO.declaration.variants, ids=lambda v: v.name)
def test_each_variant_asks_for_its_convention(variant):
    hook = SCENARIO.server_options(variant)["process_request"]
    assert hook == {"convention": variant["convention"], "path": "/health", "body": "OK\n"}
