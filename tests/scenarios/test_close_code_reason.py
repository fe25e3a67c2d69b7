"""close-code-reason: label and grade on hand-built outcomes, either side closing."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CLOSED_OK, CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("close-code-reason")


def case(closer, code, receiver_exception, closer_exception=None):
    receiver = [step("recv", raised(receiver_exception))] if receiver_exception else [step("recv", value("x"))]
    closing = [step("close", value()), step("recv", raised(closer_exception or exception(CLOSED_OK, rcvd=1000)))]
    client, server = (receiver, closing) if closer == "server" else (closing, receiver)
    return outcome({"closer": closer, "code": code, "reason": ""}, client=[CONNECTED, *client], server=server)


@pytest.mark.parametrize("closer", ["server", "client"])
@pytest.mark.parametrize(
    ("code", "received", "grade"),
    [
        (1000, exception(CLOSED_OK, rcvd=1000), "ok"),
        (1001, exception(CLOSED_OK, rcvd=1001), "ok"),
        (4001, exception(CLOSED_ERROR, rcvd=4001), "ok"),
        (None, exception(CLOSED_OK, rcvd=1005), "ok"),
        (4001, exception(CLOSED_OK, rcvd=4001), "non-strict"),
        (1000, exception(CLOSED_ERROR, rcvd=1000), "non-strict"),
        (1000, exception(CLOSED_ERROR, code=1006), "failed"),
        (4001, exception(CLOSED_ERROR, rcvd=None), "failed"),
        (1000, None, "failed"),
    ],
)
def test_grade_is_about_the_receiving_side(closer, code, received, grade):
    assert SCENARIO.grade(case(closer, code, received))[0] == grade


def test_label_shows_both_sides():
    graded = case("server", 4001, exception(CLOSED_ERROR, rcvd=4001), exception(CLOSED_OK, rcvd=4001))
    assert SCENARIO.label(graded) == "client: ConnectionClosedError 4001 · server: ConnectionClosedOK 4001"
    assert SCENARIO.label(case("client", 1000, None)) == "client: ConnectionClosedOK 1000 · server: no exception"
    sent_only = case("server", 1000, exception(CLOSED_ERROR, rcvd=None, sent=1011))
    assert SCENARIO.label(sent_only).startswith("client: ConnectionClosedError sent 1011")
    nothing = case("server", 1000, exception(CLOSED_ERROR, rcvd=None, sent=None))
    assert SCENARIO.label(nothing).startswith("client: ConnectionClosedError no close frame")
