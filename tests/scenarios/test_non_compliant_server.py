"""non-compliant-server: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import INVALID_HANDSHAKE, exception, guard, outcome, raised, step, value

SCENARIO = scenario.load("non-compliant-server")


@pytest.mark.parametrize(
    ("result", "label", "grade"),
    [
        (raised(exception("websockets.exceptions.InvalidHeaderValue")), "connect InvalidHeaderValue", "ok"),
        (raised(exception(INVALID_HANDSHAKE)), "connect InvalidHandshake", "ok"),
        (
            raised(exception("builtins.TimeoutError", cause=exception("asyncio.exceptions.CancelledError"))),
            "connect TimeoutError ← CancelledError",
            "non-strict",
        ),
        (guard(2.0), "connect guard-timeout", "non-strict"),
        (value({"type": "C"}), "connect ok", "failed"),
    ],
)
def test_label_and_grade(result, label, grade):
    case = outcome({"fault": "bad-accept"}, client=[step("connect", result)])
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade
