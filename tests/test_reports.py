import copy

from wsconform.model import upgrade
from wsconform.model.reference import build, compare
from wsconform.rendering import reports

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
    # The detail's data: JSON with <, > and & escaped, shown as text by the script.
    assert "\\u003cscript\\u003ealert('x')\\u003c/script\\u003e" in html
    assert html.count("<script") == 2  # the dashboard's own: its data and its code


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


def test_upgrade_report_lists_breaks_first_with_anchors_and_no_entities():
    report = upgrade.compare(document(), "10.4", "14.2", "default")
    assert [change.severity for change in report.changes][:2] == [upgrade.Severity.BREAK] * 2
    markdown = reports.upgrade_markdown(report, document())
    assert "except websockets.exceptions.InvalidMessage" in markdown
    assert "`fail_connection`: `present` → `removed in 14.2`" in markdown
    assert "&lt;" not in markdown and "&#" not in markdown
    html = reports.upgrade_html(report, document())
    assert '<a href="#break-1">' in html and 'id="break-1"' in html  # a table of contents, an anchor per change
    assert '<td class="before mono">InvalidMessage ← EOFError</td>' in html


def test_link_text_is_short():
    assert reports.link_text("https://github.com/python-websockets/websockets/issues/1547") == "issue 1547"
    assert reports.link_text("https://websockets.readthedocs.io/en/stable/howto/upgrade.html") == "upgrade"
    exceptions = (
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html#websockets.exceptions.InvalidStatus"
    )
    assert reports.link_text(exceptions) == "InvalidStatus"


def test_wide_grids_show_a_code_per_answer_with_a_legend():
    assert [reports.letters(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]
    wide = copy.deepcopy(document())
    peers = [f"{n}.0/default/py3.13" for n in range(10, 20)]
    for peer in peers:
        wide["peers"].append(
            {
                "id": peer,
                "version": peer.split("/")[0],
                "implementation": "default",
                "status": "available",
                "resolves_to": None,
            }
        )
    wide["scenarios"][0]["servers"] = "peer"
    wide["servers"] = peers
    base = wide["cells"][0]
    wide["cells"] = [dict(copy.deepcopy(base), server=peer) for peer in peers]
    wide["cells"][3]["outcomes"][0]["label"] = "<other>"
    html = reports.dashboard_html(wide, None)
    assert 'title="InvalidMessage ← EOFError"' in html and 'title="&lt;other&gt;"' in html
    assert "<b>A</b> InvalidMessage ← EOFError" in html and "<b>B</b> &lt;other&gt;" in html


def test_an_upgrade_from_a_release_that_cannot_run_says_so_first():
    doc = document()
    (old,) = [peer for peer in doc["peers"] if peer["version"] == "10.4"]
    old.update(status="unavailable", reason="py3.9: smoke failed: TypeError")
    for cell in doc["cells"]:
        if cell["client"] == old["id"] or cell["server"] == old["id"]:
            cell.update(status="unavailable", outcomes=[])
    report = upgrade.compare(doc, "10.4", "14.2", "default")
    assert report.unavailable == (("10.4", "py3.9: smoke failed: TypeError"),)
    markdown = reports.upgrade_markdown(report, doc)
    first = [line for line in markdown.splitlines() if line.strip()][1]
    assert first.startswith("**Nothing could be compared: websockets `10.4` cannot run here**")
    assert "`py3.9: smoke failed: TypeError`" in first
    html = reports.upgrade_html(report, doc)
    assert html.index("Nothing could be compared") < html.index("unchanged")


def test_an_upgrade_between_releases_that_ran_says_nothing_of_the_kind():
    report = upgrade.compare(document(), "10.4", "14.2", "default")
    assert report.unavailable == ()
    assert "Nothing could be compared" not in reports.upgrade_markdown(report, document())


def test_the_glance_counts_cells_the_reference_never_measured_apart_from_differences():
    doc = document()
    echo = {"id": "echo", "question": "?", "servers": "peer", "variants": [{"name": "v"}], "links": []}
    doc["scenarios"].append(echo)
    doc["cells"].append(cell("echo", "v", OLD, NEW, "ok", {"kind": "value", "value": None}))
    doc["cells"].append(cell("echo", "v", NEW, NEW, "ok", {"kind": "value", "value": None}))
    doc["cells"][3]["runs"] = doc["cells"][3]["outcomes"][0]["count"] = 10  # enough runs to tell a change
    known = copy.deepcopy(doc)
    del known["cells"][2]  # the reference never measured OLD → NEW
    known["cells"][2]["outcomes"][0]["key"] = "other"  # and saw NEW → NEW answer otherwise
    known["cells"][2]["outcomes"][0]["answer"] = {"label": "other"}
    html = reports.dashboard_html(doc, compare(doc, build(known)))
    assert html.count(">1 new</span>") == 1 and html.count(">1 differ</span>") == 1
    assert "cells are not in the reference (never measured there)" in html
