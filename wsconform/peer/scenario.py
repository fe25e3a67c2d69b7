"""What a scenario file declares, how scenario files are found, and the one
typed object a scenario file becomes once loaded.

A scenario file — built in (``wsconform/scenarios/``) or in a directory of
the user's (``--scenarios-dir``) — is a plain module that defines:

``SCENARIO``
    a :class:`Scenario`: id, one-line question, variants, which servers it
    runs against, links to the upstream reports that motivated it.
``async def client(side, variant)``
    the client's script, written against :class:`wsconform.peer.side.Side`.
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
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .labels import generic_label

#: The built-in scenarios: a package of this tool.
BUILTIN_PACKAGE = "wsconform.scenarios"

#: Scenario directories beside the built-in ones, as agents receive them
#: from the orchestrator: paths joined by ``os.pathsep``.
DIRECTORIES_VARIABLE = "WSCONFORM_SCENARIO_DIRS"

#: Scenario files of the user's directories are imported under this prefix
#: (ids are unique, so module names are too, and never shadow another module).
USER_MODULE_PREFIX = "wsconform_scenario_"

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
    #: What the scripts import besides the standard library and websockets,
    #: installed in every peer of a run that selects this scenario: a path
    #: to a local package, relative to the scenario file (``"../.."``), or
    #: any requirement (``"attrs>=23"``). Never websockets itself.
    requirements: Tuple[str, ...] = ()

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
    once: ``label`` with :func:`wsconform.peer.labels.generic_label`,
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
    #: The scenario file (relative ``requirements`` are relative to its directory).
    path: Optional[str] = None

    @property
    def id(self) -> str:
        return self.declaration.id

    def variant(self, name: str) -> Variant:
        return self.declaration.variant(name)


class ScenarioError(Exception):
    """A scenario file is missing, malformed, or unknown."""


def builtin_directory() -> str:
    """The directory of the built-in scenario files."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scenarios")


def directories_from_environment() -> Tuple[str, ...]:
    """The user's scenario directories, as the orchestrator passed them to agents."""
    value = os.environ.get(DIRECTORIES_VARIABLE, "")
    return tuple(path for path in value.split(os.pathsep) if path)


def file_name(scenario_id: str) -> str:
    return scenario_id.replace("-", "_") + ".py"


def _ids_in(directory: str) -> List[str]:
    return sorted(
        filename[: -len(".py")].replace("_", "-")
        for filename in os.listdir(directory)
        if filename.endswith(".py") and not filename.startswith(("_", "test_"))
    )


def _sources(directories: Sequence[str]) -> List[str]:
    """Where scenario files are searched, in order: built in, then each directory."""
    return [builtin_directory()] + [os.path.abspath(directory) for directory in directories]


def catalogue(directories: Sequence[str] = (), builtin: bool = True) -> Dict[str, str]:
    """Every scenario id → its file: the built-in ones (when ``builtin``),
    then each directory's, in order. An id found twice — a user's scenario
    named like a built-in one, or like one in another directory — is a
    :class:`ScenarioError` naming both files: which one a run meant could
    only be guessed."""
    if isinstance(directories, str):  # a string is a sequence too: of one-letter directories
        raise TypeError("directories must be a list of paths, not one string")
    found = {}  # type: Dict[str, str]
    held = set()  # built-in ids a run does not select, still taken
    for index, directory in enumerate(_sources(directories)):
        if not os.path.isdir(directory):
            raise ScenarioError("{}: not a scenario directory".format(directory))
        for scenario_id in _ids_in(directory):
            path = os.path.join(directory, file_name(scenario_id))
            if scenario_id in found:
                raise ScenarioError(
                    "{}: scenario id {!r} is already taken by {}: rename one of them".format(
                        display_path(path), scenario_id, display_path(found[scenario_id])
                    )
                )
            found[scenario_id] = path
            if index == 0 and not builtin:
                held.add(scenario_id)
    return {scenario_id: path for scenario_id, path in found.items() if scenario_id not in held}


def discover(directories: Sequence[str] = (), builtin: bool = True) -> List[str]:
    """The ids of every scenario a run selects by default: the built-in ones
    (unless ``builtin`` is false), then each directory's, sorted within each."""
    return list(catalogue(directories, builtin))


def locate(scenario_id: str, directories: Sequence[str] = ()) -> Optional[str]:
    """The file that defines ``scenario_id``: built in first, then the directories."""
    for directory in _sources(directories):
        path = os.path.join(directory, file_name(scenario_id))
        if os.path.isfile(path):
            return path
    return None


def display_path(path: str) -> str:
    """A scenario file as people read it: relative to the working directory
    when it lies below it, ``wsconform/scenarios/…`` when built in."""
    if os.path.dirname(path) == builtin_directory():
        return "wsconform/scenarios/" + os.path.basename(path)
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def module_name(scenario_id: str, path: Optional[str] = None) -> str:
    """The module a scenario file is imported as."""
    module = scenario_id.replace("-", "_")
    if path is None or os.path.dirname(path) == builtin_directory():
        return "{}.{}".format(BUILTIN_PACKAGE, module)
    return USER_MODULE_PREFIX + module


def load(scenario_id: str, directories: Optional[Sequence[str]] = None) -> LoadedScenario:
    """Import the scenario file for ``scenario_id`` (built in, or in one of
    ``directories``; by default the ones the orchestrator passed), check it,
    and return it as a :class:`LoadedScenario`."""
    if not SCENARIO_ID.match(scenario_id):
        raise ScenarioError("invalid scenario id {!r}".format(scenario_id))
    if directories is None:
        directories = directories_from_environment()
    path = locate(scenario_id, directories)
    if path is None:
        raise ScenarioError("unknown scenario {!r}".format(scenario_id))
    name = module_name(scenario_id, path)
    try:
        module = _import(name, path)
    except Exception as exc:  # the author's mistake, reported as theirs
        raise ScenarioError(_import_failure(path, exc)) from None
    validate(module, display_path(path))
    if module.SCENARIO.id != scenario_id:
        raise ScenarioError(
            "{}: declares id {!r}, expected {!r} (from its file name)".format(
                _declared_at(module, display_path(path)), module.SCENARIO.id, scenario_id
            )
        )
    return from_module(module)


def _import(name: str, path: str) -> ModuleType:
    """Import a built-in scenario as a module of its package; a user's by
    its path (its directory goes to the end of ``sys.path``, so that modules
    beside it can be imported and never shadow another)."""
    if name.startswith(BUILTIN_PACKAGE + "."):
        return importlib.import_module(name)
    if name in sys.modules:
        return sys.modules[name]
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.append(directory)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError("not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up while it runs
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _import_failure(path: str, exc: BaseException) -> str:
    """``path/name.py:LINE: what went wrong``, one line: where in the
    scenario file importing it failed (the innermost frame in that file; for
    a syntax error, the line the parser stopped at)."""
    line = None  # type: Optional[int]
    real = os.path.realpath(path)
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(exc.filename) == real:
        line = exc.lineno
    else:
        traceback = exc.__traceback__
        while traceback is not None:
            if os.path.realpath(traceback.tb_frame.f_code.co_filename) == real:
                line = traceback.tb_lineno
            traceback = traceback.tb_next
    shown = display_path(path)
    where = "{}:{}".format(shown, line) if line is not None else shown
    detail = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    hint = ""
    if isinstance(exc, ModuleNotFoundError):
        hint = (
            " (the orchestrator imports scenario files too, without websockets or your requirements:"
            " import them inside client() and server())"
        )
    return "{}: cannot be imported: {}: {}{}".format(where, type(exc).__name__, " ".join(str(detail).split()), hint)


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
        path=getattr(module, "__file__", None),
        **optional,
    )


def validate(module: ModuleType, name: Optional[str] = None) -> None:
    """Check that a scenario module follows the contract in this docstring
    (``name``: how errors name the file). What is wrong with the declaration
    is named with the line of ``SCENARIO =``; what is wrong with a function,
    with the line that defines it."""
    name = name or module.__name__
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise ScenarioError("{}: does not define SCENARIO = Scenario(...)".format(name))
    _validate_declaration(scenario, _declared_at(module, name))
    for optional in ("server_options", "label", "grade", "answer"):
        value = getattr(module, optional, None)
        if value is not None and not callable(value):
            raise ScenarioError("{}: {} must be a function".format(_assigned_at(module, name, optional), optional))
    if not callable(getattr(module, "client", None)):
        raise ScenarioError("{}: does not define client(side, variant)".format(name))
    if scenario.servers != FAULT_SERVERS and not callable(getattr(module, "server", None)):
        raise ScenarioError("{}: does not define server(side, variant)".format(name))


def _assigned_at(module: ModuleType, name: str, variable: str) -> str:
    """``name:LINE`` of the first line that assigns or defines ``variable``
    in the module's file (``name`` alone when the file cannot be read)."""
    path = getattr(module, "__file__", None)
    if path:
        pattern = re.compile(r"^(?:async\s+def\s+|def\s+)?{}\b\s*[(:=]".format(re.escape(variable)))
        try:
            with open(path, encoding="utf-8") as file:
                for number, line in enumerate(file, 1):
                    if pattern.match(line):
                        return "{}:{}".format(name, number)
        except (OSError, UnicodeDecodeError):
            pass
    return name


def _declared_at(module: ModuleType, name: str) -> str:
    return _assigned_at(module, name, "SCENARIO")


def _validate_declaration(scenario: "Scenario", name: str) -> None:
    """What is wrong with a declaration, named ``name`` (its file and line)."""
    if not SCENARIO_ID.match(scenario.id):
        raise ScenarioError("{}: invalid scenario id {!r}".format(name, scenario.id))
    if not scenario.variants:
        raise ScenarioError("{}: a scenario needs at least one variant".format(name))
    names = [variant.name for variant in scenario.variants]
    if len(set(names)) != len(names):
        raise ScenarioError("{}: duplicate variant names".format(name))
    if scenario.servers not in (PEER_SERVERS, FAULT_SERVERS, SAME_SERVERS):
        raise ScenarioError("{}: servers must be 'peer', 'fault' or 'same'".format(name))
    if not isinstance(scenario.requirements, tuple) or not all(
        isinstance(requirement, str) for requirement in scenario.requirements
    ):
        raise ScenarioError("{}: requirements must be a tuple of strings".format(name))
    if scenario.servers == FAULT_SERVERS:
        for variant in scenario.variants:
            if "fault" not in variant.params:
                raise ScenarioError("{}: variant {} needs a 'fault' parameter".format(name, variant.name))


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
