"""concurrent-recv: label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CONNECTED, exception, guard, outcome, raised, step, value

SCENARIO = scenario.load("concurrent-recv")


@pytest.mark.parametrize(
    ("results", "label", "grade"),
    [
        ([value("one"), raised(exception("builtins.RuntimeError"))], "'one' + RuntimeError", "ok"),
        (
            [raised(exception("websockets.exceptions.ConcurrencyError")), value("one")],
            "'one' + ConcurrencyError",
            "ok",
        ),
        ([value("one"), value("two")], "'one' + 'two'", "non-strict"),
        ([value("one"), raised(exception("builtins.EOFError"))], "'one' + EOFError", "non-strict"),
    ],
)
def test_label_and_grade(results, label, grade):
    case = outcome({}, client=[CONNECTED, step("recv_concurrently", value(results))])
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_a_step_that_did_not_return():
    case = outcome({}, client=[CONNECTED, step("recv_concurrently", guard())])
    assert SCENARIO.label(case) == "guard-timeout"
    assert SCENARIO.grade(case)[0] == "failed"
    assert SCENARIO.label(outcome({}, client=[CONNECTED])) == "no recv"
