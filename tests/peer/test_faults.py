import asyncio
import socket

import pytest

from harness.peer.faults import RESPONSES, SERVICE_UNAVAILABLE, FaultServer
from harness.peer.recording import Recorder

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
