import asyncio
import json

import pytest

from wsconform.execution import environments
from wsconform.execution.environments import Builder


@pytest.fixture
def builder(tmp_path, project):
    return Builder(tmp_path / "peers", project)


def test_an_interpreter_that_does_not_exist_is_reported(builder):
    environment = asyncio.run(builder.prepare("14.2", pythons=("2.9",)))
    assert environment.status == "unavailable"
    assert environment.attempts[0].result == "no interpreter"
    assert "py2.9: no interpreter" in environment.reason


def test_remembered_failures_are_not_retried(builder):
    builder._remember("14.2|3.12|", "smoke failed: boom")
    again = Builder(builder.root, builder.code)
    environment = asyncio.run(again.prepare("14.2", pythons=("3.12",)))
    assert environment.status == "unavailable"
    assert environment.attempts[0].cached
    assert environment.reason == "py3.12: smoke failed: boom"


def test_a_corrupt_attempt_cache_is_ignored(tmp_path, project):
    root = tmp_path / "peers"
    root.mkdir()
    (root / "attempts.json").write_text("{corrupt")
    assert Builder(root, project)._attempts == {}


def test_rebuild_forgets_remembered_failures(builder):
    builder._remember("14.2|3.12|", "smoke failed: boom")
    assert json.loads(builder.attempts_file.read_text())["failures"]
    assert Builder(builder.root, builder.code, rebuild=True)._attempts == {}


def test_environment_paths_name_version_python_and_extras(builder):
    assert builder.path_for("14.2", "3.12", ()).name == "websockets-14.2-py3.12"
    assert builder.path_for("17.0", "3.13", ("trio>=0.25",)).name == "websockets-17.0-trio-py3.13"


def test_remembered_failures_of_concurrent_runs_are_merged(builder):
    other = Builder(builder.root, builder.code)  # another run, started at the same time
    builder._remember("8.1|3.13|", "smoke failed: one")
    other._remember("8.1|3.12|", "smoke failed: two")
    assert json.loads(builder.attempts_file.read_text())["failures"] == {
        "8.1|3.13|": "smoke failed: one",
        "8.1|3.12|": "smoke failed: two",
    }
    assert sorted(p.name for p in builder.root.iterdir()) == [".locks", "attempts.json"]  # no temporaries left


def test_an_agent_that_cannot_run_is_not_a_verdict_about_the_interpreter(builder, tmp_path):
    reason, python, ran, installed = asyncio.run(builder._smoke(tmp_path / "vanished" / "bin" / "python"))
    assert (python, ran, installed) == (None, False, None)
    assert "cannot start agent" in reason


@pytest.mark.asyncio
async def test_one_builder_per_release_the_other_waits(builder):
    other = Builder(builder.root, builder.code)  # flock: two open files conflict even in one process
    entered = asyncio.Event()

    async def second() -> None:
        async with other._building("14.2"):
            entered.set()

    async with builder._building("14.2"):
        waiting = asyncio.ensure_future(second())
        await asyncio.sleep(0.3)
        assert not entered.is_set()
        async with builder._building("13.1"):  # other releases are not held up
            pass
    await asyncio.wait_for(waiting, 5)
    assert entered.is_set()


def test_a_local_package_is_keyed_on_its_files(tmp_path):
    from wsconform.execution.environments import fingerprint

    package = tmp_path / "app"
    (package / "app").mkdir(parents=True)
    (package / "app" / "server.py").write_text("GREETING = 'hello'\n")
    first = fingerprint(package)
    (package / "app" / "__pycache__").mkdir()
    (package / "app" / "__pycache__" / "server.cpython-311.pyc").write_bytes(b"\0")
    (package / "build").mkdir()
    (package / "build" / "leftover.py").write_text("x = 1\n")
    assert fingerprint(package) == first  # what building and running leave is not the package
    (package / "app" / "server.py").write_text("GREETING = 'hi'\n")
    assert fingerprint(package) != first


def test_an_environment_with_a_local_package_has_a_path_of_its_own(builder, tmp_path):
    plain = builder.path_for("14.2", "3.12", ())
    named = builder.path_for("14.2", "3.12", ("attrs>=23",))
    local = builder.path_for("14.2", "3.12", (str(tmp_path / "app"),))
    assert plain.name == "websockets-14.2-py3.12" and named.name == "websockets-14.2-attrs-py3.12"
    assert local.name.startswith("websockets-14.2-with-") and local.name.endswith("-py3.12")
    assert "/" not in local.name


def test_agents_import_this_package_alone(tmp_path):
    from wsconform.execution.agents import PeerCode, agent_environment

    code = PeerCode.prepare(tmp_path, (tmp_path / "mine",))
    assert [path.name for path in code.path.iterdir()] == ["wsconform"]
    assert (code.path / "wsconform" / "api.py").is_file()
    assert PeerCode.prepare(tmp_path).path == code.path  # made once per installed copy
    environment = agent_environment(code)
    assert environment["PYTHONPATH"] == str(code.path)
    assert environment["WSCONFORM_SCENARIO_DIRS"] == str((tmp_path / "mine").resolve())


def test_uv_s_reason_is_its_resolver_explanation_on_one_line():
    from wsconform.execution.environments import _install_reason

    output = (  # uv 0.9, installing websockets==13.1 beside a package that requires websockets>=14
        "error: No solution found when resolving dependencies\n"
        "  cause: Because only needs14==1.0 is available and needs14==1.0 depends on websockets>=14, we can "
        "conclude that all versions of needs14 depend on websockets>=14.\n"
        "         And because you require websockets==13.1 and needs14, we can conclude that your requirements "
        "are unsatisfiable.\n"
    )
    assert _install_reason(output) == (
        "No solution found: Because only needs14==1.0 is available and needs14==1.0 depends on websockets>=14, we "
        "can conclude that all versions of needs14 depend on websockets>=14. And because you require "
        "websockets==13.1 and needs14, we can conclude that your requirements are unsatisfiable."
    )
    assert _install_reason("error: something else\n") == "error: something else"


def test_a_smoke_failure_is_remembered_with_the_peer_code_that_failed(builder):
    key = "14.2|2.9|"
    builder._remember(environments.smoke_key(key), "smoke failed: boom")
    same_code = asyncio.run(Builder(builder.root, builder.code).prepare("14.2", pythons=("2.9",)))
    assert same_code.reason == "py2.9: smoke failed: boom" and same_code.attempts[0].cached
    # A failure the tool's earlier peer code met says nothing of this code: tried again.
    builder.attempts_file.write_text(
        json.dumps({"format": environments.ATTEMPTS_FORMAT, "failures": {f"{key}|peer code 0123": "smoke failed: old"}})
    )
    other_code = asyncio.run(Builder(builder.root, builder.code).prepare("14.2", pythons=("2.9",)))
    assert other_code.reason == "py2.9: no interpreter"


def test_remembered_failures_of_an_earlier_format_are_forgotten(builder):
    builder.attempts_file.parent.mkdir(parents=True, exist_ok=True)
    builder.attempts_file.write_text(json.dumps({"format": 2, "failures": {"14.2|3.12|": "smoke failed: old"}}))
    assert Builder(builder.root, builder.code)._attempts == {}
