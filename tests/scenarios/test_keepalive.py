"""keepalive: label and grade on hand-built outcomes, either side silent."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CLOSED_OK, CONNECTED, exception, guard, outcome, raised, step, value

SCENARIO = scenario.load("keepalive")


def case(silent, result, duration):
    pinging = [step("recv", result, duration=duration)]
    quiet = [step("stop_reading", value()), step("sleep", value(), duration=None)]
    client, server = (pinging, quiet) if silent == "server" else (quiet, pinging)
    return outcome({"silent": silent}, client=[CONNECTED, *client], server=server)


@pytest.mark.parametrize(("silent", "pinger"), [("server", "client"), ("client", "server")])
@pytest.mark.parametrize(
    ("result", "duration", "grade"),
    [
        (raised(exception(CLOSED_ERROR, rcvd=None, sent=1011)), "0.5-2s", "ok"),
        (raised(exception(CLOSED_ERROR, rcvd=1011)), "0.5-2s", "ok"),
        (raised(exception(CLOSED_ERROR, rcvd=None, sent=1011)), "2-8s", "non-strict"),
        (raised(exception(CLOSED_ERROR, code=1006)), "0.5-2s", "non-strict"),
        (raised(exception(CLOSED_OK, rcvd=1000, sent=1011)), "0.5-2s", "non-strict"),
        (guard(5.0), "2-8s", "failed"),
        (value("late"), "0.5-2s", "non-strict"),
    ],
)
def test_grade_reads_the_pinging_sides_recv(silent, pinger, result, duration, grade):
    graded = case(silent, result, duration)
    assert SCENARIO.grade(graded)[0] == grade
    assert SCENARIO.label(graded).startswith(f"{pinger} recv: ")
    assert SCENARIO.label(graded).endswith(f" after {duration}")


def test_label_without_recv():
    assert SCENARIO.label(outcome({"silent": "server"}, client=[CONNECTED])) == "no recv"


def test_no_recv_is_not_ok():
    assert SCENARIO.grade(outcome({"silent": "server"}, client=[CONNECTED]))[0] == "non-strict"
