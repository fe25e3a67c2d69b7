"""How a results document is stored: each distinct side record once.

Theory of operation
-------------------

A run of the full implementation matrix holds thousands of outcomes, and each
carries two side records twice: normalized (``outcome.client`` /
``outcome.server``, the evidence of its answer) and raw (``example.client`` /
``example.server``, the first run as it happened). Few of them are distinct:
the normalized records of a 6,450-cell run are 357 distinct out of 9,344, and
the raw ones differ from each other mostly by their wall-clock fields
(``elapsed``, ``started_at``, …): without them, 493 distinct.

So the file keeps a table, ``records``, of each distinct record once, under
the first 16 hex digits of the SHA-256 of its canonical JSON, and the cells
refer to it:

* ``outcome.client`` is the id of the normalized record;
* ``example.client`` is ``{"record": id, "timing": [...]}``: the raw record
  with every wall-clock field set to ``null`` is stored once, and ``timing``
  lists the values taken out, in the order a depth-first walk with sorted keys
  meets them. Putting them back in that order gives the raw record again,
  value for value: the packing loses nothing.

In memory, every reader sees the unpacked document (:func:`unpack` runs on
load, :func:`pack` on save), so no reader depends on how the file is stored.
Equal normalized records unpack to one shared object: readers never modify
a loaded document's records.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from wsconform.core.schema import ResultsDocument
from wsconform.model.outcomes import TIMING_KEYS

ROLES = ("client", "server")


def record_id(record: Any) -> str:
    """The id of a record: a digest of its canonical JSON."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))  # ASCII: lone surrogates too
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:16]


def take_timing(value: Any, timing: list[Any]) -> Any:
    """``value`` with every wall-clock field set to ``None``; their values are
    appended to ``timing`` in depth-first, sorted-key order."""
    if isinstance(value, dict):
        stripped: dict[str, Any] = {}
        for key in sorted(value):
            if key in TIMING_KEYS:
                timing.append(value[key])
                stripped[key] = None
            else:
                stripped[key] = take_timing(value[key], timing)
        return {key: stripped[key] for key in value}  # the record's own key order
    if isinstance(value, list):
        return [take_timing(item, timing) for item in value]
    return value


def put_timing(value: Any, timing: list[Any], position: list[int]) -> Any:
    """The inverse of :func:`take_timing` on a copy of ``value``."""
    if isinstance(value, dict):
        restored: dict[str, Any] = {}
        for key in sorted(value):
            if key in TIMING_KEYS:
                restored[key] = timing[position[0]] if position[0] < len(timing) else None
                position[0] += 1
            else:
                restored[key] = put_timing(value[key], timing, position)
        return {key: restored[key] for key in value}
    if isinstance(value, list):
        return [put_timing(item, timing, position) for item in value]
    return value


class Table:
    """The ``records`` table being filled by :func:`pack`."""

    def __init__(self) -> None:
        self.records: dict[str, Any] = {}

    def add(self, record: Any) -> str:
        identifier = record_id(record)
        self.records.setdefault(identifier, record)
        return identifier


def pack(document: ResultsDocument) -> dict[str, Any]:
    """The stored form of ``document`` (which is left as it is)."""
    table = Table()
    cells = []
    for cell in document["cells"]:
        outcomes = []
        for outcome in cell["outcomes"]:
            stored = dict(outcome)
            evidence = dict(outcome["outcome"])
            for role in ROLES:
                if evidence.get(role) is not None:
                    evidence[role] = table.add(evidence[role])
            stored["outcome"] = evidence
            example = dict(outcome["example"])
            for role in ROLES:
                if example.get(role) is not None:
                    timing: list[Any] = []
                    example[role] = {"record": table.add(take_timing(example[role], timing)), "timing": timing}
            stored["example"] = example
            outcomes.append(stored)
        cells.append({**cell, "outcomes": outcomes})
    packed: dict[str, Any] = {**document, "cells": cells}
    packed["records"] = table.records
    return packed


def unpack(stored: dict[str, Any]) -> ResultsDocument:
    """The document a stored form holds (see :func:`pack`).

    Assumes the stored form passed the JSON Schema; a reference to a record
    the table does not hold raises ``KeyError`` (the caller's one-line error).
    """
    records: dict[str, Any] = stored["records"]
    cells = []
    for cell in stored["cells"]:
        outcomes = []
        for outcome in cell["outcomes"]:
            evidence = dict(outcome["outcome"])
            for role in ROLES:
                if evidence.get(role) is not None:
                    evidence[role] = records[evidence[role]]
            example = dict(outcome["example"])
            for role in ROLES:
                if example.get(role) is not None:
                    reference = example[role]
                    example[role] = put_timing(records[reference["record"]], reference["timing"], [0])
            outcomes.append({**outcome, "outcome": evidence, "example": example})
        cells.append({**cell, "outcomes": outcomes})
    document = {**stored, "cells": cells, "records": {}}
    return cast(ResultsDocument, document)
