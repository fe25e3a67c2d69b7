"""wsconform.model.upgrade: pairing FROM's cells with TO's, each aspect, grouping, ordering."""

import pytest

from wsconform.model import upgrade
from wsconform.model.upgrade import Aspect, Severity

OLD, NEW, OTHER, THIRD = "13.1/default/py3.13", "14.0/default/py3.13", "8.1/default/py3.9", "10.4/default/py3.13"
ROLES = ("client", "server")


def exception(cls, text="", caught=None):
    return {"class": cls, "str": text, "caught_by": caught or {}}


def side(*steps, events=()):
    return {"steps": list(steps), "events": list(events)}


def raised(step, exc, warnings=()):
    result = {"kind": "exception", "exception": exc}
    return {"step": step, "result": result, "warnings": list(warnings)}


def outcome(key, count, label, grade="ok", client=None, server=None, answer=None):
    return {
        "key": key,
        "count": count,
        "label": label,
        "grade": {"grade": grade, "reason": f"because {label}"},
        "answer": answer if answer is not None else {"label": label},
        "evidence": 1,
        "outcome": {"client": client or side(), "server": server or side()},
        "seconds": {"min": 0, "median": 0, "max": 0},
    }


def cell(scenario, variant, client, server, *outcomes, status="measured", reason=""):
    return {
        "scenario": scenario,
        "variant": variant,
        "client": client,
        "server": server,
        "status": status,
        "reason": reason,
        "runs": sum(o["count"] for o in outcomes),
        "varies": len(outcomes) > 1,
        "outcomes": list(outcomes),
        "errors": [],
    }


def peer(peer_id):
    version, implementation, _ = peer_id.split("/")
    return {"id": peer_id, "version": version, "implementation": implementation, "status": "available"}


def document(*cells, api=None):
    return {
        "peers": [peer(p) for p in (OLD, NEW, OTHER, THIRD)],
        "scenarios": [
            {"id": "s", "question": "What?", "servers": "all", "variants": [], "links": ["https://example.org/s"]}
        ],
        "cells": list(cells),
        "api_surface": api or {},
        "interpreters": [],
    }


def pair(role, before, after, counterpart=OTHER, variant="v"):
    """FROM's cell and TO's for FROM playing ``role`` against ``counterpart``."""
    if role == "client":
        return cell("s", variant, OLD, counterpart, *before), cell("s", variant, NEW, counterpart, *after)
    return cell("s", variant, counterpart, OLD, *before), cell("s", variant, counterpart, NEW, *after)


@pytest.mark.parametrize("role", ROLES)
def test_the_same_answer_is_unchanged(role):
    report = upgrade.compare(document(*pair(role, [outcome("a", 10, "A")], [outcome("a", 10, "A")])), "13.1", "14.0")
    assert report.changes == () and report.unchanged == 1


@pytest.mark.parametrize("role", ROLES)
def test_a_failed_answer_after_the_upgrade_is_a_break(role):
    before, after = [outcome("a", 10, "3 msgs")], [outcome("b", 10, "0 msgs", grade="failed")]
    (change,) = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0").changes
    assert (change.severity, change.aspect) == (Severity.BREAK, Aspect.ANSWER)
    assert (change.before, change.after) == ("3 msgs", "0 msgs")
    assert change.detail == "graded failed: because 0 msgs"
    assert change.roles == (role,) and change.counterparts == ("8.1/default",)


def test_a_failure_that_was_already_there_is_a_change_not_a_break():
    before, after = [outcome("a", 10, "A", grade="failed")], [outcome("b", 10, "B", grade="failed")]
    (change,) = upgrade.compare(document(*pair("client", before, after)), "13.1", "14.0").changes
    assert change.severity == Severity.CHANGE


def test_labels_that_read_alike_still_differ_by_answer():
    before = [outcome("a", 10, "same", answer={"code": 1000})]
    after = [outcome("b", 10, "same", answer={"code": None})]
    (change,) = upgrade.compare(document(*pair("client", before, after)), "13.1", "14.0").changes
    assert change.detail == "code=null"


def test_one_change_lists_every_counterpart_and_variant_once():
    before, after = [outcome("a", 10, "A", answer={"x": 1})], [outcome("b", 10, "B", answer={"x": 2})]
    cells = [
        *pair("client", before, after, OTHER, "v1"),
        *pair("client", before, after, THIRD, "v1"),
        *pair("server", before, after, OTHER, "v2"),
    ]
    (change,) = upgrade.compare(document(*cells), "13.1", "14.0").changes
    assert change.counterparts == ("8.1/default", "10.4/default")  # by version
    assert change.variants == ("v1", "v2") and set(change.roles) == set(ROLES)


def test_against_itself_pairs_from_from_with_to_to():
    cells = [cell("s", "v", OLD, OLD, outcome("a", 10, "A")), cell("s", "v", NEW, NEW, outcome("b", 10, "B"))]
    (change,) = upgrade.compare(document(*cells), "13.1", "14.0").changes
    assert change.counterparts == ("itself",)


@pytest.mark.parametrize("role", ROLES)
def test_a_step_unsupported_in_to_reads_removed_in_to(role):
    before = [outcome("a", 10, "server sees 1011")]
    old, new = pair(role, before, [])
    new.update(status="unsupported", reason="abort: the connection has no fail_connection()")
    (change,) = upgrade.compare(document(old, new), "13.1", "14.0").changes
    assert change.severity == Severity.BREAK and change.aspect == Aspect.STATUS
    assert change.after == "removed in 14.0: abort: the connection has no fail_connection()"


@pytest.mark.parametrize("status", ["unavailable", "error", "not-run"])
def test_cells_that_did_not_measure_are_not_compared(status):
    old, new = pair("client", [outcome("a", 10, "A")], [])
    new["status"] = status
    report = upgrade.compare(document(old, new), "13.1", "14.0")
    assert report.changes == () and report.not_compared == 1 and report.unchanged == 0


@pytest.mark.parametrize("role", ROLES)
def test_a_racy_cell_whose_answers_overlap_is_racy_only_when_significant(role):
    noisy = [outcome("a", 50, "A"), outcome("b", 50, "B")]
    shifted = [outcome("a", 52, "A"), outcome("b", 48, "B")]
    report = upgrade.compare(document(*pair(role, noisy, shifted)), "13.1", "14.0")
    assert report.changes == () and report.unchanged == 1
    moved = [outcome("a", 2, "A"), outcome("b", 98, "B")]
    (change,) = upgrade.compare(document(*pair(role, noisy, moved)), "13.1", "14.0").changes
    assert change.severity == Severity.RACY and change.p_value is not None and change.p_value < 1e-6


def test_disjoint_answers_are_a_change_even_when_one_side_varies():
    racy, other = [outcome("a", 5, "A"), outcome("b", 5, "B")], [outcome("c", 1, "C")]
    (change,) = upgrade.compare(document(*pair("client", racy, other)), "13.1", "14.0").changes
    assert change.severity == Severity.CHANGE


@pytest.mark.parametrize("role", ROLES)
def test_an_except_clause_that_stops_catching_is_a_break(role):
    clause = "websockets.exceptions.InvalidMessage"
    old_side = side(raised("connect", exception("websockets.exceptions.InvalidMessage", "", {clause: True})))
    new_side = side(raised("connect", exception("builtins.EOFError", "", {clause: False})))
    before = [outcome("a", 10, "A", **{role: old_side})]
    after = [outcome("a", 10, "A", **{role: new_side})]
    (change,) = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0").changes
    assert (change.severity, change.aspect) == (Severity.BREAK, Aspect.CATCHING)
    assert change.title == f"except {clause}" and change.after == "builtins.EOFError (not caught)"


@pytest.mark.parametrize("role", ROLES)
def test_a_call_that_stops_raising_is_not_paired_with_another_calls_exception(role):
    """14.1's recv(timeout=0) raised TimeoutError; 14.2's returns the message,
    and a later call raises ConnectionClosedOK: a fix, not an except clause
    that stops catching."""
    clause = "builtins.TimeoutError"
    returned = {"step": "recv", "result": {"kind": "value", "value": "ready"}}
    old_side = side(
        raised("recv", exception("builtins.TimeoutError", "", {clause: True})),
        raised("close", exception("websockets.exceptions.ConnectionClosedOK", "", {clause: False})),
    )
    new_side = side(
        returned, raised("close", exception("websockets.exceptions.ConnectionClosedOK", "", {clause: False}))
    )
    before = [outcome("a", 10, "A", **{role: old_side})]
    after = [outcome("b", 10, "B", **{role: new_side})]
    changes = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0").changes
    assert [change.aspect for change in changes] == [Aspect.ANSWER]


@pytest.mark.parametrize("role", ROLES)
def test_the_same_calls_exceptions_are_compared_whatever_came_before(role):
    """One more call raising earlier does not shift the pairing of the rest."""
    clause = "websockets.exceptions.InvalidMessage"
    later = raised("recv", exception("websockets.exceptions.InvalidMessage", "", {clause: True}))
    old_side = side(later)
    new_side = side(
        raised("send", exception("builtins.RuntimeError", "", {clause: False})),
        raised("recv", exception("builtins.EOFError", "", {clause: False})),
    )
    before = [outcome("a", 10, "A", **{role: old_side})]
    after = [outcome("b", 10, "B", **{role: new_side})]
    changes = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0").changes
    (catching,) = [change for change in changes if change.aspect == Aspect.CATCHING]
    assert catching.after == "builtins.EOFError (not caught)"


@pytest.mark.parametrize("role", ROLES)
def test_new_warnings_and_changed_messages_are_warnings(role):
    warning = {"category": "builtins.DeprecationWarning", "message": "remove second argument"}
    old_side = side(raised("recv", exception("X", "sent 1011 (unexpected error)")))
    new_side = side(
        raised("recv", exception("X", "sent 1011 (internal error)")), events=[{"kind": "warnings", **warning}]
    )
    before = [outcome("a", 10, "A", **{role: old_side})]
    after = [outcome("a", 10, "A", **{role: new_side})]
    changes = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0").changes
    assert [(c.severity, c.aspect) for c in changes] == [
        (Severity.WARNING, Aspect.WARNINGS),
        (Severity.WARNING, Aspect.MESSAGES),
    ]
    assert changes[0].after == "DeprecationWarning: remove second argument"
    assert (changes[1].before, changes[1].after) == ("sent 1011 (unexpected error)", "sent 1011 (internal error)")


def test_the_counterparts_warnings_are_not_the_upgrades():
    warning = {"category": "builtins.DeprecationWarning", "message": "w"}
    before = [outcome("a", 10, "A")]
    after = [outcome("a", 10, "A", server=side(events=[{"kind": "warnings", **warning}]))]
    report = upgrade.compare(document(*pair("client", before, after)), "13.1", "14.0")
    assert report.changes == ()


def test_api_features_gone_moved_warning_and_new():
    api = {
        OLD: {
            "connection.fail_connection": {"present": True},
            "server-connection.fail_connection": {"present": True},
            "websockets.connect": {"present": True, "resolves_to": "websockets.legacy.client.Connect"},
            "websockets.InvalidStatusCode": {"present": True, "resolves_to": "x.InvalidStatusCode"},
        },
        NEW: {
            "connection.request": {"present": True},
            "websockets.connect": {"present": True, "resolves_to": "websockets.asyncio.client.connect"},
            "websockets.InvalidStatusCode": {
                "present": True,
                "resolves_to": "x.InvalidStatusCode",
                "warns": ["builtins.DeprecationWarning"],
            },
        },
    }
    changes = upgrade.compare(document(api=api), "13.1", "14.0").changes
    found = {(c.severity, c.title): c for c in changes}
    removed = found[(Severity.BREAK, "fail_connection")]
    assert removed.after == "removed in 14.0"
    assert removed.features == ("connection.fail_connection", "server-connection.fail_connection")
    assert removed.fix == upgrade.FIXES["fail_connection"]
    assert found[(Severity.BREAK, "connect")].after == "moved: websockets.asyncio.client.connect"
    assert found[(Severity.WARNING, "InvalidStatusCode")].after == "warns: builtins.DeprecationWarning"
    assert found[(Severity.CHANGE, "new in 14.0")].after == "connection.request"


def test_changes_come_worst_first():
    cells = [
        *pair("client", [outcome("a", 10, "A")], [outcome("b", 10, "B")], variant="change"),
        *pair("client", [outcome("a", 10, "A")], [outcome("f", 10, "F", grade="failed")], variant="break"),
    ]
    severities = [c.severity for c in upgrade.compare(document(*cells), "13.1", "14.0").changes]
    assert severities == [Severity.BREAK, Severity.CHANGE]


def test_a_version_the_results_do_not_have_is_bad_input():
    from wsconform.core.exit_codes import BadInputError

    with pytest.raises(BadInputError, match=r"no peer 9\.9/default"):
        upgrade.compare(document(), "9.9", "14.0")


@pytest.mark.parametrize(
    ("before", "other", "alike"),
    [
        ({"a": 10}, {"a": 10}, True),
        ({"a": 10}, {"b": 10}, False),
        ({"a": 50, "b": 50}, {"a": 45, "b": 55}, True),
        ({"a": 50, "b": 50}, {"a": 2, "b": 98}, False),
        ({"a": 5, "b": 5}, {"c": 10}, False),
    ],
)
def test_alike_answers_allow_a_race_to_show_its_other_side(before, other, alike):
    probe = upgrade.Probe(Aspect.ANSWER, upgrade.Site("s", "v", "client", "itself"))
    assert upgrade.alike(probe, before, other) is alike


def test_changelog_links_name_the_release_section():
    assert upgrade.changelog_link("14.0").endswith("changelog.rst#140")
    assert upgrade.changelog_link("11.0.1").endswith("changelog.rst#1101")


@pytest.mark.parametrize(
    ("before", "after", "severity", "what"),
    [
        (
            [["ws", "positional"], ["raise_exceptions", "positional", "False"]],
            [["ws", "positional"], ["raise_exceptions", "keyword-only", "False"]],
            Severity.BREAK,
            "now keyword-only: raise_exceptions",
        ),
        (
            [["uri", "positional"], ["loop", "positional", "None"]],
            [["uri", "positional"]],
            Severity.BREAK,
            "removed: loop",
        ),
        (  # 14.0's connect(): the replacement is named with the removal
            [["uri", "positional"], ["extra_headers", "keyword-only", "None"], ["kwargs", "**kwargs"]],
            [["uri", "positional"], ["additional_headers", "keyword-only", "None"], ["kwargs", "**kwargs"]],
            Severity.BREAK,
            "removed: extra_headers; new: additional_headers",
        ),
        (
            [["uri", "positional"], ["open_timeout", "keyword-only", "10"]],
            [["uri", "positional"], ["open_timeout", "keyword-only", "20"], ["proxy", "keyword-only", "True"]],
            Severity.CHANGE,
            "defaults: open_timeout 10 → 20; new: proxy",
        ),
    ],
)
def test_a_signature_change_breaks_only_existing_calls(before, after, severity, what):
    assert upgrade.signature_change(before, after) == (severity, what)


def test_a_bad_call_that_raises_another_class_is_a_break():
    call = "call basic_auth() without credentials · websockets.asyncio.server.basic_auth"
    api = {
        OLD: {call: {"present": True, "raises": "builtins.TypeError"}},
        NEW: {call: {"present": True, "raises": "builtins.ValueError", "message": "provide credentials"}},
    }
    (change,) = upgrade.compare(document(api=api), "13.1", "14.0").changes
    assert change.severity == Severity.BREAK
    assert (change.before, change.after) == (
        "raises builtins.TypeError",
        "raises builtins.ValueError: provide credentials",
    )


def test_an_exception_built_as_tests_build_it_that_now_raises_is_a_break_and_a_new_message_a_warning():
    built = "call InvalidStatusCode(403) · websockets.exceptions.InvalidStatusCode"
    closed = "call ConnectionClosedOK(None, None) · websockets.exceptions.ConnectionClosedOK"
    api = {
        OLD: {
            built: {"present": True, "returns": "InvalidStatusCode", "str": "status code 403"},
            closed: {
                "present": True,
                "returns": "ConnectionClosedOK",
                "str": "code = 1006 (connection closed abnormally)",
            },
        },
        NEW: {
            built: {"present": True, "raises": "builtins.TypeError", "message": "missing 'headers'"},
            closed: {"present": True, "returns": "ConnectionClosedOK", "str": "no close frame received or sent"},
        },
    }
    changes = {change.title: change for change in upgrade.compare(document(api=api), "13.1", "14.0").changes}
    assert changes[built].severity == Severity.BREAK
    assert changes[built].after == "raises builtins.TypeError: missing 'headers'"
    assert changes[closed].severity == Severity.WARNING
    assert changes[closed].after == "str(): no close frame received or sent"


def test_the_same_field_changing_from_the_same_value_is_one_change():
    cells = [
        *pair(
            "client",
            [outcome("a", 10, "1000", answer={"close_code": None})],
            [outcome("b", 10, "1000", answer={"close_code": 1000})],
            variant="v1000",
        ),
        *pair(
            "client",
            [outcome("c", 10, "1001", answer={"close_code": None})],
            [outcome("d", 10, "1001", answer={"close_code": 1001})],
            variant="v1001",
        ),
        *pair(
            "client",
            [outcome("e", 10, "E", answer={"close_code": 5})],
            [outcome("f", 10, "F", answer={"close_code": 6})],
            variant="other",
        ),
    ]
    changes = upgrade.compare(document(*cells), "13.1", "14.0").changes
    assert [change.variants for change in changes] == [("v1000", "v1001"), ("other",)]
    # One change, and each of its answers shown: two answers never share a label.
    assert changes[0].detail == "close_code=1000; close_code=1001"
    assert (changes[0].before, changes[0].after) == ("1000 / 1001", "1000 / 1001")


def test_a_signature_change_is_observed_for_bisection():
    probe = upgrade.Probe(Aspect.API, upgrade.Site("api-surface", "probe", "client", "itself"), "signature f")
    before = upgrade.observe(probe, None, {"signature f": {"present": True, "signature": "(a, b)"}})
    after = upgrade.observe(probe, None, {"signature f": {"present": True, "signature": "(a, *, b)"}})
    assert not upgrade.alike(probe, before, after)


def test_a_calling_convention_break_is_observed_on_the_parameters_from_had_only():
    api = {
        OLD: {
            "signature f": {
                "present": True,
                "signature": "(a, b)",
                "parameters": [["a", "positional"], ["b", "positional"]],
            }
        },
        NEW: {
            "signature f": {
                "present": True,
                "signature": "(a, *, b, c)",
                "parameters": [["a", "positional"], ["b", "keyword-only"], ["c", "keyword-only"]],
            }
        },
    }
    (change,) = upgrade.compare(document(api=api), "13.1", "14.0").changes
    probe = change.probe
    assert probe is not None and probe.parameters == ("a", "b")
    baseline = upgrade.observe(probe, None, api[OLD])
    added_only = {
        "signature f": {
            "present": True,
            "parameters": [["a", "positional"], ["b", "positional"], ["c", "keyword-only"]],
        }
    }
    assert upgrade.alike(probe, baseline, upgrade.observe(probe, None, added_only))  # a new parameter is not the break
    assert not upgrade.alike(probe, baseline, upgrade.observe(probe, None, api[NEW]))


def test_the_same_field_changing_to_the_same_value_is_one_change():
    cells = [
        *pair(
            "client",
            [outcome("a", 10, "1000", answer={"close_code": 1000})],
            [outcome("b", 10, "1000", answer={"close_code": None})],
            variant="v1000",
        ),
        *pair(
            "server",
            [outcome("c", 10, "1001", answer={"close_code": 1001})],
            [outcome("d", 10, "1001", answer={"close_code": None})],
            variant="v1001",
        ),
        *pair(
            "client",
            [outcome("e", 10, "E", answer={"exception": "InvalidStatusCode"})],
            [outcome("f", 10, "F", answer={"exception": "InvalidStatus"})],
            variant="x",
        ),
        *pair(
            "client",
            [outcome("g", 10, "G", answer={"exception": "InvalidMessage"})],
            [outcome("h", 10, "H", answer={"exception": "EOFError"})],
            variant="y",
        ),
    ]
    changes = upgrade.compare(document(*cells), "13.1", "14.0").changes
    assert sorted(change.variants for change in changes) == [("v1000", "v1001"), ("x",), ("y",)]


def logged(level, message="connection handler failed", logger="websockets.server"):
    return {"kind": "logged", "phase": "between-steps", "logger": logger, "level": level, "message": message}


def with_log(key, *records):
    made = outcome(key, 10, "A", answer={"same": True})
    made["outcome"]["server"] = side(events=records)
    made["outcome"]["client"] = side(events=records)
    return made


@pytest.mark.parametrize("role", ROLES)
def test_a_record_that_rises_to_error_is_a_warning_and_one_that_goes_is_a_change(role):
    before = [with_log("a", logged("INFO"), logged("INFO", "connection open"))]
    after = [with_log("a", logged("ERROR"))]
    report = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0")
    found = {(change.severity, change.title): change for change in report.changes}
    rose = found[(Severity.WARNING, "websockets.server logs at ERROR")]
    assert (rose.aspect, rose.before, rose.after) == (
        Aspect.LOGS,
        "INFO: connection handler failed",
        "ERROR: connection handler failed",
    )
    gone = found[(Severity.CHANGE, "websockets.server no longer logs")]
    assert (gone.before, gone.after) == ("INFO: connection open", "not logged")
    assert len(report.changes) == 2  # the answer itself did not change


@pytest.mark.parametrize("role", ROLES)
def test_a_record_that_appears_at_error_is_a_warning_and_one_that_stays_is_nothing(role):
    before = [with_log("a", logged("ERROR", "stays"))]
    after = [with_log("a", logged("ERROR", "stays"), logged("ERROR", "new"))]
    (change,) = upgrade.compare(document(*pair(role, before, after)), "13.1", "14.0").changes
    assert (change.severity, change.before, change.after) == (Severity.WARNING, "not logged", "ERROR: new")


def test_a_log_change_is_observed_for_bisection():
    site = upgrade.Site("s", "v", "client", "8.1/default")
    probe = upgrade.Probe(Aspect.LOGS, site, "websockets.server: connection handler failed")
    (old, new) = pair("client", [with_log("a", logged("INFO"))], [with_log("a", logged("ERROR"))])
    assert upgrade.observe(probe, old) == "INFO" and upgrade.observe(probe, new) == "ERROR"
