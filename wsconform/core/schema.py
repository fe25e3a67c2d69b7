"""The documents the harness reads and writes, defined once.

Theory of operation
-------------------

Three documents leave the harness: the results of a run
(``reports/results.json``), the reference (``reports/reference/ID.json``, one
per scenario) and a plan (``nox -s plan``). Each is defined here, once, as
typed dictionaries that serve three purposes at the same time:

* **types** for the orchestrator's code (mypy reads them as ``TypedDict``);
* **validation** of every file the harness reads (pydantic checks a document
  against them: :func:`first_problem`), so that a hostile or corrupt file is
  one line naming the first problem, never a traceback;
* **the published formats**: the JSON Schemas under ``wsconform/core/schemas/``
  and the reference pages of the documentation are generated from them
  (:mod:`wsconform.core.formats`), field docstrings included, and
  ``nox -s lint`` fails when the committed ones differ.

They stay dictionaries (not model objects) because every reader of a
document walks it as plain JSON, and a results file holds tens of
thousands of outcomes: validation checks the document and is discarded, it
never copies the data the harness works on.

**Stored and unpacked results.** On disk, each distinct side record is
stored once in ``records`` and referred to by id (see
:mod:`wsconform.model.storage`). The same types describe both forms through two
type parameters: :data:`ResultsDocument` (what every reader gets, records in
place, ``records`` empty) and :data:`ResultsFile` (what the file holds).

What a peer recorded (a side's steps, exceptions, states) is made by peer
code, standard library only, and is typed :data:`Record` here: its shape is
documented with the peer's recording (:mod:`wsconform.peer.recording`).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import ConfigDict, Field, with_config
from typing_extensions import NotRequired, TypedDict

from wsconform.core.vocabulary import Availability, CellStatus

#: A JSON object recorded by a peer (a side, a step, an exception), raw or
#: normalized.
Record = dict[str, Any]

#: Every document is checked strictly (no ``"10"`` where a number belongs),
#: field docstrings become descriptions in the generated JSON Schemas.
STRICT = ConfigDict(strict=True, use_attribute_docstrings=True)
#: The same, for objects that may hold no other keys.
CLOSED = ConfigDict(strict=True, use_attribute_docstrings=True, extra="forbid")

#: The id of a stored record: 16 hex digits of the SHA-256 of its canonical JSON.
RecordId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
#: The id of a plan: 16 hex digits of the SHA-256 of its deciding fields.
PlanId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
#: The key of an answer: 12 hex digits of the SHA-256 of its canonical JSON.
AnswerKey = Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]
#: A scenario id: the file name with dashes (``send-then-close``).
ScenarioId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
#: How many of something: never negative.
Count = Annotated[int, Field(ge=0)]
#: A status as stored: its value (``"measured"``), read as the enum.
Status = Annotated[CellStatus, Field(strict=False)]
#: An availability as stored: its value (``"available"``), read as the enum.
Available = Annotated[Availability, Field(strict=False)]
#: Where the versions came from: PyPI, or the last list saved from it.
ReleasesSource = Literal["pypi", "cache"]

#: The evidence of an answer: the normalized outcome (a :data:`Record` in
#: memory, :class:`StoredEvidence` in a file).
Evidence = TypeVar("Evidence")
#: One side of a raw example (a :data:`Record` in memory, :class:`StoredRaw` in a file).
Raw = TypeVar("Raw")


# What a peer recorded: one side of one case (made by wsconform/peer/recording.py).
# Peers make these records with the standard library only; these types say what
# the orchestrator may rely on (``steps``, each with its ``step`` and its
# ``result``'s ``kind``), type what else is there, and let everything else
# through (a new key a peer adds is kept, never refused).

#: Where a record may hold what a peer described of a value, the forms
#: :func:`wsconform.peer.recording.describe_value` makes: JSON scalars, lists and
#: objects, ``{"enum", "name", "value"}``, ``{"bytes", "length"}``, ``{"type", "repr"}``.
Described = Any


ExceptionRecord = TypedDict(
    "ExceptionRecord",
    {
        "class": Annotated[
            str, Field(description="Module and qualified name: `websockets.exceptions.InvalidMessage`.")
        ],
        "mro": Annotated[list[str], Field(description="The class and its bases, qualified.")],
        "str": Annotated[str, Field(description="`str()` of the exception (truncated).")],
        "raised_in": NotRequired[Annotated[str | None, Field(description="The innermost frame: `module.function`.")]],
        "attributes": NotRequired[
            Annotated[
                dict[str, Any],
                Field(
                    description="Those the class has (`rcvd`, `code`, `status_code`, `response`, …): "
                    "`present`, `value`, `warnings`."
                ),
            ]
        ],
        "caught_by": NotRequired[
            Annotated[
                dict[str, bool | str],
                Field(
                    description="Top level only: which `except` clauses of the peer's own library catch it "
                    '(`"absent"`: no such name).'
                ),
            ]
        ],
        "cause": NotRequired[Annotated["ExceptionRecord | None", Field(description="`__cause__`.")]],
        "context": NotRequired[
            Annotated["ExceptionRecord | None", Field(description="`__context__`, when it is not the cause.")]
        ],
        "suppress_context": NotRequired[bool],
    },
)
#: (``class`` is a Python keyword: the functional form is the only one.)
ExceptionRecord.__pydantic_config__ = ConfigDict(strict=True)  # type: ignore[attr-defined]
"""An exception a library raised or logged."""


@with_config(STRICT)
class WarningRecord(TypedDict):
    """A warning the library emitted."""

    category: str
    """The warning's class, qualified (``builtins.DeprecationWarning``)."""
    message: str
    module: NotRequired[str | None]
    """Where it was emitted from, as a module."""


@with_config(STRICT)
class LoggedRecord(TypedDict):
    """A record the library logged (``websockets``, ``asyncio``, ``trio`` loggers)."""

    logger: str
    level: str
    """``WARNING``, ``ERROR``, …"""
    message: str
    exception: NotRequired[ExceptionRecord]
    """The exception logged with it, if any."""


@with_config(STRICT)
class StepResult(TypedDict):
    """What a step came to."""

    kind: Literal["value", "exception", "guard-timeout", "unsupported", "unfinished"]
    """``value`` (the library returned), ``exception`` (it raised), ``guard-timeout`` (it did not
    return within the harness's guard), ``unsupported`` (the implementation cannot express the step),
    ``unfinished`` (still running when the record was taken)."""
    value: NotRequired[Described]
    """``value``: what the library returned, described."""
    exception: NotRequired[ExceptionRecord]
    """``exception``: what it raised."""
    after: NotRequired[float]
    """``guard-timeout``: after how many seconds the harness stopped waiting."""
    reason: NotRequired[str]
    """``guard-timeout``, ``unsupported``: why."""


#: A connection's state through every accessor the release has
#: (``state``, ``open``, ``closed``, ``close_code``, …); null when there is no connection.
StateSnapshot = dict[str, Any] | None


@with_config(STRICT)
class StepRecord(TypedDict):
    """One step of a scenario's script, on one side."""

    index: NotRequired[Count]
    """Its place among the side's steps."""
    step: str
    """``connect``, ``send``, ``recv``, ``close``, ``send_raw``, ``abort``, ``stop_reading``,
    ``recv_concurrently``, ``inspect``, ``request``, ``response``, ``probe``, ``raw_request``,
    ``reconnect``, ``shutdown_server``, ``call`` (the escape hatch), ``sleep``, ``pause``; on a
    server, ``serve`` when the library's ``serve()`` raised."""
    args: NotRequired[dict[str, Any]]
    """Its arguments (``connect``: ``path``, ``open_timeout``, ``timeout_by``, ``library_timeouts``)."""
    result: StepResult
    """What it came to."""
    state_before: NotRequired[StateSnapshot]
    """The connection's state just before (absent when the scenario declares it incidental)."""
    state_after: NotRequired[StateSnapshot]
    """Just after."""
    warnings: NotRequired[list[WarningRecord]]
    """Warnings emitted during the step."""
    logged: NotRequired[list[LoggedRecord]]
    """Records logged during the step."""
    delays: NotRequired[list[float]]
    """``reconnect``: the retry delays the library logged, in seconds (masked as ``<delay>`` in
    the messages: they are random)."""
    duration: NotRequired[str]
    """Normalized only: ``<0.5s``, ``0.5-2s``, ``2-8s``, ``>8s``."""
    started_at: NotRequired[float | None]
    """Raw only: seconds since the case started (null as stored: see ``timing``)."""
    called_at: NotRequired[float | None]
    """Raw only: when the library was called."""
    returned_at: NotRequired[float | None]
    """Raw only: when it returned."""
    elapsed: NotRequired[float | None]
    """Raw only: how long the step took."""


@with_config(STRICT)
class SideRecord(TypedDict):
    """What one side of one case recorded: its steps, and what happened between them."""

    role: NotRequired[str]
    """``client`` or ``server``."""
    implementation: NotRequired[str]
    """The implementation the side ran on."""
    steps: list[StepRecord]
    """Its steps, in order."""
    events: NotRequired[list[dict[str, Any]]]
    """What was not a step: ``{"kind": "event", "name": "handler-started", "phase", …}``, and
    warnings and log records between steps (``kind``: ``warnings``, ``logged``)."""
    accessor_warnings: NotRequired[list[dict[str, Any]]]
    """Warnings emitted by reading the state and close accessors (not by the scenario's calls)."""
    elapsed: NotRequired[float | None]
    """Raw only: the side's wall time."""
    harness_error: NotRequired[str]
    """Present only when the scenario's script itself failed."""


# The results of a run: reports/results.json.


@with_config(STRICT)
class TargetedOptions(TypedDict, total=False):
    """Options recorded only when they apply."""

    cells: list[str]
    """A targeted run (history, bisection): only these cells, as
    ``scenario/variant/client version/server version`` (``fault`` for the fault server)."""
    shard: str
    """A shard of a run: ``K/N`` (``--shard``)."""
    plan: str
    """The id of the plan the run followed (``--plan``)."""
    waiting_jobs: Count
    """Workers for cases expected to wait (``--waiting-jobs``)."""
    waiting_agents: Count
    """More agents per peer and role for cases that wait (``--waiting-agents``)."""
    fork_agents: bool
    """Agents forked from a warm interpreter per environment (false: ``--fresh-agents``)."""


@with_config(STRICT)
class RunOptions(TargetedOptions):
    """The options that decided the run's cells."""

    clients: list[str]
    """Version selectors of the client axis, as given (``newest-14``)."""
    servers: list[str]
    """Version selectors of the server axis, as given."""
    implementations: list[str]
    """``default``, ``legacy``, ``asyncio``, ``sync``, ``trio``."""
    scenarios: list[str]
    """Scenario ids."""
    repeat: Count
    """Repetitions of every cell (``--repeat``)."""
    max_repeat: Count
    """Runs of a cell whose answers vary (``--max-repeat``)."""
    jobs: Count
    """Cases in flight at once (``--jobs``)."""
    agents_per_peer: Count
    """Agent processes per peer and role (``--agents-per-peer``)."""


@with_config(CLOSED)
class ShardRecord(TypedDict):
    """One shard of a merged run."""

    shard: str
    """``K/N``."""
    seconds: float
    """The shard's wall time."""
    complete: bool
    """Whether the shard finished."""
    started: str
    """When the shard started (UTC, ISO 8601)."""


@with_config(STRICT)
class RunInfo(TypedDict):
    """The run itself: when, where, with which options, and whether it finished."""

    harness_version: str
    """The harness's own version."""
    started: str
    """UTC, ISO 8601."""
    finished: str
    """UTC, ISO 8601."""
    seconds: float
    """Wall time of the whole command."""
    complete: bool
    """The completion marker: ``false`` means do not trust (the run was interrupted or failed)."""
    interrupted: bool
    """An ending signal (SIGINT, SIGTERM, SIGHUP) stopped the run."""
    argv: list[str]
    """The command's arguments."""
    platform: str
    """The orchestrator's platform (``platform.platform()``)."""
    orchestrator_python: str
    """The orchestrator's Python version."""
    releases_source: ReleasesSource
    """``pypi``, or ``cache`` when PyPI was unreachable and the last saved list was used."""
    options: RunOptions
    """The options that decided the cells."""
    shards: NotRequired[list[ShardRecord]]
    """Only in merged results (``nox -s merge``): each shard's wall time and completeness."""


@with_config(CLOSED)
class AttemptRecord(TypedDict):
    """One interpreter tried for a release."""

    python: str
    """The interpreter's version (``3.13``)."""
    result: str
    """``passed``, or why not (``no interpreter``, ``smoke failed: …``)."""
    cached: bool
    """Remembered from an earlier run rather than tried now."""


@with_config(STRICT)
class SourceRecord(TypedDict):
    """What an environment installed."""

    requirement: str
    """``websockets==14.2``, or the absolute path of a wheel, sdist or source tree."""
    sha256: str | None
    """The digest of a local artifact; null for a release or a tree."""


@with_config(STRICT)
class EnvironmentRecord(TypedDict):
    """One release's environment, or why there is none."""

    source: SourceRecord
    """What was installed."""
    installed: str | None
    """The websockets version the environment's interpreter imports."""
    version: str
    """The peer's name: a release, or a candidate's ``LABEL``."""
    status: Available
    """``available`` or ``unavailable``."""
    python: str | None
    """The interpreter's version (``3.9``)."""
    python_full: str | None
    """Its full version (``3.9.18``)."""
    reason: str
    """Why it is unavailable (each attempt's reason), or empty."""
    reused: bool
    """Reused from an earlier run rather than built now."""
    packages: list[str]
    """Packages installed beside websockets (``trio``)."""
    attempts: list[AttemptRecord]
    """Every interpreter tried, newest first."""
    seconds: float
    """How long preparing it took."""


@with_config(STRICT)
class PeerRecord(TypedDict):
    """One peer: a release, one of its implementations, on one interpreter."""

    id: str
    """``14.2/default/py3.13``; ``fault`` for the fault server."""
    version: str
    """The release (or candidate label)."""
    implementation: str
    """``default``, ``legacy``, ``asyncio``, ``sync``, ``trio``, or ``fault``."""
    python: str | None
    """The interpreter's version."""
    python_full: str | None
    """Its full version."""
    status: Available
    """``available``, ``unsupported`` (the release lacks the implementation) or ``unavailable``."""
    reason: str
    """Why it cannot run, or empty."""
    resolves_to: str | None
    """What ``default`` means in that release (``asyncio``, ``legacy``)."""


@with_config(CLOSED)
class VariantRecord(TypedDict):
    """One variant of a scenario."""

    name: str
    """The variant's name, unique in its scenario."""
    params: dict[str, Any]
    """What the scenario's scripts read."""
    description: str
    """What the variant does, for people."""


@with_config(STRICT)
class ScenarioRecord(TypedDict):
    """A scenario's declaration, as the run loaded it."""

    id: str
    """The scenario id."""
    question: str
    """What it answers, in one line."""
    servers: Literal["peer", "fault", "same"]
    """``peer`` (every server peer), ``fault`` (the fault servers), ``same`` (each peer against itself)."""
    expectation: str
    """What a correct library does (RFC, docs): what grades are given against."""
    links: list[str]
    """Upstream issues, changelog entries, docs."""
    incidental: list[str]
    """Record fields that vary with timing but do not answer the question."""
    repetitions: int | None
    """Repetitions the scenario asks for (deterministic scenarios: 1); null for ``--repeat``."""
    variants: list[VariantRecord]
    """Its variants."""


@with_config(CLOSED)
class GradeRecord(TypedDict):
    """A scenario's grade of an outcome."""

    grade: str
    """``ok``, ``non-strict``, ``failed``, ``informational``, or ``error`` when ``grade()`` raised."""
    reason: str
    """Why, for people."""


@with_config(CLOSED)
class Seconds(TypedDict):
    """Case durations of one answer."""

    min: float
    median: float
    max: float


@with_config(CLOSED)
class Example(TypedDict, Generic[Raw]):
    """The first run that gave an answer, as it happened."""

    client: Raw | None
    """The client side's raw record."""
    server: Raw | None
    """The server side's raw record (null against a fault server)."""
    port: int | None
    """The server's port in that run."""


@with_config(STRICT)
class Outcome(TypedDict, Generic[Evidence, Raw]):
    """One answer of a cell: how often, its label and grade, and its evidence."""

    key: AnswerKey
    """The answer's key: equal answers have equal keys, on every run and machine."""
    count: Count
    """Runs that gave this answer."""
    label: str
    """Short text for people; two different answers never share a label."""
    grade: GradeRecord | None
    """The scenario's grade, or null when it states none."""
    answer: Any
    """What the scenario's question asks (its ``answer()``): what cells are compared on."""
    evidence: Annotated[int, Field(ge=1)]
    """How many distinct outcomes gave this answer."""
    outcome: Evidence
    """The first of them, normalized: ``scenario``, ``variant``, and each side's record."""
    example: Example[Raw]
    """The first run that gave this answer, raw."""
    seconds: Seconds
    """How long its runs took."""


@with_config(CLOSED)
class ErrorRecord(TypedDict):
    """Runs of a cell that the harness could not complete."""

    reason: str
    """The first line of what went wrong."""
    count: Count
    """How many runs."""
    detail: str
    """More of it (at most 4,000 characters)."""
    partial: dict[str, Record | None]
    """What each side had recorded before it failed."""


@with_config(STRICT)
class Cell(TypedDict, Generic[Evidence, Raw]):
    """One scenario variant between one client peer and one server peer: every
    repetition, as a distribution of answers."""

    scenario: str
    """The scenario id."""
    variant: str
    """The variant's name."""
    client: str
    """The client peer's id."""
    server: str
    """The server peer's id (``fault`` for the fault server)."""
    status: Status
    """``measured``, ``error`` (the harness failed), ``unsupported``, ``unavailable``, ``not-run``."""
    reason: str
    """Why it did not measure, or empty."""
    runs: Count
    """Repetitions run."""
    varies: bool
    """More than one answer."""
    outcomes: list[Outcome[Evidence, Raw]]
    """Each answer, most frequent first."""
    errors: list[ErrorRecord]
    """The harness's failures, by reason."""


@with_config(CLOSED)
class Totals(TypedDict):
    """Counts over the run."""

    cells: dict[str, Count]
    """Cells per status."""
    cases: Count
    """Cases run."""
    varies: Count
    """Cells with more than one answer."""
    extra_cases: Count
    """Cases run beyond ``repeat`` for cells that vary (adaptive repetitions)."""


@with_config(CLOSED)
class CatchabilityRow(TypedDict):
    """Which ``except`` clauses of a peer's own library catch one exception class."""

    peer: str
    """``version/implementation``."""
    exception: str
    """The exception's class, module and qualified name."""
    caught_by: dict[str, Any]
    """Clause → ``true``, ``false`` or ``"absent"`` (no such name in that release)."""
    seen_in: list[str]
    """Where it was recorded: ``scenario · variant``."""


@with_config(STRICT)
class InterpreterCell(TypedDict):
    """One interpreter's cell among those that differ."""

    client: str
    server: str
    labels: list[str]


@with_config(STRICT)
class InterpreterDifference(TypedDict):
    """One scenario variant and pair whose answers differ by interpreter."""

    scenario: str
    variant: str
    client: str
    """``version/implementation``."""
    server: str
    cells: list[InterpreterCell]


#: Per peer: feature name → ``{"present": bool, "warns": [...], "resolves_to": ...}``.
ApiSurface = dict[str, dict[str, dict[str, Any]]]


@with_config(STRICT)
class Results(TypedDict, Generic[Evidence, Raw]):
    """The results of a run (``reports/results.json``).

    Written atomically, so the file is always whole. An interrupted run, or
    one stopped by a harness failure, is written beside it as
    ``results.incomplete.json`` and never replaces a complete one. A reader
    checks ``schema`` and ``schema_version`` first; the version is bumped on
    any incompatible change.
    """

    schema: Literal["websockets-conformance/results"]
    """What this document is."""
    schema_version: Literal[3]
    """Its format's version. 2: cells hold answers, not whole outcomes. 3: side records stored once."""
    run: RunInfo
    """The run itself."""
    environments: list[EnvironmentRecord]
    """One per release (and interpreter)."""
    peers: list[PeerRecord]
    """Every peer of the matrix, the fault server included."""
    clients: list[str]
    """Client peer ids: the grids' row order."""
    servers: list[str]
    """Server peer ids: the grids' column order."""
    scenarios: list[ScenarioRecord]
    """Every scenario the run loaded."""
    cells: list[Cell[Evidence, Raw]]
    """Every cell, runnable or not."""
    totals: Totals
    """Counts over the run."""
    catchability: list[CatchabilityRow]
    """For every exception recorded: which common ``except`` clauses of that peer's library catch it."""
    api_surface: ApiSurface
    """Per peer: which attributes, names, imports and signatures exist, and which warn."""
    interpreters: list[InterpreterDifference]
    """Cells whose answers differ by interpreter (``--pythons oldest,newest``)."""
    records: dict[RecordId, SideRecord]
    """Each distinct side record, once, by id (empty in memory: the records are in place)."""


@with_config(STRICT)
class StoredEvidence(TypedDict):
    """A normalized outcome as stored: each side is the id of a record in ``records``."""

    client: NotRequired[RecordId | None]
    server: NotRequired[RecordId | None]


@with_config(CLOSED)
class StoredRaw(TypedDict):
    """A raw side as stored: the record with its wall-clock fields set to null,
    and their values in the order a depth-first walk with sorted keys meets them."""

    record: RecordId
    """The id of the record in ``records``."""
    timing: list[Any]
    """The wall-clock values taken out (``elapsed``, ``started_at``, …)."""


#: What every reader gets: the records in place.
ResultsDocument = Results[Record, Record]
#: What ``results.json`` holds.
ResultsFile = Results[StoredEvidence, StoredRaw]
#: A cell as readers get it.
CellRecord = Cell[Record, Record]
#: An answer as readers get it.
OutcomeRecord = Outcome[Record, Record]


# The reference: one document per scenario, reports/reference/ID.json.


@with_config(STRICT)
class GeneratedFrom(TypedDict):
    """The run a reference was generated from."""

    harness_version: str
    run_started: str
    """UTC, ISO 8601."""
    repeat: Count
    """The run's ``--repeat``."""
    exact_python: NotRequired[bool]
    """Cells keyed by interpreter too (``--exact-python``)."""
    peers: list[str]
    """Its peers, with their Python."""


@with_config(CLOSED)
class ObservedAnswer(TypedDict):
    """How often a cell gave one answer."""

    count: Annotated[int, Field(ge=1)]
    label: str
    grade: str | None


@with_config(CLOSED)
class ReferenceCell(TypedDict):
    """One cell of the reference: its distribution of answers, or why it did not measure."""

    status: Status
    """Always present."""
    runs: NotRequired[Count]
    """Measured cells: how many runs."""
    answers: NotRequired[dict[str, ObservedAnswer]]
    """Measured cells: answer key → how often, and its label and grade."""
    reason: NotRequired[str]
    """Other cells: why."""
    seconds: NotRequired[Annotated[float, Field(ge=0)]]
    """Measured cells: the mean case duration, on a 1-2-5 scale (what shards balance on)."""


#: ``variant | client → server``, peers without their Python (``14.0/default``).
ReferenceKey = Annotated[str, Field(pattern=r"^.+ \| .+ → .+$")]


@with_config(STRICT)
class ReferenceDocument(TypedDict):
    """How every release behaves in one scenario (``reports/reference/ID.json``).

    Generated from a recorded run (``nox -s reference``), sorted and stable so
    that ``git diff`` shows exactly which cell changed; never typed by hand.
    """

    schema: Literal["websockets-conformance/reference"]
    schema_version: Literal[2]
    scenario: ScenarioId
    """The scenario; the file is named after it."""
    question: str
    generated_from: GeneratedFrom
    cells: dict[ReferenceKey, ReferenceCell]
    """Every cell of the scenario."""
    answers: dict[str, Any]
    """Answer key → the answer."""


# A plan: versions resolved once for every shard of a CI run.


Implementation = Literal["default", "legacy", "asyncio", "sync", "trio"]


@with_config(CLOSED)
class PlanDocument(TypedDict):
    """What decides a sharded run's cells, fixed once (``nox -s plan``)."""

    schema: Literal["websockets-conformance/plan"]
    schema_version: Literal[1]
    id: PlanId
    """A digest of the deciding fields: a plan edited by hand is refused."""
    harness_version: str
    created: str
    """UTC, ISO 8601."""
    releases_source: ReleasesSource
    clients: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    """Exact releases (or candidates) of the client axis."""
    servers: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    """Exact releases (or candidates) of the server axis."""
    implementations: Annotated[list[Implementation], Field(min_length=1)]
    scenarios: Annotated[list[ScenarioId], Field(min_length=1)]
    repeat: Annotated[int, Field(ge=1, le=10_000)]
    max_repeat: Annotated[int, Field(ge=1, le=10_000)]
    pythons: dict[str, list[str]]
    """Interpreters named per version (``--python``)."""
    interpreters: Annotated[list[Literal["newest", "oldest"]], Field(min_length=1)]
    """For other versions: the newest and/or the oldest working interpreter."""
    shards: Annotated[int, Field(ge=1, le=256)]
    """How many shards the run is split into."""
    timings: NotRequired[dict[str, Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=2, max_length=2)]]]
    """Per cell: [mean case seconds, 1 if it varied else 0], from a previous run (``--timings``)."""
