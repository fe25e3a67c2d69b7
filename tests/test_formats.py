"""wsconform.core.formats: one source for each data format.

The committed JSON Schemas are what the types produce; the JSON Schema and
pydantic's validation agree on real and broken documents; any input is
checked or refused in one line (exit 5), however it is nested.
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import test_results
from tests.conftest import PROJECT, run_harness
from wsconform.core import exit_codes, formats
from wsconform.model import storage

REFERENCES = sorted((PROJECT / "reports" / "reference").glob("*.json"))


@pytest.mark.parametrize("kind", sorted(formats.KINDS))
def test_the_committed_json_schemas_are_what_the_types_produce(kind):
    committed = (formats.SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == formats.schema_text(kind), "regenerate with: python -m wsconform.core.formats"


@pytest.mark.parametrize("kind", sorted(formats.KINDS))
def test_each_json_schema_is_a_valid_draft_2020_12_schema(kind):
    jsonschema.Draft202012Validator.check_schema(formats.json_schema(kind))


def stored_results() -> dict:
    """A results document as ``results.json`` holds it (records stored once)."""
    return json.loads(json.dumps(storage.pack(test_results.build(scenarios=("send-then-close", "api-surface")))))


def agree(kind: str, document: object) -> bool:
    """Whether pydantic and the generated JSON Schema give the same verdict."""
    by_types = formats.first_problem(kind, document) is None
    by_schema = jsonschema.Draft202012Validator(formats.json_schema(kind)).is_valid(document)
    assert by_types == by_schema, formats.first_problem(kind, document)
    return by_types


@pytest.mark.parametrize("path", REFERENCES, ids=lambda path: path.stem)
def test_the_committed_reference_conforms(path):
    assert agree("reference", json.loads(path.read_text(encoding="utf-8")))


def test_a_built_results_document_conforms_as_stored():
    assert agree("results", stored_results())


BREAKS = [
    ("schema_version", lambda d: d.update(schema_version=2), ".schema_version: Input should be 3"),
    ("run", lambda d: d.pop("run"), ".run: Field required"),
    ("a count", lambda d: d["totals"].update(cases=-1), ".totals.cases: Input should be greater than or equal to 0"),
    ("a string number", lambda d: d["run"]["options"].update(repeat="10"), ".run.options.repeat: Input should be"),
    ("a status", lambda d: d["cells"][0].update(status="passed"), ".cells[0].status: Input should be"),
    ("a closed object", lambda d: d["totals"].update(more=1), ".totals.more: Extra inputs are not permitted"),
    ("a record id", lambda d: d["records"].update({"zz": {}}), ".records.zz (its key): String should match"),
]


@pytest.mark.parametrize(("what", "breaking", "problem"), BREAKS, ids=[b[0] for b in BREAKS])
def test_a_broken_results_document_is_refused_by_both_with_its_place(what, breaking, problem):
    document = stored_results()
    breaking(document)
    assert not agree("results", document)
    assert (formats.first_problem("results", document) or "").startswith(problem)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["results", "reference", "plan"]), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
))  # fmt: skip
def test_any_json_is_checked_in_one_line(kind, document):
    problem = formats.first_problem(kind, document)
    assert problem is None or "\n" not in problem


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_results_file_is_a_one_line_refusal(tmp_path, depth):
    document = stored_results()
    path = tmp_path / "results.json"
    nested = "[" * depth + "]" * depth
    text = json.dumps(document)
    path.write_text(text.replace('"api_surface": {', f'"api_surface": {{"deep": {nested}, ', 1), encoding="utf-8")
    finished = run_harness("report", "--results", str(path), "--reference", str(tmp_path / "none"), timeout=120)
    assert finished.returncode == exit_codes.BAD_INPUT, finished.stdout + finished.stderr
    lines = [line for line in (finished.stdout + finished.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "corrupt results file" in lines[0] and "Traceback" not in lines[0], lines


def test_a_deeply_nested_record_is_a_one_line_problem():
    document = stored_results()
    deep: list = []
    for _ in range(5_000):
        deep = [deep]
    broken = copy.deepcopy(document)
    broken["api_surface"] = {"peer": {"feature": {"deep": deep}}}
    problem = formats.first_problem("results", broken)
    assert problem is None or "\n" not in problem


def test_the_formats_page_documents_every_field_of_every_kind():
    page = formats.markdown()
    for kind in formats.KINDS:
        schema = formats.json_schema(kind)
        for definition in [schema, *schema["$defs"].values()]:
            for field in definition.get("properties", {}):
                assert f"| `{field}` |" in page, field
