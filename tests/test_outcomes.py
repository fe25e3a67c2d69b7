import copy
import dataclasses
import json
import re

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from wsconform.model import outcomes
from wsconform.model.matrix import Cell, Peer
from wsconform.model.outcomes import CaseResult
from wsconform.peer import scenario

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

    module = scenario.load("send-after-remote-close")  # the state before the failing send is the point there
    cell = Cell("send-after-remote-close", "right-after-connect", CLIENT, SERVER)
    open_send = CaseResult("measured", record(step("send", closed(1), state="OPEN")), record(), port=1)
    closing_send = CaseResult("measured", record(step("send", closed(1), state="CLOSING")), record(), port=1)
    summary = outcomes.aggregate(module, cell, [open_send, closing_send])
    assert summary.varies
    assert sorted(o["count"] for o in summary.outcomes) == [1, 1]


def test_evidence_that_does_not_answer_the_question_does_not_split_answers():
    module = scenario.load("send-then-close")
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    one = CaseResult("measured", record(step("recv", closed(1))), record(), port=1)
    other = copy.deepcopy(one)
    other.client["steps"][0]["result"]["exception"]["str"] = "a different message"
    summary = outcomes.aggregate(module, cell, [one, other, copy.deepcopy(one)])
    (found,) = summary.outcomes
    assert (found["count"], found["evidence"]) == (3, 2)
    assert found["answer"] == {"connect": None, "received": [], "ended_by": "ConnectionClosedOK"}
    assert found["key"] == outcomes.outcome_key(found["answer"])


def test_two_answers_never_share_a_label():
    def label(outcome):
        return "same words"

    module = dataclasses.replace(scenario.load("send-after-remote-close"), label=label)
    cell = Cell("send-after-remote-close", "right-after-connect", CLIENT, SERVER)
    results = [
        CaseResult("measured", record(step("send", closed(1), state=state)), record(), port=1)
        for state in ("OPEN", "CLOSING", "CLOSED")
    ]
    labels = [o["label"] for o in outcomes.aggregate(module, cell, results).outcomes]
    assert len(set(labels)) == 3
    assert labels.count("same words") == 1
    assert all(label.startswith('same words (state_before="') for label in labels if label != "same words")


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
    unserializable = dict(record(step("recv", closed(1))), extra=object())  # no peer can send this: a harness fault
    broken = CaseResult("measured", unserializable, record(), port=40001)
    summary = outcomes.aggregate(module, cell, [broken])
    assert summary.status == "error"
    assert summary.errors[0]["reason"].startswith("harness: aggregating this cell failed")


def test_a_scenario_may_declare_durations_incidental():
    normalized = outcomes.normalize(
        record(step("recv", {"kind": "value", "value": "m"}, elapsed=3.0)), incidental=frozenset({"duration"})
    )
    assert "duration" not in normalized["steps"][0]


# Whole records, so that every field is pinned down.

SEND = scenario.load("send-then-close")
CELL = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)


def test_outcome_of_normalizes_both_sides_and_names_the_variant():
    client = record(step("recv", closed(40001)))
    empty = dict(record(), role="")
    assert outcomes.normalize_side(empty, ()) == {"steps": [], "events": [{"kind": "event", "name": "x"}]}
    server = dict(record(), role="server", accessor_warnings=[{"w": 1}])
    result = CaseResult("measured", client, server, port=40001)
    outcome = outcomes.outcome_of(SEND, CELL, result)
    assert outcome["scenario"] == "send-then-close"
    assert outcome["variant"] == {
        "name": "close-1000-right-away",
        "params": {"code": 1000, "reason": "", "read": "right-away"},
    }
    assert outcome["client"] == {
        "role": "client",
        "steps": [
            {
                "index": 0,
                "step": "recv",
                "args": {},
                "result": {
                    "kind": "exception",
                    "exception": dict(
                        closed(0)["exception"],
                        str="sent 1000 (OK); no close frame received at 127.0.0.1:<port> <obj at 0x<address>>",
                    ),
                },
                "duration": "<0.5s",
            }
        ],
        "events": [{"kind": "event", "name": "x"}],
    }
    assert outcome["server"] == {
        "role": "server",
        "steps": [],
        "events": [{"kind": "event", "name": "x"}],
        "accessor_warnings": [{"w": 1}],
    }
    assert outcomes.outcome_of(SEND, CELL, CaseResult("measured", None, None))["client"] is None


def test_outcome_keys_are_short_stable_fingerprints_of_the_canonical_form():
    import hashlib
    import json

    outcome = {"b": "é", "a": [1, {"z": None}]}
    canonical = json.dumps(outcome, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert outcomes.outcome_key(outcome) == hashlib.sha256(canonical.encode()).hexdigest()[:12]
    assert outcomes.outcome_key({"a": [1, {"z": None}], "b": "é"}) == outcomes.outcome_key(outcome)
    assert outcomes.outcome_key({"a": [1, {"z": 0}], "b": "é"}) != outcomes.outcome_key(outcome)


def test_a_summary_holds_counts_labels_grades_evidence_and_timings():
    messages = [step("recv", {"kind": "value", "value": f"message {n}"}) for n in range(3)]
    full = record(*messages, step("recv", closed(40001)))
    lost = record(step("recv", closed(40002)))
    runs = [
        CaseResult("measured", full, record(), port=40001, seconds=0.3),
        CaseResult("measured", copy.deepcopy(full), record(), port=40001, seconds=0.1),
        CaseResult("measured", copy.deepcopy(full), record(), port=40001, seconds=0.2),
        CaseResult("measured", lost, record(), port=40002, seconds=0.5),
    ]
    described = outcomes.aggregate(SEND, CELL, runs).describe()
    assert {key: described[key] for key in ("scenario", "variant", "client", "server", "status", "reason")} == {
        "scenario": "send-then-close",
        "variant": "close-1000-right-away",
        "client": CLIENT.id,
        "server": SERVER.id,
        "status": "measured",
        "reason": "",
    }
    assert (described["runs"], described["varies"], described["errors"]) == (4, True, [])
    first, second = described["outcomes"]
    assert (first["count"], first["label"], first["grade"]["grade"]) == (3, "3/3 msgs, ConnectionClosedOK", "ok")
    assert (second["count"], second["label"], second["grade"]["grade"]) == (1, "0/3 msgs, ConnectionClosedOK", "failed")
    assert first["key"] == outcomes.outcome_key(first["answer"])
    assert first["answer"] == {
        "connect": None,
        "received": ["message 0", "message 1", "message 2"],
        "ended_by": "ConnectionClosedOK",
    }
    assert first["example"] == {"client": full, "server": record(), "port": 40001}
    assert first["seconds"] == {"min": 0.1, "median": 0.2, "max": 0.3}
    assert second["seconds"] == {"min": 0.5, "median": 0.5, "max": 0.5}


def test_errors_keep_one_example_per_reason_and_the_count():
    partial = record()
    runs = [
        CaseResult("error", partial, None, error="client: hung\ntraceback"),
        CaseResult("error", None, None, error="client: hung\nanother traceback"),
        CaseResult("error", None, None, error=None),
        CaseResult("error", None, None, error="x" * 5000),
    ]
    described = outcomes.aggregate(SEND, CELL, runs).describe()
    assert described["status"] == "error" and described["runs"] == 4 and described["outcomes"] == []
    assert described["errors"] == [
        {
            "reason": "client: hung",
            "count": 2,
            "detail": "client: hung\ntraceback",
            "partial": {"client": partial, "server": None},
        },
        {"reason": "unknown error", "count": 1, "detail": "", "partial": {"client": None, "server": None}},
        {"reason": "x" * 300, "count": 1, "detail": "x" * 4000, "partial": {"client": None, "server": None}},
    ]


def test_unsupported_cases_and_steps_make_an_unsupported_cell_with_reasons():
    unexpressed = record(step("stop_reading", {"kind": "unsupported", "reason": "cannot pause"}))
    runs = [CaseResult("unsupported", error="server: no max_size"), CaseResult("measured", unexpressed, record())]
    summary = outcomes.aggregate(SEND, CELL, runs)
    assert summary.status == "unsupported"
    assert summary.reason == "server: no max_size; stop_reading: cannot pause"
    only = outcomes.aggregate(SEND, CELL, [CaseResult("unsupported", error=None)])
    assert (only.status, only.reason, only.runs) == ("unsupported", "unsupported", 1)
    mixed = outcomes.aggregate(SEND, CELL, [*runs, CaseResult("measured", record(step("recv", closed(1))), record())])
    assert (mixed.status, mixed.reason) == ("measured", "")


def test_scenario_bugs_cost_a_label_or_a_grade_not_the_run():
    def label(outcome):
        raise KeyError("x")

    def grade(outcome):
        raise ValueError("bad")

    broken = dataclasses.replace(SEND, label=label, grade=grade)
    assert outcomes.label_outcome(broken, {}) == "<label failed: KeyError>"
    assert outcomes.grade_outcome(broken, {}) == {"grade": "error", "reason": "grade() raised ValueError: bad"}
    ungraded = dataclasses.replace(SEND, grade=None)
    assert outcomes.grade_outcome(ungraded, {}) is None
    assert outcomes.grade_outcome(dataclasses.replace(SEND, grade=lambda o: (1, 2)), {}) == {
        "grade": "1",
        "reason": "2",
    }
    assert outcomes.label_outcome(dataclasses.replace(SEND, label=lambda o: 7), {}) == "7"


def test_grade_name():
    assert outcomes.grade_name({"grade": {"grade": "ok", "reason": ""}}) == "ok"  # type: ignore[typeddict-item]
    assert outcomes.grade_name({"grade": None}) is None  # type: ignore[typeddict-item]


def test_normalize_text_leaves_small_numbers_and_other_hosts_alone():
    assert outcomes.normalize_text("message 1 at 10.0.0.1:80", (1,)) == "message 1 at 10.0.0.1:80"
    assert outcomes.normalize_text("port 1023 and 40001", (1023, 40001)) == "port 1023 and <port>"
    assert outcomes.normalize_text("('127.0.0.1', 40001)") == "('127.0.0.1', <port>)"
    assert outcomes.normalize_text("localhost:8765 [::1]:99") == "localhost:<port> [::1]:<port>"


def test_durations_bucket_at_exact_limits():
    assert [outcomes.duration_bucket(s) for s in (0.5, 2.0, 8.0)] == ["0.5-2s", "2-8s", ">8s"]


def test_a_case_that_cannot_be_folded_costs_its_cell_not_the_run():
    broken = CaseResult("measured", {"steps": [{"step": "recv", "elapsed": "soon"}]}, None)
    accumulator = outcomes.CellAccumulator(SEND, CELL)
    accumulator.add(broken)
    accumulator.add(broken)
    reason = "harness: aggregating this cell failed: ValueError: could not convert string to float: 'soon'"
    assert accumulator.summary().describe()["errors"] == [
        {"reason": reason, "count": 2, "detail": reason, "partial": {"client": None, "server": None}}
    ]
    assert accumulator.summary().status == "error" and accumulator.runs == 2


def test_a_summary_that_cannot_be_made_is_an_error_cell(monkeypatch):
    accumulator = outcomes.CellAccumulator(SEND, CELL)
    accumulator.add(CaseResult("measured", record(), record()))

    def broken():
        raise KeyError("gone")

    monkeypatch.setattr(accumulator, "_summary", broken)
    summary = accumulator.summary()
    reason = "harness: aggregating this cell failed: KeyError: 'gone'"
    assert (summary.cell, summary.status, summary.runs) == (CELL, "error", 1)
    assert summary.errors == [{"reason": reason, "count": 1, "detail": reason, "partial": {}}]


@pytest.mark.parametrize(
    ("before", "after", "where"),
    [
        ({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 3]}}, "b.c[1]=3"),
        ({"a": 1}, {"a": 2}, "a=2"),
        ({"a": 1}, {"a": 1, "b": None}, "b=null"),
        ([1, 2], [1, 2, 3], "answer=[1, 2, 3]"),
        ([{"x": 1}], [{"x": 2}], "[0].x=2"),
        ("same", "other", 'answer="other"'),
        ({1: "a"}, {1: "b"}, '1="b"'),
        ({"k": "x" * 100}, {"k": "y" * 100}, 'k="' + "y" * 58 + "…"),
    ],
)
def test_difference_names_the_first_differing_leaf(before, after, where):
    assert outcomes.difference(before, after) == where


def test_blocked_and_unrun_cells_keep_their_cell_and_status():
    unsupported = Peer("8.1", "asyncio", "3.9", "/p", "unsupported", "no asyncio")
    blocked = outcomes.CellAccumulator(SEND, Cell("send-then-close", "v", unsupported, SERVER)).summary()
    assert (blocked.cell.client, blocked.status, blocked.reason) == (
        unsupported,
        "unsupported",
        "client 8.1/asyncio/py3.9: no asyncio",
    )
    unrun = outcomes.CellAccumulator(SEND, CELL).summary()
    assert (unrun.cell, unrun.status, unrun.runs, unrun.reason) == (
        CELL,
        "not-run",
        0,
        "the run ended before this cell ran",
    )
    assert unrun.describe()["status"] == "not-run"


def test_a_scenario_without_an_answer_is_answered_by_the_whole_outcome():
    plain = dataclasses.replace(SEND, answer=None)
    outcome = {"client": {"steps": []}}
    assert outcomes.answer_of(plain, outcome) is outcome
    assert outcomes.answer_of(SEND, {"client": {"steps": []}, "server": None})["received"] == []


# The normalization as first written: every pattern on every string, one
# recursion for everything. The fast path must give exactly its output (keys
# in the committed reference depend on it).
def plain_normalize_text(text, ports=()):
    text = outcomes._ADDRESS.sub("0x<address>", text)
    text = outcomes._HOST_PORT.sub(lambda m: f"{m.group(1)}{m.group(2)}<port>", text)
    for port in ports:
        if port >= 1024:
            text = re.sub(rf"(?<![\d.]){port}(?!\d)", "<port>", text)
    return outcomes._SITE_PACKAGES.sub("<site-packages>/", text)


def plain_normalize(value, ports=(), incidental=frozenset()):
    if isinstance(value, str):
        return plain_normalize_text(value, ports)
    if isinstance(value, list):
        return [plain_normalize(item, ports, incidental) for item in value]
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in outcomes.TIMING_KEYS or key in incidental:
                continue
            result[key] = plain_normalize(item, ports, incidental)
        if (
            "step" in value
            and "elapsed" in value
            and value["step"] not in outcomes.CHOSEN_DURATION_STEPS
            and "duration" not in incidental
        ):
            result["duration"] = outcomes.duration_bucket(float(value["elapsed"]))
        return result
    return value


TEXTS = st.text() | st.lists(
    st.sampled_from(
        ["127.0.0.1:", "localhost", "('127.0.0.1', ", "0x7f3a", "41234", "1024", "9", ".", "site-packages/", "é", "٣"]
    )
).map("".join)
RECORDS = st.recursive(
    st.none() | st.integers() | TEXTS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["step", "elapsed", "at", "state", "str", "duration", "x"]), children, max_size=4
        )
    ),
    max_leaves=20,
)


PORTS = st.lists(st.sampled_from([41234, 1024, 9]) | st.integers(0, 65535), max_size=2).map(tuple)


@settings(max_examples=500, deadline=None)
@given(RECORDS, PORTS, st.sets(st.sampled_from(["state", "duration"])))
def test_normalize_gives_exactly_what_every_pattern_on_every_string_gives(record, ports, incidental):
    try:
        expected = plain_normalize(record, ports, frozenset(incidental))
    except (TypeError, ValueError):
        reject()  # a step named by a list, an elapsed that is no number: never recorded
    assert outcomes.normalize(record, ports, frozenset(incidental)) == expected


def test_an_outcome_with_a_lone_surrogate_has_a_key():
    """Header bytes a library decoded with surrogateescape reach outcomes as
    lone surrogates: the outcome is kept as it is, and fingerprinted."""
    left = {"client": {"steps": [{"result": {"value": "caf\udce9"}}]}}
    right = {"client": {"steps": [{"result": {"value": "caf\udce8"}}]}}
    assert outcomes.outcome_key(left) != outcomes.outcome_key(right)
    assert outcomes.outcome_key(left) == outcomes.outcome_key(json.loads(json.dumps(left)))


def test_an_answer_that_raises_costs_its_cell_as_the_scenarios_error():
    def answer(outcome):
        raise KeyError("steps")

    module = dataclasses.replace(scenario.load("send-then-close"), answer=answer)
    cell = Cell("send-then-close", "close-1000-right-away", CLIENT, SERVER)
    result = CaseResult("measured", record(step("recv", closed(1))), record(), port=1)
    described = outcomes.aggregate(module, cell, [result, copy.deepcopy(result)]).describe()
    assert described["status"] == "error"
    (error,) = described["errors"]
    assert error["count"] == 2
    assert error["reason"] == "scenario send-then-close: answer() raised KeyError: 'steps'"
