"""JUnit XML for CI test reporters: one test case per cell.

A test suite per scenario; a test case per cell, named ``variant · client →
server``. A cell whose worst grade is ``failed`` is a *failure*, and so is a
cell that drifted from the reference (``changed``, ``new``, ``missing``; a
``new-outcome`` only with ``--strict``); a harness error is an *error*; a cell
that could not run (unsupported, unavailable, not run) is *skipped* with its
reason. Everything recorded passes through :func:`wsconform.core.text.visible`, so
control characters — which XML 1.0 cannot carry — arrive as escapes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

from wsconform.core.files import write_text_atomically
from wsconform.core.schema import CellRecord, ResultsDocument
from wsconform.core.text import visible
from wsconform.core.vocabulary import CellStatus
from wsconform.model.classification import worst_grade
from wsconform.model.reference import DRIFTED, Drift, cell_key
from wsconform.peer.scenario import Grade


def document_xml(document: ResultsDocument, drifts: list[Drift] | None) -> str:
    """The JUnit XML of a results document (and its drift, when compared)."""
    drift_of = {(drift.scenario, drift.key): drift for drift in drifts or []}
    by_scenario: dict[str, list[CellRecord]] = defaultdict(list)
    for cell in document["cells"]:
        by_scenario[cell["scenario"]].append(cell)
    root = ElementTree.Element("testsuites", name="websockets conformance")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for scenario in document["scenarios"]:
        suite = ElementTree.SubElement(root, "testsuite", name=visible(scenario["id"]))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for cell in by_scenario.get(scenario["id"], []):
            counts["tests"] += 1
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=visible(f"{scenario['id']}.{cell['variant']}"),
                name=visible(f"{cell['variant']} · {cell['client']} → {cell['server']}"),
                time=f"{_seconds(cell):.3f}",
            )
            labels = " / ".join(outcome["label"] for outcome in cell["outcomes"])
            drift = drift_of.get((cell["scenario"], cell_key(cell)))
            if cell["status"] == CellStatus.ERROR:
                counts["errors"] += 1
                errors = "; ".join(error["reason"] for error in cell["errors"]) or cell.get("reason", "")
                ElementTree.SubElement(case, "error", message=visible(errors[:500]))
            elif cell["status"] != CellStatus.MEASURED:
                counts["skipped"] += 1
                ElementTree.SubElement(case, "skipped", message=visible(f"{cell['status']}: {cell.get('reason', '')}"))
            elif worst_grade(cell) == Grade.FAILED or (drift is not None and drift.verdict in DRIFTED):
                counts["failures"] += 1
                reasons: list[str] = []
                failed = [o["grade"] for o in cell["outcomes"] if o["grade"] and o["grade"]["grade"] == Grade.FAILED]
                if failed and failed[0] is not None:
                    reasons.append(f"graded failed: {failed[0]['reason']}")
                if drift is not None and drift.verdict in DRIFTED:
                    reasons.append(drift.line().strip())
                failure = ElementTree.SubElement(case, "failure", message=visible("; ".join(reasons))[:500])
                failure.text = visible(labels)
            ElementTree.SubElement(case, "system-out").text = visible(labels)
        for name, value in counts.items():
            suite.set(name, str(value))
            totals[name] += value
    for name, value in totals.items():
        root.set(name, str(value))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _seconds(cell: CellRecord) -> float:
    """The cell's time: its runs' median durations, weighted by count."""
    return sum(outcome["seconds"].get("median", 0.0) * outcome["count"] for outcome in cell["outcomes"])


def write(path: Path, document: ResultsDocument, drifts: list[Drift] | None) -> None:
    write_text_atomically(path, document_xml(document, drifts))
