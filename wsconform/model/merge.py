"""Putting the shards of one run back together.

Theory of operation
-------------------

``nox -s merge -- SHARD.json... --output DIR/results.json`` accepts the
results of the N shards of one run (``--shard K/N``) and nothing else. It
refuses, in one line and exit 5 (bad input), anything that would make the
merged document lie:

* inputs of another harness or results schema version than each other;
* shards of different runs: different options (versions, implementations,
  scenarios, repetitions — everything but how a shard ran: ``shard``,
  ``jobs``, ``agents_per_peer``, the waiting lane's), different plans, different scenario sets;
* an input that is not a shard, shards of different N, a shard given twice
  or two shards holding the same cell (overlap), and a missing shard.

What each shard measured is kept as is: cells are concatenated (each exists
in exactly one shard); peers, environments and axes are the union (every
shard plans every cell, so they agree); the derived views (catchability,
API surface, interpreter differences) and totals are recomputed over the
whole. An incomplete shard (interrupted, or with harness errors) makes the
merged run incomplete: it is written as ``results.incomplete.json`` with
everything measured, and the exit code is 3.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from wsconform.core.exit_codes import BadInputError
from wsconform.core.schema import CellRecord, ResultsDocument, RunOptions
from wsconform.model import derived, results
from wsconform.model.shards import Shard

#: Options that say how a shard ran, not what the run is.
EXECUTION_OPTIONS = frozenset({"shard", "jobs", "agents_per_peer", "waiting_jobs", "waiting_agents", "fork_agents"})


def _what(options: RunOptions) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key not in EXECUTION_OPTIONS}


def check(paths: list[Path], documents: list[ResultsDocument]) -> list[Shard]:
    """The shard of each input; :class:`BadInputError` on the first mismatch."""
    if not documents:
        raise BadInputError("merge needs the results of every shard")
    first, first_path = documents[0], paths[0]
    expected = _what(first["run"]["options"])
    found: list[Shard] = []
    owners: dict[tuple[str, str, str, str], Path] = {}
    for path, document in zip(paths, documents):
        run = document["run"]
        if run["harness_version"] != first["run"]["harness_version"]:
            raise BadInputError(
                f"{path}: harness {run['harness_version']}, but {first_path} is harness "
                f"{first['run']['harness_version']}: shards of one run share a harness"
            )
        shard_text = run["options"].get("shard")
        if shard_text is None:
            raise BadInputError(f"{path}: not a shard (the run had no --shard)")
        shard = Shard.parse(shard_text)
        mine = _what(run["options"])
        if mine != expected:
            difference = sorted(key for key in set(mine) | set(expected) if mine.get(key) != expected.get(key))
            raise BadInputError(f"{path}: another run than {first_path} (options differ: {', '.join(difference)})")
        if [s["id"] for s in document["scenarios"]] != [s["id"] for s in first["scenarios"]]:
            raise BadInputError(f"{path}: another scenario set than {first_path}")
        if found and shard.count != found[0].count:
            raise BadInputError(f"{path}: shard {shard}, but {first_path} is one of {found[0].count} shards")
        if shard in found:
            raise BadInputError(f"{path}: shard {shard} given twice (overlapping shards)")
        for cell in document["cells"]:
            key = (cell["scenario"], cell["variant"], cell["client"], cell["server"])
            if key in owners:
                raise BadInputError(f"{path}: overlapping shards: cell {' '.join(key)} is also in {owners[key]}")
            owners[key] = path
        found.append(shard)
    count = found[0].count
    missing = sorted(set(range(1, count + 1)) - {shard.index for shard in found})
    if missing:
        raise BadInputError(
            f"missing shard{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"{index}/{count}" for index in missing)
            + f" (got {len(found)} of {count})"
        )
    return found


def merge(paths: list[Path], documents: list[ResultsDocument]) -> ResultsDocument:
    """One results document from the documents of every shard of one run."""
    shards = check(paths, documents)
    ordered = [document for _, document in sorted(zip(shards, documents), key=lambda pair: pair[0].index)]
    first = ordered[0]
    cells: list[CellRecord] = [cell for document in ordered for cell in document["cells"]]
    position = _plan_order(first)
    cells.sort(key=lambda cell: position(cell))
    runs = [document["run"] for document in ordered]
    options: RunOptions = dict(first["run"]["options"])  # type: ignore[assignment]
    del options["shard"]
    started = min(run["started"] for run in runs)
    complete = all(run["complete"] for run in runs)
    merged: ResultsDocument = {
        "schema": first["schema"],
        "schema_version": first["schema_version"],
        "run": {
            **first["run"],
            "started": started,
            "finished": max(run["finished"] for run in runs),
            "seconds": round(max(run["seconds"] for run in runs), 3),
            "complete": complete,
            "interrupted": any(run["interrupted"] for run in runs),
            "argv": ["merge", *(str(path) for path in paths)],
            "options": options,
            "releases_source": "cache" if any(run["releases_source"] == "cache" for run in runs) else "pypi",
        },
        "environments": _union(document["environments"] for document in ordered),
        "peers": _union(document["peers"] for document in ordered),
        "clients": list(dict.fromkeys(peer for document in ordered for peer in document["clients"])),
        "servers": list(dict.fromkeys(peer for document in ordered for peer in document["servers"])),
        "scenarios": first["scenarios"],
        "cells": cells,
        "totals": {
            "cells": dict(Counter(str(cell["status"]) for cell in cells)),
            "cases": sum(cell["runs"] for cell in cells),
            "varies": sum(1 for cell in cells if cell["varies"]),
            "extra_cases": sum(max(0, cell["runs"] - options["repeat"]) for cell in cells),
        },
        "catchability": [],
        "api_surface": {},
        "interpreters": [],
        "records": {},
    }
    merged["run"]["shards"] = [
        {"shard": str(shard), "seconds": run["seconds"], "complete": run["complete"], "started": run["started"]}
        for shard, run in sorted(zip(shards, (d["run"] for d in documents)), key=lambda pair: pair[0].index)
    ]
    merged["catchability"] = derived.catchability(merged)
    merged["api_surface"] = derived.api_surface(merged)
    merged["interpreters"] = derived.interpreter_differences(merged)
    return merged


def _union(lists: Any) -> list[Any]:
    """Items of every list, each once (by content), in first-seen order."""
    seen: dict[str, Any] = {}
    for items in lists:
        for item in items:
            seen.setdefault(repr(sorted(item.items())) if isinstance(item, dict) else repr(item), item)
    return list(seen.values())


def _plan_order(document: ResultsDocument) -> Any:
    """A sort key putting cells in the order one unsharded run plans them."""
    scenarios = {scenario["id"]: index for index, scenario in enumerate(document["scenarios"])}
    variants = {
        (scenario["id"], variant["name"]): index
        for scenario in document["scenarios"]
        for index, variant in enumerate(scenario["variants"])
    }
    clients = {peer: index for index, peer in enumerate(document["clients"])}
    servers = {peer: index for index, peer in enumerate(document["servers"])}

    def key(cell: CellRecord) -> tuple[int, int, int, int, str]:
        return (
            scenarios.get(cell["scenario"], len(scenarios)),
            variants.get((cell["scenario"], cell["variant"]), 0),
            clients.get(cell["client"], len(clients)),
            servers.get(cell["server"], len(servers)),
            cell["server"],
        )

    return key


def load_all(paths: list[Path]) -> list[ResultsDocument]:
    """Every input, read and checked (a corrupt one is one line, exit 5)."""
    return [results.load(path) for path in paths]
