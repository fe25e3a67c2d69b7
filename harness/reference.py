"""The committed regression reference, and comparing a run with it.

Theory of operation
-------------------

The reference lives in ``reports/reference/``, one JSON file per scenario,
written with sorted keys and one value per line so that ``git diff`` shows
exactly which cell changed. It is generated from a recorded run
(``nox -s reference``), never typed by hand, and reviewed like a snapshot.

For each cell it keeps the *set* of outcome keys observed, with their labels,
and each normalized outcome once. Comparing a run with it gives each cell a
*drift* verdict:

``same``
    every outcome observed now is in the reference's set (a varying cell may
    show fewer of its outcomes in one run);
``changed``
    an outcome appeared that the reference does not have — including a new
    outcome in a cell that already varied: never silently absorbed;
``new``
    the reference has no such cell;
``missing``
    the reference has the cell, the run covered its scenario and peers, but
    did not produce it;
``not-compared``
    the cell did not measure (``error``, ``unavailable``, ``unsupported``
    where the reference measured): never ``same``.

Regenerating merges nothing: the new reference is exactly the run's
observations, so a reviewer sees additions and removals in the diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .exit_codes import BadInputError
from .files import write_json_atomically
from .outcomes import grade_name
from .results import check_shape, read_document
from .schema import CellRecord, Record, ReferenceCell, ReferenceDocument, ResultsDocument
from .text import visible
from .vocabulary import CellStatus, Word

SCHEMA = "websockets-conformance/reference"
SCHEMA_VERSION = 1


class Verdict(Word):
    """A cell's drift from the reference (see the module docstring)."""

    SAME = "same"
    CHANGED = "changed"
    NEW = "new"
    MISSING = "missing"
    NOT_COMPARED = "not-compared"


#: Verdicts that make ``check`` exit with :data:`harness.exit_codes.DRIFT`.
DRIFTED = (Verdict.CHANGED, Verdict.NEW, Verdict.MISSING)


def cell_key(cell: CellRecord) -> str:
    """How the reference names a cell within its scenario's file."""
    return f"{cell['variant']} | {cell['client']} → {cell['server']}"


def build(document: ResultsDocument) -> dict[str, ReferenceDocument]:
    """Reference documents, one per scenario, from a complete results document."""
    if not document["run"].get("complete"):
        raise BadInputError("refusing to build a reference from an incomplete run")
    errors = [cell for cell in document["cells"] if cell["status"] == CellStatus.ERROR]
    if errors:
        raise BadInputError(
            f"refusing to build a reference from a run with {len(errors)} harness-error cells "
            f"(first: {errors[0]['scenario']} {cell_key(errors[0])})"
        )
    by_scenario: dict[str, ReferenceDocument] = {}
    for scenario in document["scenarios"]:
        by_scenario[scenario["id"]] = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "scenario": scenario["id"],
            "question": scenario["question"],
            "generated_from": {
                "harness_version": document["run"]["harness_version"],
                "run_started": document["run"]["started"],
                "repeat": document["run"]["options"]["repeat"],
                "peers": sorted(
                    {
                        cell[role]
                        for cell in document["cells"]
                        if cell["scenario"] == scenario["id"]
                        for role in ("client", "server")
                    }
                ),
            },
            "cells": {},
            "outcomes": {},
        }
    for cell in document["cells"]:
        reference = by_scenario[cell["scenario"]]
        entry: ReferenceCell = {"status": cell["status"]}
        if cell["status"] == CellStatus.MEASURED:
            entry["observed"] = {o["key"]: {"label": o["label"], "grade": grade_name(o)} for o in cell["outcomes"]}
            entry["varies"] = cell["varies"]
            for outcome in cell["outcomes"]:
                reference["outcomes"][outcome["key"]] = outcome["outcome"]
        else:
            entry["reason"] = cell.get("reason", "")
        reference["cells"][cell_key(cell)] = entry
    return by_scenario


def save(directory: Path, references: dict[str, ReferenceDocument]) -> list[Path]:
    """Write one file per scenario, atomically, stable for diffs."""
    written = []
    for scenario_id, reference in sorted(references.items()):
        path = directory / f"{scenario_id}.json"
        write_json_atomically(path, reference, indent=1, sort_keys=True)
        written.append(path)
    return written


def load(directory: Path) -> dict[str, ReferenceDocument]:
    """Read every scenario file of the reference; one-line errors on bad input."""
    if not directory.is_dir():
        raise BadInputError(f"{directory}: no reference (generate one with `nox -s reference`)")
    references: dict[str, ReferenceDocument] = {}
    for path in sorted(directory.glob("*.json")):
        reference = read_document(path, "reference", SCHEMA, SCHEMA_VERSION, "generate one with `nox -s reference`")
        check_shape(path, "reference", reference)
        if reference["scenario"] != path.stem:
            raise BadInputError(f"{path}: corrupt reference file (it holds scenario {reference['scenario']!r})")
        references[reference["scenario"]] = cast(ReferenceDocument, reference)
    if not references:
        raise BadInputError(f"{directory}: empty reference (generate one with `nox -s reference`)")
    return references


@dataclass(frozen=True)
class Drift:
    """One cell's comparison with the reference."""

    scenario: str
    key: str
    verdict: Verdict
    reference_labels: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    detail: str = ""

    def line(self) -> str:
        before = " / ".join(self.reference_labels) or "—"
        after = " / ".join(self.labels) or "—"
        text = f"{self.verdict:8} {self.scenario} {self.key}: {before} → {after}"
        return visible(f"{text} ({self.detail})" if self.detail else text)


def compare(document: ResultsDocument, references: dict[str, ReferenceDocument]) -> list[Drift]:
    """Every cell of the run (and every reference cell it should have produced), with a verdict."""
    drifts = []
    seen: set[tuple[str, str]] = set()
    peers_in_run = {peer["id"] for peer in document["peers"]}
    for cell in document["cells"]:
        key = cell_key(cell)
        seen.add((cell["scenario"], key))
        labels = tuple(o["label"] for o in cell["outcomes"])
        scenario_reference = references.get(cell["scenario"])
        reference_cell = scenario_reference["cells"].get(key) if scenario_reference is not None else None
        if reference_cell is None:
            drifts.append(Drift(cell["scenario"], key, Verdict.NEW, (), labels or (cell["status"],)))
            continue
        observed = reference_cell.get("observed", {})
        reference_labels = tuple(entry["label"] for entry in observed.values()) or (reference_cell["status"],)
        if cell["status"] != CellStatus.MEASURED:
            # Only "unsupported" on both sides is a fact that can stay the
            # same; anything else that did not measure was not compared.
            both_unsupported = cell["status"] == reference_cell["status"] == CellStatus.UNSUPPORTED
            verdict = Verdict.SAME if both_unsupported else Verdict.NOT_COMPARED
            drifts.append(
                Drift(cell["scenario"], key, verdict, reference_labels, (cell["status"],), cell.get("reason", "")[:200])
            )
            continue
        if reference_cell["status"] != CellStatus.MEASURED:
            drifts.append(
                Drift(
                    cell["scenario"],
                    key,
                    Verdict.CHANGED,
                    reference_labels,
                    labels,
                    f"reference was {reference_cell['status']}",
                )
            )
            continue
        unknown = [o for o in cell["outcomes"] if o["key"] not in observed]
        if unknown:
            detail = first_difference(unknown[0]["outcome"], references[cell["scenario"]]["outcomes"], list(observed))
            drifts.append(Drift(cell["scenario"], key, Verdict.CHANGED, reference_labels, labels, detail))
        else:
            drifts.append(Drift(cell["scenario"], key, Verdict.SAME, reference_labels, labels))
    scenarios_in_run = {scenario["id"] for scenario in document["scenarios"]}
    for scenario_id, reference in references.items():
        if scenario_id not in scenarios_in_run:
            continue
        for key, reference_cell in reference["cells"].items():
            client, server = key.split(" | ", 1)[1].split(" → ")
            if (scenario_id, key) in seen or client not in peers_in_run or server not in peers_in_run:
                continue
            labels = tuple(entry["label"] for entry in reference_cell.get("observed", {}).values())
            drifts.append(Drift(scenario_id, key, Verdict.MISSING, labels, ()))
    return drifts


def first_difference(outcome: Record, outcomes: dict[str, Record], keys: list[str]) -> str:
    """Where the new outcome first departs from the closest reference outcome."""
    best = ""
    for key in keys:
        reference = outcomes.get(key)
        if reference is None:
            continue
        path = _difference(reference, outcome, "")
        if path and (not best or len(path) > len(best)):
            best = path
    return best


def _difference(before: Any, after: Any, path: str) -> str:
    if type(before) is not type(after):
        return f"{path or '.'}: {_short(before)} → {_short(after)}"
    if isinstance(before, dict):
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                return _difference(before.get(key), after.get(key), f"{path}.{key}")
        return ""
    if isinstance(before, list):
        if len(before) != len(after):
            return f"{path}: {len(before)} items → {len(after)} items"
        for index, (left, right) in enumerate(zip(before, after)):
            if left != right:
                return _difference(left, right, f"{path}[{index}]")
        return ""
    return f"{path}: {_short(before)} → {_short(after)}" if before != after else ""


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def counts(drifts: list[Drift]) -> dict[Verdict, int]:
    """How many cells got each verdict, every verdict listed."""
    result = dict.fromkeys(Verdict, 0)
    for drift in drifts:
        result[drift.verdict] += 1
    return result
