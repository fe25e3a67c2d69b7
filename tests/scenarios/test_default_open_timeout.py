"""default-open-timeout: label, grade and answer on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, guard, outcome, raised, step, value

SCENARIO = scenario.load("default-open-timeout")


def connect(result, duration=">8s", library_open=10.0):
    record = step("connect", result, duration=duration)
    record["args"] = {"timeout_by": "library", "library_timeouts": {"open": library_open, "close": 10.0}}
    return outcome({"fault": "silent"}, client=[record])


@pytest.mark.parametrize(
    ("case", "label", "grade"),
    [
        (connect(raised(exception("builtins.TimeoutError"))), "TimeoutError after >8s", "ok"),
        (connect(guard(5.0), "2-8s", None), "no timeout of its own (stopped by the harness after 5 s)", "non-strict"),
        (connect(value({"type": "C"})), "value after >8s", "failed"),
    ],
)
def test_label_and_grade(case, label, grade):
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_the_answer_says_whose_timeout_ended_it():
    assert SCENARIO.answer(connect(raised(exception("builtins.TimeoutError")))) == {
        "kind": "exception",
        "exception": "builtins.TimeoutError",
        "after": ">8s",
        "library_open_timeout": 10.0,
    }
    assert SCENARIO.answer(connect(guard(5.0), "2-8s", None))["library_open_timeout"] is None
    assert SCENARIO.answer(outcome({"fault": "silent"}, client=[])) is None
