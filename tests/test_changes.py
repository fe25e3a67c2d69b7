"""wsconform.model.changes: where behaviour changed, along both axes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_reports import cell
from wsconform.model import changes
from wsconform.model.changes import Axis

RELEASES = ("13.1", "14.0", "14.2")


def peer(version: str) -> dict[str, Any]:
    return {
        "id": f"{version}/default",
        "version": version,
        "implementation": "default",
        "status": "available",
        "resolves_to": "x",
    }


def measured(client: str, server: str, label: str, runs: int = 10) -> dict[str, Any]:
    found = cell("echo", "v", f"{client}/default", f"{server}/default", label, {"kind": "value", "value": label})
    found["runs"] = found["outcomes"][0]["count"] = runs
    found["outcomes"][0]["answer"] = {"received": label}
    return found


def document(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "peers": [peer(version) for version in RELEASES],
        "scenarios": [{"id": "echo", "question": "?", "servers": "peer", "variants": [{"name": "v"}], "links": []}],
        "cells": cells,
    }


def grid(answer: Any) -> list[dict[str, Any]]:
    """Every pair, answering ``answer(client, server)``."""
    return [measured(client, server, answer(client, server)) for client in RELEASES for server in RELEASES]


@pytest.mark.parametrize("axis", [Axis.CLIENT, Axis.SERVER])
def test_a_change_of_one_side_is_a_border_on_its_axis_for_every_release_of_the_other(axis: str) -> None:
    def answer(client: str, server: str) -> str:
        changing = client if axis == Axis.CLIENT else server
        return "old" if changing == "13.1" else "new"

    found = changes.change_points(document(grid(answer)))  # type: ignore[arg-type]
    assert {(point.axis, point.fixed, point.before, point.after) for point in found} == {
        (axis, fixed, "13.1", "14.0") for fixed in RELEASES
    }
    assert all(point.was == "old" and point.becomes == "new" for point in found)
    assert all("13.1 → 14.0" in point.line() for point in found)


def test_a_release_that_did_not_run_is_no_border() -> None:
    cells = grid(lambda client, server: "same")
    for found in cells:
        if found["client"] == "14.0/default":
            found["status"], found["outcomes"] = "unavailable", []
    assert changes.change_points(document(cells)) == []  # type: ignore[arg-type]


def test_a_racy_cell_showing_its_other_side_is_no_border() -> None:
    cells = grid(lambda client, server: "a")
    middle = next(found for found in cells if found["client"] == "14.0/default" and found["server"] == "14.0/default")
    middle["outcomes"].append(dict(middle["outcomes"][0], key="b", label="b", count=2, answer={"received": "b"}))
    middle["outcomes"][0]["count"], middle["runs"] = 8, 10
    assert changes.change_points(document(cells)) == []  # type: ignore[arg-type]


def test_only_the_scenarios_asked_for() -> None:
    cells = grid(lambda client, server: "old" if client == "13.1" else "new")
    assert changes.change_points(document(cells), ["other"]) == []  # type: ignore[arg-type]
    assert len(changes.change_points(document(cells), ["echo"])) == 3  # type: ignore[arg-type]


def test_releases_are_ordered_as_versions() -> None:
    doc = document([])
    doc["peers"] = [peer("9.1"), peer("10.0"), peer("8.1"), {"id": "fault", "version": "fault"}]
    assert changes.releases_of(doc) == ("8.1", "9.1", "10.0")  # type: ignore[arg-type]


def test_each_release_against_itself_has_one_axis_the_diagonal() -> None:
    cells = [measured(release, release, "old" if release == "13.1" else "new") for release in RELEASES]
    found = changes.change_points(document(cells))  # type: ignore[arg-type]
    assert [(point.axis, point.fixed, point.before, point.after) for point in found] == [
        (Axis.CLIENT, changes.ITSELF, "13.1", "14.0")
    ]
