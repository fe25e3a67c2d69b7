"""send-then-close: label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CLOSED_OK, CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("send-then-close")
MESSAGES = ["message 0", "message 1", "message 2"]


def client(received, ending):
    return [CONNECTED, *(step("recv", value(m)) for m in received), step("recv", ending)]


@pytest.mark.parametrize(
    ("steps", "label", "grade"),
    [
        (client(MESSAGES, raised(exception(CLOSED_OK, rcvd=1000))), "3/3 msgs, ConnectionClosedOK 1000", "ok"),
        (client(MESSAGES, raised(exception(CLOSED_OK, code=4001))), "3/3 msgs, ConnectionClosedOK 4001", "ok"),
        (client([], raised(exception(CLOSED_OK, rcvd=1000))), "0/3 msgs, ConnectionClosedOK 1000", "failed"),
        (client(MESSAGES[:2], raised(exception(CLOSED_OK, rcvd=1000))), "2/3 msgs, ConnectionClosedOK 1000", "failed"),
        (
            client(MESSAGES, raised(exception(CLOSED_ERROR, rcvd=4001))),
            "3/3 msgs, ConnectionClosedError 4001",
            "non-strict",
        ),
        (client(MESSAGES, raised(exception("builtins.RuntimeError"))), "3/3 msgs, RuntimeError", "failed"),
        (client([*MESSAGES, "extra"], value("more")), "5/3 msgs, value", "failed"),
        (client(MESSAGES, {"kind": "guard-timeout", "after": 5.0}), "3/3 msgs, guard-timeout", "failed"),
        ([step("connect", raised(exception("builtins.ConnectionRefusedError")))], "connect failed", "failed"),
        ([CONNECTED], "no recv", "failed"),
    ],
)
def test_label_and_grade(steps, label, grade):
    case = outcome({"code": 1000, "reason": "", "read": "right-away"}, client=steps)
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_messages_out_of_order_fail():
    case = outcome(client=client(list(reversed(MESSAGES)), raised(exception(CLOSED_OK, rcvd=1000))))
    assert SCENARIO.grade(case) == ("failed", "received 3 of 3 messages")
