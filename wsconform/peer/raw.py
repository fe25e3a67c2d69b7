"""Plain sockets for scenarios that talk to a peer without a WebSocket library.

Two helpers, both standard library only and independent of the peer's event
loop (they block the calling thread, bounded by socket timeouts):

:func:`exchange`
    a raw HTTP client: send bytes to a server, read what it answers until it
    closes the connection, a whole response has arrived, or ``wait`` seconds
    pass — the window is the scenario's choice and lies beyond the library's
    own timeouts.
:class:`TunnelProxy`
    a minimal HTTP ``CONNECT`` proxy on 127.0.0.1 that records every request
    line it receives and relays bytes to the requested address (always a
    loopback port of the same case).
"""

from __future__ import annotations

import select
import socket
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

#: The most of a response body kept in a record.
BODY_KEPT = 200


#: Response headers every exchange keeps.
KEPT_HEADERS = ("connection", "upgrade", "content-type", "content-length")


def exchange(port: int, request: bytes, wait: float, keep: Tuple[str, ...] = ()) -> Dict[str, Any]:
    """Send ``request`` to 127.0.0.1:``port``; describe the answer.

    ``ended`` says how the exchange ended: ``closed`` (the server closed the
    connection), ``reset``, ``response`` (a whole response arrived and the
    connection stayed open, as after ``101``) or ``open`` (nothing ended it
    within ``wait``)."""
    started = time.monotonic()
    received = b""
    ended = "open"
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        try:
            if request:
                connection.sendall(request)
            while True:
                remaining = wait - (time.monotonic() - started)
                if remaining <= 0:
                    break
                connection.settimeout(remaining)
                chunk = connection.recv(65536)
                if not chunk:
                    ended = "closed"
                    break
                received += chunk
                if _complete(received):
                    ended = "response"
                    break
        except socket.timeout:
            ended = "open"
        except ConnectionResetError:
            ended = "reset"
        except BrokenPipeError:
            ended = "reset"
    result = parse_response(received, keep)
    result["ended"] = ended
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole response: headers, and the body its
    Content-Length announces (none for 101)."""
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return False
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return False
    return len(body) >= length


def parse_response(data: bytes, keep: Tuple[str, ...] = ()) -> Dict[str, Any]:
    """The status line, status code, a few headers (:data:`KEPT_HEADERS`
    and those named in ``keep``) and the start of the body."""
    if not data:
        return {"status": None, "status_line": None, "headers": {}, "body": "", "bytes": 0}
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status: Optional[int] = None
    parts = lines[0].split(" ", 2)
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1].isdigit():
        status = int(parts[1])
    headers = {}
    kept = KEPT_HEADERS + tuple(name.lower() for name in keep)
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in kept:
            headers[name.strip().lower()] = value.strip()
    return {
        "status": status,
        "status_line": lines[0][:120],
        "headers": headers,
        "body": body[:BODY_KEPT].decode("utf-8", "replace"),
        "bytes": len(data),
    }


def upgrade_request(
    path: str = "/scenario", method: str = "GET", version: str = "HTTP/1.1", extra: Tuple[str, ...] = ()
) -> bytes:
    """A WebSocket opening handshake request, as bytes, to vary one part of."""
    lines = [
        "{} {} {}".format(method, path, version),
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class TunnelProxy:
    """An HTTP CONNECT proxy for one case: records request lines, relays bytes."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.requests: List[str] = []
        self.stopping = threading.Event()
        self.threads: List[threading.Thread] = []
        self.thread = threading.Thread(target=self._accept, name="tunnel-proxy", daemon=True)

    def __enter__(self) -> "TunnelProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stopping.set()
        self.thread.join(5)
        for thread in self.threads:
            thread.join(5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = client.recv(4096)
                    if not chunk:
                        return
                    head += chunk
            except OSError:
                return
            head, _, rest = head.partition(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.requests.append(line)
            parts = line.split(" ")
            if len(parts) < 2 or parts[0] != "CONNECT" or not parts[1].startswith("127.0.0.1:"):
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", int(parts[1].rsplit(":", 1)[1])), timeout=5)
            except (OSError, ValueError):
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                self._relay(client, upstream)

    def _relay(self, one: socket.socket, other: socket.socket) -> None:
        peers = {one: other, other: one}
        while not self.stopping.is_set():
            readable, _, _ = select.select(list(peers), [], [], 0.2)
            for source in readable:
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                try:
                    peers[source].sendall(data)
                except OSError:
                    return
