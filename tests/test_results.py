import json

import pytest

from harness import results
from harness.exit_codes import BadInputError


def document(complete=True):
    return {
        "schema": results.SCHEMA,
        "schema_version": results.SCHEMA_VERSION,
        "run": {"complete": complete},
        "peers": [],
        "scenarios": [],
        "cells": [],
    }


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


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "results.json"
    results.save(path, document())
    before = path.read_bytes()
    with pytest.raises(TypeError):
        results.write_atomically(path, {"not serializable": object()})
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "corrupt results file"),
        (json.dumps({"schema": "other"}), "not a results file"),
        (json.dumps({"schema": results.SCHEMA, "schema_version": 999}), "schema version 999"),
        (json.dumps({"schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION}), "missing 'run'"),
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
