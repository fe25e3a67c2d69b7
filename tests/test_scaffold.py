"""new and try: a scenario from the templates, and its steps printed."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import run_harness
from wsconform.cli import scaffold
from wsconform.cli.configuration import Configuration
from wsconform.core import exit_codes
from wsconform.core.exit_codes import UsageError
from wsconform.execution import pipeline
from wsconform.peer import scenario


@pytest.fixture
def config(author_package):
    """A project outside this checkout, whose scenario directory is the author's."""
    return Configuration(author_package.parent)


def test_new_writes_a_scenario_that_loads_and_its_test(config, author_package):
    assert scaffold.new("echo-twice", config, (author_package,)) == 0
    source, test = scaffold.scenario_paths("echo-twice", author_package, config.root)
    assert source == author_package / "echo_twice.py" and source.is_file()
    assert test == config.root / "tests" / "scenarios" / "test_echo_twice.py" and test.is_file()
    loaded = scenario.load("echo-twice")
    assert loaded.id == "echo-twice" and [variant.name for variant in loaded.declaration.variants] == ["one-message"]
    assert 'load_scenario("echo-twice")' in test.read_text()


def test_new_never_overwrites(config, author_package):
    scaffold.new("echo-twice", config, (author_package,))
    source, _ = scaffold.scenario_paths("echo-twice", author_package, config.root)
    source.write_text("# mine\n")
    with pytest.raises(UsageError, match="has the id 'echo-twice'"):
        scaffold.new("echo-twice", config, (author_package,))
    assert source.read_text() == "# mine\n"
    source.unlink()  # its test alone is there: still never overwritten
    with pytest.raises(UsageError, match=r"test_echo_twice\.py exists"):
        scaffold.new("echo-twice", config, (author_package,))


def test_new_refuses_an_id_a_built_in_scenario_has(config, author_package):
    with pytest.raises(UsageError, match=r"^wsconform/scenarios/oversize\.py has the id 'oversize'"):
        scaffold.new("oversize", config, (author_package,))
    assert list(config.root.rglob("*.py")) == []


def test_new_outside_this_checkout_needs_a_scenario_directory(config):
    with pytest.raises(UsageError, match="new needs a directory for your scenarios"):
        scaffold.new("echo-twice", config, ())


@pytest.mark.parametrize("bad", ["Echo", "echo_twice", "-echo", "echo--twice", "../echo"])
def test_new_refuses_what_is_not_a_scenario_id(config, author_package, bad):
    with pytest.raises(UsageError, match="not a scenario id"):
        scaffold.new(bad, config, (author_package,))
    assert list(config.root.rglob("*.py")) == []


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
    output = tmp_path / "out" / "results.json"
    options = dataclasses.replace(
        pipeline.MatrixOptions(), scenarios=("oversize",), output=output, scenario_directories=(author_package,)
    )
    with pytest.raises(UsageError, match=r"^authored_scenarios/broken\.py:1: cannot be imported: SyntaxError"):
        await pipeline.run_matrix(options)
    assert not output.parent.exists()


def test_a_scenario_s_requirements_join_the_run_s(author_package, tmp_path):
    (tmp_path / "app").mkdir()
    (author_package / "needs_app.py").write_text(
        "from wsconform.api import Scenario, Variant\n"
        "SCENARIO = Scenario('needs-app', 'q?', (Variant('v'),), requirements=('../app', 'attrs>=23'))\n"
        "async def client(side, variant):\n    pass\n"
        "async def server(side, variant):\n    pass\n"
    )
    scenarios = pipeline.load_scenarios(("needs-app", "oversize"), (author_package,))
    options = pipeline.MatrixOptions(requirements=("attrs>=23",))
    found = pipeline.with_scenario_requirements(options, scenarios).requirements
    assert found == ("attrs>=23", str((tmp_path / "app").resolve()))


def test_a_scenario_cannot_require_websockets(author_package):
    (author_package / "pins.py").write_text(
        "from wsconform.api import Scenario, Variant\n"
        "SCENARIO = Scenario('pins', 'q?', (Variant('v'),), requirements=('websockets==12.0',))\n"
        "async def client(side, variant):\n    pass\n"
        "async def server(side, variant):\n    pass\n"
    )
    scenarios = pipeline.load_scenarios(("pins",), (author_package,))
    with pytest.raises(UsageError, match=r"pins\.py: requirements: 'websockets==12\.0': the websockets release is"):
        pipeline.with_scenario_requirements(pipeline.MatrixOptions(), scenarios)
