"""wsconform.model.shards: parsing, costs, and a balanced, deterministic partition."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsconform.core.exit_codes import UsageError
from wsconform.core.vocabulary import Availability
from wsconform.model import matrix, shards
from wsconform.peer import scenario

SCENARIOS = {name: scenario.load(name) for name in ("send-then-close", "keepalive", "handshake-non-ready")}
PEERS = [matrix.Peer(version, "default", "3.13", "/p") for version in ("13.1", "14.0", "14.2")]


def cells():
    return matrix.plan(SCENARIOS, PEERS, PEERS, matrix.fault_peer())


@pytest.mark.parametrize(("text", "shard"), [("1/1", (1, 1)), ("2/8", (2, 8)), (" 8/8 ", (8, 8))])
def test_parse(text, shard):
    parsed = shards.Shard.parse(text)
    assert (parsed.index, parsed.count) == shard and str(parsed) == f"{shard[0]}/{shard[1]}"


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "1/257", "a/b", "2", "-1/2", "1/2/3", ""])
def test_parse_refuses(text):
    with pytest.raises(UsageError, match="--shard"):
        shards.Shard.parse(text)


@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_every_cell_is_in_exactly_one_shard(count):
    planned = cells()
    parts = [shards.select(planned, SCENARIOS, shards.Shard(k, count), 10, None) for k in range(1, count + 1)]
    keys = [cell.key for part in parts for cell in part]
    assert sorted(keys) == sorted(cell.key for cell in planned)
    assert all(part == [cell for cell in planned if cell in part] for part in parts)  # plan order kept


def test_shards_take_about_the_same_time():
    planned = cells()
    totals = shards.expected_seconds(planned, SCENARIOS, 3, 10, None)
    assert max(totals) / min(totals) < 1.3


def test_the_partition_is_the_same_every_time():
    first = [cell.key for cell in shards.select(cells(), SCENARIOS, shards.Shard(2, 4), 10, None)]
    again = [cell.key for cell in shards.select(list(reversed(cells())), SCENARIOS, shards.Shard(2, 4), 10, None)]
    assert sorted(first) == sorted(again)


#: keepalive's runs per cell: its own repetitions (3), not --repeat.
KEEPALIVE_RUNS = SCENARIOS["keepalive"].declaration.repetitions or 10


def test_costs_come_from_the_reference_then_the_declaration():
    cell = next(c for c in cells() if c.scenario == "keepalive")
    assert KEEPALIVE_RUNS == 3
    assert shards.cost(cell, SCENARIOS["keepalive"], 10, None) == pytest.approx(KEEPALIVE_RUNS * 1.6)
    key = "client-stops-answering | 13.1/default → 13.1/default"
    reference = {"keepalive": {"cells": {key: {"status": "measured", "seconds": 2.0}}}}
    measured = next(c for c in cells() if c.scenario == "keepalive" and c.variant == "client-stops-answering")
    assert shards.cost(measured, SCENARIOS["keepalive"], 10, reference) == pytest.approx(KEEPALIVE_RUNS * 2.0)
    silent = next(c for c in cells() if c.scenario == "handshake-non-ready" and c.variant == "silent")
    assert shards.cost(silent, SCENARIOS["handshake-non-ready"], 10, None) == pytest.approx(40.0)


def test_timings_of_a_previous_run_come_before_the_reference():
    cell = next(c for c in cells() if c.scenario == "keepalive" and c.variant == "client-stops-answering")
    key = "client-stops-answering | 13.1/default → 13.1/default"
    reference = {"keepalive": {"cells": {key: {"status": "measured", "seconds": 2.0}}}}
    seen = {f"keepalive | {key}": shards.Expectation(5.0, 0.0)}
    assert shards.cost(cell, SCENARIOS["keepalive"], 10, reference, measured=seen) == pytest.approx(
        KEEPALIVE_RUNS * 5.0
    )
    varied = {f"keepalive | {key}": shards.Expectation(5.0, 1.0)}
    assert shards.cost(cell, SCENARIOS["keepalive"], 10, reference, 60, measured=varied) == pytest.approx(300.0)


def test_measured_timings_are_each_cells_mean_case_seconds():
    record = {
        "scenario": "keepalive",
        "variant": "v",
        "client": "14.2/sync/py3.13",
        "server": "13.1/asyncio/py3.9",
        "status": "measured",
        "varies": True,
        "outcomes": [
            {"count": 3, "seconds": {"min": 0.1, "median": 1.0, "max": 2.0}},
            {"count": 1, "seconds": {"min": 4.0, "median": 4.0, "max": 4.0}},
        ],
    }
    unavailable = dict(record, status="unavailable", outcomes=[])
    found = shards.measured_timings({"cells": [record, unavailable]})
    assert found == {"keepalive | v | 14.2/sync → 13.1/asyncio": shards.Expectation(1.75, 1.0)}


def test_a_cell_that_cannot_run_costs_nothing():
    unsupported = matrix.Peer("8.1", "trio", "3.9", "/p", Availability.UNSUPPORTED, "no trio")
    cell = matrix.Cell("send-then-close", "close-1000-right-away", unsupported, PEERS[0])
    assert shards.cost(cell, SCENARIOS["send-then-close"], 10, None) == 0.0


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=60), st.integers(1, 9))
def test_no_shard_exceeds_the_average_by_more_than_one_cell(costs, count):
    planned = [matrix.Cell("s", f"v{i}", PEERS[0], PEERS[0]) for i in range(len(costs))]
    parts = shards.partition(planned, costs, count)
    by_cell = {cell.key: c for cell, c in zip(planned, costs)}
    totals = [sum(by_cell[cell.key] for cell in part) for part in parts]
    # Greedy list scheduling: the last cell went to the lightest shard.
    assert max(totals) <= sum(costs) / count + max(costs) + 1e-9
    assert sorted(cell.key for part in parts for cell in part) == sorted(cell.key for cell in planned)


def test_a_cell_likely_to_vary_costs_its_adaptive_runs_too():
    cell = next(c for c in cells() if c.scenario == "send-then-close" and c.client.id == "13.1/default/py3.13")
    key = reference_key = f"{cell.variant} | 13.1/default → {cell.server.id.rsplit('/', 1)[0]}"
    racy = {"status": "measured", "seconds": 0.1, "answers": {"a": {}, "b": {}}}
    steady = {"status": "measured", "seconds": 0.1, "answers": {"a": {}}}
    for entry, runs in ((racy, 60), (steady, 10)):
        references = {"send-then-close": {"cells": {key: entry}}}
        assert shards.cost(cell, SCENARIOS["send-then-close"], 10, references, 60) == pytest.approx(runs * 0.1)
    # A cell the reference has not measured: its variant's share of varying cells, and their mean duration.
    other = {"send-then-close": {"cells": {reference_key.replace("13.1/default →", "14.0/default →"): racy}}}
    typical = shards.expectations(other)
    expected = (10 + 1.0 * 50) * 0.1
    assert shards.cost(cell, SCENARIOS["send-then-close"], 10, other, 60, typical) == pytest.approx(expected)
