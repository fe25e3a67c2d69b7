"""``reports/results.json``: building the document, its exit code, and
writing and reading it safely.

The document is defined once, in :mod:`wsconform.core.schema`, and checked
against it on every read (:mod:`wsconform.core.formats`: the JSON Schema and
the documentation are generated from the same types); each distinct side
record is stored once (:mod:`wsconform.model.storage`) and readers get the
unpacked document; bump :data:`SCHEMA_VERSION` on any incompatible change.

Writes are atomic (:mod:`wsconform.core.files`), so a reader (or a crash) never sees
half a file and the last good results survive a failed run. An incomplete run
(interrupted, or stopped by a harness failure) is written beside it as
``results.incomplete.json`` and never replaces a complete one.

Every input is checked before use: a file that is missing, unreadable, not
UTF-8, not JSON, of another schema or version, or not of the schema's shape
is one :class:`BadInputError` line naming the file and the first problem.
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

from wsconform import __version__
from wsconform.core import exit_codes
from wsconform.core.exit_codes import BadInputError
from wsconform.core.files import write_json_atomically
from wsconform.core.formats import first_problem
from wsconform.core.schema import ReleasesSource, ResultsDocument, RunOptions, ScenarioRecord
from wsconform.core.text import visible
from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.model import derived, storage, versions
from wsconform.model.matrix import Environment, Peer
from wsconform.model.outcomes import CellSummary
from wsconform.peer.scenario import FAULT_SERVERS, LoadedScenario, describe

SCHEMA: Final = "websockets-conformance/results"
SCHEMA_VERSION: Final = 3


@dataclass(frozen=True)
class RunFacts:
    """What the results document says about the run itself."""

    options: RunOptions
    started: datetime.datetime
    seconds: float
    interrupted: bool
    releases_source: ReleasesSource


def build_document(
    facts: RunFacts,
    environments: dict[str, list[Environment]],
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
        "environments": [
            environment.describe() for v in sorted(environments, key=versions.order) for environment in environments[v]
        ],
        "peers": [peer.describe() for peer in peers.values()],
        "clients": list(dict.fromkeys(peer.id for peer in clients)),
        "servers": list(dict.fromkeys(peer.id for peer in servers)),
        "scenarios": [cast(ScenarioRecord, describe(loaded.declaration)) for loaded in scenarios.values()],
        "cells": [summary.describe() for summary in summaries],
        "totals": {
            "cells": dict(Counter(str(summary.status) for summary in summaries)),
            "cases": sum(summary.runs for summary in summaries),
            "varies": sum(1 for summary in summaries if summary.varies),
            "extra_cases": sum(max(0, summary.runs - facts.options["repeat"]) for summary in summaries),
        },
        "catchability": [],
        "api_surface": {},
        "interpreters": [],
        "records": {},
    }
    document["catchability"] = derived.catchability(document)
    document["api_surface"] = derived.api_surface(document)
    document["interpreters"] = derived.interpreter_differences(document)
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


def target_path(path: Path, document: ResultsDocument) -> Path:
    """Where :func:`save` writes: ``path``, or beside it when incomplete."""
    return path if document["run"]["complete"] else incomplete_path(path)


def save(path: Path, document: ResultsDocument) -> Path:
    """Save results: complete runs to ``path``, incomplete ones beside it."""
    target = target_path(path, document)
    write_json_atomically(target, storage.pack(document))
    if document["run"]["complete"]:
        stale = incomplete_path(path)
        if stale.exists():
            stale.unlink()
    return target


def check_shape(path: Path, kind: str, document: Any) -> None:
    """Raise one :class:`BadInputError` line for the first place ``document``
    departs from its type (:mod:`wsconform.core.schema`)."""
    problem = first_problem(kind, document)
    if problem is not None:
        raise BadInputError(f"{visible(str(path))}: corrupt {kind} file ({visible(problem)})")


def read_document(path: Path, kind: str, schema: str, version: int, missing_hint: str) -> dict[str, Any]:
    """Read a JSON document of ``schema`` / ``version``; one-line :class:`BadInputError` otherwise.

    Shared by results and reference files, so that both fail the same way.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such {kind} file ({missing_hint})") from None
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: corrupt {kind} file (not UTF-8 at byte {exc.start})") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BadInputError(
            f"{path}: corrupt {kind} file (invalid JSON at line {getattr(exc, 'lineno', '?')})"
        ) from None
    except RecursionError:
        raise BadInputError(f"{path}: corrupt {kind} file (nested too deeply)") from None
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
    check_shape(path, "results", document)
    try:
        return storage.unpack(document)
    except KeyError as exc:
        raise BadInputError(f"{visible(str(path))}: corrupt results file (no record {visible(str(exc))})") from None
