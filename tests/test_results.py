import dataclasses
import datetime
import json
import platform
import sys
from pathlib import Path

import pytest

from wsconform import __version__
from wsconform.core import exit_codes
from wsconform.core.exit_codes import BadInputError
from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.model import matrix, outcomes, results, storage
from wsconform.model.matrix import Environment
from wsconform.peer import scenario


def document(complete=True):
    return build(facts=dataclasses.replace(FACTS, interrupted=not complete))


def test_complete_results_replace_the_previous_ones(tmp_path):
    path = tmp_path / "results.json"
    results.save(path, document())
    assert results.load(path)["run"]["complete"] is True
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_incomplete_results_never_replace_complete_ones(tmp_path):
    path = tmp_path / "results.json"
    results.save(path, document())
    before = path.read_bytes()
    written = results.save(path, document(complete=False))
    assert written == tmp_path / "results.incomplete.json"
    assert path.read_bytes() == before


def test_a_complete_run_clears_a_stale_incomplete_file(tmp_path):
    path = tmp_path / "results.json"
    results.save(path, document(complete=False))
    results.save(path, document())
    assert not (tmp_path / "results.incomplete.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "corrupt results file"),
        (json.dumps({"schema": "other"}), "not a results file"),
        (json.dumps({"schema": results.SCHEMA, "schema_version": 999}), "schema version 999"),
        (
            json.dumps({"schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION}),
            "\\.run: Field required",
        ),
    ],
)
def test_load_rejects_bad_files_in_one_line(tmp_path, content, message):
    path = tmp_path / "results.json"
    path.write_text(content)
    with pytest.raises(BadInputError, match=message) as caught:
        results.load(path)
    assert "\n" not in str(caught.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(BadInputError, match="no such results file"):
        results.load(tmp_path / "results.json")


# Building the document.

OLD = matrix.Peer("8.1", "default", "3.9", "/old", python_full="3.9.18")
NEW = matrix.Peer("14.2", "default", "3.13", "/new", python_full="3.13.0")
GONE = matrix.Peer("99.0", "default", None, None, Availability.UNAVAILABLE, "no such release")
FACTS = results.RunFacts(
    options={
        "clients": ["8.1"],
        "servers": ["14.2"],
        "implementations": ["default"],
        "scenarios": ["send-then-close"],
        "repeat": 2,
        "max_repeat": 6,
        "jobs": 3,
        "agents_per_peer": 4,
    },
    started=datetime.datetime(2026, 11, 22, 3, 0, 0, 123, tzinfo=datetime.timezone.utc),
    seconds=1.23456,
    interrupted=False,
    releases_source="pypi",
)


def outcome_record(key):
    return {
        "key": key,
        "count": 1,
        "label": key,
        "grade": None,
        "answer": {"key": key},
        "evidence": 1,
        "outcome": {},
        "example": {"client": None, "server": None, "port": None},
        "seconds": {"min": 0.1, "median": 0.1, "max": 0.1},
    }


def summary(cell, status, runs=0, varies=False):
    found = outcomes.CellSummary(cell, status, runs)
    if varies:
        found.outcomes = [outcome_record("aaaaaaaaaaaa"), outcome_record("bbbbbbbbbbbb")]
    return found


def build(scenarios=("send-then-close",), facts=FACTS, clients=(OLD,), servers=(NEW, GONE)):
    loaded = {name: scenario.load(name) for name in scenarios}
    environments = {
        "14.2": [Environment("14.2", Availability.AVAILABLE, "3.13", "3.13.0")],
        "8.1": [Environment("8.1", Availability.AVAILABLE, "3.9", "3.9.18")],
    }
    cells = [
        summary(matrix.Cell("send-then-close", "v", OLD, NEW), CellStatus.MEASURED, 2, varies=True),
        summary(matrix.Cell("send-then-close", "w", OLD, NEW), CellStatus.MEASURED, 2),
        summary(matrix.Cell("send-then-close", "v", OLD, GONE), CellStatus.UNAVAILABLE),
        summary(matrix.Cell("send-then-close", "v", OLD, NEW), CellStatus.ERROR, 1),
    ]
    return results.build_document(facts, environments, list(clients), list(servers), matrix.fault_peer(), loaded, cells)


def test_build_document_records_the_run():
    document = build()
    assert (document["schema"], document["schema_version"]) == (results.SCHEMA, results.SCHEMA_VERSION)
    run = document["run"]
    assert run["harness_version"] == __version__
    assert run["started"] == "2026-11-22T03:00:00+00:00"
    assert datetime.datetime.fromisoformat(run["finished"]) >= datetime.datetime(
        2026, 1, 1, tzinfo=datetime.timezone.utc
    )
    assert (run["seconds"], run["complete"], run["interrupted"]) == (1.235, True, False)
    assert run["argv"] == sys.argv[1:]
    assert (run["platform"], run["orchestrator_python"]) == (platform.platform(), platform.python_version())
    assert (run["releases_source"], run["options"]) == ("pypi", FACTS.options)


def test_build_document_lists_environments_peers_axes_and_totals():
    document = build()
    assert [e["version"] for e in document["environments"]] == ["8.1", "14.2"]  # by version, not by text
    assert [p["id"] for p in document["peers"]] == [OLD.id, NEW.id, GONE.id]  # no fault without fault scenarios
    assert (document["clients"], document["servers"]) == ([OLD.id], [NEW.id, GONE.id])
    assert [s["id"] for s in document["scenarios"]] == ["send-then-close"]
    assert [c["variant"] for c in document["cells"]] == ["v", "w", "v", "v"]
    assert document["totals"] == {
        "cells": {"measured": 2, "unavailable": 1, "error": 1},
        "cases": 5,
        "varies": 1,
        "extra_cases": 0,
    }
    assert (document["catchability"], document["api_surface"]) == ([], {})


def test_build_document_adds_the_fault_server_when_a_scenario_uses_it():
    document = build(scenarios=("send-then-close", "handshake-non-ready"), clients=(OLD, OLD), servers=(OLD,))
    assert [p["id"] for p in document["peers"]] == [OLD.id, "fault"]
    assert document["clients"] == [OLD.id]


def test_an_interrupted_run_is_incomplete():
    document = build(facts=dataclasses.replace(FACTS, interrupted=True))
    assert (document["run"]["complete"], document["run"]["interrupted"]) == (False, True)


@pytest.mark.parametrize(
    ("complete", "cells", "statuses", "code"),
    [
        (True, {"measured": 1}, ["available"], exit_codes.SUCCESS),
        (True, {"measured": 1, "error": 0}, ["available", "unsupported"], exit_codes.SUCCESS),
        (True, {"measured": 1}, ["available", "unavailable"], exit_codes.UNAVAILABLE),
        (True, {"error": 1}, ["unavailable"], exit_codes.INCOMPLETE),
        (False, {"measured": 1}, ["available"], exit_codes.INCOMPLETE),
    ],
)
def test_exit_code_for(complete, cells, statuses, code):
    document = {"run": {"complete": complete}, "totals": {"cells": cells}, "peers": [{"status": s} for s in statuses]}
    assert results.exit_code_for(document) == code  # type: ignore[arg-type]


# Writing.


def test_incomplete_path():
    assert results.incomplete_path(Path("/r/results.json")) == Path("/r/results.incomplete.json")


def test_read_document_messages(tmp_path):
    (tmp_path / "r.json").write_text(json.dumps({"schema": "other", "schema_version": 1}))
    with pytest.raises(
        BadInputError, match=r"^.*r\.json: not a results file \(schema is not 'websockets-conformance/results'\)$"
    ):
        results.load(tmp_path / "r.json")
    broken = storage.pack(document())
    broken["peers"][0]["id"] = 3
    (tmp_path / "r.json").write_text(json.dumps(broken))
    with pytest.raises(
        BadInputError, match=r"corrupt results file \(\.peers\[0\]\.id: Input should be a valid string\)$"
    ):
        results.load(tmp_path / "r.json")
    (tmp_path / "r.json").write_text("{\n\n  broken")
    with pytest.raises(BadInputError, match=r"corrupt results file \(invalid JSON at line 3\)$"):
        results.load(tmp_path / "r.json")
    with pytest.raises(BadInputError, match=r"no such results file \(run `nox -s matrix` first\)$"):
        results.load(tmp_path / "none.json")


def test_build_document_has_exactly_the_documented_keys_with_derived_views():
    document = build(scenarios=("send-then-close", "api-surface"))
    assert list(document) == [
        "schema",
        "schema_version",
        "run",
        "environments",
        "peers",
        "clients",
        "servers",
        "scenarios",
        "cells",
        "totals",
        "catchability",
        "api_surface",
        "interpreters",
        "records",
    ]


def test_an_unreadable_input_is_a_one_line_error(tmp_path):
    (tmp_path / "results.json").mkdir()
    with pytest.raises(BadInputError, match=r"results\.json: cannot read: Is a directory$"):
        results.load(tmp_path / "results.json")
