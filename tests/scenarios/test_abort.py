"""abort: label and grade on hand-built outcomes, either side aborting."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CONNECTED, exception, outcome, raised, step, unsupported, value

SCENARIO = scenario.load("abort")


@pytest.mark.parametrize(("aborter", "other"), [("server", "client"), ("client", "server")])
@pytest.mark.parametrize(
    ("abort", "other_recv", "label"),
    [
        (value(), raised(exception(CLOSED_ERROR, rcvd=1011)), "{other} sees ConnectionClosedError 1011"),
        (value(), raised(exception(CLOSED_ERROR, code=1006)), "{other} sees ConnectionClosedError 1006"),
        (value(), value("late"), "{other} saw no exception"),
        (unsupported("no fail_connection"), value("x"), "unsupported"),
    ],
)
def test_label_is_what_the_other_side_saw(aborter, other, abort, other_recv, label):
    aborting = [step("abort", abort), step("recv", value("x"))]
    receiving = [step("recv", other_recv)]
    client, server = (receiving, aborting) if aborter == "server" else (aborting, receiving)
    case = outcome({"aborter": aborter, "method": "transport-abort"}, client=[CONNECTED, *client], server=server)
    expected = label.format(other=other)
    assert SCENARIO.label(case) == expected
    assert SCENARIO.grade(case) == ("informational", expected)
