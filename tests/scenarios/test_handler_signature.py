"""handler-signature: label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CLOSED_OK, CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("handler-signature")


@pytest.mark.parametrize(
    ("steps", "label", "grade"),
    [
        (
            [CONNECTED, step("recv", value("hello")), step("recv", raised(exception(CLOSED_OK, rcvd=1000)))],
            "'hello' → ConnectionClosedOK 1000",
            "ok",
        ),
        (
            [CONNECTED, step("recv", raised(exception(CLOSED_ERROR, rcvd=1011)))],
            "ConnectionClosedError 1011",
            "informational",
        ),
        (
            [step("connect", raised(exception("websockets.exceptions.InvalidStatus")))],
            "connect: InvalidStatus",
            "informational",
        ),
    ],
)
def test_label_and_grade(steps, label, grade):
    case = outcome({"signature": "connection-path"}, client=steps)
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_server_options_pass_the_signature():
    assert SCENARIO.server_options(SCENARIO.variant("handler-ws-path")) == {"handler_signature": "connection-path"}
