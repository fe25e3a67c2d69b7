"""process-response: answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("process-response")


def read(accessor, header):
    return value({accessor: {"present": True, "value": {"X-Served-By": header}}})


def case(connect, response=None, received=None, serve=None):
    client = [step("connect", connect)]
    if response is not None:
        client.append(step("response", response))
    if received is not None:
        client.append(step("recv", value(received)))
    server = [step("serve", raised(exception(serve)))] if serve else []
    return outcome({"convention": "new"}, client=client, server=server)


@pytest.mark.parametrize(
    ("built", "label", "grade"),
    [
        (
            case(value({"type": "C"}), read("response.headers", ["conformance"]), "hello"),
            "connect ok, X-Served-By: ['conformance']",
            "ok",
        ),
        (
            case(value({"type": "C"}), read("response_headers", ["conformance"]), "hello"),
            "connect ok, X-Served-By: ['conformance']",
            "ok",
        ),
        (
            case(value({"type": "C"}), read("response.headers", None), "hello"),
            "connect ok, X-Served-By: None",
            "informational",
        ),
        (
            case(raised(exception("builtins.ConnectionRefusedError")), serve="builtins.TypeError"),
            "serve() raised TypeError; connect ConnectionRefusedError",
            "informational",
        ),
        (case(raised(exception("builtins.EOFError"))), "connect EOFError", "informational"),
    ],
)
def test_label_and_grade(built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade
