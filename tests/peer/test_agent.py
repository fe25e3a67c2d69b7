"""The agent's request loop, in-process (the subprocess side is tested in test_agents)."""

import io
import json

from wsconform.peer.agent import Agent, hello


def converse(*requests):
    output = io.StringIO()
    lines = [json.dumps(request) + "\n" for request in requests]
    Agent(output).serve_forever(lines)
    return [json.loads(line) for line in output.getvalue().splitlines()]


def test_replies_carry_the_request_id():
    replies = converse({"op": "hello", "id": 7}, {"op": "exit", "id": 8})
    assert [reply["id"] for reply in replies] == [7, 8]
    assert replies[0]["ok"]


def test_garbage_gets_an_error_reply():
    output = io.StringIO()
    Agent(output).serve_forever(["{not json\n"])
    reply = json.loads(output.getvalue())
    assert reply["ok"] is False and "JSONDecodeError" in reply["error"]


def test_collect_without_serve_is_an_error():
    (reply,) = converse({"op": "collect", "id": 1})
    assert reply["ok"] is False and "no server part" in reply["error"]


def test_fault_case_round_trip_in_process():
    serve, collect = converse(
        {"op": "serve", "id": 1, "scenario": "handshake-non-ready", "variant": "refused", "implementation": "fault"},
        {"op": "collect", "id": 2},
    )
    assert serve["ok"] and serve["port"] > 0
    assert [event["name"] for event in collect["record"]["events"]] == ["nothing-listening", "listening"]


def test_hello_reports_the_interpreter():
    info = hello()
    assert info["python"].count(".") == 2
    assert "implementations" in info
