"""wsconform.rendering.junit: one test case per cell; failures for failed grades and drift; inert text."""

import copy
import xml.etree.ElementTree as ElementTree

from hypothesis import given
from hypothesis import strategies as st

from tests.test_reports import document
from wsconform.model.reference import build, cell_key, compare
from wsconform.rendering import junit


def cases(xml):
    root = ElementTree.fromstring(xml.encode())
    return root, {case.get("name"): case for case in root.iter("testcase")}


def test_one_case_per_cell_and_failures_for_failed_grades():
    doc = document()
    doc["cells"][1]["outcomes"][0]["grade"] = {"grade": "failed", "reason": "stream ends"}
    root, found = cases(junit.document_xml(doc, None))
    assert root.get("tests") == "2" and root.get("failures") == "1"
    (failed,) = [case for case in found.values() if case.find("failure") is not None]
    assert "graded failed: stream ends" in failed.find("failure").get("message")
    assert failed.get("classname") == "handshake-non-ready.accept-close"


def test_drift_is_a_failure_and_cells_that_did_not_run_are_skipped():
    doc = document()
    references = build(doc)
    first = doc["cells"][0]
    del references[first["scenario"]]["cells"][cell_key(first)]  # the reference has never seen it: "new"
    changed = copy.deepcopy(doc)
    changed["cells"][1]["status"] = "unsupported"
    changed["cells"][1]["reason"] = "no such API"
    changed["cells"][1]["outcomes"] = []
    root, found = cases(junit.document_xml(changed, compare(changed, references)))
    assert root.get("failures") == "1" and root.get("skipped") == "1"
    skipped = [case for case in found.values() if case.find("skipped") is not None]
    assert skipped[0].find("skipped").get("message") == "unsupported: no such API"


def test_harness_errors_are_errors():
    doc = document()
    doc["cells"][0].update(status="error", outcomes=[], errors=[{"reason": "agent died", "count": 2}])
    root, _ = cases(junit.document_xml(doc, None))
    assert root.get("errors") == "1"


@given(st.text())
def test_any_recorded_text_makes_well_formed_xml(text):
    doc = document()
    doc["cells"][0]["outcomes"][0]["label"] = text
    doc["cells"][0]["variant"] = text
    root, _ = cases(junit.document_xml(doc, None))  # parses: no raw control character, no lone surrogate
    assert root.get("tests") == "2"
