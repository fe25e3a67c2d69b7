"""[tool.wsconform]: found as pytest and ruff find theirs, checked, and
overridden by the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROJECT
from wsconform.cli import configuration, main
from wsconform.cli.configuration import Configuration, Table
from wsconform.core.exit_codes import UsageError
from wsconform.execution.environments import check_requirements

TABLE = """
[tool.wsconform]
scenario-dirs = ["conformance/scenarios"]
builtin-scenarios = false
versions = ["13.1", "14.2"]
reference = "conformance/reference"
requirements = ["."]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n' + TABLE)
    (tmp_path / "conformance" / "scenarios").mkdir(parents=True)
    (tmp_path / "src" / "deep").mkdir(parents=True)
    return tmp_path


def test_the_nearest_pyproject_with_the_table_is_the_root(project: Path) -> None:
    inner = project / "src"
    (inner / "pyproject.toml").write_text('[project]\nname = "inner"\n')  # no table: not this one
    found = configuration.find(inner / "deep")
    assert found.root == project and found.path == project / "pyproject.toml"
    assert found.scenario_directories == (project / "conformance" / "scenarios",)
    assert found.reference == project / "conformance" / "reference"
    assert found.output == project / "reports" / "results.json"
    assert found.words("versions") == "13.1,14.2"
    assert found.requirements == (str(project),)


def test_without_a_table_the_working_directory_is_the_root(tmp_path: Path) -> None:
    found = configuration.find(tmp_path)
    assert found.path is None and found.root == tmp_path.resolve()
    assert found.output == tmp_path.resolve() / "reports" / "results.json"
    assert found.table == Table()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.wsconform]\nversion = '13.1'\n", r"\[tool\.wsconform\] version: unknown key$"),
        ("[tool.wsconform]\nrepeat = 'ten'\n", r"\[tool\.wsconform\] repeat: Input should be a valid integer"),
        ("[tool.wsconform]\nrepeat = 0\n", r"\[tool\.wsconform\] repeat: Input should be greater than or equal to 1"),
        ("[tool.wsconform]\nscenario-dirs = 'x'\n", r"\[tool\.wsconform\] scenario-dirs: Input should be a valid list"),
        ("[tool]\nwsconform = 3\n", r"\[tool\.wsconform\] must be a table"),
        ("[tool.wsconform\n", r"pyproject\.toml: cannot be read: "),
    ],
)
def test_a_bad_table_is_one_line_naming_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(UsageError, match=expected) as raised:
        configuration.find(tmp_path)
    assert "\n" not in str(raised.value) and str(tmp_path / "pyproject.toml") in str(raised.value)


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("./missing", "no such file or directory"),
        ("websockets==14.2", "the websockets release is what the matrix varies"),
        ("not a requirement!", "is not a requirement"),
    ],
)
def test_a_requirement_that_cannot_be_is_refused(tmp_path: Path, requirement: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        check_requirements([requirement], tmp_path, "--with")


def test_requirements_keep_names_and_make_paths_absolute(tmp_path: Path) -> None:
    (tmp_path / "client").mkdir()
    assert check_requirements(["./client", "attrs>=23"], tmp_path, "x") == (
        str(tmp_path / "client"),
        "attrs>=23",
    )


def test_the_command_line_wins_over_the_table(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    config = configuration.find()
    (project / "other").mkdir()
    parser = main.make_parser(config)
    from_table = parser.parse_args(["matrix"])
    assert from_table.versions == "13.1,14.2" and from_table.reference == project / "conformance" / "reference"
    assert main.scenario_directories(from_table) == (project / "conformance" / "scenarios",)
    assert main.builtin_scenarios(from_table) is False
    assert main.extra_requirements(from_table) == (str(project),)
    given = parser.parse_args(
        ["matrix", "--versions", "12.0", "--scenarios-dir", "other", "--builtin-scenarios", "--with", "attrs"]
    )
    assert given.versions == "12.0"
    assert main.scenario_directories(given) == (project / "other",)
    assert main.builtin_scenarios(given) is True
    assert main.extra_requirements(given) == ("attrs",)


def test_every_key_is_documented() -> None:
    page = (PROJECT / "docs" / "reference" / "configuration.md").read_text()
    keys = [name.replace("_", "-") for name in Table.model_fields]
    assert [key for key in keys if f"| `{key}` |" not in page] == []
    example = configuration.__doc__ or ""
    assert all(f"{key} =" in example for key in keys if key not in ("clients", "servers", "environments"))


def test_a_configuration_resolves_its_paths_against_its_root(tmp_path: Path) -> None:
    config = Configuration(tmp_path, table=Table.model_validate({"output": "out/r.json", "environments": "/abs"}))
    assert config.output == tmp_path / "out" / "r.json" and config.environments == Path("/abs")
