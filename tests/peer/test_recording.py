import logging
import warnings

from wsconform.peer.recording import (
    Recorder,
    describe_exception,
    describe_value,
    qualified_name,
    read_attribute,
    result_value,
)


class Close:
    def __init__(self, code, reason):
        self.code = code
        self.reason = reason


class ClosedError(Exception):
    def __init__(self, rcvd, sent):
        super().__init__("closed")
        self.rcvd = rcvd
        self.sent = sent

    @property
    def code(self):
        warnings.warn("ClosedError.code is deprecated", DeprecationWarning, stacklevel=2)
        return self.rcvd.code


def raise_chained():
    try:
        raise EOFError("stream ends after 0 bytes")
    except EOFError as exc:
        raise ValueError("did not receive a valid HTTP response") from exc


def test_describe_exception_records_class_mro_and_str():
    description = describe_exception(KeyError("x"))
    assert description["class"] == "builtins.KeyError"
    assert description["mro"][:3] == ["builtins.KeyError", "builtins.LookupError", "builtins.Exception"]
    assert description["str"] == "'x'"


def test_describe_exception_follows_the_cause_chain():
    try:
        raise_chained()
    except ValueError as exc:
        description = describe_exception(exc)
    assert description["cause"]["class"] == "builtins.EOFError"
    assert description["cause"]["str"] == "stream ends after 0 bytes"
    assert "context" not in description  # the context is the cause
    assert description["raised_in"].endswith("raise_chained")


def test_describe_exception_reads_close_accessors_with_their_warnings():
    description = describe_exception(ClosedError(Close(4001, "bye"), None))
    attributes = description["attributes"]
    assert attributes["rcvd"]["value"]["code"] == 4001
    assert attributes["rcvd"]["value"]["reason"] == "bye"
    assert attributes["sent"] == {"present": True, "value": None}
    assert attributes["code"]["value"] == 4001
    assert attributes["code"]["warnings"][0]["category"] == "builtins.DeprecationWarning"


def test_read_attribute_distinguishes_absent_from_none():
    assert read_attribute(object(), "close_code") == {"present": False}
    assert read_attribute(Close(None, ""), "code") == {"present": True, "value": None}


def test_describe_value_handles_bytes_enums_and_unknown_objects():
    import enum

    class State(enum.IntEnum):
        OPEN = 1

    assert describe_value(b"\x00\xff") == {"bytes": "00ff", "length": 2}
    assert describe_value(State.OPEN) == {"enum": qualified_name(State), "name": "OPEN", "value": 1}
    assert describe_value(object())["type"] == "builtins.object"


def test_recorder_attributes_warnings_and_logs_to_the_running_step():
    recorder = Recorder("client")
    with recorder:
        step = recorder.begin("send", {}, None)
        warnings.warn("inside", DeprecationWarning, stacklevel=1)
        logging.getLogger("websockets.client").error("boom")
        recorder.finish(step, result_value(None), None)
        warnings.warn("outside", UserWarning, stacklevel=1)
    record = recorder.as_dict()
    assert record["steps"][0]["warnings"][0]["message"] == "inside"
    assert record["steps"][0]["logged"][0]["message"] == "boom"
    assert record["events"][0]["message"] == "outside"
    assert record["events"][0]["phase"] == "between-steps"
    assert record["steps"][0]["elapsed"] >= 0


def test_recorder_restores_warning_hooks():
    before = warnings.showwarning
    with Recorder("server"):
        pass
    assert warnings.showwarning is before


def test_a_step_still_running_is_recorded_as_unfinished():
    recorder = Recorder("server")
    recorder.begin("recv", {}, None)
    (step,) = recorder.as_dict()["steps"]
    assert step["result"] == {"kind": "unfinished"}
    assert "_clock" not in step
