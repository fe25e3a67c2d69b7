"""wsconform.model.merge: what is refused (one line, exit 5), and what a merge keeps."""

import copy
import json

import pytest

from tests.test_reports import document as one_run
from wsconform.cli import main as cli
from wsconform.core import exit_codes
from wsconform.core.exit_codes import BadInputError
from wsconform.model import merge


def shard(index, count, cells, **run):
    document = copy.deepcopy(one_run())
    document["run"]["options"] = {
        "clients": ["10.4", "14.2"],
        "servers": ["10.4", "14.2"],
        "implementations": ["default"],
        "scenarios": ["handshake-non-ready"],
        "repeat": 2,
        "max_repeat": 60,
        "jobs": 8,
        "agents_per_peer": 4,
        "shard": f"{index}/{count}",
    }
    document["run"].update({"interrupted": False, "argv": [], "orchestrator_python": "3.11", "releases_source": "pypi"})
    document["run"].update(run)
    document["cells"] = [document["cells"][i] for i in cells]
    document.update(schema="websockets-conformance/results", schema_version=2, environments=[], catchability=[])
    return document


def paths(count):
    return [f"s{k}.json" for k in range(1, count + 1)]


def test_two_shards_merge_into_one_run():
    documents = [shard(1, 2, [0]), shard(2, 2, [1], seconds=5.0)]
    merged = merge.merge(paths(2), documents)
    assert [cell["client"] for cell in merged["cells"]] == [cell["client"] for cell in one_run()["cells"]]
    assert "shard" not in merged["run"]["options"]
    assert merged["run"]["complete"] is True and merged["run"]["seconds"] == 5.0
    assert [entry["shard"] for entry in merged["run"]["shards"]] == ["1/2", "2/2"]
    assert merged["totals"]["cases"] == 4
    assert merged["api_surface"] == {}  # recomputed from the cells (no api-surface cell here)


def test_an_incomplete_shard_makes_the_merged_run_incomplete():
    merged = merge.merge(paths(2), [shard(1, 2, [0]), shard(2, 2, [1], complete=False, interrupted=True)])
    assert merged["run"]["complete"] is False and len(merged["cells"]) == 2


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ([shard(1, 2, [0])], "missing shard 2/2"),
        ([shard(1, 3, [0]), shard(3, 3, [1])], "missing shard 2/3"),
        ([shard(1, 2, [0]), shard(1, 2, [1])], "given twice"),
        ([shard(1, 2, [0, 1]), shard(2, 2, [1])], "overlapping shards: cell handshake-non-ready"),
        ([shard(1, 2, [0]), shard(2, 3, [1])], "shard 2/3, but s1.json is one of 2 shards"),
        ([shard(1, 2, [0]), shard(2, 2, [1], harness_version="9.9")], "harness 9.9"),
    ],
)
def test_refusals(documents, message):
    with pytest.raises(BadInputError, match=message):
        merge.merge(paths(len(documents)), documents)


def test_another_run_is_refused_naming_what_differs():
    other = shard(2, 2, [1])
    other["run"]["options"]["repeat"] = 3
    other["run"]["options"]["jobs"] = 64  # how a shard ran: allowed to differ
    with pytest.raises(BadInputError, match=r"another run than s1.json \(options differ: repeat\)"):
        merge.merge(paths(2), [shard(1, 2, [0]), other])


def test_another_plan_or_scenario_set_is_refused():
    first, other = shard(1, 2, [0]), shard(2, 2, [1])
    first["run"]["options"]["plan"], other["run"]["options"]["plan"] = "a" * 16, "b" * 16
    with pytest.raises(BadInputError, match="options differ: plan"):
        merge.merge(paths(2), [first, other])
    other = shard(2, 2, [1])
    other["scenarios"] = other["scenarios"] + [dict(other["scenarios"][0], id="other")]
    with pytest.raises(BadInputError, match="another scenario set"):
        merge.merge(paths(2), [shard(1, 2, [0]), other])


def test_a_run_that_is_not_a_shard_is_refused():
    whole = shard(1, 1, [0, 1])
    del whole["run"]["options"]["shard"]
    with pytest.raises(BadInputError, match="not a shard"):
        merge.merge(paths(1), [whole])


def test_the_command_refuses_in_one_line_with_exit_5(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    assert cli.main(["merge", str(missing), "--output", str(tmp_path / "m" / "results.json")]) == exit_codes.BAD_INPUT
    assert "no such results file" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(json.dumps({"schema": "websockets-conformance/results", "schema_version": 2}))
    assert cli.main(["merge", str(corrupt), "--output", str(tmp_path / "m" / "results.json")]) == exit_codes.BAD_INPUT
    assert not (tmp_path / "m" / "results.json").exists()
