"""subprotocols: answer, label and grade on hand-built outcomes of each
variant: agreement, disagreement, a refused handshake."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("subprotocols")


def view(subprotocol):
    return {"subprotocol": {"present": True, "value": subprotocol}}


def case(variant, client_reads=None, server_reads=None, connect=None):
    params = SCENARIO.variant(variant).params
    client = [step("connect", connect or value({"type": "C"}))]
    server = []
    if connect is None:
        client.append(step("response", value(view(client_reads))))
        server.append(step("request", value(view(server_reads))))
    return outcome(dict(params), client=client, server=server)


@pytest.mark.parametrize(
    ("made", "grade", "label"),
    [
        (case("same", "chat", "chat"), "ok", "client 'chat', server 'chat'"),
        (case("orders-differ", "megachat", "megachat"), "ok", "client 'megachat', server 'megachat'"),
        (case("orders-differ", "chat", "superchat"), "failed", "client 'chat', server 'superchat'"),
        (case("same", None, None), "non-strict", "client None, server None"),
        (case("none-shared", None, None), "ok", "client None, server None"),
        (case("none-shared", "superchat", "superchat"), "failed", "client 'superchat', server 'superchat'"),
        (
            case("client-offers-none", connect=raised(exception("websockets.exceptions.InvalidStatus"))),
            "informational",
            "connect InvalidStatus",
        ),
        (
            case("same", connect=raised(exception("websockets.exceptions.InvalidStatus"))),
            "failed",
            "connect InvalidStatus",
        ),
    ],
)
def test_grade_and_label(made, grade, label):
    assert SCENARIO.grade(made)[0] == grade
    assert SCENARIO.label(made) == label


def test_an_accessor_a_release_lacks_is_absent():
    made = case("same", "chat", "chat")
    made["server"]["steps"][0]["result"]["value"] = {"subprotocol": {"present": False}}
    assert SCENARIO.answer(made)["server"] == "absent"


def test_server_options_pass_only_a_servers_subprotocols():
    assert SCENARIO.server_options(SCENARIO.variant("same")) == {"subprotocols": ["chat"]}
    assert SCENARIO.server_options(SCENARIO.variant("server-supports-none")) == {}
