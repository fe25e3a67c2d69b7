import json

import pytest
from packaging.version import Version

from wsconform.core.exit_codes import UsageError
from wsconform.model import versions

RELEASES = versions.Releases(tuple(Version(v) for v in ("8.1", "10.4", "14.0", "14.1", "14.2", "15.0.1")), "pypi")


@pytest.mark.parametrize(
    ("selector", "version"),
    [("8.1", "8.1"), ("newest", "15.0.1"), ("newest-14", "14.2"), ("99.0", "99.0")],
)
def test_resolve(selector, version):
    assert versions.resolve(selector, RELEASES) == version


def test_resolve_all_deduplicates_and_sorts():
    assert versions.resolve_all(("newest", "15.0.1", "8.1", "newest-14"), RELEASES) == ("8.1", "14.2", "15.0.1")


@pytest.mark.parametrize("text", ["abc", "14.x", "newest-x", ",", ""])
def test_malformed_selectors_are_usage_errors(text):
    with pytest.raises(UsageError):
        versions.parse_selectors(text)


def test_newest_of_a_missing_major_is_a_usage_error():
    with pytest.raises(UsageError, match=r"no websockets 3\.x release"):
        versions.resolve("newest-3", RELEASES)


def test_membership():
    assert "14.2" in RELEASES
    assert "14.3" not in RELEASES
    assert "garbage" not in RELEASES


def test_fetch_falls_back_to_the_cache_when_offline(tmp_path, monkeypatch):
    cache = tmp_path / "releases.json"
    cache.write_text(json.dumps({"versions": ["8.1", "14.2"]}))
    monkeypatch.setattr(versions, "PYPI_JSON", "http://127.0.0.1:9/{package}")
    releases = versions.fetch_releases(cache, timeout=2)
    assert releases.source == "cache"
    assert releases.newest() == "14.2"


def test_fetch_without_network_or_cache_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(versions, "PYPI_JSON", "http://127.0.0.1:9/{package}")
    with pytest.raises(UsageError, match="PyPI unreachable"):
        versions.fetch_releases(tmp_path / "missing.json", timeout=2)


def test_fetch_filters_yanked_and_pre_releases(tmp_path, monkeypatch):
    document = {
        "releases": {
            "14.2": [{"yanked": False}],
            "15.0rc1": [{"yanked": False}],
            "14.3": [{"yanked": True}],
            "1.0": [],
        }
    }
    source = tmp_path / "websockets.json"
    source.write_text(json.dumps(document))
    monkeypatch.setattr(versions, "PYPI_JSON", source.as_uri().replace("websockets", "{package}"))
    releases = versions.fetch_releases(tmp_path / "cache.json")
    assert [str(v) for v in releases.versions] == ["14.2"]
    assert [str(v) for v in releases.prereleases] == ["15.0rc1"]  # asked for by name only
    assert json.loads((tmp_path / "cache.json").read_text()) == {"versions": ["14.2"], "prereleases": ["15.0rc1"]}


def test_a_candidate_is_named_by_its_label_and_installs_its_spec(tmp_path):
    wheel = tmp_path / "websockets-15.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    releases = versions.Releases((Version("14.0"), Version("14.1")), "pypi", (Version("15.0rc1"),))
    for selector in ("14.0=14.1", "next=15.0rc1", f"local={wheel}", f"tree={tmp_path}", "15.0rc1"):
        versions.validate_selector(selector)
    assert versions.resolve("14.0=14.1", releases) == "14.0=14.1"
    assert versions.resolve(f"local={wheel}", releases) == f"local={wheel.resolve()}"
    assert versions.label("14.0=14.1") == "14.0" and versions.label("14.1") == "14.1"
    assert "15.0rc1" in releases and "15.0rc2" not in releases
    ordered = versions.resolve_all(("local=" + str(wheel), "14.0=14.1", "8.1"), releases)
    assert [versions.label(item) for item in ordered] == ["8.1", "14.0", "local"]


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("bad label!=14.1", "invalid candidate label"),
        ("x=not-a-version", "expected LABEL=VERSION, or LABEL=PATH"),
        ("x=/etc/passwd", "is not a wheel, an sdist or a source directory"),
    ],
)
def test_bad_candidates_are_usage_errors(selector, message):
    with pytest.raises(UsageError, match=message):
        versions.validate_selector(selector)


def test_two_peers_may_not_share_a_label():
    releases = versions.Releases((Version("14.0"), Version("14.1")), "pypi")
    with pytest.raises(UsageError, match=r"two peers would be named '14\.0'"):
        versions.resolve_all(("14.0", "14.0=14.1"), releases)


def test_all_is_every_final_release_from_since():
    releases = versions.Releases(RELEASES.versions, "pypi", (Version("16.0rc1"),))
    assert versions.resolve_all(("all",), releases) == ("8.1", "10.4", "14.0", "14.1", "14.2", "15.0.1")
    assert versions.resolve_all(("all", "newest", "8.1"), releases, since="14.1") == ("8.1", "14.1", "14.2", "15.0.1")
    versions.validate_selector("all")
    assert versions.parse_selectors("all") == ("all",)


def test_all_cannot_stand_for_one_release():
    with pytest.raises(UsageError, match="'all' names every release"):
        versions.resolve("all", RELEASES)


def test_since_is_a_release_version_on_the_command_line():
    from wsconform.cli import main

    parser = main.make_parser()
    assert parser.parse_args(["matrix", "--versions", "all", "--since", "11.0"]).since == "11.0"
    with pytest.raises(UsageError, match=r"expected a release version such as 11\.0"):
        parser.parse_args(["matrix", "--since", "eleven"])


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["upgrade", "all", "14.2"], "FROM"),
        (["upgrade", "14.2", "all"], "TO"),
        (["history", "--scenarios", "ping", "--against", "all"], "--against"),
        (["try", "ping", "--client", "14.2", "--server", "all"], "--server"),
    ],
)
def test_where_one_release_is_asked_all_is_a_usage_error(argv, what, capsys):
    from wsconform.cli import main
    from wsconform.core import exit_codes

    assert main.main(argv) == exit_codes.USAGE
    assert f"error: {what} takes one release; 'all' names every release" in capsys.readouterr().err
