"""End to end: a small atlas (every release of a range against every other)
and ``history --against`` agree on where behaviour changed, on real releases.

The atlas's change points along the client axis with the server at 14.2 (and
against the fault server) are computed from its own cells; history measures
its cells in a run of its own. Both cut eras with the same function, so they
must name the same borders — and they do only if the cells agree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run_harness
from wsconform.core import exit_codes
from wsconform.model import changes, results
from wsconform.rendering import atlas as site

pytestmark = pytest.mark.peers

SCENARIOS = "send-then-close,handshake-non-ready"


def borders(document: results.ResultsDocument, fixed: set[str]) -> set[tuple[str, ...]]:
    return {
        (point.scenario, point.variant, point.axis, point.fixed, point.before, point.after)
        for point in changes.change_points(document)
        if point.fixed in fixed
    }


def test_the_atlas_and_history_agree_on_where_behaviour_changed(tmp_path: Path) -> None:
    atlas = run_harness(
        "matrix",
        "--versions",
        "13.1,14.0,14.1,14.2",
        "--scenarios",
        SCENARIOS,
        "--output",
        str(tmp_path / "atlas" / "results.json"),
    )
    assert atlas.returncode == exit_codes.SUCCESS, atlas.stderr[-3000:]
    history = run_harness(
        "history",
        "--scenarios",
        SCENARIOS,
        "--from",
        "13.1",
        "--to",
        "14.2",
        "--against",
        "14.2",
        "--output",
        str(tmp_path / "history" / "results.json"),
    )
    assert history.returncode == exit_codes.SUCCESS, history.stderr[-3000:]
    from_atlas = borders(results.load(tmp_path / "atlas" / "results.json"), {"14.2", "fault"})
    from_history = borders(results.load(tmp_path / "history" / "results.json"), {"14.2", "fault"})
    assert from_atlas == from_history
    # What is known of these releases: 14.0's client lost messages buffered at
    # close, 14.1 fixed it; the handshake exceptions changed at 14.0.
    assert ("send-then-close", "close-1000-after-close", "client", "14.2", "13.1", "14.0") in from_atlas
    assert ("send-then-close", "close-1000-after-close", "client", "14.2", "14.0", "14.1") in from_atlas
    assert ("handshake-non-ready", "http-503", "client", "fault", "13.1", "14.0") in from_atlas

    listed = run_harness(
        "changes", "--results", str(tmp_path / "atlas" / "results.json"), "--scenarios", "send-then-close"
    )
    assert listed.returncode == exit_codes.SUCCESS, listed.stderr
    assert "send-then-close close-1000-after-close · client 13.1 → 14.0, server 14.2: 3/3 msgs" in listed.stderr

    # The atlas site draws the same change points as borders on its grids.
    written = run_harness(
        "report",
        "--results",
        str(tmp_path / "atlas" / "results.json"),
        "--layout",
        "atlas",
        "--reference",
        str(tmp_path / "no-reference"),
    )
    assert written.returncode == exit_codes.SUCCESS, written.stderr
    page = (tmp_path / "atlas" / "index.html").read_text(encoding="utf-8")
    index = json.loads(re.search(r'id="atlas-index">(.*?)</script>', page).group(1))
    name = index["scenarios"]["send-then-close"]
    grids = site.read_data_file((tmp_path / "atlas" / site.DATA / f"{name}.js").read_text())["grids"]
    (grid,) = [grid for grid in grids if grid["variant"] == "close-1000-after-close"]
    rows, columns = grid["rows"], grid["columns"]
    assert [rows.index("14.0"), columns.index("14.2")] in grid["borders"]["top"]
    assert [rows.index("14.1"), columns.index("14.2")] in grid["borders"]["top"]
    document = results.load(tmp_path / "atlas" / "results.json")
    for grid in grids:
        points = [p for p in changes.change_points(document, ["send-then-close"]) if p.variant == grid["variant"]]
        assert len(grid["borders"]["top"]) + len(grid["borders"]["left"]) == len(points) == len(grid["changes"])
