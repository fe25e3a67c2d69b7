"""wsconform.execution.plans: a plan resolves once, and is read back whole or refused."""

import json

import pytest

from wsconform.cli import main as cli
from wsconform.core import exit_codes
from wsconform.core.exit_codes import BadInputError
from wsconform.execution import plans
from wsconform.execution.pipeline import MatrixOptions
from wsconform.model import shards


def made(tmp_path, monkeypatch, timings=None, **options):
    releases = tmp_path / "releases.json"
    releases.write_text(json.dumps({"versions": ["8.1", "13.1", "14.2", "15.0", "17.4"], "prereleases": []}))
    monkeypatch.setenv("HARNESS_PYPI_JSON", "http://127.0.0.1:9/{package}")  # unreachable: the cached list
    base = MatrixOptions(clients=("8.1", "newest"), servers=("newest-14",), environments=tmp_path, **options)
    return plans.make(base, ("send-then-close",), 4, timings)


def test_a_plan_holds_exact_versions_and_its_id(tmp_path, monkeypatch):
    plan = made(tmp_path, monkeypatch)
    assert plan["clients"] == ["8.1", "17.4"] and plan["servers"] == ["14.2"] and plan["shards"] == 4
    assert plan["id"] == plans.plan_id(plan)
    path = tmp_path / "plan.json"
    plans.save(path, plan)
    assert plans.load(path) == plan
    applied = plans.apply(MatrixOptions(repeat=99), plan)
    assert applied.clients == ("8.1", "17.4") and applied.repeat == 10 and applied.plan == plan["id"]


def test_the_id_ignores_when_the_plan_was_made(tmp_path, monkeypatch):
    first = made(tmp_path, monkeypatch)
    again = dict(first, created="another day")
    assert plans.plan_id(again) == first["id"]
    assert plans.plan_id(dict(first, repeat=11)) != first["id"]


def test_timings_travel_in_the_plan_and_decide_its_id(tmp_path, monkeypatch):
    plain = made(tmp_path, monkeypatch)
    assert "timings" not in plain and plans.apply(MatrixOptions(), plain).timings is None
    seen = {"send-then-close | close-1000-right-away | 8.1/default → 14.2/default": shards.Expectation(0.25, 1.0)}
    timed = made(tmp_path, monkeypatch, timings=seen)
    assert timed["timings"] == {key: [0.25, 1.0] for key in seen}
    assert timed["id"] != plain["id"]  # another partition: merge must not mix the two
    path = tmp_path / "plan.json"
    plans.save(path, timed)
    assert plans.apply(MatrixOptions(), plans.load(path)).timings == seen


def test_an_edited_plan_is_refused(tmp_path, monkeypatch):
    plan = made(tmp_path, monkeypatch)
    path = tmp_path / "plan.json"
    plans.save(path, dict(plan, clients=["8.1", "99.0"]))
    with pytest.raises(BadInputError, match="its id does not match"):
        plans.load(path)
    plans.save(path, dict(plan, shards=0))
    with pytest.raises(BadInputError, match="corrupt plan file"):
        plans.load(path)


def test_a_shard_count_other_than_the_plans_is_a_usage_error(tmp_path, monkeypatch, capsys):
    plan = made(tmp_path, monkeypatch)
    path = tmp_path / "plan.json"
    plans.save(path, plan)
    code = cli.main(["matrix", "--plan", str(path), "--shard", "1/3", "--output", str(tmp_path / "r.json")])
    assert code == exit_codes.USAGE
    assert "the plan splits the matrix into 4 shards" in capsys.readouterr().err
    assert cli.main(["plan", "--shard", "1/2", "--output", str(tmp_path / "p.json")]) == exit_codes.USAGE
