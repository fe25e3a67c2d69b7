"""The atlas model: whose behaviour each cell shows, and what a pair must know."""

from __future__ import annotations

import copy

import pytest

from tests.atlas_document import PEERS, atlas_document, cell, outcome, previous_of
from wsconform.model import atlas
from wsconform.model.atlas import Attribution
from wsconform.model.reference import build, compare

A, B = PEERS["8.1"], PEERS["14.2"]


def answering(client: str, server: str, *labels: tuple[str, int]) -> dict:
    return cell("echo", "v", client, server, *(outcome(label, "ok", count) for label, count in labels))


@pytest.mark.parametrize("role", ["client", "server"])
def test_a_cell_like_one_release_against_itself_is_that_releases_behaviour(role):
    mine = answering(A, B, ("same", 10))
    like, unlike = answering(A, A, ("same", 10)), answering(B, B, ("other", 10))
    own = (like, unlike) if role == "client" else (unlike, like)
    assert atlas.attribute(mine, "peer", *own) == Attribution(role)


def test_a_cell_like_both_releases_is_both_and_like_neither_is_the_pairs():
    both = answering(A, A, ("same", 10))
    assert atlas.attribute(answering(A, B, ("same", 10)), "peer", both, both) == Attribution.BOTH
    assert atlas.attribute(answering(A, B, ("third", 10)), "peer", both, both) == Attribution.PAIR


@pytest.mark.parametrize("role", ["client", "server"])
def test_nothing_explains_a_cell_when_a_release_against_itself_did_not_measure(role):
    measured = answering(A, A, ("other", 10))
    missing = dict(answering(B, B, ("same", 10)), status="unavailable", outcomes=[])
    own = (measured, missing) if role == "client" else (missing, measured)
    assert atlas.attribute(answering(A, B, ("same", 10)), "peer", *own) == Attribution.PAIR
    assert atlas.attribute(answering(A, B, ("same", 10)), "peer", None, None) == Attribution.PAIR


def test_a_racy_cell_is_alike_when_its_distribution_does_not_shift_significantly():
    racy = answering(A, B, ("first", 7), ("second", 3))
    server_own = answering(B, B, ("first", 6), ("second", 4))
    client_own = answering(A, A, ("second", 10))
    assert atlas.attribute(racy, "peer", client_own, server_own) == Attribution.SERVER
    shifted = answering(B, B, ("first", 0 + 1), ("second", 29))
    assert atlas.attribute(racy, "peer", client_own, shifted) == Attribution.PAIR


def test_the_release_against_itself_and_against_the_fault_servers_is_its_own():
    assert atlas.attribute(answering(A, A, ("x", 10)), "peer", None, None) == Attribution.OWN
    assert atlas.attribute(answering(A, "fault", ("x", 10)), "fault", None, None) == Attribution.OWN
    assert atlas.attribute(answering(A, A, ("x", 10)), "same", None, None) == Attribution.OWN
    unsupported = dict(answering(A, B, ("x", 10)), status="unsupported", outcomes=[])
    assert atlas.attribute(unsupported, "peer", None, None) == Attribution.UNMEASURED


def test_pairs_put_failures_first_and_count_what_is_specific_apart_from_their_releases():
    built = atlas.build(atlas_document())
    failing = built.pairs[(PEERS["8.1"], PEERS["14.2"])]
    assert (failing.failed, failing.worst) == (1, "failed")
    assert failing.specific == {"failed": 1}
    odd = built.pairs[(PEERS["14.2"], PEERS["10.4"])]
    assert (odd.failed, odd.specific, odd.worst) == (0, {"ok": 1}, "specific-ok")
    # 8.1's own deviation, in each of its pairs as a server, is the server's.
    repeated = built.pairs[(PEERS["10.4"], PEERS["8.1"])]
    assert (repeated.specific, repeated.explained, repeated.worst) == ({}, {"server": 1}, "ok")
    assert built.own[PEERS["8.1"]].deviations == {"non-strict": 1}
    assert built.own[PEERS["10.4"]].deviations == {}
    assert built.pairs[(PEERS["10.4"], PEERS["14.2"])].explained == {"both": 1}
    # Each release's own cells: against itself, against the fault server.
    assert {c.cell["scenario"] for c in built.own_cells[PEERS["14.2"]]} == {"echo", "handshake-non-ready"}


def test_a_cell_never_measured_before_is_new_and_never_a_difference():
    document = atlas_document()
    previous = previous_of(document)
    built = atlas.build(document, compare(document, build(previous)))
    new_pair = built.pairs[(PEERS["14.2"], PEERS["8.1"])]
    assert (new_pair.new, new_pair.differs) == (1, 0)
    drifted = built.pairs[(PEERS["10.4"], PEERS["8.1"])]
    assert (drifted.new, drifted.differs) == (0, 1)
    totals = atlas.totals(built)
    assert (totals["new"], totals["differs"]) == (5 + 1, 1)  # 14.2's five echo cells and its fault cell
    assert totals["pairs"] == 9 and totals["failing"] == 1 and totals["specific"] == 2


def test_a_pair_that_measured_nothing_says_so():
    document = atlas_document()
    for entry in document["cells"]:
        if entry["client"] == PEERS["8.1"]:
            entry.update(status="unavailable", outcomes=[], reason="no interpreter")
    built = atlas.build(copy.deepcopy(document))
    assert built.pairs[(PEERS["8.1"], PEERS["10.4"])].worst == "unavailable"
