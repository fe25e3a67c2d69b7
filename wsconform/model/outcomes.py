"""From raw records to comparable outcomes, and from outcomes to cells.

Theory of operation
-------------------

A raw record holds what one side observed, with timings, ports and object
addresses that differ on every run. An *outcome* is both sides' records with
those made stable:

* durations become coarse buckets (``<0.5s``, ``0.5-2s``, ``2-8s``, ``>8s``)
  chosen far from the delays scenarios use (0.1 s, 0.3 s, 1 s timeouts, 10 s
  library defaults), except for ``sleep``/``pause`` steps, whose length the
  scenario chose;
* the case's port, ``host:port`` pairs, memory addresses and install paths in
  any recorded text are replaced by placeholders;
* wall-clock fields (``elapsed``, ``started_at``, ``at``) are dropped.

Two runs that behave the same give the same outcome, and so the same key.

An outcome's *answer* is the part of it the scenario's question asks about
(its ``answer()``; the whole outcome when it declares none); the rest is
*evidence*. A *cell* keeps the distribution of answers over its repetitions
(counts per answer key), and for each answer the evidence of its first run
and how many distinct outcomes gave it; a cell with more than one answer
*varies*. Two different answers never share a label in a cell: a label that
would is completed with the first field where the answers differ. Harness
errors are counted apart, with their reasons: they are never an answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wsconform.core.schema import CellRecord, ErrorRecord, GradeRecord, OutcomeRecord, Record
from wsconform.core.vocabulary import CellStatus
from wsconform.model.matrix import Cell
from wsconform.peer.labels import unsupported_step
from wsconform.peer.scenario import Grade, LoadedScenario

#: Keys whose values are wall-clock measurements.
TIMING_KEYS = frozenset({"elapsed", "started_at", "called_at", "returned_at", "at", "pid", "seconds"})

#: Steps whose duration is the scenario's choice or the harness's own work,
#: not the library's behaviour: no duration bucket in outcomes.
CHOSEN_DURATION_STEPS = frozenset({"sleep", "pause", "probe", "inspect"})

DURATION_BUCKETS = ((0.5, "<0.5s"), (2.0, "0.5-2s"), (8.0, "2-8s"))


@dataclass(frozen=True)
class CaseResult:
    """One repetition of one cell, as the runner saw it."""

    status: CellStatus  # MEASURED, ERROR or UNSUPPORTED
    client: Record | None = None
    server: Record | None = None
    error: str | None = None
    port: int | None = None
    seconds: float = 0.0


def duration_bucket(seconds: float) -> str:
    for limit, name in DURATION_BUCKETS:
        if seconds < limit:
            return name
    return ">8s"


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{4,}\b")
_HOST_PORT = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]|::1)(['\"]?,\s*|:)\d{2,5}\b")
_SITE_PACKAGES = re.compile(r"[^\s'\"()]*site-packages/")


_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=256)
def _port_pattern(port: int) -> re.Pattern[str]:
    """A bare port number, not part of a longer number or a dotted address."""
    return re.compile(rf"(?<![\d.]){port}(?!\d)")


def normalize_text(text: str, ports: tuple[int, ...] = ()) -> str:
    # Every placeholder replaces something with a digit in it, but for
    # install paths: most recorded text (class names, states, messages)
    # has neither and is returned as it is, without running the patterns.
    if "site-packages/" not in text and _DIGIT.search(text) is None:
        return text
    text = _ADDRESS.sub("0x<address>", text)
    text = _HOST_PORT.sub(lambda m: f"{m.group(1)}{m.group(2)}<port>", text)
    for port in ports:
        # Bare numbers only for real (ephemeral-range) ports: "message 1" stays.
        if port >= 1024 and str(port) in text:
            text = _port_pattern(port).sub("<port>", text)
    return _SITE_PACKAGES.sub("<site-packages>/", text)


def normalize(value: Any, ports: tuple[int, ...] = (), incidental: frozenset[str] = frozenset()) -> Any:
    """Recursively normalize a record (or any part of one), leaving out
    timing fields and the ``incidental`` fields a scenario names."""
    return _normalize(value, ports, TIMING_KEYS | incidental, "duration" not in incidental)


def _normalize(value: Any, ports: tuple[int, ...], skipped: frozenset[str], durations: bool) -> Any:
    """:func:`normalize`, with what it skips computed once per record (the
    orchestrator runs this on every field of every case)."""
    if isinstance(value, str):
        return normalize_text(value, ports)
    if isinstance(value, dict):
        result: Record = {
            key: _normalize(item, ports, skipped, durations) for key, item in value.items() if key not in skipped
        }
        if durations and "step" in value and "elapsed" in value and value["step"] not in CHOSEN_DURATION_STEPS:
            result["duration"] = duration_bucket(float(value["elapsed"]))
        return result
    if isinstance(value, list):
        return [_normalize(item, ports, skipped, durations) for item in value]
    return value


def normalize_side(
    record: Record | None, ports: tuple[int, ...], incidental: frozenset[str] = frozenset()
) -> Record | None:
    """One side's record, normalized; ``role`` and empty ``accessor_warnings`` left out."""
    if record is None:
        return None
    record = {key: item for key, item in record.items() if key not in ("role", "accessor_warnings") or item}
    normalized: Record = normalize(record, ports, incidental)
    return normalized


def outcome_of(scenario: LoadedScenario, cell: Cell, result: CaseResult) -> Record:
    """Both sides' records of one case, normalized: what makes two runs "the same"."""
    variant = scenario.variant(cell.variant)
    ports = (result.port,) if result.port else ()
    incidental = frozenset(scenario.declaration.incidental)
    return {
        "scenario": cell.scenario,
        "variant": {"name": variant.name, "params": dict(variant.params)},
        "client": normalize_side(result.client, ports, incidental),
        "server": normalize_side(result.server, ports, incidental),
    }


def outcome_key(outcome: Record) -> str:
    """A short, stable fingerprint of an outcome."""
    canonical = json.dumps(outcome, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Recorded text may hold lone surrogates (header bytes a library decoded
    # with surrogateescape): kept as they are, so encoded as they are.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class ScenarioFunctionError(Exception):
    """A scenario's ``answer()`` raised: its cell fails, shown as the
    scenario's error, and the run goes on."""


def answer_of(scenario: LoadedScenario, outcome: Record) -> Any:
    """The part of ``outcome`` that answers the scenario's question."""
    if scenario.answer is None:
        return outcome
    try:
        return scenario.answer(outcome)
    except Exception as exc:
        raise ScenarioFunctionError(f"scenario {scenario.id}: answer() raised {type(exc).__name__}: {exc}") from exc


def label_outcome(scenario: LoadedScenario, outcome: Record) -> str:
    """The scenario's label for one outcome; a failing ``label()`` costs its text, not the run."""
    try:
        return str(scenario.label(outcome))
    except Exception as exc:  # a scenario's label bug must not lose the run
        return f"<label failed: {type(exc).__name__}>"


def grade_name(outcome: OutcomeRecord) -> str | None:
    """The grade an outcome record carries, or None when ungraded."""
    return outcome["grade"]["grade"] if outcome["grade"] is not None else None


def mean_case_seconds(cell: CellRecord) -> float | None:
    """A measured cell's mean case duration over its runs (each answer's
    median, weighted by its count); None when no run was timed."""
    timed = [outcome for outcome in cell["outcomes"] if "median" in outcome.get("seconds", {})]
    runs = sum(outcome["count"] for outcome in timed)
    if not runs:
        return None
    return sum(outcome["seconds"]["median"] * outcome["count"] for outcome in timed) / runs


def grade_outcome(scenario: LoadedScenario, outcome: Record) -> GradeRecord | None:
    """The scenario's grade for one outcome (None when it grades nothing)."""
    if scenario.grade is None:
        return None
    try:
        grade, reason = scenario.grade(outcome)
    except Exception as exc:
        return {"grade": Grade.ERROR, "reason": f"grade() raised {type(exc).__name__}: {exc}"}
    return {"grade": str(grade), "reason": str(reason)}


@dataclass
class CellSummary:
    """The aggregate of a cell's repetitions, as stored in results."""

    cell: Cell
    status: CellStatus
    runs: int = 0
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    reason: str = ""

    @property
    def varies(self) -> bool:
        return len(self.outcomes) > 1

    def describe(self) -> CellRecord:
        return {
            "scenario": self.cell.scenario,
            "variant": self.cell.variant,
            "client": self.cell.client.id,
            "server": self.cell.server.id,
            "status": self.status,
            "reason": self.reason,
            "runs": self.runs,
            "varies": self.varies,
            "outcomes": self.outcomes,
            "errors": self.errors,
        }


class CellAccumulator:
    """Folds a cell's repetitions as they arrive.

    Only what the results file keeps is kept: counts per outcome key, the
    first run of each outcome as evidence, case timings, and one example per
    error reason. So memory grows with distinct outcomes, not with cases.
    """

    def __init__(self, scenario: LoadedScenario, cell: Cell) -> None:
        self.scenario = scenario
        self.cell = cell
        self.runs = 0
        #: Runs per answer key.
        self.counts: Counter[str] = Counter()
        #: Per answer key: the answer, and the first run that gave it (its outcome and raw result).
        self.first: dict[str, tuple[Any, Record, CaseResult]] = {}
        #: Per answer key: the distinct outcome keys (evidence) that gave it.
        self.evidence: dict[str, set[str]] = {}
        self.durations: dict[str, list[float]] = {}
        self.errors: Counter[str] = Counter()
        self.error_examples: dict[str, CaseResult] = {}
        self.unsupported: Counter[str] = Counter()

    def add(self, result: CaseResult) -> None:
        self.runs += 1
        try:
            self._add(result)
        except ScenarioFunctionError as exc:  # the scenario's bug: this cell's error, not the run's
            reason = str(exc)
            self.errors[reason] += 1
            self.error_examples.setdefault(reason, CaseResult(CellStatus.ERROR, error=reason))
        except Exception as exc:  # a harness bug must cost one cell, not the run
            reason = f"harness: aggregating this cell failed: {type(exc).__name__}: {exc}"
            self.errors[reason] += 1
            self.error_examples.setdefault(reason, CaseResult(CellStatus.ERROR, error=reason))

    def _add(self, result: CaseResult) -> None:
        if result.status == CellStatus.ERROR:
            reason = (result.error or "unknown error").strip().splitlines()[0][:300]
            self.errors[reason] += 1
            self.error_examples.setdefault(reason, result)
            return
        if result.status == CellStatus.UNSUPPORTED:
            self.unsupported[result.error or CellStatus.UNSUPPORTED] += 1
            return
        outcome = outcome_of(self.scenario, self.cell, result)
        answer = answer_of(self.scenario, outcome)
        key = outcome_key(answer)
        self.counts[key] += 1
        self.first.setdefault(key, (answer, outcome, result))
        self.evidence.setdefault(key, set()).add(outcome_key(outcome))
        self.durations.setdefault(key, []).append(result.seconds)

    @property
    def varies(self) -> bool:
        """More than one answer so far."""
        return len(self.counts) > 1

    def summary(self) -> CellSummary:
        try:
            return self._summary()
        except Exception as exc:
            reason = f"harness: aggregating this cell failed: {type(exc).__name__}: {exc}"
            return CellSummary(
                self.cell,
                CellStatus.ERROR,
                self.runs,
                errors=[{"reason": reason, "count": self.runs, "detail": reason, "partial": {}}],
            )

    def _summary(self) -> CellSummary:
        cell = self.cell
        if cell.blocker is not None:
            return CellSummary(cell, cell.blocker, reason=cell.reason)
        if self.runs == 0:
            return CellSummary(cell, CellStatus.NOT_RUN, reason="the run ended before this cell ran")
        outcomes: list[OutcomeRecord] = []
        for key, count in sorted(self.counts.items(), key=lambda item: (-item[1], item[0])):
            answer, outcome, example = self.first[key]
            seconds = sorted(self.durations[key])
            outcomes.append(
                {
                    "key": key,
                    "count": count,
                    "label": label_outcome(self.scenario, outcome),
                    "grade": grade_outcome(self.scenario, outcome),
                    "answer": answer,
                    "evidence": len(self.evidence[key]),
                    "outcome": outcome,
                    "example": {"client": example.client, "server": example.server, "port": example.port},
                    "seconds": {"min": seconds[0], "median": seconds[len(seconds) // 2], "max": seconds[-1]},
                }
            )
        distinguish_labels(outcomes)
        error_list: list[ErrorRecord] = [
            {
                "reason": reason,
                "count": count,
                "detail": (self.error_examples[reason].error or "")[:4000],
                "partial": {"client": self.error_examples[reason].client, "server": self.error_examples[reason].server},
            }
            for reason, count in self.errors.most_common()
        ]
        # A step the implementation cannot express makes the outcome say nothing
        # about behaviour: when every outcome has one, the cell is unsupported.
        unexpressed = [unsupported_step(outcome["outcome"]) for outcome in outcomes]
        if self.errors:
            status = CellStatus.ERROR
        elif (self.unsupported and not self.counts) or (unexpressed and all(unexpressed)):
            status = CellStatus.UNSUPPORTED
        else:
            status = CellStatus.MEASURED
        reasons = list(self.unsupported) + [
            f"{step['step']}: {step['result']['reason']}" for step in unexpressed if step is not None
        ]
        reason = "; ".join(dict.fromkeys(reasons)) if status == CellStatus.UNSUPPORTED else ""
        return CellSummary(cell, status, self.runs, outcomes, error_list, reason)


def distinguish_labels(outcomes: list[OutcomeRecord]) -> None:
    """Complete labels that two different answers of one cell share with
    the first field where their answers differ, so that a label always
    names one answer."""
    first_with: dict[str, OutcomeRecord] = {}
    for outcome in outcomes:
        label = outcome["label"]
        if label not in first_with:
            first_with[label] = outcome
            continue
        where = difference(first_with[label]["answer"], outcome["answer"])
        outcome["label"] = f"{label} ({where})"


def leaf(before: Any, after: Any, path: str = "") -> tuple[str, Any, Any]:
    """The first field where ``after`` departs from ``before``: its path
    (``client.close_code``, ``results[1]``) and both values."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            if key not in before or key not in after or before[key] != after[key]:
                return leaf(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (left, right) in enumerate(zip(before, after)):
            if left != right:
                return leaf(left, right, f"{path}[{index}]")
    return path or "answer", before, after


def difference(before: Any, after: Any, path: str = "") -> str:
    """``path=value`` of the first leaf where ``after`` departs from ``before``."""
    where, _, value = leaf(before, after, path)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"{where}={text if len(text) <= 60 else text[:59] + '…'}"


def aggregate(scenario: LoadedScenario, cell: Cell, results: list[CaseResult]) -> CellSummary:
    """Fold a cell's repetitions into a distribution of outcomes."""
    accumulator = CellAccumulator(scenario, cell)
    for result in results:
        accumulator.add(result)
    return accumulator.summary()
