"""handshake-headers: answer, label and grade on hand-built outcomes of the
legacy accessors (8.1: ``path``, ``request_headers``) and the new ones
(``request.path``, ``request.headers``), and of a refused parameter."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("handshake-headers")
ABSENT = {"present": False}


def connect(parameter, result=None):
    args = {"headers": {"X-Conformance": "request"}, "headers_parameter": parameter}
    return step("connect", result or value({"type": "C"}), args=args)


def legacy_request(header="request"):
    return {
        "path": {"present": True, "value": "/scenario"},
        "request_headers": {"present": True, "value": {"X-Conformance": [header] if header else None}},
        "request.path": ABSENT,
        "request.headers": ABSENT,
    }


def new_request(header="request", warns=()):
    seen = {
        "path": ABSENT,
        "request_headers": ABSENT,
        "request.path": {"present": True, "value": "/scenario"},
        "request.headers": {"present": True, "value": {"X-Conformance": [header] if header else None}},
    }
    if warns:
        seen["request.path"]["warns"] = list(warns)
    return seen


def response(header="response"):
    return {
        "response_headers": ABSENT,
        "response.status_code": {"present": True, "value": 101},
        "response.headers": {"present": True, "value": {"X-Conformance": [header] if header else None}},
    }


def case(convention, parameter, request_view, response_view, connect_result=None):
    client = [connect(parameter, connect_result)]
    server = []
    if connect_result is None:
        client += [step("response", value(response_view)), step("recv", value("x"))]
        server = [step("request", value(request_view))]
    return outcome({"convention": convention}, client=client, server=server)


def test_the_answer_is_what_each_accessor_gave():
    given = SCENARIO.answer(case(None, "extra_headers", legacy_request(), response()))
    assert given == {
        "parameter": "extra_headers",
        "connect": "ok",
        "server_read": {
            "path": "/scenario",
            "request.headers": "absent",
            "request.path": "absent",
            "request_headers": ["request"],
        },
        "client_read": {"response.headers": ["response"], "response.status_code": 101, "response_headers": "absent"},
    }


def test_a_warning_on_read_is_part_of_the_answer():
    given = SCENARIO.answer(
        case(None, "additional_headers", new_request(warns=["builtins.DeprecationWarning"]), response())
    )
    assert given["server_read"]["request.path"] == {"value": "/scenario", "warns": ["DeprecationWarning"]}


@pytest.mark.parametrize(
    ("made", "grade", "label"),
    [
        (
            case(None, "extra_headers", legacy_request(), response()),
            "ok",
            "extra_headers → server reads request_headers; client reads response.headers",
        ),
        (
            case(None, "additional_headers", new_request(), response()),
            "ok",
            "additional_headers → server reads request.headers; client reads response.headers",
        ),
        (
            case("extra_headers", "extra_headers", None, None, raised(exception("builtins.TypeError"))),
            "informational",
            "extra_headers → TypeError",
        ),
        (
            case(None, "additional_headers", None, None, raised(exception("builtins.TypeError"))),
            "failed",
            "additional_headers → TypeError",
        ),
        (
            case(None, "additional_headers", new_request(header=None), response()),
            "failed",
            "additional_headers → server reads no accessor; client reads response.headers",
        ),
        (
            case("extra_headers", "extra_headers", new_request(header=None), response()),
            "non-strict",
            "extra_headers → server reads no accessor; client reads response.headers",
        ),
        (
            case(None, "extra_headers", legacy_request(), response(header=None)),
            "failed",
            "extra_headers → server reads request_headers; client reads no accessor",
        ),
    ],
)
def test_grade_and_label(made, grade, label):
    assert SCENARIO.grade(made)[0] == grade
    assert SCENARIO.label(made) == label


def test_every_variant_asks_for_the_response_header():
    for variant in SCENARIO.declaration.variants:
        assert SCENARIO.server_options(variant) == {"response_headers": {"X-Conformance": "response"}}
