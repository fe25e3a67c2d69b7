"""Peers and the cells of the matrix: who runs against whom, in which scenario.

An *environment* is what one release was installed into (or why it could
not be): :mod:`wsconform.execution.environments` builds them, peers come from
them.

A *peer* is (websockets version, implementation, Python). A *cell* is one
scenario variant between one client peer and one server peer (or the fault
server); a cell's status says whether it can run at all, so that cells of
unavailable or unsupported peers are reported, never silently dropped.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsconform.core.exit_codes import UsageError
from wsconform.core.schema import EnvironmentRecord, PeerRecord, SourceRecord
from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.peer.drivers import IMPLEMENTATIONS
from wsconform.peer.scenario import FAULT_SERVERS, SAME_SERVERS, LoadedScenario

#: The peer id of the harness's fault server.
FAULT = "fault"


def display_name(peer_id: str) -> str:
    """A peer id without its Python: ``14.2/asyncio/py3.13`` → ``14.2/asyncio``."""
    return peer_id.rsplit("/py", 1)[0] if "/py" in peer_id else peer_id


def display_names(peer_ids: list[str]) -> dict[str, str]:
    """How to show each peer: without its Python, unless the run has the
    same version and implementation on several interpreters."""
    shown = [display_name(peer_id) for peer_id in peer_ids]
    return {peer_id: peer_id if shown.count(name) > 1 else name for peer_id, name in zip(peer_ids, shown)}


@dataclass(frozen=True)
class Attempt:
    """One interpreter tried for one release, and what happened."""

    python: str
    result: str  # "passed", or why not
    cached: bool = False


@dataclass(frozen=True)
class Source:
    """What an environment installs: a release by default, or a candidate
    (a pre-release, a local wheel or sdist, a source tree)."""

    #: What uv installs: ``websockets==14.1``, or an absolute path.
    requirement: str
    #: What names the environment on disk (a version, or a kind and digest).
    identity: str
    #: Digest of a local artifact (wheel, sdist), so results say what ran.
    sha256: str | None = None
    #: A source tree can change under one path: never reuse its environment.
    always_rebuild: bool = False

    @classmethod
    def release(cls, version: str) -> Source:
        return cls(f"websockets=={version}", version)

    @classmethod
    def of(cls, spec: str) -> Source:
        """A release or pre-release version, or a path to a wheel, sdist or source tree."""
        path = Path(spec)
        if path.is_dir():
            return cls(
                str(path.resolve()),
                f"tree-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}",
                always_rebuild=True,
            )
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            return cls(str(path.resolve()), f"file-{digest[:12]}", sha256=digest)
        return cls.release(spec)

    def describe(self) -> SourceRecord:
        return {"requirement": self.requirement, "sha256": self.sha256}


@dataclass(frozen=True)
class Environment:
    """A release's environment, or why there is none."""

    version: str
    status: Availability  # AVAILABLE or UNAVAILABLE
    python: str | None = None  # e.g. "3.9"
    python_full: str | None = None  # e.g. "3.9.18"
    executable: str | None = None
    path: str | None = None
    reason: str = ""
    attempts: tuple[Attempt, ...] = ()
    reused: bool = False
    packages: tuple[str, ...] = ()
    seconds: float = 0.0
    source: Source | None = None
    #: The websockets version the environment's interpreter imports.
    installed: str | None = None

    def describe(self) -> EnvironmentRecord:
        return {
            "source": (self.source or Source.release(self.version)).describe(),
            "installed": self.installed,
            "version": self.version,
            "status": self.status,
            "python": self.python,
            "python_full": self.python_full,
            "reason": self.reason,
            "reused": self.reused,
            "packages": list(self.packages),
            "attempts": [{"python": a.python, "result": a.result, "cached": a.cached} for a in self.attempts],
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Peer:
    """One side's software: websockets version, implementation, Python."""

    version: str
    implementation: str
    python: str | None
    executable: str | None
    status: Availability = Availability.AVAILABLE
    reason: str = ""
    resolves_to: str | None = None
    python_full: str | None = None

    @property
    def id(self) -> str:
        if self.implementation == FAULT:
            return FAULT
        if self.python is None:
            return f"{self.version}/{self.implementation}"
        return f"{self.version}/{self.implementation}/py{self.python}"

    def describe(self) -> PeerRecord:
        return {
            "id": self.id,
            "version": self.version,
            "implementation": self.implementation,
            "python": self.python,
            "python_full": self.python_full,
            "status": self.status,
            "reason": self.reason,
            "resolves_to": self.resolves_to,
        }


def fault_peer() -> Peer:
    """The fault server: the harness's own plain-socket server, on this Python."""
    python = "{}.{}".format(*sys.version_info[:2])
    return Peer(FAULT, FAULT, python, sys.executable, python_full=platform.python_version())


def parse_implementations(text: str) -> tuple[str, ...]:
    """``default``, ``all``, or a comma-separated list of implementations."""
    if text == "all":
        return IMPLEMENTATIONS
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in IMPLEMENTATIONS]
    if unknown or not names:
        choices = ", ".join(IMPLEMENTATIONS)
        raise UsageError(f"unknown implementation {', '.join(unknown) or repr(text)} (choose from: all, {choices})")
    return names


def peers_for(
    environment: Environment, inventory: dict[str, Any] | None, implementations: tuple[str, ...]
) -> list[Peer]:
    """The peers of one release: one per requested implementation."""
    peers = []
    for implementation in implementations:
        if environment.status != Availability.AVAILABLE or inventory is None:
            peers.append(
                Peer(environment.version, implementation, None, None, Availability.UNAVAILABLE, environment.reason)
            )
            continue
        entry = inventory.get(implementation, {"available": False, "reason": "unknown implementation"})
        status = Availability.AVAILABLE if entry.get("available") else Availability.UNSUPPORTED
        peers.append(
            Peer(
                environment.version,
                implementation,
                environment.python,
                environment.executable,
                status,
                entry.get("reason", ""),
                entry.get("resolves_to"),
                environment.python_full,
            )
        )
    return peers


@dataclass(frozen=True)
class Cell:
    """One scenario variant between one client peer and one server peer."""

    scenario: str
    variant: str
    client: Peer
    server: Peer

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.scenario, self.variant, self.client.id, self.server.id)

    @property
    def blocker(self) -> CellStatus | None:
        """Why the cell cannot run (``unavailable`` before ``unsupported``),
        or None when it can."""
        statuses = {self.client.status, self.server.status}
        if Availability.UNAVAILABLE in statuses:
            return CellStatus.UNAVAILABLE
        if Availability.UNSUPPORTED in statuses:
            return CellStatus.UNSUPPORTED
        return None

    @property
    def runnable(self) -> bool:
        return self.blocker is None

    @property
    def reason(self) -> str:
        """Why the cell cannot run, per peer; empty when it can."""
        reasons = []
        for role, peer in (("client", self.client), ("server", self.server)):
            if peer.status != Availability.AVAILABLE:
                reasons.append(f"{role} {peer.id}: {peer.reason}")
        return "; ".join(reasons)


def plan(scenarios: dict[str, LoadedScenario], clients: list[Peer], servers: list[Peer], fault: Peer) -> list[Cell]:
    """Every cell: each scenario variant × client peer × server peer."""
    cells = []
    for scenario_id, loaded in scenarios.items():
        declaration = loaded.declaration
        for variant in declaration.variants:
            for client in clients:
                if declaration.servers == FAULT_SERVERS:
                    server_axis = [fault]
                elif declaration.servers == SAME_SERVERS:
                    # The peer against itself: per-peer facts (api-surface).
                    server_axis = [client]
                else:
                    server_axis = servers
                for server in server_axis:
                    cells.append(Cell(scenario_id, variant.name, client, server))
    return cells
