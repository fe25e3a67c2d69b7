"""wsconform.execution.history: release ranges, eras, bisection; end to end on real releases."""

from __future__ import annotations

import re

import pytest
from packaging.version import Version

from tests.conftest import run_harness
from tests.test_upgrade import cell, document, outcome
from wsconform.core import exit_codes
from wsconform.core.exit_codes import UsageError
from wsconform.execution import history, pipeline
from wsconform.model import results, timeline, upgrade, versions
from wsconform.rendering import display

RELEASES = versions.Releases(
    tuple(Version(v) for v in ("10.4", "11.0", "12.0", "13.0", "13.1", "14.0", "14.1", "14.2")), "pypi"
)


def test_releases_in_a_range_are_inclusive_and_ordered():
    assert timeline.releases_in(RELEASES, "13.0", "14.1") == ("13.0", "13.1", "14.0", "14.1")
    assert timeline.between(RELEASES, "10.4", "13.1") == ("11.0", "12.0", "13.0")
    assert timeline.between(RELEASES, "13.1", "14.0") == ()


def test_a_reversed_or_unversioned_range_is_a_usage_error():
    with pytest.raises(UsageError, match="newer than"):
        timeline.releases_in(RELEASES, "14.0", "13.0")
    with pytest.raises(UsageError, match="take releases"):
        timeline.releases_in(RELEASES, "next=./dist", "14.0")
    assert timeline.between(RELEASES, "next=./dist", "14.0") == ()


def played(*answers):
    """(release, cell) for releases 13.0, 13.1, … each with one answer."""
    releases = ("13.0", "13.1", "14.0", "14.1")
    return [
        (release, cell("s", "v", release, release, *answer) if answer else None)
        for release, answer in zip(releases, answers)
    ]


def test_eras_group_releases_that_behave_alike():
    ok, lost = [outcome("a", 10, "3/3")], [outcome("b", 10, "0/3", grade="failed")]
    found = timeline.timeline("s", "v", "each release against itself", played(ok, ok, lost, ok))
    assert [(era.span, era.text, era.grade) for era in found.eras] == [
        ("13.0 – 13.1", "3/3", "ok"),
        ("14.0", "0/3", "failed"),
        ("14.1", "3/3", "ok"),
    ]
    lines = display.timeline_lines([found])
    assert lines[2].endswith('← since 14.0: label="0/3"') and lines[3].endswith('← since 14.1: label="3/3"')
    assert [era.change for era in found.eras] == ["", 'label="0/3"', 'label="3/3"']


def test_a_race_showing_its_other_side_stays_one_era():
    first = [outcome("a", 50, "A"), outcome("b", 50, "B")]
    second = [outcome("a", 44, "A"), outcome("b", 56, "B")]
    found = timeline.timeline("s", "v", "how", played(first, second))
    assert len(found.eras) == 1


def test_a_release_that_could_not_run_is_its_own_era():
    ok = [outcome("a", 10, "A")]
    found = timeline.timeline("s", "v", "how", played(ok, None, ok))
    assert [era.text for era in found.eras] == ["A", "not run", "A"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("first_changed", "runs"), [("11.0", 2), ("12.0", 2), ("13.0", 2), ("13.1", 2)])
async def test_bisection_names_the_first_release_that_behaves_like_to(monkeypatch, tmp_path, first_changed, runs):
    """10.4 → 13.1 with 11.0, 12.0, 13.0 in between: two rounds of targeted runs."""
    old, new = "10.4/default/py3.13", "13.1/default/py3.13"
    doc = document(cell("s", "v", old, old, outcome("a", 10, "A")), cell("s", "v", new, new, outcome("b", 10, "B")))
    doc["peers"] = [
        {"id": p, "version": p.split("/")[0], "implementation": "default", "status": "available"} for p in (old, new)
    ]
    report = upgrade.compare(doc, "10.4", "13.1")
    probed: list[set[str]] = []

    async def targeted_run(base, targets, output):
        targets = list(targets)
        probed.append({t[2] for t in targets})
        cells = [
            cell(s, v, c, c, outcome("b" if Version(c) >= Version(first_changed) else "a", 10, "?"))
            for s, v, c, _ in targets
        ]
        return {
            "peers": [{"id": c, "version": c, "implementation": "default"} for _, _, c, _ in targets],
            "cells": cells,
            "api_surface": {},
        }

    monkeypatch.setattr(history, "targeted_run", targeted_run)
    found = await history.bisect(report, doc, pipeline.MatrixOptions(), RELEASES, tmp_path)
    (change,) = found.changes
    assert change.introduced_in == first_changed
    assert len(probed) == runs and found.bisected == ("11.0", "12.0", "13.0")


@pytest.mark.asyncio
async def test_adjacent_releases_need_no_run(tmp_path):
    old, new = "13.1/default/py3.13", "14.0/default/py3.13"
    doc = document(cell("s", "v", old, old, outcome("a", 10, "A")), cell("s", "v", new, new, outcome("b", 10, "B")))
    report = upgrade.compare(doc, "13.1", "14.0")
    found = await history.bisect(report, doc, pipeline.MatrixOptions(), RELEASES, tmp_path)
    assert [change.introduced_in for change in found.changes] == ["14.0"] and found.bisected == ()


@pytest.mark.peers
def test_history_shows_the_message_loss_in_14_0_only(tmp_path):
    """Upstream: send-then-close lost buffered messages in 14.0, fixed in 14.1."""
    output = tmp_path / "history-send-then-close" / "results.json"
    process = run_harness(
        "history",
        "--scenarios",
        "send-then-close",
        "--from",
        "13.1",
        "--to",
        "14.1",
        "--repeat",
        "3",
        "--output",
        str(output),
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-3000:]
    text = process.stdout + process.stderr
    after_close = re.search(
        r"send-then-close · close-1000-after-close \(each release against itself\)\n((?:  .*\n)+)", text
    )
    assert after_close is not None, text[-3000:]
    eras = after_close.group(1).splitlines()
    assert [line.split()[0] for line in eras] == ["13.1", "14.0", "14.1"]
    assert "failed" in eras[1] and "0/3 msgs" in eras[1] and "failed" not in eras[0] + eras[2]
    page = (tmp_path / "history-send-then-close.html").read_text()
    assert 'colspan="1"' in page and "0/3 msgs" in page
    run = results.load(output)
    assert all(target.startswith("send-then-close/") for target in run["run"]["options"]["cells"])


@pytest.mark.peers
def test_upgrade_bisects_to_the_release_that_broke_the_handshake_error(tmp_path):
    """Upstream: 14.0 raised a bare EOFError on a broken handshake (InvalidMessage
    before, and again from 14.2). From 13.1 to 14.1, 14.0 is the one release in
    between: one targeted run names it."""
    output = tmp_path / "upgrade-13.1-to-14.1" / "results.json"
    process = run_harness(
        "upgrade", "13.1", "14.1", "--scenarios", "handshake-non-ready", "--repeat", "2", "--output", str(output)
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-3000:]
    assert "bisecting round 1/1" in process.stdout + process.stderr
    markdown = (tmp_path / "upgrade-13.1-to-14.1.md").read_text()
    breaks = markdown.split("## Breaks", 1)[1].split("\n## ", 1)[0]
    clause = [line for line in breaks.splitlines() if "except websockets.exceptions.InvalidMessage" in line]
    assert clause and "builtins.EOFError" in clause[0] and "since [`14.0`]" in clause[0], breaks
    assert (tmp_path / "upgrade-13.1-to-14.1" / "bisect-1" / "results.json").exists()
