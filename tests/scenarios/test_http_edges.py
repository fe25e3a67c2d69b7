"""http-edges: the requests as sent, and answer, label and grade on hand-built outcomes."""

import pytest

from wsconform.peer import scenario
from wsconform.scenarios.http_edges import REQUESTS, request_bytes
from wsconform.testing import outcome, step, value

SCENARIO = scenario.load("http-edges")


def exchange(status, extensions=None, ended="response"):
    headers = {} if extensions is None else {"sec-websocket-extensions": extensions}
    return value(
        {
            "status": status,
            "status_line": f"HTTP/1.1 {status} X",
            "headers": headers,
            "body": "",
            "bytes": 100,
            "ended": ended,
            "seconds": 0.01,
        }
    )


def read(host, edge):
    return value(
        {
            "path": {"present": False},
            "request.headers": {"present": True, "value": {"Host": host, "X-Edge": edge}},
        }
    )


def case(name, status, extensions=None, handler=None):
    server = [] if handler is None else [step("request", handler)]
    return outcome({"request": name}, client=[step("raw_request", exchange(status, extensions))], server=server)


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_every_request_is_one_http_head_with_the_case_port(name):
    data = request_bytes(name, 54321)
    assert data.endswith(b"\r\n\r\n") and data.count(b"\r\n\r\n") == 1
    assert b"{port}" not in data
    assert data.startswith(b"GET /scenario HTTP/1.1\r\n")


def test_non_ascii_values_are_sent_as_raw_bytes():
    assert b"X-Edge: caf\xe9\r\n" in request_bytes("latin-1-value", 1)
    assert b"X-Edge: caf\xc3\xa9\r\n" in request_bytes("utf-8-value", 1)
    assert b"Host:" not in request_bytes("no-host", 1)


@pytest.mark.parametrize(
    ("built", "label", "grade"),
    [
        (
            case("host-with-port", 101, handler=read(["127.0.0.1:<port>"], ["port"])),
            "HTTP 101; handler read Host=['127.0.0.1:<port>'], X-Edge=['port']",
            "ok",
        ),
        (
            case("no-host", 101, handler=read(None, ["no host"])),
            "HTTP 101; handler read Host=None, X-Edge=['no host']",
            "non-strict",
        ),
        (case("no-host", 400), "HTTP 400", "ok"),
        (case("content-length-zero", None), "no response (response)", "failed"),
        (
            case("chrome", 101, "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"),
            "HTTP 101 [permessage-deflate; server_max_window_bits=12; client_max_window_bits=12]",
            "ok",
        ),
        (case("firefox", 101), "HTTP 101", "informational"),
    ],
)
def test_label_and_grade(built, label, grade):
    assert SCENARIO.label(built) == label
    assert SCENARIO.grade(built)[0] == grade


def test_how_a_header_decodes_is_part_of_the_answer():
    """Bytes a release decodes with surrogateescape and one that decodes as
    Latin-1 give different answers."""
    escaped = case("latin-1-value", 101, handler=read(["127.0.0.1"], ["caf\udce9"]))
    latin = case("latin-1-value", 101, handler=read(["127.0.0.1"], ["café"]))
    assert SCENARIO.answer(escaped) != SCENARIO.answer(latin)
