import dataclasses
import types

import pytest

from wsconform.peer import labels, scenario
from wsconform.peer.scenario import Scenario, ScenarioError, Variant


def module(**attributes):
    result = types.ModuleType("scenarios.example")
    result.__dict__.update(attributes)
    return result


async def script(side, variant):
    pass


def test_every_scenario_file_loads_and_validates(project):
    ids = scenario.discover()
    assert {"send-then-close", "send-after-remote-close", "handshake-non-ready"} <= set(ids)
    for scenario_id in ids:
        loaded = scenario.load(scenario_id)
        assert isinstance(loaded, scenario.LoadedScenario)
        assert loaded.id == loaded.declaration.id == scenario_id


def test_a_loaded_scenario_is_frozen_and_filled_with_defaults():
    loaded = scenario.from_module(module(SCENARIO=Scenario("x", "?", (Variant("a"),)), client=script, server=script))
    assert loaded.label is labels.generic_label
    assert loaded.grade is None
    assert loaded.server_options(loaded.variant("a")) == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.grade = None  # type: ignore[misc]


def test_a_loaded_scenario_keeps_the_files_functions():
    def label(outcome):
        return "L"

    def grade(outcome):
        return "ok", "why"

    def server_options(variant):
        return {"max_size": 1}

    loaded = scenario.from_module(
        module(
            SCENARIO=Scenario("x", "?", (Variant("a"),)),
            client=script,
            server=script,
            label=label,
            grade=grade,
            server_options=server_options,
        )
    )
    assert (loaded.client, loaded.server, loaded.label, loaded.grade) == (script, script, label, grade)
    assert loaded.server_options(loaded.variant("a")) == {"max_size": 1}


def test_unknown_scenario_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="unknown scenario 'no-such-thing'"):
        scenario.load("no-such-thing")


def test_invalid_id_is_rejected():
    with pytest.raises(ScenarioError, match="invalid scenario id"):
        scenario.load("../etc")


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "does not define SCENARIO"),
        ({"SCENARIO": Scenario("x", "?", ())}, "at least one variant"),
        ({"SCENARIO": Scenario("x", "?", (Variant("a"),))}, "does not define client"),
        ({"SCENARIO": Scenario("x", "?", (Variant("a"),)), "client": script}, "does not define server"),
        (
            {"SCENARIO": Scenario("x", "?", (Variant("a"), Variant("a"))), "client": script, "server": script},
            "duplicate variant",
        ),
        (
            {"SCENARIO": Scenario("x", "?", (Variant("a"),), servers="fault"), "client": script},
            "needs a 'fault' parameter",
        ),
        (
            {"SCENARIO": Scenario("x", "?", (Variant("a"),)), "client": script, "server": script, "label": "text"},
            "label must be a function",
        ),
    ],
)
def test_validate_rejects_malformed_scenarios(attributes, message):
    with pytest.raises(ScenarioError, match=message):
        scenario.validate(module(**attributes))


def test_describe_is_json_ready():
    declaration = Scenario("x", "why?", (Variant("a", {"code": 1000}, "desc"),), links=("https://example",))
    described = scenario.describe(declaration)
    assert described["variants"] == [{"name": "a", "params": {"code": 1000}, "description": "desc"}]
    assert described["links"] == ["https://example"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "x = 1\ndef client(side, variant)\n    pass\n",
            "authored_scenarios/broken.py:2: cannot be imported: SyntaxError: ",
        ),
        (
            "import json\n\nraise RuntimeError('not ready')\n",
            "authored_scenarios/broken.py:3: cannot be imported: RuntimeError: not ready",
        ),
        ("import no_such_module_here\n", "authored_scenarios/broken.py:1: cannot be imported: ModuleNotFoundError: "),
    ],
)
def test_a_file_that_cannot_be_imported_is_the_authors_one_line_with_its_line(author_package, source, expected):
    (author_package / "broken.py").write_text(source)
    with pytest.raises(ScenarioError) as raised:
        scenario.load("broken")
    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_a_scenario_that_breaks_the_contract_names_its_module(author_package):
    (author_package / "contract.py").write_text("async def client(side, variant):\n    pass\n")
    with pytest.raises(ScenarioError, match=r"^authored_scenarios/contract\.py: does not define SCENARIO"):
        scenario.load("contract")


ECHO = (
    "from wsconform.api import Scenario, Variant\n"
    "SCENARIO = Scenario('{id}', 'q?', (Variant('v'),))\n"
    "async def client(side, variant):\n    pass\n"
    "async def server(side, variant):\n    pass\n"
)


def test_a_directory_adds_its_scenarios_after_the_built_in_ones(author_package):
    (author_package / "mine_too.py").write_text(ECHO.format(id="mine-too"))
    (author_package / "_helpers.py").write_text("x = 1\n")
    (author_package / "test_mine_too.py").write_text("x = 1\n")
    builtin = scenario.discover()
    found = scenario.discover([str(author_package)])
    assert found == [*builtin, "mine-too"]
    assert scenario.discover([str(author_package)], builtin=False) == ["mine-too"]
    loaded = scenario.load("mine-too")  # from the directory the orchestrator passed
    assert loaded.id == "mine-too" and loaded.client.__module__ == scenario.USER_MODULE_PREFIX + "mine_too"


@pytest.mark.parametrize("second", [False, True], ids=["like-a-built-in", "like-another-directory"])
def test_an_id_found_twice_names_both_files(author_package, tmp_path, second):
    if second:
        other = tmp_path / "more"
        other.mkdir()
        (other / "mine.py").write_text(ECHO.format(id="mine"))
        (author_package / "mine.py").write_text(ECHO.format(id="mine"))
        directories = [str(author_package), str(other)]
        expected = r"^more/mine\.py: scenario id 'mine' is already taken by authored_scenarios/mine\.py"
    else:
        (author_package / "oversize.py").write_text(ECHO.format(id="oversize"))
        directories = [str(author_package)]
        expected = r"^authored_scenarios/oversize\.py: scenario id 'oversize' is already taken by wsconform/scenarios/"
    with pytest.raises(ScenarioError, match=expected):
        scenario.discover(directories)
    with pytest.raises(ScenarioError, match=expected):
        scenario.discover(directories, builtin=False)  # a built-in id stays taken


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (ECHO.format(id="Bad Id"), r"^authored_scenarios/contract\.py:2: invalid scenario id 'Bad Id'$"),
        (ECHO.format(id="other"), r"^authored_scenarios/contract\.py:2: declares id 'other', expected 'contract'"),
        (
            ECHO.format(id="contract").replace("(Variant('v'),)", "()"),
            r"^authored_scenarios/contract\.py:2: a scenario needs at least one variant$",
        ),
        (
            ECHO.format(id="contract") + "label = 'x'\n",
            r"^authored_scenarios/contract\.py:7: label must be a function$",
        ),
        (
            ECHO.format(id="contract").replace("async def server", "async def other"),
            r"^authored_scenarios/contract\.py: does not define server\(side, variant\)$",
        ),
    ],
)
def test_a_declaration_that_breaks_the_contract_is_named_with_its_line(author_package, source, expected):
    (author_package / "contract.py").write_text(source)
    with pytest.raises(ScenarioError, match=expected):
        scenario.load("contract")


def test_a_directory_that_is_not_one_is_named(tmp_path):
    with pytest.raises(ScenarioError, match="not a scenario directory"):
        scenario.discover([str(tmp_path / "missing")])
