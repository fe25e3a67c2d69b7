"""reconnection: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, unsupported, value

SCENARIO = scenario.load("reconnection")

RETRYING = value({"ended": "retrying", "connections": 0})
RETRY = {
    "logger": "websockets.client",
    "level": "INFO",
    "message": "connect failed; reconnecting in <delay> seconds: x",
}
LEGACY_RETRY = {
    "logger": "websockets.client",
    "level": "INFO",
    "message": "! connect failed again; retrying in <delay> seconds",
}


@pytest.mark.parametrize(
    ("fault", "result", "logged", "label", "grade"),
    [
        ("refused", RETRYING, [RETRY], "retrying (INFO: connect failed; reconnecting in <delay> seconds)", "ok"),
        (
            "http-503",
            RETRYING,
            [LEGACY_RETRY, RETRY],
            "retrying (INFO: ! connect failed again; retrying in <delay> seconds)",
            "ok",
        ),
        (
            "http-503",
            raised(exception("websockets.exceptions.InvalidStatus")),
            [],
            "raised InvalidStatus",
            "informational",
        ),
        ("http-403", raised(exception("websockets.exceptions.InvalidStatus")), [], "raised InvalidStatus", "ok"),
        (
            "http-403",
            RETRYING,
            [LEGACY_RETRY],
            "retrying (INFO: ! connect failed again; retrying in <delay> seconds)",
            "informational",
        ),
        ("refused", raised(exception("builtins.TypeError")), [], "raised TypeError", "informational"),
        ("refused", unsupported(), [], "unsupported", "informational"),
    ],
)
def test_label_and_grade(fault, result, logged, label, grade):
    case = outcome({"fault": fault}, client=[step("reconnect", result, logged=logged)])
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_the_answer_is_retrying_or_raised_never_a_count():
    """How many attempts fit in the window depends on a random delay: one
    retry or two is the same answer."""
    once = outcome({"fault": "refused"}, client=[step("reconnect", RETRYING, logged=[RETRY])])
    twice = outcome({"fault": "refused"}, client=[step("reconnect", RETRYING, logged=[LEGACY_RETRY, RETRY])])
    assert SCENARIO.answer(once) == SCENARIO.answer(twice) == {"retried": True, "ended": "retrying"}


def test_a_raised_exception_answers_with_its_cause():
    error = exception("websockets.exceptions.InvalidMessage", cause=exception("builtins.EOFError"))
    case = outcome({"fault": "accept-close"}, client=[step("reconnect", raised(error))])
    assert SCENARIO.answer(case) == {
        "retried": False,
        "ended": "raised",
        "exception": "InvalidMessage",
        "cause": "EOFError",
    }
