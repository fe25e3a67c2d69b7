"""A small atlas for tests: three releases, every one against every one.

Scenario ``echo`` (every server) answers, for client X and server Y:

* ``old-server`` (non-strict) whenever the server is 8.1 — 8.1's own
  deviation, which its other pairs only repeat (attributed to the server);
* ``EOFError`` (failed) for 8.1 → 14.2 only — a failure specific to the pair;
* ``odd <script>…`` (ok) for 14.2 → 10.4 only — an answer specific to the
  pair, whose label is hostile markup;
* ``fine`` (ok) otherwise.

Scenario ``handshake-non-ready`` (the fault server) answers ``InvalidMessage``
up to 10.4 and ``EOFError`` from 14.2: one change point along the clients.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.test_reports import SCRIPT

RELEASES = ("8.1", "10.4", "14.2")
PEERS = {release: f"{release}/default/py3.9" for release in RELEASES}
RUNS = 10
ODD = "odd " + SCRIPT


def outcome(label: str, grade: str, count: int = RUNS) -> dict[str, Any]:
    step = {"step": "connect", "result": {"kind": "value", "value": label}}
    return {
        "key": label,
        "label": label,
        "count": count,
        "grade": {"grade": grade, "reason": "because"},
        "answer": {"label": label},
        "evidence": 1,
        "outcome": {"client": {"steps": [step]}, "server": {"steps": []}},
        "seconds": {"min": 0, "median": 0, "max": 0},
        "example": {"client": {"steps": [dict(step, args={}, elapsed=0.01)]}, "server": None, "port": 1},
    }


def cell(scenario: str, variant: str, client: str, server: str, *outcomes: dict[str, Any]) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "variant": variant,
        "client": client,
        "server": server,
        "status": "measured",
        "reason": "",
        "runs": sum(o["count"] for o in outcomes),
        "varies": len(outcomes) > 1,
        "errors": [],
        "outcomes": list(outcomes),
    }


def echo_answer(client: str, server: str) -> tuple[str, str]:
    if server == "8.1":
        return "old-server", "non-strict"
    if (client, server) == ("8.1", "14.2"):
        return "EOFError", "failed"
    if (client, server) == ("14.2", "10.4"):
        return ODD, "ok"
    return "fine", "ok"


def atlas_document(releases: tuple[str, ...] = RELEASES) -> dict[str, Any]:
    peers = [PEERS[release] for release in releases]
    cells = []
    for client in releases:
        for server in releases:
            cells.append(cell("echo", "v", PEERS[client], PEERS[server], outcome(*echo_answer(client, server))))
        label = "InvalidMessage" if client != "14.2" else "EOFError"
        cells.append(cell("handshake-non-ready", "accept-close", PEERS[client], "fault", outcome(label, "ok")))
    return {
        "run": {
            "started": "2026-11-26T00:00:00+00:00",
            "finished": "f",
            "harness_version": "0.1.0",
            "seconds": 1.0,
            "complete": True,
            "platform": "Linux",
            "options": {"repeat": RUNS},
        },
        "totals": {"cases": RUNS * len(cells)},
        "peers": [
            *(
                {
                    "id": PEERS[release],
                    "version": release,
                    "implementation": "default",
                    "status": "available",
                    "reason": "",
                    "resolves_to": "asyncio",
                }
                for release in releases
            ),
            {
                "id": "fault",
                "version": "fault",
                "implementation": "fault",
                "status": "available",
                "reason": "",
                "resolves_to": None,
            },
        ],
        "clients": peers,
        "servers": peers,
        "scenarios": [
            {"id": "echo", "question": "Echo?", "servers": "peer", "variants": [{"name": "v"}], "links": []},
            {
                "id": "handshake-non-ready",
                "question": "Which exception?",
                "servers": "fault",
                "variants": [{"name": "accept-close"}],
                "links": ["https://example.com/changelog"],
            },
        ],
        "cells": cells,
    }


def previous_of(document: dict[str, Any]) -> dict[str, Any]:
    """The previous atlas: without 14.2 (its cells are new), and with 10.4 →
    8.1 answering ``fine`` (so it answers otherwise now: drifted)."""
    previous = copy.deepcopy(document)
    gone = PEERS["14.2"]
    previous["cells"] = [c for c in previous["cells"] if gone not in (c["client"], c["server"])]
    for entry in previous["cells"]:
        if (entry["scenario"], entry["client"], entry["server"]) == ("echo", PEERS["10.4"], PEERS["8.1"]):
            entry["outcomes"] = [outcome("fine", "ok")]
    return previous
