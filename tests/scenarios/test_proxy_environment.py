"""proxy-environment: label and answer on hand-built outcomes; the tunnel proxy on real sockets."""

import socket

import pytest

from wsconform.peer import raw, scenario
from wsconform.testing import CONNECTED, exception, outcome, raised, step, value

SCENARIO = scenario.load("proxy-environment")
MODULE = __import__("wsconform.scenarios.proxy_environment", fromlist=["_"])


def case(client_steps, requests):
    built = outcome({"no_proxy": False}, client=client_steps)
    built["client"]["events"] = [{"kind": "event", "name": "proxy-requests", "requests": requests}]
    return built


@pytest.mark.parametrize(
    ("steps", "requests", "label", "connected"),
    [
        (
            [CONNECTED, step("recv", value("through"))],
            ["CONNECT 127.0.0.1:<port> HTTP/1.1"],
            "connected through the proxy",
            True,
        ),
        ([CONNECTED, step("recv", value("through"))], [], "connected directly", True),
        ([CONNECTED], [], "connected directly, no message", True),
        (
            [step("connect", raised(exception("builtins.OSError")))],
            ["CONNECT x"],
            "connect failed (through the proxy)",
            False,
        ),
    ],
)
def test_label_and_answer(steps, requests, label, connected):
    found = case(steps, requests)
    assert SCENARIO.label(found) == label
    assert SCENARIO.answer(found) == {"proxy_requests": requests, "connected": connected}
    assert SCENARIO.grade(found) == ("informational", label)


def test_request_lines_lose_the_port():
    assert MODULE._generic("CONNECT 127.0.0.1:40123 HTTP/1.1") == "CONNECT 127.0.0.1:<port> HTTP/1.1"
    assert MODULE._generic("GET / HTTP/1.1") == "GET / HTTP/1.1"


def echo_server():
    listener = socket.create_server(("127.0.0.1", 0))
    return listener, listener.getsockname()[1]


def test_the_tunnel_proxy_records_the_request_and_relays_both_ways():
    listener, port = echo_server()
    with listener, raw.TunnelProxy() as proxy:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        with client:
            client.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert client.recv(100).startswith(b"HTTP/1.1 200")
            upstream, _ = listener.accept()
            with upstream:
                client.sendall(b"ping")
                assert upstream.recv(4) == b"ping"
                upstream.sendall(b"pong")
                assert client.recv(4) == b"pong"
    assert proxy.requests == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]


def test_the_tunnel_proxy_refuses_anything_but_connect_to_loopback():
    with raw.TunnelProxy() as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
            client.sendall(b"GET http://example.org/ HTTP/1.1\r\n\r\n")
            assert client.recv(100).startswith(b"HTTP/1.1 400")
    assert proxy.requests == ["GET http://example.org/ HTTP/1.1"]
