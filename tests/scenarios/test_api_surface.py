"""api-surface: label and grade on hand-built outcomes."""

from wsconform.peer import scenario
from wsconform.testing import CONNECTED, outcome, step, unsupported, value

SCENARIO = scenario.load("api-surface")


def probe(present):
    connection = {name: {"present": name in present} for name in ("close_code", "fail_connection", "open", "state")}
    return step("probe", value({"connection": connection}), duration=None)


def test_label_lists_the_key_attributes_present():
    case = outcome({}, client=[CONNECTED, probe({"close_code", "state"})])
    assert SCENARIO.label(case) == "has close_code, state"
    assert SCENARIO.grade(case) == ("informational", "has close_code, state")


def test_label_when_none_is_present():
    case = outcome({}, client=[CONNECTED, probe(set())])
    assert SCENARIO.label(case).startswith("has none of close_code, fail_connection")


def test_probe_failed():
    assert SCENARIO.label(outcome({}, client=[CONNECTED, step("probe", unsupported())])) == "probe failed"
    assert SCENARIO.label(outcome({}, client=[CONNECTED])) == "probe failed"
