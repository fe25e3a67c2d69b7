"""What a scenario file declares, and how scenario files are found.

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

Scenario files run inside peers too, so they follow the same rules as this
package: standard library only, Python 3.8 compatible.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Dict, List, Mapping, Optional, Tuple

#: Where scenario files live, relative to the project root.
SCENARIO_PACKAGE = "scenarios"

#: Scenario ids are lowercase words joined by hyphens; file names use underscores.
SCENARIO_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

#: Kinds of server a scenario runs against: every server peer, the fault
#: server, or the client's own peer (for per-peer facts such as the API).
PEER_SERVERS = "peer"
FAULT_SERVERS = "fault"
SAME_SERVERS = "same"

#: Grades a scenario may give an outcome.
GRADES = ("ok", "non-strict", "failed", "informational")


@dataclass(frozen=True)
class Variant:
    """One way of running a scenario, e.g. "read after the close completed"."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

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
    #: Seconds a whole case may take before the orchestrator calls it hung.
    timeout: float = 15.0
    #: Record fields (e.g. ``state_before``, ``state_after``, ``duration``)
    #: that vary with timing but do not answer this scenario's question: kept
    #: in the evidence, left out of the outcome, so they do not split cells.
    incidental: Tuple[str, ...] = ()
    #: Repetitions per cell when the scenario is deterministic by nature
    #: (e.g. api-surface); None follows ``--repeat``.
    repetitions: Optional[int] = None

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError("scenario {} has no variant {!r}".format(self.id, name))


class ScenarioError(Exception):
    """A scenario file is missing, malformed, or unknown."""


def module_name(scenario_id: str) -> str:
    """Map a scenario id to the module that defines it."""
    return "{}.{}".format(SCENARIO_PACKAGE, scenario_id.replace("-", "_"))


def load(scenario_id: str) -> ModuleType:
    """Import and validate the scenario file for ``scenario_id``."""
    if not SCENARIO_ID.match(scenario_id):
        raise ScenarioError("invalid scenario id {!r}".format(scenario_id))
    try:
        module = importlib.import_module(module_name(scenario_id))
    except ModuleNotFoundError as exc:
        if exc.name in (module_name(scenario_id), SCENARIO_PACKAGE):
            raise ScenarioError("unknown scenario {!r}".format(scenario_id)) from None
        raise
    validate(module)
    if module.SCENARIO.id != scenario_id:
        raise ScenarioError(
            "{} declares id {!r}, expected {!r}".format(module.__name__, module.SCENARIO.id, scenario_id)
        )
    return module


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
        "variants": [
            {"name": v.name, "params": dict(v.params), "description": v.description} for v in scenario.variants
        ],
    }
