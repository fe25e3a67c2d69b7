"""compression: answer, label and grade on hand-built outcomes of offers,
acceptances and a lost message."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import CLOSED_OK, exception, outcome, raised, step, value

SCENARIO = scenario.load("compression")
OFFER = "permessage-deflate; client_max_window_bits"
ACCEPT = "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"


def headers(value_seen):
    return {"request.headers": {"present": True, "value": {"Sec-WebSocket-Extensions": value_seen}}}


def case(off, offered, accepted, received=True):
    client = [
        step("connect", value({"type": "C"})),
        step("response", value(headers(accepted))),
        step("recv", value("compress me …") if received else raised(exception(CLOSED_OK, rcvd=1000, sent=1000))),
    ]
    server = [step("request", value(headers(offered)))]
    return outcome({"off": off}, client=client, server=server)


@pytest.mark.parametrize(
    ("made", "grade", "label"),
    [
        (case(None, [OFFER], [ACCEPT]), "ok", f"offered {OFFER} · accepted {ACCEPT} · message received"),
        (case("client", None, None), "ok", "offered nothing · accepted nothing · message received"),
        (case("server", [OFFER], None), "ok", f"offered {OFFER} · accepted nothing · message received"),
        (case("client", [OFFER], [ACCEPT]), "failed", f"offered {OFFER} · accepted {ACCEPT} · message received"),
        (case("server", [OFFER], [ACCEPT]), "failed", f"offered {OFFER} · accepted {ACCEPT} · message received"),
        (case(None, None, [ACCEPT]), "failed", f"offered nothing · accepted {ACCEPT} · message received"),
        (
            case(None, [OFFER], [ACCEPT], received=False),
            "failed",
            f"offered {OFFER} · accepted {ACCEPT} · message ConnectionClosedOK 1000",
        ),
    ],
)
def test_grade_and_label(made, grade, label):
    assert SCENARIO.grade(made)[0] == grade
    assert SCENARIO.label(made) == label


def test_server_options_turn_off_only_the_servers_compression():
    assert SCENARIO.server_options(SCENARIO.variant("server-off")) == {"compression": None}
    assert SCENARIO.server_options(SCENARIO.variant("client-off")) == {}
