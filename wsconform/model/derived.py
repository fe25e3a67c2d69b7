"""Views derived from recorded outcomes: API surface and catchability.

*Catchability* answers "does my ``except`` clause still work after the
upgrade?": every exception any scenario recorded carries, from the peer
itself, which common clauses catch it (see ``EXCEPT_CLAUSES`` in
:mod:`wsconform.peer.recording`). Here they are collected per (peer,
exception class), with where they were seen.
"""

from __future__ import annotations

from typing import Any

from wsconform.core.schema import (
    ApiSurface,
    CatchabilityRow,
    CellRecord,
    InterpreterDifference,
    Record,
    ResultsDocument,
)
from wsconform.model import statistics
from wsconform.model.matrix import display_name
from wsconform.peer.recording import ResultKind

API_SCENARIO = "api-surface"


def exceptions_in(side: Record | None) -> list[Record]:
    """Top-level exceptions a side's steps raised (including concurrent sub-results)."""
    return [exception for _, exception in located_exceptions_in(side)]


#: Where an exception was raised on one side: the step's name, which
#: occurrence of that step it was (the second ``recv``: 1), and for
#: ``recv_concurrently`` which of the concurrent calls (else 0).
Location = tuple[str, int, int]


def located_exceptions_in(side: Record | None) -> list[tuple[Location, Record]]:
    """:func:`exceptions_in`, each with the call that raised it: two releases'
    exceptions are compared call by call, never by their order alone (a call
    that stopped raising must not pair the next exception with the old one)."""
    found: list[tuple[Location, Record]] = []
    seen: dict[str, int] = {}
    for step in (side or {}).get("steps", []):
        name = step["step"]
        occurrence = seen.get(name, 0)
        seen[name] = occurrence + 1
        result = step["result"]
        if result["kind"] == ResultKind.EXCEPTION:
            found.append(((name, occurrence, 0), result["exception"]))
        elif result["kind"] == ResultKind.VALUE and name == "recv_concurrently":
            found += [
                ((name, occurrence, index), item["exception"])
                for index, item in enumerate(result["value"])
                if item.get("kind") == ResultKind.EXCEPTION
            ]
    return found


def catchability(document: ResultsDocument) -> list[CatchabilityRow]:
    """One row per (peer, exception class): which clauses catch it, where seen."""
    rows: dict[tuple[str, str], CatchabilityRow] = {}
    for cell in document["cells"]:
        for outcome in cell["outcomes"]:
            for role in ("client", "server"):
                peer = cell[role]
                for exception in exceptions_in(outcome["outcome"].get(role)):
                    if "caught_by" not in exception:
                        continue
                    key = (peer, exception["class"])
                    row = rows.setdefault(
                        key,
                        {
                            "peer": peer,
                            "exception": exception["class"],
                            "caught_by": exception["caught_by"],
                            "seen_in": [],
                        },
                    )
                    where = f"{cell['scenario']}/{cell['variant']} ({role})"
                    if where not in row["seen_in"]:
                        row["seen_in"].append(where)
    return [rows[key] for key in sorted(rows)]


def api_surface(document: ResultsDocument) -> ApiSurface:
    """Per peer: the features the api-surface scenario found, flattened.

    Keys are ``connection.close_code`` (client connection),
    ``server-connection.close_code``, ``websockets.InvalidStatusCode``,
    ``import websockets.legacy``; values are ``{"present": bool, "warns": [...]}``
    plus ``resolves_to`` for package names; ``signature websockets.connect``
    (``signature``, ``parameters``) and ``call basic_auth() without
    credentials · websockets.sync.server.basic_auth`` (``raises``).
    """
    surfaces: ApiSurface = {}
    for cell in document["cells"]:
        if cell["scenario"] != API_SCENARIO or not cell["outcomes"]:
            continue
        outcome = cell["outcomes"][0]["outcome"]
        features: dict[str, dict[str, Any]] = {}
        for role, prefix in (("client", "connection"), ("server", "server-connection")):
            for step in (outcome.get(role) or {}).get("steps", []):
                if step["step"] != "probe" or step["result"]["kind"] != ResultKind.VALUE:
                    continue
                value = step["result"]["value"]
                for name, entry in value.get("connection", {}).items():
                    if isinstance(entry, dict):
                        features[f"{prefix}.{name}"] = entry
                for name, entry in value.get("package", {}).items():
                    if isinstance(entry, dict):
                        features[name] = entry
                for name, entry in value.get("signatures", {}).items():
                    if isinstance(entry, dict):
                        features[f"signature {name}"] = entry
                for name, entry in value.get("calls", {}).items():
                    if isinstance(entry, dict):
                        features[f"call {name}"] = entry
                for module, entry in value.get("imports", {}).items():
                    features[f"import {module}"] = {
                        "present": entry.get("imports", False),
                        "warns": entry.get("warns", []),
                    }
        surfaces[cell["client"]] = features
    return surfaces


def interpreter_differences(document: ResultsDocument) -> list[InterpreterDifference]:
    """Cells whose answers differ by interpreter: the same scenario variant,
    client and server version/implementation, run on several Pythons. Two
    cells differ when their answer distributions differ significantly
    (:mod:`wsconform.model.statistics`, Bonferroni over the groups compared), so a
    race that merely shows its other side does not count."""
    groups: dict[tuple[str, str, str, str], list[CellRecord]] = {}
    for cell in document["cells"]:
        if cell["status"] == "measured":
            key = (cell["scenario"], cell["variant"], display_name(cell["client"]), display_name(cell["server"]))
            groups.setdefault(key, []).append(cell)
    compared = {key: cells for key, cells in groups.items() if len(cells) > 1}
    threshold = statistics.ALPHA / max(1, len(compared))
    found: list[InterpreterDifference] = []
    for (scenario, variant, client, server), cells in compared.items():
        counts = [{o["key"]: o["count"] for o in cell["outcomes"]} for cell in cells]
        if any(statistics.compare_counts(counts[0], other).p <= threshold for other in counts[1:]):
            found.append(
                {
                    "scenario": scenario,
                    "variant": variant,
                    "client": client,
                    "server": server,
                    "cells": [
                        {"client": c["client"], "server": c["server"], "labels": [o["label"] for o in c["outcomes"]]}
                        for c in cells
                    ],
                }
            )
    return found
