"""invalid-utf8: label and grade on hand-built outcomes, either side sending."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("invalid-utf8")


@pytest.mark.parametrize(("sender", "receiver"), [("server", "client"), ("client", "server")])
@pytest.mark.parametrize(
    ("received", "sender_saw", "grade"),
    [
        (raised(exception(CLOSED_ERROR, rcvd=None, sent=1007)), raised(exception(CLOSED_ERROR, rcvd=1007)), "ok"),
        (raised(exception(CLOSED_ERROR, code=1006)), raised(exception(CLOSED_ERROR, code=1007)), "ok"),
        (raised(exception(CLOSED_ERROR, rcvd=1002)), raised(exception(CLOSED_ERROR, rcvd=1002)), "failed"),
        (value("(("), value("x"), "failed"),
    ],
)
def test_grade_looks_for_1007_on_either_side(sender, receiver, received, sender_saw, grade):
    sides = {receiver: [step("recv", received)], sender: [step("send_raw", value()), step("recv", sender_saw)]}
    case = outcome({"sender": sender}, client=[CONNECTED, *sides["client"]], server=sides["server"])
    assert SCENARIO.grade(case)[0] == grade
    assert SCENARIO.label(case).startswith(f"{receiver}: ")


def test_a_message_text_mentioning_1007_is_not_a_close_code():
    case = outcome({"sender": "server"}, client=[CONNECTED, step("recv", value("code 1007"))], server=[])
    assert SCENARIO.grade(case)[0] == "failed"
