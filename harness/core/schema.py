"""The results and reference documents, as types.

These mirror ``reports/results.schema.md`` (the documentation users read);
keep the two in step. What a peer recorded (a side's steps, exceptions,
states) is JSON made by the peer and is typed as :data:`Record`: its shape is
documented in the same file, and the modules that read it do so through
:mod:`harness.peer.labels`.
"""

from __future__ import annotations

from typing import Any, TypedDict

#: A JSON object recorded by a peer (a side, a step, an exception), raw or
#: normalized.
Record = dict[str, Any]


class TargetedOptions(TypedDict, total=False):
    #: A targeted run (history, bisection): only these cells, as
    #: ``scenario/variant/client version/server version``.
    cells: list[str]
    #: A shard of a run: ``K/N`` (``--shard``).
    shard: str
    #: The id of the plan the run followed (``--plan``).
    plan: str
    #: Cases that wait (:mod:`harness.execution.runner`): workers, more agents per peer and role.
    waiting_jobs: int
    waiting_agents: int
    #: Agents forked from a warm interpreter per environment (False: ``--fresh-agents``).
    fork_agents: bool


class RunOptions(TargetedOptions):
    clients: list[str]
    servers: list[str]
    implementations: list[str]
    scenarios: list[str]
    repeat: int
    max_repeat: int
    jobs: int
    agents_per_peer: int


class ShardRecord(TypedDict):
    shard: str
    seconds: float
    complete: bool
    started: str


class MergedRunInfo(TypedDict, total=False):
    #: A merged run (``nox -s merge``): each shard's wall time and completeness.
    shards: list[ShardRecord]


class RunInfo(MergedRunInfo):
    harness_version: str
    started: str
    finished: str
    seconds: float
    complete: bool
    interrupted: bool
    argv: list[str]
    platform: str
    orchestrator_python: str
    releases_source: str
    options: RunOptions


class AttemptRecord(TypedDict):
    python: str
    result: str
    cached: bool


class SourceRecord(TypedDict):
    requirement: str
    sha256: str | None


class EnvironmentRecord(TypedDict):
    source: SourceRecord
    installed: str | None
    version: str
    status: str
    python: str | None
    python_full: str | None
    reason: str
    reused: bool
    packages: list[str]
    attempts: list[AttemptRecord]
    seconds: float


class PeerRecord(TypedDict):
    id: str
    version: str
    implementation: str
    python: str | None
    python_full: str | None
    status: str
    reason: str
    resolves_to: str | None


class VariantRecord(TypedDict):
    name: str
    params: dict[str, Any]
    description: str


class ScenarioRecord(TypedDict):
    id: str
    question: str
    servers: str
    expectation: str
    links: list[str]
    incidental: list[str]
    repetitions: int | None
    variants: list[VariantRecord]


class GradeRecord(TypedDict):
    grade: str
    reason: str


class Seconds(TypedDict):
    min: float
    median: float
    max: float


class Example(TypedDict):
    client: Record | None
    server: Record | None
    port: int | None


class OutcomeRecord(TypedDict):
    """One answer of a cell: how often, its label and grade, and evidence."""

    key: str  # of the answer
    count: int
    label: str
    grade: GradeRecord | None
    answer: Any
    evidence: int  # distinct outcomes that gave this answer
    outcome: Record  # the first of them
    example: Example
    seconds: Seconds


class ErrorRecord(TypedDict):
    reason: str
    count: int
    detail: str
    partial: dict[str, Record | None]


class CellRecord(TypedDict):
    scenario: str
    variant: str
    client: str
    server: str
    status: str
    reason: str
    runs: int
    varies: bool
    outcomes: list[OutcomeRecord]
    errors: list[ErrorRecord]


class Totals(TypedDict):
    cells: dict[str, int]
    cases: int
    varies: int
    #: Cases run beyond ``repeat`` for cells that vary (adaptive repetitions).
    extra_cases: int


class CatchabilityRow(TypedDict):
    peer: str
    exception: str
    caught_by: dict[str, Any]
    seen_in: list[str]


class InterpreterCell(TypedDict):
    client: str
    server: str
    labels: list[str]


class InterpreterDifference(TypedDict):
    """One scenario variant and pair whose answers differ by interpreter."""

    scenario: str
    variant: str
    client: str  # version/implementation
    server: str
    cells: list[InterpreterCell]


#: Per peer: feature name → ``{"present": bool, "warns": [...], "resolves_to": ...}``.
ApiSurface = dict[str, dict[str, dict[str, Any]]]


class ResultsDocument(TypedDict):
    schema: str
    schema_version: int
    run: RunInfo
    environments: list[EnvironmentRecord]
    peers: list[PeerRecord]
    clients: list[str]
    servers: list[str]
    scenarios: list[ScenarioRecord]
    cells: list[CellRecord]
    totals: Totals
    catchability: list[CatchabilityRow]
    api_surface: ApiSurface
    interpreters: list[InterpreterDifference]


# The reference: one document per scenario (see harness/model/reference.py).


class GeneratedFrom(TypedDict):
    harness_version: str
    run_started: str
    repeat: int
    exact_python: bool
    peers: list[str]  # with their Python


class ObservedAnswer(TypedDict):
    count: int
    label: str
    grade: str | None


class ReferenceCell(TypedDict, total=False):
    status: str  # always present
    runs: int  # measured cells
    answers: dict[str, ObservedAnswer]  # measured cells: answer key → count
    reason: str  # other cells
    seconds: float  # measured cells: the mean case duration, on a 1-2-5 scale (shard balancing)


class ReferenceDocument(TypedDict):
    schema: str
    schema_version: int
    scenario: str
    question: str
    generated_from: GeneratedFrom
    cells: dict[str, ReferenceCell]
    answers: dict[str, Any]  # answer key → the answer
