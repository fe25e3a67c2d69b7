"""The Side API's own steps, in-process: the escape hatch (``call``) and the
reconnection loop (``reconnect``), recorded like every other step."""

from __future__ import annotations

import asyncio
import logging
import warnings

import pytest

from wsconform.peer import drivers
from wsconform.peer.drivers.base import ScenarioMistake
from wsconform.peer.faults import FaultServer
from wsconform.peer.recording import Recorder
from wsconform.peer.side import RETRY_DELAY, Side


def make_side(implementation: str = "asyncio", port: int = 0) -> tuple[Side, Recorder]:
    recorder = Recorder("client")
    return Side("client", drivers.load(implementation), recorder, port), recorder


@pytest.mark.asyncio
async def test_call_records_the_value_and_the_arguments():
    side, recorder = make_side()
    with recorder:
        step = await side.call(lambda connection, number: {"connection": connection, "twice": number * 2}, 21)
    assert step.ok
    assert step.value == {"connection": None, "twice": 42}
    record = recorder.as_dict()["steps"][0]
    assert record["step"] == "call"
    assert record["args"] == {
        "function": "test_call_records_the_value_and_the_arguments.<locals>.<lambda>",
        "arguments": [21],
    }


@pytest.mark.asyncio
async def test_call_records_exceptions_with_their_causes_warnings_and_logs():
    def library_call(connection):
        warnings.warn("old name", DeprecationWarning, stacklevel=1)
        logging.getLogger("websockets.client").error("it went wrong")
        try:
            raise KeyError("inner")
        except KeyError as exc:
            raise ValueError("outer") from exc

    side, recorder = make_side()
    with recorder:
        step = await side.call(library_call)
    assert step.raised
    record = recorder.as_dict()["steps"][0]
    exception = record["result"]["exception"]
    assert exception["class"] == "builtins.ValueError"
    assert exception["cause"]["class"] == "builtins.KeyError"
    assert record["warnings"][0]["message"] == "old name"
    assert record["logged"][0] == {"logger": "websockets.client", "level": "ERROR", "message": "it went wrong"}


@pytest.mark.asyncio
async def test_call_awaits_an_async_function():
    async def library_call(connection):
        await asyncio.sleep(0)
        return "awaited"

    side, recorder = make_side()
    with recorder:
        step = await side.call(library_call)
    assert step.value == "awaited"


@pytest.mark.asyncio
async def test_call_is_stopped_by_its_guard():
    side, recorder = make_side()
    with recorder:
        step = await side.call(lambda connection: asyncio.sleep(10), guard=0.1)
    assert step.kind == "guard-timeout"


@pytest.mark.parametrize(
    ("message", "masked", "delay"),
    [
        (
            "connect failed; reconnecting in 2.3 seconds: OSError",
            "connect failed; reconnecting in <delay> seconds: OSError",
            2.3,
        ),
        ("! connect failed again; retrying in 1 seconds", "! connect failed again; retrying in <delay> seconds", 1.0),
    ],
)
def test_retry_delays_are_found_in_both_log_lines(message, masked, delay):
    match = RETRY_DELAY.search(message)
    assert match is not None and float(match.group(2)) == delay
    assert RETRY_DELAY.sub(r"\1<delay>\3", message, count=1) == masked


@pytest.mark.asyncio
@pytest.mark.parametrize(("mode", "ended"), [("http-503", "retrying"), ("http-403", "raised")])
async def test_reconnect_retries_a_5xx_and_raises_a_403(mode, ended):
    server = FaultServer(mode, Recorder("server"))
    port = await server.start()
    side, recorder = make_side("asyncio", port)
    try:
        with recorder:
            step = await side.reconnect(0.5)
    finally:
        await server.stop()
    record = recorder.as_dict()["steps"][0]
    if ended == "raised":
        assert step.exception == "websockets.exceptions.InvalidStatus"
        assert "delays" not in record
    else:
        assert step.value == {"ended": "retrying", "connections": 0}
        (retry, *_) = record["logged"]
        assert "<delay>" in retry["message"] and retry["level"] == "INFO"
        assert 0.0 <= record["delays"][0] <= 5.0


@pytest.mark.asyncio
async def test_reconnect_is_unsupported_where_the_loop_cannot_be_bounded():
    side, recorder = make_side("sync", 1)
    with recorder:
        step = await side.reconnect(0.5)
    assert step.unsupported


@pytest.mark.asyncio
async def test_a_scenario_mistake_is_never_recorded_as_the_librarys_answer():
    """An option no driver knows is the scenario's bug: it propagates (the
    case becomes a harness error) instead of reading as if connect() raised."""
    side, recorder = make_side("asyncio", 1)
    with recorder, pytest.raises(ScenarioMistake, match="unknown connect option"):
        await side.connect(no_such_option=1)
