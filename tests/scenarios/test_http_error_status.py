"""http-error-status: label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.testing import exception, outcome, raised, step, value

SCENARIO = scenario.load("http-error-status")


@pytest.mark.parametrize(
    ("result", "label", "grade"),
    [
        (
            raised(exception("websockets.exceptions.InvalidStatusCode", status_code=403)),
            "InvalidStatusCode .status_code=403",
            "ok",
        ),
        (
            raised(exception("websockets.exceptions.InvalidStatus", response_status=403)),
            "InvalidStatus .response.status_code=403",
            "ok",
        ),
        (
            raised(exception("websockets.exceptions.InvalidStatus", response_status=500)),
            "InvalidStatus .response.status_code=500",
            "non-strict",
        ),
        (raised(exception("websockets.exceptions.InvalidMessage")), "InvalidMessage (no status code)", "non-strict"),
        (raised(exception("builtins.EOFError")), "EOFError (no status code)", "failed"),
        (value({"type": "C"}), "connected", "failed"),
    ],
)
def test_label_and_grade(result, label, grade):
    case = outcome({"status": 403}, client=[step("connect", result)])
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_enum_status_codes_compare_as_integers():
    response = exception("websockets.exceptions.InvalidStatus", response_status=503)
    response["attributes"]["response"]["value"]["status_code"] = {"enum": "http.HTTPStatus", "name": "X", "value": 503}
    case = outcome({"status": 503}, client=[step("connect", raised(response))])
    assert SCENARIO.grade(case)[0] == "ok"
