"""new and try: a scenario from the templates, and its steps printed."""

from __future__ import annotations

import dataclasses

import pytest

from harness.cli import scaffold
from harness.core import exit_codes
from harness.core.exit_codes import UsageError
from harness.execution import pipeline
from harness.peer import scenario
from tests.conftest import run_harness


@pytest.fixture
def root(author_package):
    """A project root outside this checkout (its scenario package is the author's)."""
    return author_package.parent


def test_new_writes_a_scenario_that_loads_and_its_test(root, author_package):
    assert scaffold.new("echo-twice", root) == 0
    source, test = scaffold.scenario_paths("echo-twice", root)
    assert source == author_package / "echo_twice.py"
    assert test == root / "tests" / "scenarios" / "test_echo_twice.py"
    loaded = scenario.load("echo-twice")
    assert loaded.id == "echo-twice" and [variant.name for variant in loaded.declaration.variants] == ["one-message"]
    assert 'scenario.load("echo-twice")' in test.read_text()


def test_new_never_overwrites(root):
    scaffold.new("echo-twice", root)
    source, _ = scaffold.scenario_paths("echo-twice", root)
    source.write_text("# mine\n")
    with pytest.raises(UsageError, match="exists"):
        scaffold.new("echo-twice", root)
    assert source.read_text() == "# mine\n"


@pytest.mark.parametrize("bad", ["Echo", "echo_twice", "-echo", "echo--twice", "../echo"])
def test_new_refuses_what_is_not_a_scenario_id(root, bad):
    with pytest.raises(UsageError, match="not a scenario id"):
        scaffold.new(bad, root)
    assert [path.name for path in root.rglob("*.py")] == ["__init__.py"]


def test_step_lines_say_each_call_and_what_it_gave():
    record = {
        "steps": [
            {"step": "send", "args": {"message": "hi"}, "result": {"kind": "value", "value": None}},
            {"step": "recv", "args": {}, "result": {"kind": "guard-timeout", "after": 5.0, "reason": "x"}},
        ]
    }
    assert scaffold.step_lines(record) == ["send(message='hi') → None", "recv() → guard-timeout"]


@pytest.mark.peers
def test_try_prints_both_sides_steps(tmp_path):
    process = run_harness(
        "try", "ping", "--client", "17.4", "--server", "17.4", "--output", str(tmp_path / "results.json")
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-2000:]
    assert "ping measure-latency | 17.4/default" in process.stderr
    assert "  client  call(arguments=[], function='ping_and_wait') → ok" in process.stderr
    assert "  server  recv() → ConnectionClosedOK 1000" in process.stderr
    assert (tmp_path / "results.json").is_file()


@pytest.mark.asyncio
async def test_a_broken_scenario_stops_a_run_before_anything_is_written(author_package, tmp_path, monkeypatch):
    (author_package / "broken.py").write_text("def client(side, variant)\n")
    monkeypatch.setattr(pipeline, "discover_scenarios", lambda: ("broken",))
    output = tmp_path / "out" / "results.json"
    options = dataclasses.replace(pipeline.MatrixOptions(), scenarios=("broken",), output=output)
    with pytest.raises(UsageError, match=r"^authored_scenarios/broken\.py:1: cannot be imported: SyntaxError"):
        await pipeline.run_matrix(options)
    assert not output.parent.exists()
