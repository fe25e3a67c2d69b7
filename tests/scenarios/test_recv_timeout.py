"""recv-timeout: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, unsupported, value

SCENARIO = scenario.load("recv-timeout")

TIMED_OUT = raised(exception("builtins.TimeoutError"))


@pytest.mark.parametrize(
    ("waiting", "received", "label", "grade"),
    [
        (True, [value("ready")], "recv → 'ready'", "ok"),
        (True, [TIMED_OUT, value("ready")], "recv → TimeoutError, then 'ready'", "non-strict"),
        (False, [TIMED_OUT, value("ready")], "recv → TimeoutError, then 'ready'", "ok"),
        (
            False,
            [TIMED_OUT, raised(exception("websockets.exceptions.ConcurrencyError"))],
            "recv → TimeoutError, then ConcurrencyError",
            "non-strict",
        ),
        (True, [unsupported("recv() takes no timeout")], "recv → unsupported", "informational"),
    ],
)
def test_label_and_grade(waiting, received, label, grade):
    case = outcome(
        {"waiting": waiting},
        client=[step("connect", value({"type": "C"}))] + [step("recv", result) for result in received],
    )
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_an_implementation_whose_recv_takes_no_timeout_stops_at_the_probe():
    case = outcome({"waiting": True}, client=[step("connect", value({"type": "C"})), step("call", value(False))])
    assert SCENARIO.answer(case) == {"recv": ["unsupported"]}
    assert SCENARIO.grade(case)[0] == "informational"
