"""Drivers, in-process, against the newest websockets release installed here.

Each test runs a real server part and a real client part of a scenario,
exactly as agents do, for every pair of implementations.
"""

from __future__ import annotations

import inspect
import socket

import pytest

from wsconform.peer import drivers, scenario
from wsconform.peer.agent import CaseThread, ClientPart, ServerPart
from wsconform.peer.drivers.base import make_handler
from wsconform.peer.drivers.sync import SyncGuard, trampoline
from wsconform.peer.labels import integer

IMPLEMENTATIONS = ("legacy", "asyncio", "sync", "trio")


def available(implementation):
    try:
        drivers.load(implementation)
    except drivers.Unavailable as exc:
        return pytest.param(implementation, marks=pytest.mark.skip(reason=str(exc)))
    return implementation


PEERS = [available(name) for name in IMPLEMENTATIONS]


def run_case(scenario_id, variant_name, client_implementation, server_implementation):
    loaded = scenario.load(scenario_id)
    variant = loaded.variant(variant_name)
    server = ServerPart(loaded, variant, server_implementation)
    thread = CaseThread(server.run).start()
    assert server.ready.wait(10), "server did not start"
    assert server.port, server.start_error
    client = ClientPart(loaded, variant, client_implementation, server.port)
    client_thread = CaseThread(client.run).start()
    assert client_thread.join(15), "client hung"
    server.stop()
    assert thread.join(15), "server hung"
    assert client_thread.error is None and thread.error is None
    return client.record(), server.record()


def results(record, step=None):
    return [s["result"] for s in record["steps"] if step is None or s["step"] == step]


@pytest.mark.parametrize("client", PEERS)
@pytest.mark.parametrize("server", PEERS)
def test_send_then_close_between_every_pair(client, server):
    client_record, server_record = run_case("send-then-close", "close-4001-right-away", client, server)
    received = results(client_record, "recv")
    assert [r.get("value") for r in received[:3]] == ["message 0", "message 1", "message 2"]
    last = received[-1]
    assert last["kind"] == "exception"
    assert "websockets.exceptions.ConnectionClosed" in last["exception"]["mro"]
    assert integer(last["exception"]["attributes"]["rcvd"]["value"]["code"]) == 4001
    assert [s["step"] for s in server_record["steps"]] == ["send", "send", "send", "close"]
    assert "harness_error" not in client_record and "harness_error" not in server_record


@pytest.mark.parametrize("implementation", PEERS)
def test_connection_state_is_read_before_and_after_each_step(implementation):
    client_record, _ = run_case("send-then-close", "close-1000-right-away", implementation, implementation)
    recv = [s for s in client_record["steps"] if s["step"] == "recv"][0]
    assert recv["state_before"]["state"] in ("OPEN", "CLOSING", "CLOSED")
    assert "state" in recv["state_after"]


@pytest.mark.parametrize("implementation", PEERS)
def test_every_exception_says_which_except_clauses_catch_it(implementation):
    client_record, _ = run_case("send-then-close", "close-1000-right-away", implementation, "asyncio")
    exception = results(client_record, "recv")[-1]["exception"]
    caught = exception["caught_by"]
    assert caught["websockets.exceptions.ConnectionClosed"] is True
    assert caught["websockets.exceptions.InvalidHandshake"] is False
    assert caught["builtins.OSError"] is False


def test_sync_cannot_yield_to_an_event_loop():
    client_record, _ = run_case("send-after-remote-close", "after-one-yield", available("sync"), "asyncio")
    pause = [s for s in client_record["steps"] if s["step"] == "pause"][0]
    assert pause["result"]["kind"] == "unsupported"


def test_trampoline_runs_coroutines_that_never_suspend():
    async def compute():
        return 42

    assert trampoline(compute()) == 42


def test_trampoline_refuses_coroutines_that_suspend():
    import asyncio

    async def suspends():
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="suspended"):
        trampoline(suspends())


def test_sync_guard_unblocks_a_blocked_call():
    left, right = socket.socketpair()

    class Connection:
        socket = left

    with SyncGuard(0.2, Connection()) as guard:
        data = left.recv(10)  # blocks until the guard shuts the socket down
    assert guard.fired and data == b""
    left.close()
    right.close()


@pytest.mark.parametrize(
    ("signature", "parameters"),
    [("connection", ["connection"]), ("connection-path", ["connection", "path"]), ("flexible", ["connection", "path"])],
)
def test_make_handler_builds_the_exact_signature(signature, parameters):
    async def handler(connection):
        pass

    assert list(inspect.signature(make_handler(handler, signature)).parameters) == parameters


def test_inventory_names_what_default_resolves_to():
    inventory = drivers.inventory()
    assert inventory["default"]["resolves_to"] in ("legacy", "asyncio")
    assert set(inventory) == set(drivers.IMPLEMENTATIONS)


@pytest.mark.parametrize("implementation", PEERS)
def test_guards_come_from_the_librarys_own_timeouts(implementation):
    driver = drivers.load(implementation)
    given = driver.timeouts(1.0, {})
    assert given.opening == 1.0 and given.closing == 10.0  # the release's close_timeout default
    default = driver.timeouts(None, {"close_timeout": 3})
    assert default.opening == 10.0 and default.closing == 3


def test_a_library_without_an_open_timeout_has_no_bound():
    class Old(drivers.Driver):
        pass

    def connect(uri, *, timeout=10, close_timeout=None):  # websockets 8.1's legacy connect
        pass

    bounds = Old(connect, None, "websockets.client").timeouts(1.0, {})
    assert (bounds.opening, bounds.closing) == (None, 10.0)


# The handshake as applications use it: headers each way, read through every accessor.


def step_value(record, step):
    (found,) = [s for s in record["steps"] if s["step"] == step]
    return found


@pytest.mark.parametrize("client", PEERS)
@pytest.mark.parametrize("server", PEERS)
def test_headers_go_both_ways_between_every_pair(client, server):
    client_record, server_record = run_case("handshake-headers", "native", client, server)
    connect = step_value(client_record, "connect")
    assert connect["result"]["kind"] == "value", connect["result"]
    expected = "extra_headers" if client == "legacy" else "additional_headers"
    assert connect["args"]["headers_parameter"] == expected
    request = step_value(server_record, "request")["result"]["value"]
    readable = "request_headers" if server == "legacy" else "request.headers"
    assert request[readable]["value"] == {"X-Conformance": ["request"]}
    response = step_value(client_record, "response")["result"]["value"]
    readable = "response_headers" if client == "legacy" else "response.headers"
    assert response[readable]["value"] == {"X-Conformance": ["response"]}


@pytest.mark.parametrize(
    ("variant", "client", "refused"),
    [
        ("written-for-13.1", "asyncio", True),
        ("written-for-13.1", "legacy", False),
        ("written-for-14.0", "legacy", True),
        ("written-for-14.0", "sync", False),
    ],
)
def test_a_parameter_of_another_release_is_passed_as_written(variant, client, refused):
    client_record, _ = run_case("handshake-headers", variant, client, "asyncio")
    connect = step_value(client_record, "connect")
    expected = "extra_headers" if variant.endswith("13.1") else "additional_headers"
    assert connect["args"]["headers_parameter"] == expected
    if refused:
        assert connect["result"]["exception"]["class"] == "builtins.TypeError"
    else:
        assert connect["result"]["kind"] == "value"


@pytest.mark.parametrize(
    ("variant", "server", "status"),
    [
        ("new-health-check", "asyncio", 200),
        ("legacy-health-check", "legacy", 200),
        ("legacy-health-check", "asyncio", 426),
    ],
)
def test_a_hook_is_passed_to_every_release_as_written(variant, server, status):
    client_record, server_record = run_case("process-request", variant, "asyncio", server)
    exchange = step_value(client_record, "raw_request")["result"]["value"]
    assert exchange["status"] == status
    assert not any(event.get("name") == "handler-started" for event in server_record["events"])


@pytest.fixture
def test_certificates(tmp_path, monkeypatch):
    """The run's test certificates, as the orchestrator hands them to agents."""
    from wsconform.execution.certificates import write_material
    from wsconform.peer.tls import MATERIAL_VARIABLE

    monkeypatch.setenv(MATERIAL_VARIABLE, str(write_material(tmp_path)))


@pytest.mark.parametrize(
    ("client", "server"), [(name, "asyncio") for name in PEERS] + [("asyncio", name) for name in PEERS]
)
def test_tls_connects_every_implementation_both_ways(test_certificates, client, server):
    client_record, _ = run_case("tls", "trusted", client, server)
    connect = step_value(client_record, "connect")
    assert connect["result"]["kind"] == "value", connect["result"]
    assert connect["args"]["tls_parameter"] == "ssl"
    assert results(client_record, "recv") == [{"kind": "value", "value": "hello over TLS"}]


@pytest.mark.parametrize("client", PEERS)
def test_an_untrusted_certificate_is_refused(test_certificates, client):
    client_record, server_record = run_case("tls", "untrusted", client, "asyncio")
    (result,) = results(client_record, "connect")
    assert result["kind"] == "exception"
    exception = result["exception"]
    assert "ssl.SSLCertVerificationError" in [exception["class"], (exception.get("cause") or {}).get("class")]
    assert not any(event.get("name") == "handler-started" for event in server_record["events"])


def test_without_certificates_a_tls_step_says_why(monkeypatch):
    from wsconform.peer.tls import MATERIAL_VARIABLE, NoMaterial, client_context

    monkeypatch.delenv(MATERIAL_VARIABLE, raising=False)
    with pytest.raises(NoMaterial, match=MATERIAL_VARIABLE):
        client_context("test-ca")


@pytest.mark.parametrize("server", PEERS)
def test_a_server_shut_down_mid_connection_says_going_away(server):
    """The newest release closes open connections with 1001 on every
    implementation, without waiting for the handler that asked."""
    client_record, server_record = run_case("server-shutdown", "with-client-connected", "asyncio", server)
    (shutdown,) = results(server_record, "shutdown_server")
    assert shutdown["kind"] == "value"
    first, second = results(client_record, "recv")
    assert first == {"kind": "value", "value": "before shutdown"}
    assert integer(second["exception"]["attributes"]["rcvd"]["value"]["code"]) == 1001
    assert results(client_record, "connect")[1]["kind"] == "exception"


@pytest.mark.parametrize("server", [name for name in PEERS if name != "legacy"])
def test_a_serve_call_the_release_refuses_is_recorded_and_the_port_refuses(server):
    """Basic Auth set up as code written for 13.1 (create_protocol=): the
    new servers' serve() raises TypeError, recorded as the server's ``serve``
    step; the client finds nothing listening."""
    client_record, server_record = run_case("basic-auth", "legacy-right-password", "asyncio", server)
    (serve,) = results(server_record, "serve")
    assert serve["exception"]["class"] == "builtins.TypeError"
    (connect,) = results(client_record, "connect")
    assert connect["exception"]["class"] == "builtins.ConnectionRefusedError"


def test_basic_auth_in_the_legacy_convention_works_on_the_legacy_server():
    client_record, _ = run_case("basic-auth", "legacy-right-password", "asyncio", "legacy")
    assert results(client_record, "recv") == [{"kind": "value", "value": "authenticated"}]
