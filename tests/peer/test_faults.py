import asyncio
import socket

import pytest

from wsconform.peer.faults import (
    HANDSHAKE_ANSWERS,
    RESPONSES,
    SERVICE_UNAVAILABLE,
    FaultServer,
    accept_for,
    handshake_answer,
)
from wsconform.peer.recording import Recorder

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n"


async def exchange(mode):
    recorder = Recorder("server")
    server = FaultServer(mode, recorder)
    port = await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        await writer.drain()
        try:
            answer = await asyncio.wait_for(reader.read(), 0.5)
        except asyncio.TimeoutError:
            answer = None
        writer.close()
    finally:
        await server.stop()
    return answer, [event["name"] for event in recorder.events]


@pytest.mark.asyncio
async def test_refused_leaves_nothing_listening():
    server = FaultServer("refused", Recorder("server"))
    port = await server.start()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    await server.stop()


@pytest.mark.asyncio
async def test_refused_port_stays_taken_until_the_case_ends():
    """Another server asking for that port cannot get it while the case runs
    (a port released at once was handed to the next case's server)."""
    server = FaultServer("refused", Recorder("server"))
    port = await server.start()
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's servers do
        with pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
    await server.stop()
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))


@pytest.mark.asyncio
async def test_read_close_reads_the_request_and_answers_nothing():
    answer, events = await exchange("read-close")
    assert answer == b""
    assert events == ["accepted", "request", "closed"]


@pytest.mark.asyncio
async def test_http_503_answers_service_unavailable():
    answer, events = await exchange("http-503")
    assert answer == SERVICE_UNAVAILABLE
    assert events[-1] == "responded"


@pytest.mark.asyncio
async def test_http_403_answers_forbidden_with_its_length():
    answer, events = await exchange("http-403")
    assert answer == RESPONSES["http-403"][1]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert b"Content-Length: %d" % len(body) in head and body == b"Forbidden\n"
    assert events[-1] == "responded"


@pytest.mark.asyncio
async def test_silent_never_answers():
    answer, events = await exchange("silent")
    assert answer is None
    assert events == ["accepted", "request", "holding"]


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown fault mode"):
        FaultServer("teapot", Recorder("server"))


def test_the_accept_digest_is_rfc_6455s_example():
    assert accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", sorted(HANDSHAKE_ANSWERS))
async def test_handshake_modes_answer_101_and_hold_the_connection(mode):
    recorder = Recorder("server")
    server = FaultServer(mode, recorder)
    port = await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
        with pytest.raises(asyncio.TimeoutError):  # held open: no frames, no close
            await asyncio.wait_for(reader.read(1), 0.2)
        writer.close()
    finally:
        await server.stop()
    assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert [event["name"] for event in recorder.events][-1] == "responded"


def test_each_handshake_mode_breaks_exactly_one_rule():
    request = REQUEST.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    answers = {mode: handshake_answer(mode, request).decode() for mode in HANDSHAKE_ANSWERS}
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" not in answers["bad-accept"]
    assert "Upgrade: websocket" not in answers["no-upgrade"]
    for mode in ("no-upgrade", "unoffered-subprotocol", "bad-extension"):
        assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in answers[mode]
    assert "Sec-WebSocket-Protocol: chat" in answers["unoffered-subprotocol"]
    assert "server_max_window_bits=7" in answers["bad-extension"]


@pytest.mark.asyncio
async def test_http_503_without_length_ends_its_body_with_the_close():
    answer, events = await exchange("http-503-no-length")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and b"Content-Length" not in head
    assert body == b"Service Unavailable\n" and events[-1] == "responded"
