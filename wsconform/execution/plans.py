"""A plan: the matrix's options with its versions resolved once.

``nox -s plan -- [matrix options] --shards N --output plan.json`` resolves
the version selectors (``newest``, ``newest-14``) against PyPI and writes
them, exact, with every option that decides *which cells* a run has. Every
shard of a CI run is then started with ``--plan plan.json``: a release
published while the shards run cannot split the matrix between two
"newest". The plan's ``id`` (a digest of what it decides) is recorded in
each shard's results, and ``merge`` refuses shards of different plans.

``--timings previous/results.json`` puts in the plan what each cell took in
a previous run of the matrix (mean case seconds, and whether it varied):
``--shard`` balances on that first (:mod:`wsconform.model.shards`). The reference
only knows the default implementation, and with ``--impls all`` the cost
of a cell depends on its implementations far more than on its variant.

Only the cells are planned; how a shard runs them (``--jobs``,
``--agents-per-peer``, ``--output``) stays a command-line choice.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from pathlib import Path
from typing import Any, Final, cast

from wsconform import __version__
from wsconform.core.exit_codes import BadInputError
from wsconform.core.files import write_json_atomically
from wsconform.core.schema import PlanDocument
from wsconform.execution.pipeline import MatrixOptions
from wsconform.model import shards, versions
from wsconform.model.results import check_shape, read_document

SCHEMA: Final = "websockets-conformance/plan"
SCHEMA_VERSION: Final = 1


#: The fields of a plan that decide the cells and their repetitions, and
#: (``timings``, when present) how they are split into shards.
DECIDING = (
    "clients",
    "servers",
    "implementations",
    "scenarios",
    "repeat",
    "max_repeat",
    "pythons",
    "interpreters",
    "timings",
)


def plan_id(content: dict[str, Any]) -> str:
    """A short digest of what a plan decides (not when it was made)."""
    deciding = {key: content[key] for key in DECIDING if key in content}
    canonical = json.dumps(deciding, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def make(
    options: MatrixOptions,
    scenarios: tuple[str, ...],
    shards: int,
    timings: dict[str, shards.Expectation] | None = None,
) -> PlanDocument:
    """Resolve ``options``' versions against PyPI (or the last known list)."""
    releases = versions.fetch_releases(options.environments / "releases.json")
    content: dict[str, Any] = {
        "clients": list(versions.resolve_all(options.clients, releases, options.since)),
        "servers": list(versions.resolve_all(options.servers, releases, options.since)),
        "implementations": list(options.implementations),
        "scenarios": list(scenarios),
        "repeat": options.repeat,
        "max_repeat": options.max_repeat,
        "pythons": {name: list(pythons) for name, pythons in sorted(options.pythons.items())},
        "interpreters": list(options.interpreters),
    }
    if timings:
        content["timings"] = {key: [seen.seconds or 0.0, seen.varies] for key, seen in sorted(timings.items())}
    document = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "id": plan_id(content),
        "harness_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "releases_source": releases.source,
        **content,
        "shards": shards,
    }
    return cast(PlanDocument, document)


def save(path: Path, plan: PlanDocument) -> None:
    write_json_atomically(path, plan, indent=1)


def load(path: Path) -> PlanDocument:
    """Read and check a plan file; one line and exit 5 when it is unusable."""
    document = read_document(path, "plan", SCHEMA, SCHEMA_VERSION, "make one with `nox -s plan`")
    check_shape(path, "plan", document)
    if document["id"] != plan_id(document):
        raise BadInputError(f"{path}: corrupt plan file (its id does not match what it plans)")
    return cast(PlanDocument, document)


def apply(options: MatrixOptions, plan: PlanDocument) -> MatrixOptions:
    """``options`` with every deciding field taken from ``plan``."""
    return dataclasses.replace(
        options,
        clients=tuple(plan["clients"]),
        servers=tuple(plan["servers"]),
        implementations=tuple(plan["implementations"]),
        scenarios=tuple(plan["scenarios"]),
        repeat=plan["repeat"],
        max_repeat=plan["max_repeat"],
        pythons={name: tuple(pythons) for name, pythons in plan["pythons"].items()},
        interpreters=tuple(plan["interpreters"]),
        plan=plan["id"],
        timings={key: shards.Expectation(seconds, varies) for key, (seconds, varies) in plan.get("timings", {}).items()}
        or None,
    )
