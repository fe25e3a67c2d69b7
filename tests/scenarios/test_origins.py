"""origins: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("origins")

FORBIDDEN = raised(exception("websockets.exceptions.InvalidStatus", response_status=403))


def case(name, connect, received=None):
    client = [step("connect", connect)] + ([step("recv", value(received))] if received is not None else [])
    built = outcome({"origin": None}, client=client)
    built["variant"]["name"] = name
    return built


@pytest.mark.parametrize(
    ("built", "label", "grade"),
    [
        (case("allowed", value({"type": "C"}), "welcome"), "connect ok, recv 'welcome'", "ok"),
        (case("allowed", FORBIDDEN), "connect InvalidStatus 403", "failed"),
        (case("other", FORBIDDEN), "connect InvalidStatus 403", "ok"),
        (case("none", FORBIDDEN), "connect InvalidStatus 403", "ok"),
        (case("none", value({"type": "C"}), "welcome"), "connect ok, recv 'welcome'", "failed"),
        (case("other", raised(exception("builtins.EOFError"))), "connect EOFError", "non-strict"),
        (case("pattern", value({"type": "C"}), "welcome"), "connect ok, recv 'welcome'", "ok"),
        (case("pattern", FORBIDDEN), "connect InvalidStatus 403", "informational"),
    ],
)
def test_label_and_grade(built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade
