"""send-after-remote-close: label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_OK, CONNECTED, exception, guard, outcome, raised, step, value

SCENARIO = scenario.load("send-after-remote-close")


def sends(results, state="OPEN"):
    return [step("send", result, state_before={"state": state}) for result in results]


@pytest.mark.parametrize(
    ("steps", "label"),
    [
        ([CONNECTED, *sends([value()] * 5)], "all 5 sends ok"),
        (
            [CONNECTED, *sends([value()]), *sends([raised(exception(CLOSED_OK, rcvd=1000))] * 4, "CLOSED")],
            "send #1 raised ConnectionClosedOK (state before: CLOSED)",
        ),
        (
            [CONNECTED, *sends([raised(exception(CLOSED_OK, rcvd=1000))], "CLOSING")],
            "send #0 raised ConnectionClosedOK (state before: CLOSING)",
        ),
        ([CONNECTED, *sends([value(), guard()])], "send #1 raised guard-timeout (state before: OPEN)"),
        (
            [CONNECTED, step("send", value()), step("send", raised(exception(CLOSED_OK)))],
            "send #1 raised ConnectionClosedOK (state before: ?)",
        ),
        ([step("connect", raised(exception("builtins.EOFError")))], "connect failed"),
        ([], "connect failed"),
    ],
)
def test_label_names_the_first_send_that_did_not_return(steps, label):
    case = outcome({"wait": "none"}, client=steps)
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case) == ("informational", label)
