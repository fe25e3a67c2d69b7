"""The committed regression reference, and comparing a run with it.

Theory of operation
-------------------

The reference lives in ``reports/reference/``, one JSON file per scenario,
written with sorted keys and one value per line so that ``git diff`` shows
exactly which cell changed. It is generated from a recorded run
(``nox -s reference``), never typed by hand, and reviewed like a snapshot.

For each cell it keeps the *distribution* of answers: the number of runs and
the count of each answer (with its label and grade), and each answer once.
Cells are keyed ``variant | client → server`` where a peer is its version
and implementation (``14.2/default``): the interpreter a machine picked is
recorded in ``generated_from`` and reported once when it differs, so that a
reference travels between machines (``exact_python`` keys on it too).

Comparing a run with it gives each cell a *drift* verdict:

``same``
    no significant difference (see :mod:`wsconform.model.statistics`);
``changed``
    the answer distribution differs significantly — including a cell that
    showed one answer in every reference run and now shows another — by
    Fisher's exact test with Tarone's correction over the cells compared,
    so that a whole matrix of unchanged code reads ``changed`` in at most 1 %
    of runs;
``new-outcome``
    an answer never seen in the reference, not significant on its own (a
    rare race): listed, and drift only under ``--strict``;
``new``
    the reference has no such cell;
``missing``
    the reference has the cell, the run covered its scenario and peers, but
    did not produce it;
``not-compared``
    the cell did not measure (``error``, ``unavailable``, ``not-run``, or
    ``unsupported`` where the reference measured): never ``same``.

Regenerating merges nothing: the new reference is exactly the run's
observations, so a reviewer sees additions and removals in the diff.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

from wsconform.core.exit_codes import BadInputError
from wsconform.core.files import write_json_atomically
from wsconform.core.schema import CellRecord, ReferenceCell, ReferenceDocument, ResultsDocument
from wsconform.core.text import visible
from wsconform.core.vocabulary import CellStatus, Word
from wsconform.model import statistics
from wsconform.model.matrix import display_name
from wsconform.model.outcomes import grade_name, mean_case_seconds
from wsconform.model.results import check_shape, read_document

SCHEMA: Final = "websockets-conformance/reference"
SCHEMA_VERSION: Final = 2


class Verdict(Word):
    """A cell's drift from the reference (see the module docstring)."""

    SAME = "same"
    CHANGED = "changed"
    NEW_OUTCOME = "new-outcome"
    NEW = "new"
    MISSING = "missing"
    NOT_COMPARED = "not-compared"


#: Verdicts that make ``check`` exit with :data:`wsconform.core.exit_codes.DRIFT`;
#: ``--strict`` adds :attr:`Verdict.NEW_OUTCOME`.
DRIFTED = (Verdict.CHANGED, Verdict.NEW, Verdict.MISSING)


def peer_key(peer_id: str, exact_python: bool = False) -> str:
    """How the reference names a peer: ``14.2/default`` (or with its Python)."""
    return peer_id if exact_python else display_name(peer_id)


def key_of(variant: str, client: str, server: str, exact_python: bool = False) -> str:
    """How the reference names a cell within its scenario's file."""
    return f"{variant} | {peer_key(client, exact_python)} → {peer_key(server, exact_python)}"


def cell_key(cell: CellRecord, exact_python: bool = False) -> str:
    """:func:`key_of` for a cell record."""
    return key_of(cell["variant"], cell["client"], cell["server"], exact_python)


#: The durations a reference records: a 1-2-5 scale, so that regenerating the
#: reference does not rewrite every timing for a few milliseconds of noise.
DURATION_SCALE = tuple(m * 10.0**e for e in range(-3, 3) for m in (1, 2, 5))


def one_two_five(seconds: float) -> float:
    """The value of :data:`DURATION_SCALE` nearest ``seconds`` on a log scale."""
    if seconds <= DURATION_SCALE[0]:
        return DURATION_SCALE[0]
    return min(DURATION_SCALE, key=lambda value: abs(math.log(value / seconds)))


def build(document: ResultsDocument, exact_python: bool = False) -> dict[str, ReferenceDocument]:
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
                "exact_python": exact_python,
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
            "answers": {},
        }
    for cell in document["cells"]:
        reference = by_scenario[cell["scenario"]]
        entry: ReferenceCell = {"status": cell["status"]}
        if cell["status"] == CellStatus.MEASURED:
            entry["runs"] = cell["runs"]
            entry["answers"] = {
                o["key"]: {"count": o["count"], "label": o["label"], "grade": grade_name(o)} for o in cell["outcomes"]
            }
            for outcome in cell["outcomes"]:
                reference["answers"][outcome["key"]] = outcome["answer"]
            mean = mean_case_seconds(cell)
            if mean is not None:
                entry["seconds"] = one_two_five(mean)
        else:
            entry["reason"] = cell.get("reason", "")
        reference["cells"][cell_key(cell, exact_python)] = entry
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
        text = f"{self.verdict:12} {self.scenario} {self.key}: {before} → {after}"
        return visible(f"{text} ({self.detail})" if self.detail else text)


def compare(
    document: ResultsDocument, references: dict[str, ReferenceDocument], exact_python: bool = False
) -> list[Drift]:
    """Every cell of the run (and every reference cell it should have produced), with a verdict."""
    drifts: list[Drift | _Pending] = []
    seen: set[tuple[str, str]] = set()
    peers_in_run = {peer_key(peer["id"], exact_python) for peer in document["peers"]}
    for cell in document["cells"]:
        key = cell_key(cell, exact_python)
        seen.add((cell["scenario"], key))
        labels = tuple(o["label"] for o in cell["outcomes"])
        scenario_reference = references.get(cell["scenario"])
        reference_cell = scenario_reference["cells"].get(key) if scenario_reference is not None else None
        if reference_cell is None:
            drifts.append(Drift(cell["scenario"], key, Verdict.NEW, (), labels or (cell["status"],)))
            continue
        answers = reference_cell.get("answers", {})
        reference_labels = tuple(entry["label"] for entry in answers.values()) or (reference_cell["status"],)
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
            detail = f"reference was {reference_cell['status']}"
            drifts.append(Drift(cell["scenario"], key, Verdict.CHANGED, reference_labels, labels, detail))
            continue
        reference_counts = {answer: entry["count"] for answer, entry in answers.items()}
        counts_now = {o["key"]: o["count"] for o in cell["outcomes"]}
        test = statistics.compare_counts(reference_counts, counts_now)
        drifts.append(_Pending(cell, key, reference_labels, labels, test, reference_cell, scenario_reference))
    threshold = statistics.tarone_threshold([d.test.minimum for d in drifts if isinstance(d, _Pending)])
    decided = [d.decide(threshold) if isinstance(d, _Pending) else d for d in drifts]
    scenarios_in_run = {scenario["id"] for scenario in document["scenarios"]}
    for scenario_id, reference in references.items():
        if scenario_id not in scenarios_in_run:
            continue
        for key, reference_cell in reference["cells"].items():
            client, server = key.split(" | ", 1)[1].split(" → ")
            if (scenario_id, key) in seen or client not in peers_in_run or server not in peers_in_run:
                continue
            labels = tuple(entry["label"] for entry in reference_cell.get("answers", {}).values())
            decided.append(Drift(scenario_id, key, Verdict.MISSING, labels, ()))
    return decided


@dataclass(frozen=True)
class _Pending:
    """A measured cell tested against the reference, awaiting the threshold
    that depends on every cell compared."""

    cell: CellRecord
    key: str
    reference_labels: tuple[str, ...]
    labels: tuple[str, ...]
    test: statistics.CellTest
    reference_cell: ReferenceCell
    reference: ReferenceDocument | None

    def decide(self, threshold: float) -> Drift:
        scenario = self.cell["scenario"]
        answers = self.reference_cell.get("answers", {})
        if self.test.p <= threshold:
            return Drift(scenario, self.key, Verdict.CHANGED, self.reference_labels, self.labels, self._shift())
        unseen = [o for o in self.cell["outcomes"] if o["key"] not in answers]
        if unseen:
            detail = f"{unseen[0]['label']} {unseen[0]['count']}/{self.cell['runs']}, never in the reference"
            where = first_difference(
                unseen[0]["answer"], self.reference["answers"] if self.reference else {}, list(answers)
            )
            detail += f" ({where})" if where else ""
            return Drift(scenario, self.key, Verdict.NEW_OUTCOME, self.reference_labels, self.labels, detail)
        return Drift(scenario, self.key, Verdict.SAME, self.reference_labels, self.labels)

    def _shift(self) -> str:
        """``label 7/10 → 0/10, p=…``: the answer whose frequency moved the most."""
        answer = self.test.answer
        label = next((o["label"] for o in self.cell["outcomes"] if o["key"] == answer), None)
        if label is None:
            observed = self.reference_cell.get("answers", {}).get(answer or "")
            label = observed["label"] if observed is not None else "?"
        before, after = self.test.reference_count, self.test.count
        runs = self.reference_cell.get("runs", 0)
        shift = f"{label} {before}/{runs} → {after}/{self.cell['runs']}, p={self.test.p:.2g}"
        known = list(self.reference_cell.get("answers", {}))
        unseen = [o for o in self.cell["outcomes"] if o["key"] not in known]
        if unseen and set(self.labels) & set(self.reference_labels) and self.reference is not None:
            # The labels read alike: say where the answers differ.
            where = first_difference(unseen[0]["answer"], self.reference["answers"], known)
            shift += f"; answers differ at {where}" if where else ""
        return shift


def first_difference(answer: Any, answers: dict[str, Any], keys: list[str]) -> str:
    """Where a new answer first departs from the closest reference answer."""
    best = ""
    for key in keys:
        reference = answers.get(key)
        if reference is None:
            continue
        path = _difference(reference, answer, "")
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


def interpreters_differ(document: ResultsDocument, references: dict[str, ReferenceDocument]) -> list[str]:
    """Peers whose interpreter differs from the one the reference was made on,
    as ``14.2/default: py3.12 → py3.13`` (reported once, at the top of ``check``)."""
    recorded: dict[str, str] = {}
    for reference in references.values():
        for peer_id in reference["generated_from"]["peers"]:
            recorded.setdefault(display_name(peer_id), peer_id)
    lines = []
    for peer in document["peers"]:
        before = recorded.get(display_name(peer["id"]))
        if before is not None and before != peer["id"] and peer["python"]:
            lines.append(f"{display_name(peer['id'])}: {before.rsplit('/', 1)[-1]} → py{peer['python']}")
    return sorted(set(lines))
