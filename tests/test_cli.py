"""Usage errors: one line, exit code 2, nothing written, no network needed."""

import pytest

from wsconform.cli import main as cli
from wsconform.core import exit_codes
from wsconform.model import results


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["matrix", "--versions", "abc"], "invalid version 'abc'"),
        (["matrix", "--scenarios", "nope"], "unknown scenario nope"),
        (["matrix", "--impls", "twisted"], "unknown implementation twisted"),
        (["matrix", "--repeat", "0"], "expected 1 to 10000, got 0"),
        (["matrix", "--repeat", "1000000000"], "expected 1 to 10000, got 1000000000"),
        (["matrix", "--jobs", "99999999999999999999"], "expected 1 to 256"),
        (["matrix", "--agents-per-peer", "65"], "expected 1 to 64"),
        (["matrix", "--repeat", "\x1b[31mred"], "expected a whole number, got '\\x1b[31mred'"),
        (["matrix", "--python", "8.1"], "invalid --python entry"),
        (["matrix", "--python", "8.1=three"], "invalid Python version"),
        (["matrix", "--python", "3.9"], "invalid --python entry"),
        (["matrix", "--pythons", "middle"], "invalid --pythons 'middle'"),
        (["matrix", "--bogus"], "unrecognized arguments: --bogus"),
        ([], "the following arguments are required: command"),
    ],
)
def test_usage_errors(arguments, message, tmp_path, capsys):
    code = cli.main([*arguments, "--output", str(tmp_path / "r.json")] if arguments else arguments)
    assert code == exit_codes.USAGE
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and message in error
    assert "\n" not in error
    assert not (tmp_path / "r.json").exists()


def test_parse_pythons():
    assert cli.parse_pythons("8.1=3.9, 14.2=3.12") == {"8.1": ("3.9",), "14.2": ("3.12",)}
    assert cli.parse_pythons("10.4=3.9,3.13,14.2=3.12") == {"10.4": ("3.9", "3.13"), "14.2": ("3.12",)}
    assert cli.parse_pythons("candidate=3.12") == {"candidate": ("3.12",)}
    assert cli.parse_pythons(None) == {}


@pytest.mark.parametrize(("text", "chosen"), [("newest", ("newest",)), ("oldest,newest", ("oldest", "newest"))])
def test_parse_interpreter_choice(text, chosen):
    assert cli.parse_interpreter_choice(text) == chosen


def test_interpreter_searches(tmp_path):
    from wsconform.execution import pipeline

    options = pipeline.MatrixOptions(pythons={"10.4": ("3.9", "3.13")}, interpreters=("oldest", "newest"))
    assert pipeline.interpreter_searches(options, "10.4") == [("3.9",), ("3.13",)]
    oldest, newest = pipeline.interpreter_searches(options, "14.2")
    assert oldest[0] == "3.8" and newest[0] == "3.13" and sorted(oldest) == sorted(newest)


def test_exit_codes_are_distinct():
    codes = [
        exit_codes.SUCCESS,
        exit_codes.DRIFT,
        exit_codes.USAGE,
        exit_codes.INCOMPLETE,
        exit_codes.UNAVAILABLE,
        exit_codes.BAD_INPUT,
    ]
    assert len(set(codes)) == len(codes)
    assert set(exit_codes.DESCRIPTIONS) == set(codes)


def document(cells, peers, complete=True):
    return {"run": {"complete": complete}, "totals": {"cells": cells}, "peers": peers}


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        (document({"measured": 3}, [{"status": "available"}]), exit_codes.SUCCESS),
        (document({"measured": 3}, [{"status": "unsupported"}]), exit_codes.SUCCESS),
        (document({"measured": 3}, [{"status": "unavailable"}]), exit_codes.UNAVAILABLE),
        (document({"measured": 3, "error": 1}, [{"status": "unavailable"}]), exit_codes.INCOMPLETE),
        (document({"measured": 3}, [], complete=False), exit_codes.INCOMPLETE),
    ],
)
def test_exit_code_for(doc, code):
    assert results.exit_code_for(doc) == code


def test_corrupt_results_file_is_exit_5_in_one_line(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text("{half a file")
    assert cli.main(["report", "--results", str(path)]) == exit_codes.BAD_INPUT
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "corrupt results file" in error and "\n" not in error
    assert path.read_text() == "{half a file"  # nothing overwritten


def test_corrupt_reference_is_exit_5_and_nothing_is_written(tmp_path, capsys):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "send-then-close.json").write_text("not json")
    code = cli.main(["check", "--results", str(tmp_path / "results.json"), "--reference", str(tmp_path / "reference")])
    assert code == exit_codes.BAD_INPUT
    assert "corrupt reference file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference"]


def test_upgrade_rejects_a_malformed_version(tmp_path, capsys):
    assert cli.main(["upgrade", "10.4", "fourteen", "--results", str(tmp_path / "r.json")]) == exit_codes.USAGE
    assert "invalid version 'fourteen'" in capsys.readouterr().err
