"""send-types: answer, label and grade on hand-built outcomes: a wrong type
refused at the call, a dict sent as its keys (8.1), a valid buffer."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CLOSED_OK, CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("send-types")
TYPE_ERROR = raised(exception("builtins.TypeError"))


def case(kind, first, then, received):
    client = [CONNECTED, step("send", first), step("send", then)]
    server = [step("recv", item) for item in received]
    return outcome({"message": kind}, client=client, server=server)


@pytest.mark.parametrize(
    ("made", "grade", "label"),
    [
        (
            case("int", TYPE_ERROR, value(None), [value("after"), raised(exception(CLOSED_OK, rcvd=1000))]),
            "ok",
            "send TypeError · then ok · server got 'after', ConnectionClosedOK",
        ),
        (
            case("dict", value(None), value(None), [value("type"), value("after")]),
            "non-strict",
            "send ok · then ok · server got 'type', 'after'",
        ),
        (
            case("mixed-fragments", TYPE_ERROR, raised(exception(CLOSED_ERROR)), [raised(exception(CLOSED_ERROR))]),
            "non-strict",
            "send TypeError · then ConnectionClosedError · server got ConnectionClosedError",
        ),
        (
            case("memoryview", value(None), value(None), [value({"bytes": "6275", "length": 2}), value("after")]),
            "ok",
            "send ok · then ok · server got {'bytes': '6275', 'length': 2}, 'after'",
        ),
        (
            case("bytearray", TYPE_ERROR, value(None), [value("after")]),
            "failed",
            "send TypeError · then ok · server got 'after'",
        ),
    ],
)
def test_grade_and_label(made, grade, label):
    assert SCENARIO.grade(made)[0] == grade
    assert SCENARIO.label(made) == label


def test_every_variant_makes_its_message_inside_the_peer():
    from wsconform.scenarios.send_types import MESSAGES

    assert {variant.name for variant in SCENARIO.declaration.variants} == set(MESSAGES)
    assert isinstance(MESSAGES["memoryview"](), memoryview)
