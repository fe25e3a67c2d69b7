"""uri-forms: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("uri-forms")


def case(connect, accessor=None, path=None):
    server = []
    if accessor is not None:
        server = [step("request", value({accessor: {"present": True, "value": path}, "other": {"present": False}}))]
    return outcome({"path": "/café"}, client=[step("connect", connect)], server=server)


@pytest.mark.parametrize(
    ("built", "label", "grade"),
    [
        (case(value({"type": "C"}), "request.path", "/caf%C3%A9"), "handler reads '/caf%C3%A9'", "ok"),
        (case(value({"type": "C"}), "path", "/caf\udcc3\udca9"), "handler reads '/caf\\udcc3\\udca9'", "ok"),
        (case(raised(exception("websockets.exceptions.InvalidMessage"))), "connect InvalidMessage", "informational"),
        (case(value({"type": "C"})), "handler reads None", "failed"),
    ],
)
def test_label_and_grade(built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade
