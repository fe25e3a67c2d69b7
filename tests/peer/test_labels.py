import pytest

from wsconform.peer import labels


def exception(cls="websockets.exceptions.ConnectionClosedError", **attributes):
    return {
        "class": cls,
        "mro": [cls, "builtins.Exception"],
        "attributes": {name: {"present": True, "value": value} for name, value in attributes.items()},
    }


CLOSE_4001 = {"type": "websockets.frames.Close", "code": 4001, "reason": "bye"}
CLOSE_ENUM = {
    "type": "websockets.frames.Close",
    "code": {"enum": "websockets.frames.CloseCode", "name": "NO_STATUS_RCVD", "value": 1005},
    "reason": "",
}


@pytest.mark.parametrize(
    ("described", "code"),
    [
        (exception(rcvd=CLOSE_4001, sent=None), 4001),
        (exception(rcvd=CLOSE_ENUM), 1005),
        (exception(rcvd=None, sent=CLOSE_4001), None),  # nothing received
        (exception(code=1000), 1000),  # 8.1: only .code
    ],
)
def test_received_close_reads_every_accessor(described, code):
    assert labels.received_close(described) == code


@pytest.mark.parametrize(
    ("described", "text"),
    [
        (exception(rcvd=CLOSE_4001), "ConnectionClosedError 4001"),
        (exception(rcvd=None, sent=CLOSE_4001), "ConnectionClosedError sent 4001"),
        (exception(rcvd=None, sent=None), "ConnectionClosedError no close frame"),
        (exception("builtins.EOFError"), "EOFError"),
    ],
)
def test_exception_text(described, text):
    assert labels.exception_text(described) == text


def test_result_text_for_values_and_kinds():
    assert labels.result_text({"kind": "value", "value": "hello"}) == "'hello'"
    assert labels.result_text({"kind": "guard-timeout", "after": 5}) == "guard-timeout"
    assert labels.result_text(None) == "—"


def test_unsupported_step_is_found_on_either_side():
    outcome = {
        "client": {"steps": [{"step": "pause", "result": {"kind": "unsupported", "reason": "no loop"}}]},
        "server": {"steps": []},
    }
    assert labels.unsupported_step(outcome)["step"] == "pause"
    assert labels.unsupported_step({"client": {"steps": []}, "server": None}) is None


def test_handshake_view_is_what_a_request_or_response_step_read():
    from wsconform.peer.labels import handshake_view

    read = {"subprotocol": {"present": True, "value": "chat"}}
    outcome = {"client": {"steps": [{"step": "response", "result": {"kind": "value", "value": read}}]}}
    assert handshake_view(outcome, "client", "response") == read
    assert handshake_view(outcome, "client", "request") is None
    outcome["client"]["steps"][0]["result"] = {"kind": "guard-timeout", "after": 5.0}
    assert handshake_view(outcome, "client", "response") is None
