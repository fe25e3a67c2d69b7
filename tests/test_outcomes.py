import copy

import pytest

from harness import outcomes
from harness.matrix import Cell, Peer
from harness.outcomes import CaseResult
from harness.peer import scenario

CLIENT = Peer("14.0", "default", "3.12", "/x/python")
SERVER = Peer("8.1", "default", "3.9", "/y/python")


def step(name, result, elapsed=0.001, state="OPEN"):
    return {
        "index": 0,
        "step": name,
        "args": {},
        "state_before": {"state": state},
        "state_after": {"state": state},
        "started_at": 0.5,
        "elapsed": elapsed,
        "result": result,
    }


def record(*steps):
    return {
        "role": "client",
        "steps": list(steps),
        "events": [{"kind": "event", "name": "x", "at": 0.1}],
        "accessor_warnings": [],
        "elapsed": 0.2,
    }


def closed(port):
    return {
        "kind": "exception",
        "exception": {
            "class": "websockets.exceptions.ConnectionClosedOK",
            "mro": [
                "websockets.exceptions.ConnectionClosedOK",
                "websockets.exceptions.ConnectionClosed",
                "websockets.exceptions.WebSocketException",
                "builtins.Exception",
                "builtins.BaseException",
                "builtins.object",
            ],
            "str": f"sent 1000 (OK); no close frame received at 127.0.0.1:{port} <obj at 0x7f00deadbeef>",
        },
    }


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(0.0, "<0.5s"), (0.49, "<0.5s"), (1.0, "0.5-2s"), (3.0, "2-8s"), (10.0, ">8s")],
)
def test_duration_buckets(seconds, bucket):
    assert outcomes.duration_bucket(seconds) == bucket


def test_normalize_text_hides_ports_addresses_and_paths():
    text = (
        "('127.0.0.1', 5555) 127.0.0.1:5555 port 5555 at 0x7fabcdef /venv/lib/python3.9/site-packages/websockets/x.py"
    )
    assert outcomes.normalize_text(text, (5555,)) == (
        "('127.0.0.1', <port>) 127.0.0.1:<port> port <port> at 0x<address> <site-packages>/websockets/x.py"
    )


def test_normalize_drops_timings_and_buckets_durations():
    normalized = outcomes.normalize(record(step("recv", {"kind": "value", "value": "m"}, elapsed=1.2)))
    assert "elapsed" not in normalized
    assert normalized["steps"][0]["duration"] == "0.5-2s"
    assert "started_at" not in normalized["steps"][0]
    assert "at" not in normalized["events"][0]


def test_sleep_steps_have_no_duration_bucket():
    normalized = outcomes.normalize(record(step("sleep", {"kind": "value", "value": None}, elapsed=0.3)))
    assert "duration" not in normalized["steps"][0]


def test_same_behaviour_on_different_ports_gives_the_same_key():
    module = scenario.load("send-then-close")
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    first = CaseResult("measured", record(step("recv", closed(40001))), record(), port=40001)
    second = CaseResult("measured", record(step("recv", closed(50002), elapsed=0.01)), record(), port=50002)
    assert outcomes.outcome_key(outcomes.outcome_of(module, cell, first)) == outcomes.outcome_key(
        outcomes.outcome_of(module, cell, second)
    )


def test_incidental_fields_do_not_split_outcomes_but_others_do():
    module = scenario.load("send-then-close")  # declares states incidental
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    open_state = CaseResult("measured", record(step("recv", closed(1), state="OPEN")), record(), port=1)
    closing = CaseResult("measured", record(step("recv", closed(1), state="CLOSING")), record(), port=1)
    summary = outcomes.aggregate(module, cell, [open_state, closing])
    assert not summary.varies

    module = scenario.load("send-after-remote-close")  # states are the point there
    cell = Cell("send-after-remote-close", "right-after-connect", CLIENT, SERVER)
    summary = outcomes.aggregate(module, cell, [open_state, closing])
    assert summary.varies
    assert sorted(o["count"] for o in summary.outcomes) == [1, 1]


def test_aggregate_counts_errors_apart_and_marks_the_cell():
    module = scenario.load("send-then-close")
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    good = CaseResult("measured", record(step("recv", closed(1))), record(), port=1)
    bad = CaseResult("error", error="client: agent did not answer 'client' within 20 s\nmore")
    summary = outcomes.aggregate(module, cell, [good, copy.deepcopy(good), bad])
    described = summary.describe()
    assert described["status"] == "error"
    assert described["runs"] == 3
    assert described["outcomes"][0]["count"] == 2
    assert described["errors"] == [
        {
            "reason": "client: agent did not answer 'client' within 20 s",
            "count": 1,
            "detail": bad.error,
            "partial": {"client": None, "server": None},
        }
    ]


@pytest.mark.parametrize("status", ["unavailable", "unsupported"])
def test_cells_that_cannot_run_are_never_measured(status):
    module = scenario.load("send-then-close")
    peer = Peer("99.0", "default", None, None, status, "no such release")
    for client, server in ((peer, SERVER), (CLIENT, peer)):
        summary = outcomes.aggregate(module, Cell("send-then-close", "close-1000-right-away", client, server), [])
        assert summary.status == status
        assert summary.outcomes == []
        assert "no such release" in summary.reason


def test_label_and_grade_come_from_the_scenario():
    module = scenario.load("send-then-close")
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    messages = [step("recv", {"kind": "value", "value": f"message {n}"}) for n in range(3)]
    result = CaseResult("measured", record(*messages, step("recv", closed(40001))), record(), port=40001)
    outcome = outcomes.aggregate(module, cell, [result]).outcomes[0]
    assert outcome["label"] == "3/3 msgs, ConnectionClosedOK"
    assert outcome["grade"] == {"grade": "ok", "reason": "all messages, then ConnectionClosedOK"}


def test_a_cell_that_cannot_be_aggregated_is_an_error_not_a_crash():
    module = scenario.load("send-then-close")
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    broken = CaseResult("measured", {"steps": "not a list"}, record(), port=40001)
    summary = outcomes.aggregate(module, cell, [broken])
    assert summary.status == "error"
    assert summary.errors[0]["reason"].startswith("harness: aggregating this cell failed")


def test_a_scenario_may_declare_durations_incidental():
    normalized = outcomes.normalize(
        record(step("recv", {"kind": "value", "value": "m"}, elapsed=3.0)), incidental=frozenset({"duration"})
    )
    assert "duration" not in normalized["steps"][0]
