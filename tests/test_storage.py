"""Packing side records: lossless for any record, each distinct one stored once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import test_results
from wsconform.core.exit_codes import BadInputError
from wsconform.model import results, storage
from wsconform.model.outcomes import TIMING_KEYS

KEYS = st.sampled_from(sorted(TIMING_KEYS)) | st.text(max_size=6)
RECORDS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_taking_the_timing_out_and_putting_it_back_is_lossless(record):
    timing: list = []
    stripped = storage.take_timing(record, timing)
    assert storage.put_timing(stripped, timing, [0]) == record
    assert json.dumps(storage.put_timing(stripped, timing, [0])) == json.dumps(record)  # key order too


def test_records_that_differ_only_in_timing_share_one_stored_record():
    first = {"steps": [{"step": "recv", "elapsed": 0.1, "result": {"kind": "value"}}], "elapsed": 0.3}
    second = {"steps": [{"step": "recv", "elapsed": 0.2, "result": {"kind": "value"}}], "elapsed": 0.4}
    timings: tuple[list, list] = ([], [])
    assert storage.record_id(storage.take_timing(first, timings[0])) == storage.record_id(
        storage.take_timing(second, timings[1])
    )
    assert timings == ([0.3, 0.1], [0.4, 0.2])  # sorted keys, depth first: "elapsed" < "steps"


def with_sides(document: dict) -> dict:
    """``document`` whose outcomes carry side records: equal normalized ones,
    raw ones that differ only in their timing, and no server side."""
    for number, outcome in enumerate(o for cell in document["cells"] for o in cell["outcomes"]):
        step = {"step": "send", "args": {"message": "m"}, "result": {"kind": "value", "value": None}}
        outcome["outcome"] = {"client": {"steps": [{**step, "duration": "<0.5s"}], "events": []}, "server": None}
        raw = {"steps": [{**step, "elapsed": 0.001 * number}], "events": [], "elapsed": 0.01 * number}
        outcome["example"] = {"client": raw, "server": None, "port": 40000 + number}
    return document


def test_a_document_packs_each_record_once_and_unpacks_to_itself(tmp_path):
    document = with_sides(test_results.build())
    packed = storage.pack(document)
    assert storage.unpack(packed) == document
    stored = [
        outcome["outcome"][role]
        for cell in packed["cells"]
        for outcome in cell["outcomes"]
        for role in storage.ROLES
        if outcome["outcome"].get(role) is not None
    ]
    assert stored and all(identifier in packed["records"] for identifier in stored)
    assert len(stored) == 2 and len(packed["records"]) == 2  # one normalized, one raw without timing
    results.save(tmp_path / "results.json", document)
    assert results.load(tmp_path / "results.json") == json.loads(json.dumps(document))


def test_a_reference_to_a_missing_record_is_one_line(tmp_path):
    packed = storage.pack(with_sides(test_results.build()))
    packed["records"].pop(next(iter(packed["records"])))
    (tmp_path / "results.json").write_text(json.dumps(packed))
    with pytest.raises(BadInputError, match=r"results\.json: corrupt results file \(no record '[0-9a-f]{16}'\)$"):
        results.load(tmp_path / "results.json")
