"""handshake-non-ready: label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, guard, outcome, raised, step, unsupported, value

SCENARIO = scenario.load("handshake-non-ready")

INVALID_MESSAGE = exception("websockets.exceptions.InvalidMessage", cause=exception("builtins.EOFError"))


@pytest.mark.parametrize(
    ("fault", "result", "label", "grade"),
    [
        ("refused", raised(exception("builtins.ConnectionRefusedError")), "ConnectionRefusedError", "ok"),
        ("accept-close", raised(INVALID_MESSAGE), "InvalidMessage ← EOFError", "ok"),
        ("read-close", raised(exception("builtins.EOFError")), "EOFError", "non-strict"),
        ("http-503", raised(exception("websockets.exceptions.InvalidStatus")), "InvalidStatus", "ok"),
        ("http-503", raised(exception("builtins.EOFError")), "EOFError", "non-strict"),
        ("silent", raised(exception("builtins.TimeoutError")), "TimeoutError", "ok"),
        ("silent", raised(exception("asyncio.exceptions.TimeoutError")), "TimeoutError", "ok"),
        ("silent", guard(1.0), "guard-timeout", "non-strict"),
        ("silent", guard(13.0, "the library did not return within its own timeouts"), "guard-timeout", "failed"),
        ("silent", unsupported(), "unsupported", "failed"),
        ("refused", value({"type": "C"}), "connected", "failed"),
    ],
)
def test_label_and_grade(fault, result, label, grade):
    case = outcome({"fault": fault}, client=[step("connect", result)])
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_no_connect_step():
    case = outcome({"fault": "refused"}, client=[])
    assert SCENARIO.label(case) == "no connect"
    assert SCENARIO.grade(case)[0] == "failed"
