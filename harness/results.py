"""``reports/results.json``: building the document, its exit code, and
writing and reading it safely.

The schema is documented in ``reports/results.schema.md`` and typed in
:mod:`harness.schema`; bump :data:`SCHEMA_VERSION` on any incompatible change.

Writes are atomic: the document is written to a temporary file in the same
directory, flushed to disk, then renamed over the target, so a reader (or a
crash) never sees half a file and the last good results survive a failed run.
An incomplete run (interrupted, or stopped by a harness failure) is written
beside it as ``results.incomplete.json`` and never replaces a complete one.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from . import __version__, derived, exit_codes, versions
from .environments import Environment
from .exit_codes import BadInputError
from .matrix import Peer
from .outcomes import CellSummary
from .peer.scenario import FAULT_SERVERS, LoadedScenario, describe
from .schema import ResultsDocument, RunOptions, ScenarioRecord
from .vocabulary import Availability, CellStatus

SCHEMA = "websockets-conformance/results"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RunFacts:
    """What the results document says about the run itself."""

    options: RunOptions
    started: datetime.datetime
    seconds: float
    interrupted: bool
    releases_source: str


def build_document(
    facts: RunFacts,
    environments: dict[str, Environment],
    clients: list[Peer],
    servers: list[Peer],
    fault: Peer,
    scenarios: dict[str, LoadedScenario],
    summaries: list[CellSummary],
) -> ResultsDocument:
    """The results document of a run, with its derived views."""
    peers = {peer.id: peer for peer in [*clients, *servers]}
    if any(loaded.declaration.servers == FAULT_SERVERS for loaded in scenarios.values()):
        peers[fault.id] = fault
    document: ResultsDocument = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run": {
            "harness_version": __version__,
            "started": facts.started.isoformat(timespec="seconds"),
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(facts.seconds, 3),
            "complete": not facts.interrupted,
            "interrupted": facts.interrupted,
            "argv": sys.argv[1:],
            "platform": platform.platform(),
            "orchestrator_python": platform.python_version(),
            "releases_source": facts.releases_source,
            "options": facts.options,
        },
        "environments": [environments[v].describe() for v in sorted(environments, key=versions.Version)],
        "peers": [peer.describe() for peer in peers.values()],
        "clients": list(dict.fromkeys(peer.id for peer in clients)),
        "servers": list(dict.fromkeys(peer.id for peer in servers)),
        "scenarios": [cast(ScenarioRecord, describe(loaded.declaration)) for loaded in scenarios.values()],
        "cells": [summary.describe() for summary in summaries],
        "totals": {
            "cells": dict(Counter(str(summary.status) for summary in summaries)),
            "cases": sum(summary.runs for summary in summaries),
            "varies": sum(1 for summary in summaries if summary.varies),
        },
        "catchability": [],
        "api_surface": {},
    }
    document["catchability"] = derived.catchability(document)
    document["api_surface"] = derived.api_surface(document)
    return document


def exit_code_for(document: ResultsDocument) -> int:
    """The run's exit code: incomplete or errored before unavailable peers before success."""
    if not document["run"]["complete"] or document["totals"]["cells"].get(CellStatus.ERROR):
        return exit_codes.INCOMPLETE
    if any(peer["status"] == Availability.UNAVAILABLE for peer in document["peers"]):
        return exit_codes.UNAVAILABLE
    return exit_codes.SUCCESS


def incomplete_path(path: Path) -> Path:
    return path.with_name(path.stem + ".incomplete" + path.suffix)


def write_text_atomically(path: Path, text: str) -> None:
    """Write text (Markdown, HTML) to ``path``: the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; reports are for reading
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_atomically(path: Path, document: Any, *, indent: int | None = 1, sort_keys: bool = False) -> None:
    """Write JSON to ``path`` so that it is either the old or the new file, whole.

    The document is serialized first: a document that cannot be written never
    touches the file.
    """
    text = json.dumps(document, indent=indent, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    write_text_atomically(path, text)


def save(path: Path, document: ResultsDocument) -> Path:
    """Save results: complete runs to ``path``, incomplete ones beside it."""
    target = path if document["run"]["complete"] else incomplete_path(path)
    write_atomically(target, document)
    if document["run"]["complete"]:
        stale = incomplete_path(path)
        if stale.exists():
            stale.unlink()
    return target


def read_document(path: Path, kind: str, schema: str, version: int, missing_hint: str) -> dict[str, Any]:
    """Read a JSON document of ``schema`` / ``version``; one-line :class:`BadInputError` otherwise.

    Shared by results and reference files, so that both fail the same way.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such {kind} file ({missing_hint})") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BadInputError(
            f"{path}: corrupt {kind} file (invalid JSON at line {getattr(exc, 'lineno', '?')})"
        ) from None
    if not isinstance(document, dict) or document.get("schema") != schema:
        raise BadInputError(f"{path}: not a {kind} file (schema is not {schema!r})")
    if document.get("schema_version") != version:
        raise BadInputError(
            f"{path}: {kind} schema version {document.get('schema_version')!r}, this harness reads {version}"
        )
    return document


def load(path: Path) -> ResultsDocument:
    """Read and check a results file; raise :class:`BadInputError` in one line if unusable."""
    document = read_document(path, "results", SCHEMA, SCHEMA_VERSION, "run `nox -s matrix` first")
    for key in ("run", "peers", "scenarios", "cells"):
        if key not in document:
            raise BadInputError(f"{path}: corrupt results file (missing {key!r})")
    return cast(ResultsDocument, document)
