"""What a scenario file declares, how scenario files are found, and the one
typed object a scenario file becomes once loaded.

A scenario file in ``scenarios/`` is a plain module that defines:

``SCENARIO``
    a :class:`Scenario`: id, one-line question, variants, which servers it
    runs against, links to the upstream reports that motivated it.
``async def client(side, variant)``
    the client's script, written against :class:`harness.peer.side.Side`.
``async def server(side, variant)``
    the server's script, run as the connection handler (not needed when the
    scenario runs against fault servers).

and optionally, evaluated by the orchestrator on *normalized* outcomes:

``def label(outcome) -> str``
    a short label for tables and dashboards.
``def grade(outcome) -> (grade, reason)``
    ``ok`` / ``non-strict`` / ``failed`` / ``informational`` where the RFC or
    the library's documentation says what a correct library does.
``def answer(outcome) -> JSON``
    the fields of the outcome that answer the scenario's question (e.g. the
    messages received and what ended the loop). Cells, the reference and
    ``check`` compare answers; the rest of the outcome is evidence, kept and
    shown but never compared. Without it, the whole normalized outcome is
    the answer.
``def server_options(variant) -> dict``
    options for the server (``max_size``, ``ping_interval``, …).

:func:`load` checks the module against this contract once and turns it into
a frozen :class:`LoadedScenario`; nothing else probes the module (the way
wptrunner turns a product module into one ``Product``).

Scenario files run inside peers too, so they follow the same rules as this
package: standard library only, Python 3.8 compatible.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

from .labels import generic_label

#: Where scenario files live, relative to the project root.
SCENARIO_PACKAGE = "scenarios"

#: Scenario ids are lowercase words joined by hyphens; file names use underscores.
SCENARIO_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

#: Kinds of server a scenario runs against: every server peer, the fault
#: server, or the client's own peer (for per-peer facts such as the API).
PEER_SERVERS = "peer"
FAULT_SERVERS = "fault"
SAME_SERVERS = "same"


class Grade:
    """Grades a scenario's ``grade()`` may give an outcome (Autobahn's
    behaviour axis), and the one the harness gives when ``grade()`` fails."""

    OK = "ok"
    NON_STRICT = "non-strict"
    FAILED = "failed"
    INFORMATIONAL = "informational"
    #: ``grade()`` itself raised: a scenario bug, shown, never a pass.
    ERROR = "error"
    #: The scenario has no ``grade()``.
    UNGRADED = "ungraded"


#: Grades a scenario may give, worst first.
GRADES = (Grade.FAILED, Grade.NON_STRICT, Grade.INFORMATIONAL, Grade.OK)

#: The connection-state snapshots taken around every step. Most scenarios
#: declare them incidental: when a frame arrives relative to a snapshot is a
#: race their question does not ask about (the evidence keeps the states).
STATE_SNAPSHOTS = ("state_before", "state_after")


@dataclass(frozen=True)
class Variant:
    """One way of running a scenario, e.g. "read after the close completed"."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    #: Seconds one case of this variant is expected to take, when it differs
    #: from its scenario's (a variant that waits out a timeout). Only used to
    #: balance shards (:mod:`harness.shards`); the reference's timings win.
    case_seconds: Optional[float] = None

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Scenario:
    """The declaration at the top of every scenario file."""

    id: str
    question: str
    variants: Tuple[Variant, ...]
    servers: str = PEER_SERVERS
    expectation: str = ""
    links: Tuple[str, ...] = ()
    #: Seconds a whole case may take before the orchestrator calls it hung:
    #: beyond every step guard, which lie beyond the library's own timeouts
    #: (a default connect may take its open and close timeouts, 10 s each).
    timeout: float = 40.0
    #: Record fields (e.g. ``state_before``, ``state_after``, ``duration``)
    #: that vary with timing but do not answer this scenario's question: kept
    #: in the evidence, left out of the outcome, so they do not split cells.
    incidental: Tuple[str, ...] = ()
    #: Repetitions per cell when the scenario is deterministic by nature
    #: (e.g. api-surface); None follows ``--repeat``.
    repetitions: Optional[int] = None
    #: Seconds one case is expected to take (balancing shards before the
    #: reference has measured it; see :mod:`harness.shards`).
    case_seconds: float = 0.05

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError("scenario {} has no variant {!r}".format(self.id, name))


#: A scenario's script for one side: ``async def client(side, variant)``.
Script = Callable[[Any, Variant], Awaitable[None]]
#: ``label(outcome) -> str`` on a normalized outcome.
Labeller = Callable[[Dict[str, Any]], str]
#: ``grade(outcome) -> (grade, reason)`` on a normalized outcome.
Grader = Callable[[Dict[str, Any]], Tuple[str, str]]
#: ``answer(outcome) -> JSON`` on a normalized outcome.
Answerer = Callable[[Dict[str, Any]], Any]


def _no_server_options(variant: Variant) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario file, checked and turned into one typed object at load time.

    Everything else (agents, runner, outcomes, reports) takes this object;
    optional functions a file does not define are filled with defaults here,
    once: ``label`` with :func:`harness.peer.labels.generic_label`,
    ``server_options`` with no options; ``grade`` stays ``None`` (ungraded)
    and ``answer`` ``None`` (the whole outcome answers).
    """

    declaration: Scenario
    client: Script
    server: Optional[Script]
    server_options: Callable[[Variant], Mapping[str, Any]] = _no_server_options
    label: Labeller = generic_label
    grade: Optional[Grader] = None
    #: None: the whole normalized outcome is the answer.
    answer: Optional[Answerer] = None

    @property
    def id(self) -> str:
        return self.declaration.id

    def variant(self, name: str) -> Variant:
        return self.declaration.variant(name)


class ScenarioError(Exception):
    """A scenario file is missing, malformed, or unknown."""


def module_name(scenario_id: str) -> str:
    """Map a scenario id to the module that defines it."""
    return "{}.{}".format(SCENARIO_PACKAGE, scenario_id.replace("-", "_"))


def load(scenario_id: str) -> LoadedScenario:
    """Import the scenario file for ``scenario_id``, check it, and return it
    as a :class:`LoadedScenario`."""
    if not SCENARIO_ID.match(scenario_id):
        raise ScenarioError("invalid scenario id {!r}".format(scenario_id))
    try:
        module = importlib.import_module(module_name(scenario_id))
    except ModuleNotFoundError as exc:
        if exc.name in (module_name(scenario_id), SCENARIO_PACKAGE):
            raise ScenarioError("unknown scenario {!r}".format(scenario_id)) from None
        raise ScenarioError(_import_failure(scenario_id, exc)) from None
    except Exception as exc:  # the author's mistake, reported as theirs
        raise ScenarioError(_import_failure(scenario_id, exc)) from None
    validate(module)
    if module.SCENARIO.id != scenario_id:
        raise ScenarioError(
            "{} declares id {!r}, expected {!r}".format(module.__name__, module.SCENARIO.id, scenario_id)
        )
    return from_module(module)


def _import_failure(scenario_id: str, exc: BaseException) -> str:
    """``scenarios/name.py:LINE: what went wrong``, one line: where in the
    scenario file importing it failed (the innermost frame in that file; for
    a syntax error, the line the parser stopped at)."""
    path = "{}/{}.py".format(SCENARIO_PACKAGE, scenario_id.replace("-", "_"))
    line = None  # type: Optional[int]
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.endswith(path):
        line = exc.lineno
    else:
        traceback = exc.__traceback__
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename.endswith(path):
                line = traceback.tb_lineno
            traceback = traceback.tb_next
    where = "{}:{}".format(path, line) if line is not None else path
    detail = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    return "{}: cannot be imported: {}: {}".format(where, type(exc).__name__, " ".join(str(detail).split()))


def from_module(module: ModuleType) -> LoadedScenario:
    """The typed object for a module that passed :func:`validate`."""
    optional = {}  # type: Dict[str, Any]
    for name in ("server_options", "label", "grade", "answer"):
        function = getattr(module, name, None)
        if function is not None:
            optional[name] = function
    return LoadedScenario(
        declaration=module.SCENARIO,
        client=module.client,
        server=getattr(module, "server", None),
        **optional,
    )


def validate(module: ModuleType) -> None:
    """Check that a scenario module follows the contract in this docstring."""
    name = module.__name__
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise ScenarioError("{} does not define SCENARIO = Scenario(...)".format(name))
    if not SCENARIO_ID.match(scenario.id):
        raise ScenarioError("{}: invalid scenario id {!r}".format(name, scenario.id))
    if not scenario.variants:
        raise ScenarioError("{}: a scenario needs at least one variant".format(name))
    names = [variant.name for variant in scenario.variants]
    if len(set(names)) != len(names):
        raise ScenarioError("{}: duplicate variant names".format(name))
    if scenario.servers not in (PEER_SERVERS, FAULT_SERVERS, SAME_SERVERS):
        raise ScenarioError("{}: servers must be 'peer', 'fault' or 'same'".format(name))
    if not callable(getattr(module, "client", None)):
        raise ScenarioError("{} does not define client(side, variant)".format(name))
    if scenario.servers != FAULT_SERVERS and not callable(getattr(module, "server", None)):
        raise ScenarioError("{} does not define server(side, variant)".format(name))
    for optional in ("server_options", "label", "grade", "answer"):
        if getattr(module, optional, None) is not None and not callable(getattr(module, optional)):
            raise ScenarioError("{}: {} must be a function".format(name, optional))
    if scenario.servers == FAULT_SERVERS:
        for variant in scenario.variants:
            if "fault" not in variant.params:
                raise ScenarioError("{}: variant {} needs a 'fault' parameter".format(name, variant.name))


def discover(root: str) -> List[str]:
    """List the ids of every scenario file under ``root/scenarios``, sorted."""
    directory = os.path.join(root, SCENARIO_PACKAGE)
    ids = []
    for filename in sorted(os.listdir(directory)):
        if filename.endswith(".py") and not filename.startswith("_"):
            ids.append(filename[: -len(".py")].replace("_", "-"))
    return ids


def describe(scenario: Scenario) -> Dict[str, Any]:
    """The JSON form of a scenario declaration, as stored in results."""
    return {
        "id": scenario.id,
        "question": scenario.question,
        "servers": scenario.servers,
        "expectation": scenario.expectation,
        "links": list(scenario.links),
        "incidental": list(scenario.incidental),
        "repetitions": scenario.repetitions,
        "case_seconds": scenario.case_seconds,
        "variants": [
            {"name": v.name, "params": dict(v.params), "description": v.description} for v in scenario.variants
        ],
    }
