"""oversize: label and grade on hand-built outcomes, either side limited."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_ERROR, CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("oversize")
TOO_BIG = "websockets.exceptions.PayloadTooBig"


def case(limited, limited_recv, other_recv):
    other = "server" if limited == "client" else "client"
    sides = {limited: [step("recv", limited_recv)], other: [step("recv", other_recv)]}
    return outcome({"limited": limited}, client=[CONNECTED, *sides["client"]], server=sides["server"])


@pytest.mark.parametrize("limited", ["client", "server"])
@pytest.mark.parametrize(
    ("limited_recv", "other_recv", "grade"),
    [
        (raised(exception(CLOSED_ERROR, rcvd=None, sent=1009)), raised(exception(CLOSED_ERROR, rcvd=1009)), "ok"),
        (raised(exception(TOO_BIG)), raised(exception(CLOSED_ERROR, code=1009)), "ok"),
        (raised(exception(TOO_BIG)), raised(exception(CLOSED_ERROR, code=1006)), "non-strict"),
        (raised(exception(CLOSED_ERROR, rcvd=None, sent=1009)), value("x" * 2048), "failed"),
    ],
)
def test_grade(limited, limited_recv, other_recv, grade):
    assert SCENARIO.grade(case(limited, limited_recv, other_recv))[0] == grade


def test_label_shows_each_side():
    graded = case("client", raised(exception(TOO_BIG)), raised(exception(CLOSED_ERROR, code=1009)))
    assert SCENARIO.label(graded) == "client: PayloadTooBig · server: ConnectionClosedError 1009"


def test_server_options_limit_only_the_server():
    assert SCENARIO.server_options(SCENARIO.variant("server-limit")) == {"max_size": 1024}
    assert SCENARIO.server_options(SCENARIO.variant("client-limit")) == {}
