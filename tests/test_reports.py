import copy

from harness import reports
from harness.reference import build, compare

SCRIPT = "<script>alert('x')</script>"


def exception(cls, message, caught):
    return {"class": cls, "mro": [cls], "str": message, "caught_by": caught}


def cell(scenario, variant, client, server, label, step_result, grade="ok", status="measured"):
    outcome = {"client": {"steps": [{"step": "connect", "result": step_result}]}, "server": {"steps": []}}
    return {
        "scenario": scenario,
        "variant": variant,
        "client": client,
        "server": server,
        "status": status,
        "reason": "",
        "runs": 2,
        "varies": False,
        "errors": [],
        "outcomes": [
            {
                "key": label,
                "label": label,
                "count": 2,
                "grade": {"grade": grade, "reason": "r"},
                "answer": {"label": label},
                "evidence": 1,
                "outcome": outcome,
                "seconds": {"min": 0, "median": 0, "max": 0},
                "example": {
                    "client": {"steps": [dict(step="connect", args={}, elapsed=0.01, result=step_result)]},
                    "server": None,
                },
            }
        ],
    }


OLD, NEW = "10.4/default/py3.13", "14.2/default/py3.13"
CAUGHT_OLD = {"websockets.exceptions.InvalidMessage": True, "builtins.EOFError": False}
CAUGHT_NEW = {"websockets.exceptions.InvalidMessage": False, "builtins.EOFError": True}


def document():
    return {
        "run": {
            "started": "2026-11-21T00:00:00+00:00",
            "finished": "f",
            "harness_version": "0.1.0",
            "seconds": 1.0,
            "complete": True,
            "platform": "Linux",
            "options": {"repeat": 2},
        },
        "totals": {"cases": 4},
        "peers": [
            {"id": OLD, "version": "10.4", "implementation": "default", "status": "available", "resolves_to": "legacy"},
            {
                "id": NEW,
                "version": "14.2",
                "implementation": "default",
                "status": "available",
                "resolves_to": "asyncio",
            },
            {"id": "fault", "version": "fault", "implementation": "fault", "status": "available", "resolves_to": None},
        ],
        "clients": [OLD, NEW],
        "servers": [OLD, NEW],
        "scenarios": [
            {
                "id": "handshake-non-ready",
                "question": "Which exception?",
                "servers": "fault",
                "variants": [{"name": "accept-close"}],
                "links": ["https://github.com/python-websockets/websockets/issues/1547"],
            }
        ],
        "cells": [
            cell(
                "handshake-non-ready",
                "accept-close",
                OLD,
                "fault",
                "InvalidMessage ← EOFError",
                {
                    "kind": "exception",
                    "exception": exception("websockets.exceptions.InvalidMessage", SCRIPT, CAUGHT_OLD),
                },
            ),
            cell(
                "handshake-non-ready",
                "accept-close",
                NEW,
                "fault",
                "EOFError ← EOFError",
                {"kind": "exception", "exception": exception("builtins.EOFError", "stream ends", CAUGHT_NEW)},
                grade="non-strict",
            ),
        ],
        "api_surface": {
            OLD: {"connection.fail_connection": {"present": True}},
            NEW: {"connection.fail_connection": {"present": False}},
        },
    }


def test_dashboard_escapes_everything_recorded():
    html = reports.dashboard_html(document(), None)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # the dashboard's own


def test_dashboard_is_self_contained():
    html = reports.dashboard_html(document(), None)
    assert "http://" not in html.replace("https://github.com/python-websockets", "")
    assert "<link" not in html and "src=" not in html


def test_summary_counts_verdicts_and_lists_failures_and_drift():
    doc = document()
    changed = copy.deepcopy(doc)
    changed["cells"][1]["outcomes"][0]["key"] = "other"
    changed["cells"][1]["outcomes"][0]["label"] = "InvalidMessage"
    text = reports.summary_markdown(changed, compare(changed, build(doc)))
    assert "| `non-strict` | 1 |" in text and "| `ok` | 1 |" in text
    assert "| new-outcome | 1 |" in text  # 2 runs against 2: not significant on its own
    assert "EOFError ← EOFError → InvalidMessage" in text


def test_upgrade_report_finds_behaviour_api_and_except_changes():
    report = reports.upgrade_report(document(), "10.4", "14.2", "default")
    (change,) = report.behaviour
    assert (change["before"], change["after"]) == (["InvalidMessage ← EOFError"], ["EOFError ← EOFError"])
    assert change["links"] == ["https://github.com/python-websockets/websockets/issues/1547"]
    assert report.api == [{"feature": "connection.fail_connection", "change": "gone"}]
    (clause,) = report.except_clauses
    assert clause["clause"] == "websockets.exceptions.InvalidMessage"
    assert clause["now"] == "not caught"
    markdown = reports.upgrade_markdown(report, document())
    assert "except websockets.exceptions.InvalidMessage" in markdown
    html = reports.upgrade_html(report, document())
    assert '<td class="before">InvalidMessage ← EOFError</td>' in html
