import pytest

from harness import matrix
from harness.environments import Environment
from harness.exit_codes import UsageError
from harness.peer import scenario

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
    environment = Environment("10.4", "available", "3.12", "3.12.1", "/env/bin/python", "/env")
    peers = matrix.peers_for(environment, INVENTORY, ("default", "asyncio"))
    assert [peer.id for peer in peers] == ["10.4/default/py3.12", "10.4/asyncio/py3.12"]
    assert [peer.status for peer in peers] == ["available", "unsupported"]
    assert peers[0].resolves_to == "legacy"


def test_peers_of_an_unavailable_release_carry_the_reason():
    environment = Environment("99.0", "unavailable", reason="websockets 99.0 is not a release on PyPI")
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
    assert len(handshake) == 5 * 2
    assert {cell.server.id for cell in handshake} == {"fault"}


def test_cell_status_prefers_unavailable_over_unsupported():
    unavailable = matrix.Peer("99.0", "default", None, None, matrix.UNAVAILABLE, "missing")
    unsupported = matrix.Peer("8.1", "asyncio", "3.9", "/p", matrix.UNSUPPORTED, "no asyncio")
    assert matrix.Cell("s", "v", unsupported, unavailable).status == "unavailable"
    assert matrix.Cell("s", "v", unsupported, unsupported).status == "unsupported"
