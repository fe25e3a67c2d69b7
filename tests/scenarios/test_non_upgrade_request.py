"""non-upgrade-request: the requests sent, and label/grade on hand-built outcomes."""

import pytest

from wsconform.peer import raw, scenario
from wsconform.testing import outcome, step, value

SCENARIO = scenario.load("non-upgrade-request")
MODULE = __import__("wsconform.scenarios.non_upgrade_request", fromlist=["_"])


def answered(kind, status, ended="closed", upgrade=None):
    headers = {"upgrade": upgrade} if upgrade else {}
    line = None if status is None else f"HTTP/1.1 {status} {REASONS.get(status, 'X')}"
    found = {"status": status, "status_line": line, "headers": headers, "body": "", "bytes": 0, "ended": ended}
    return outcome({"request": kind}, client=[step("raw_request", value(found))])


REASONS = {101: "Switching Protocols", 400: "Bad Request", 405: "Method Not Allowed", 426: "Upgrade Required"}


@pytest.mark.parametrize(
    ("kind", "status", "ended", "label", "grade"),
    [
        ("valid", 101, "response", "101 Switching Protocols", "ok"),
        ("valid", 400, "closed", "400 Bad Request", "failed"),
        ("post", 405, "closed", "405 Method Not Allowed", "ok"),
        ("post", 400, "open", "400 Bad Request, then open", "ok"),
        ("post", None, "closed", "closed, no response", "non-strict"),
        ("http-1.0", 101, "response", "101 Switching Protocols", "failed"),
        ("plain-get", 426, "closed", "426 Upgrade Required", "ok"),
        ("long-header", None, "reset", "reset, no response", "non-strict"),
        ("many-headers", None, "open", "no response, still open", "failed"),
        ("silent", None, "closed", "closed, no response", "ok"),
        ("silent", None, "open", "no response, still open", "non-strict"),
    ],
)
def test_label_and_grade(kind, status, ended, label, grade):
    case = answered(kind, status, ended)
    assert SCENARIO.label(case) == label
    assert SCENARIO.grade(case)[0] == grade


def test_the_answer_is_status_end_and_upgrade_header():
    case = answered("valid", 101, "response", upgrade="websocket")
    assert SCENARIO.answer(case) == {"status": 101, "ended": "response", "upgrade": "websocket"}


def test_no_raw_request_recorded():
    case = outcome({"request": "post"}, client=[])
    assert SCENARIO.label(case) == "no answer recorded"
    assert SCENARIO.grade(case)[0] == "failed"


@pytest.mark.parametrize(
    ("kind", "first_line", "minimum"),
    [
        ("valid", b"GET /scenario HTTP/1.1", 0),
        ("post", b"POST /scenario HTTP/1.1", 0),
        ("http-1.0", b"GET /scenario HTTP/1.0", 0),
        ("long-request-line", b"GET /aaaa", 9000),
        ("long-header", b"GET /scenario HTTP/1.1", 9000),
        ("many-headers", b"GET /scenario HTTP/1.1", 300 * 14),
    ],
)
def test_each_variant_sends_what_it_says(kind, first_line, minimum):
    request = MODULE.request_bytes(kind)
    assert request.startswith(first_line) and request.endswith(b"\r\n\r\n") and len(request) > minimum


def test_plain_get_has_no_upgrade_header_and_silent_sends_nothing():
    assert b"Upgrade" not in MODULE.request_bytes("plain-get")
    assert MODULE.request_bytes("silent") == b""


def test_parse_response_keeps_status_and_a_few_headers():
    parsed = raw.parse_response(
        b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nX-Other: 1\r\nContent-Length: 3\r\n\r\nabc"
    )
    assert parsed["status"] == 426 and parsed["headers"] == {"upgrade": "websocket", "content-length": "3"}
    assert parsed["body"] == "abc" and raw.parse_response(b"")["status"] is None
    assert raw.parse_response(b"garbage\r\n\r\n")["status"] is None
