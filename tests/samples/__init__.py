"""Recorded samples: real normalized outcomes, one per distinct answer of each
scenario, taken from a real run with what the harness made of them then
(label, grade, answer, key).

``python -m tests.samples [RESULTS]`` writes ``tests/samples/SCENARIO.json``
from a results file (default ``reports/results.json``: run ``nox -s matrix``
first). Review the diff like a snapshot, then commit it.
``tests/scenarios/test_recorded_samples.py`` runs every scenario's
``label()``, ``grade()`` and ``answer()`` on them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wsconform.core.schema import ResultsDocument

SAMPLES = Path(__file__).resolve().parent

#: The most samples kept per scenario (the first distinct answers, in cell order).
MOST = 30


def samples_of(document: ResultsDocument) -> dict[str, dict[str, Any]]:
    """Per scenario: where the samples come from, and one sample per distinct answer."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for cell in document["cells"]:
        for outcome in cell["outcomes"]:
            samples = found.setdefault(cell["scenario"], {})
            if outcome["key"] in samples or len(samples) >= MOST:
                continue
            samples[outcome["key"]] = {
                "cell": f"{cell['variant']} | {cell['client']} → {cell['server']}",
                "key": outcome["key"],
                "label": outcome["label"],
                "grade": outcome["grade"],
                "answer": outcome["answer"],
                "outcome": outcome["outcome"],
            }
    run = document["run"]
    origin = {"harness_version": run["harness_version"], "run_started": run["started"], "peers": document["clients"]}
    return {
        scenario: {"generated_from": origin, "samples": list(samples.values())}
        for scenario, samples in sorted(found.items())
    }


def load(scenario: str) -> list[dict[str, Any]]:
    """The committed samples of one scenario."""
    path = SAMPLES / f"{scenario}.json"
    samples: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["samples"]
    return samples
