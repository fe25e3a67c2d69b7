import pytest

from wsconform.core.exit_codes import UsageError
from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.model import matrix
from wsconform.model.matrix import Environment
from wsconform.peer import scenario

INVENTORY = {
    "default": {"available": True, "resolves_to": "legacy"},
    "legacy": {"available": True, "resolves_to": "legacy"},
    "asyncio": {"available": False, "reason": "no websockets.asyncio implementation"},
}


def test_parse_implementations():
    assert matrix.parse_implementations("all") == ("default", "legacy", "asyncio", "sync", "trio")
    assert matrix.parse_implementations("legacy,trio") == ("legacy", "trio")
    with pytest.raises(UsageError, match="unknown implementation twisted"):
        matrix.parse_implementations("twisted")


def test_peers_of_an_available_release():
    environment = Environment("10.4", Availability.AVAILABLE, "3.12", "3.12.1", "/env/bin/python", "/env")
    peers = matrix.peers_for(environment, INVENTORY, ("default", "asyncio"))
    assert [peer.id for peer in peers] == ["10.4/default/py3.12", "10.4/asyncio/py3.12"]
    assert [peer.status for peer in peers] == ["available", "unsupported"]
    assert peers[0].resolves_to == "legacy"


def test_peers_of_an_unavailable_release_carry_the_reason():
    environment = Environment("99.0", Availability.UNAVAILABLE, reason="websockets 99.0 is not a release on PyPI")
    peers = matrix.peers_for(environment, None, ("default",))
    assert peers[0].id == "99.0/default"
    assert peers[0].status == "unavailable"
    assert "not a release" in peers[0].reason


def test_plan_uses_the_fault_server_for_fault_scenarios():
    modules = {name: scenario.load(name) for name in ("send-then-close", "handshake-non-ready")}
    peer = matrix.Peer("14.2", "default", "3.13", "/p")
    other = matrix.Peer("8.1", "default", "3.9", "/q")
    fault = matrix.fault_peer()
    cells = matrix.plan(modules, [peer, other], [peer, other], fault)
    send = [cell for cell in cells if cell.scenario == "send-then-close"]
    handshake = [cell for cell in cells if cell.scenario == "handshake-non-ready"]
    assert len(send) == 4 * 2 * 2
    assert len(handshake) == len(modules["handshake-non-ready"].declaration.variants) * 2
    assert {cell.server.id for cell in handshake} == {"fault"}


def test_cell_blocker_prefers_unavailable_over_unsupported():
    unavailable = matrix.Peer("99.0", "default", None, None, Availability.UNAVAILABLE, "missing")
    unsupported = matrix.Peer("8.1", "asyncio", "3.9", "/p", Availability.UNSUPPORTED, "no asyncio")
    available = matrix.Peer("14.2", "default", "3.13", "/q")
    for client, server in ((unsupported, unavailable), (unavailable, unsupported)):
        assert matrix.Cell("s", "v", client, server).blocker == CellStatus.UNAVAILABLE
    assert matrix.Cell("s", "v", unsupported, available).blocker == CellStatus.UNSUPPORTED
    assert matrix.Cell("s", "v", available, unsupported).blocker == CellStatus.UNSUPPORTED
    cell = matrix.Cell("s", "v", available, available)
    assert cell.blocker is None and cell.runnable and cell.reason == ""
    assert not matrix.Cell("s", "v", available, unsupported).runnable
    assert matrix.Cell("s", "v", available, unsupported).reason == "server 8.1/asyncio/py3.9: no asyncio"


def test_display_name_drops_only_the_python():
    assert matrix.display_name("14.2/asyncio/py3.13") == "14.2/asyncio"
    assert matrix.display_name("99.0/default") == "99.0/default"
    assert matrix.display_name(matrix.FAULT) == "fault"


def test_statuses_are_their_strings():
    assert CellStatus.MEASURED == "measured" and f"{CellStatus.MEASURED}" == "measured"
    assert str(Availability.UNAVAILABLE) == "unavailable"
