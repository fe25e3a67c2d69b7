"""Fault servers: servers that are not websockets at all.

They stand in the server axis beside real peers, for scenarios about what a
client does when the other end is not a ready WebSocket server. Written with
plain asyncio streams, they need no websockets install.

Modes:

``refused``
    nothing listens on the port: it is bound without listening (the kernel
    refuses connections to it) and held until the case ends, so that no
    other case's server can be given the same port meanwhile.
``accept-close``
    accept the TCP connection, then close it at once, without reading.
``read-close``
    read the HTTP request, then close without answering.
``http-503``
    read the request, answer ``HTTP/1.1 503 Service Unavailable``, close.
``http-403``
    read the request, answer ``HTTP/1.1 403 Forbidden``, close: a refusal
    a client should not retry.
``http-503-no-length``
    answer 503 without ``Content-Length``: the body ends when the server
    closes the connection, as HTTP/1.1 allows.
``silent``
    accept, read the request, never answer; close when the case ends.

Handshake modes answer ``101 Switching Protocols`` the way a non-compliant
server, proxy or hand-written server does, then hold the connection (no
frames) until the case ends:

``bad-accept``
    a ``Sec-WebSocket-Accept`` that is not the key's digest.
``no-upgrade``
    a correct accept, without ``Upgrade: websocket``.
``unoffered-subprotocol``
    ``Sec-WebSocket-Protocol: chat`` to a client that offered none.
``bad-extension``
    ``Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7``
    (RFC 7692 allows 8 to 15).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
from typing import Any, Optional, Set

from .drivers.base import Driver
from .recording import Recorder, describe_exception

#: Non-compliant ``101`` answers: which headers each one sends beside the
#: status line (``{accept}``: the correct digest of the client's key).
HANDSHAKE_ANSWERS = {
    "bad-accept": ("Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    "no-upgrade": ("Connection: Upgrade", "Sec-WebSocket-Accept: {accept}"),
    "unoffered-subprotocol": (
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: {accept}",
        "Sec-WebSocket-Protocol: chat",
    ),
    "bad-extension": (
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: {accept}",
        "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7",
    ),
}

MODES = (
    "refused",
    "accept-close",
    "read-close",
    "http-503",
    "http-403",
    "http-503-no-length",
    "silent",
    *HANDSHAKE_ANSWERS,
)

#: RFC 6455 1.3: the GUID appended to the key before hashing.
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_for(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value for a ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()  # noqa: S324 - RFC 6455


def handshake_answer(mode: str, request: bytes) -> bytes:
    """The ``101`` response of a handshake mode to ``request``."""
    key = ""
    for line in request.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    lines = ["HTTP/1.1 101 Switching Protocols"] + [
        header.replace("{accept}", accept_for(key)) for header in HANDSHAKE_ANSWERS[mode]
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _response(status: int, phrase: str, length: bool = True) -> bytes:
    body = (phrase + "\n").encode()
    content_length = "Content-Length: {}\r\n".format(len(body)) if length else ""
    return (
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\n{}Connection: close\r\n\r\n".format(
            status, phrase, content_length
        ).encode()
        + body
    )


#: The responses of the ``http-…`` modes, by mode.
RESPONSES = {
    "http-503": (503, _response(503, "Service Unavailable")),
    "http-403": (403, _response(403, "Forbidden")),
    "http-503-no-length": (503, _response(503, "Service Unavailable", length=False)),
}
SERVICE_UNAVAILABLE = RESPONSES["http-503"][1]

#: How long a fault server waits for the end of a request.
REQUEST_TIMEOUT = 5.0


def reserve_port() -> socket.socket:
    """A socket bound to a loopback port, not listening: connections to the
    port are refused, and nothing else can bind it while the socket is open
    (a port bound and released at once can be handed to the next server that
    asks for any port, which a busy run does within milliseconds)."""
    reservation = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    reservation.bind(("127.0.0.1", 0))
    return reservation


class FaultServer:
    """One fault server for one case, recording what it did as events."""

    def __init__(self, mode: str, recorder: Recorder) -> None:
        if mode not in MODES:
            raise ValueError("unknown fault mode {!r}".format(mode))
        self.mode = mode
        self.recorder = recorder
        self.server: Optional[asyncio.AbstractServer] = None
        self.writers: Set[asyncio.StreamWriter] = set()
        self.reservation: Optional[socket.socket] = None
        self.port = 0

    async def start(self) -> int:
        if self.mode == "refused":
            self.reservation = reserve_port()
            self.port = self.reservation.getsockname()[1]
            self.recorder.event("nothing-listening")
            return self.port
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.recorder.event("accepted")
        self.writers.add(writer)
        try:
            if self.mode == "accept-close":
                writer.close()
                self.recorder.event("closed")
                return
            try:
                request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
            except Exception as exc:
                self.recorder.event("request-incomplete", exception=describe_exception(exc))
                writer.close()
                return
            first_line = request.split(b"\r\n", 1)[0].decode("latin-1")
            self.recorder.event("request", first_line=first_line, length=len(request))
            if self.mode == "read-close":
                writer.close()
                self.recorder.event("closed")
            elif self.mode in RESPONSES:
                status, response = RESPONSES[self.mode]
                writer.write(response)
                await writer.drain()
                writer.close()
                self.recorder.event("responded", status=status)
            elif self.mode in HANDSHAKE_ANSWERS:
                writer.write(handshake_answer(self.mode, request))
                await writer.drain()
                self.recorder.event("responded", status=101)
            elif self.mode == "silent":
                self.recorder.event("holding")
        except Exception as exc:  # the client went away: an observation
            self.recorder.event("connection-error", exception=describe_exception(exc))

    async def stop(self) -> None:
        if self.reservation is not None:
            self.reservation.close()
        for writer in list(self.writers):
            if not writer.is_closing():
                writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class FaultDriver(Driver):
    """Serves a fault server through the asyncio server runtime of :class:`Driver`."""

    name = "fault"

    def __init__(self, mode: str, recorder: Recorder) -> None:
        super().__init__(None, None, "wsconform.peer.faults")
        self.mode = mode
        self.recorder = recorder

    async def serve(self, handler: Any, options: Any) -> FaultServer:
        server = FaultServer(self.mode, self.recorder)
        await server.start()
        return server

    def server_port(self, server: Any) -> int:
        return server.port

    async def stop(self, server: Any) -> None:
        await server.stop()
