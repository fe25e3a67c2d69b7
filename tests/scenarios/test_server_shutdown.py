"""server-shutdown: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_OK, exception, guard, outcome, raised, step, unsupported, value

SCENARIO = scenario.load("server-shutdown")

GOING_AWAY = raised(exception(CLOSED_OK, rcvd=1001, sent=1001))
REFUSED = raised(exception("builtins.ConnectionRefusedError"))


def case(client_recv, new_connection, handler_recv=GOING_AWAY, shutdown=None):
    client = [
        step("connect", value({"type": "C"})),
        step("recv", value("before shutdown")),
        step("recv", client_recv),
        step("connect", new_connection),
    ]
    server = [step("send", value(None)), step("shutdown_server", shutdown or value(None)), step("recv", handler_recv)]
    return outcome({}, client=client, server=server)


@pytest.mark.parametrize(
    ("built", "label", "grade"),
    [
        (
            case(GOING_AWAY, REFUSED),
            "client recv ConnectionClosedOK 1001; handler recv ConnectionClosedOK 1001; "
            "new connection ConnectionRefusedError",
            "ok",
        ),
        (
            case(guard(), REFUSED, handler_recv=guard()),
            "client recv guard-timeout; handler recv guard-timeout; new connection ConnectionRefusedError",
            "non-strict",
        ),
        (
            case(GOING_AWAY, value({"type": "C"})),
            "client recv ConnectionClosedOK 1001; handler recv ConnectionClosedOK 1001; new connection ok",
            "failed",
        ),
    ],
)
def test_label_and_grade(built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade


def test_a_server_without_a_shutdown_is_informational():
    built = outcome({}, client=[step("connect", value({"type": "C"}))], server=[step("shutdown_server", unsupported())])
    assert SCENARIO.label(built).startswith("shutdown unsupported; ")
    assert SCENARIO.grade(built)[0] == "informational"
