"""Driver for the original asyncio implementation (``legacy``).

Before 10.0 it lived in ``websockets.client`` / ``websockets.server``; from
10.0 in ``websockets.legacy``; it was deprecated in 14.0.
"""

from __future__ import annotations

import http
import warnings
from typing import Any

from .base import Driver, Unavailable, Unsupported, parameters


class LegacyDriver(Driver):
    name = "legacy"

    @classmethod
    def load(cls) -> "LegacyDriver":
        with warnings.catch_warnings():
            # Importing websockets.legacy warns from 14.0 on; the warning is
            # recorded by the api-surface scenario, not here.
            warnings.simplefilter("ignore")
            try:
                from websockets.legacy import client, server
            except ImportError:
                try:
                    from websockets import client, server  # type: ignore[no-redef]
                except ImportError as exc:  # pragma: no cover - very old releases
                    raise Unavailable("no legacy implementation: {}".format(exc))
                if not hasattr(server, "WebSocketServerProtocol"):
                    raise Unavailable("websockets.server is not the legacy implementation")
        return cls(client.connect, server.serve, client.__name__.rsplit(".", 1)[0])

    def response_headers_arguments(self, headers: Any) -> Any:
        """The legacy ``serve`` takes them as ``extra_headers``."""
        if "extra_headers" not in parameters(self.serve_function):
            raise Unsupported("serve() has no extra_headers parameter")
        return {"extra_headers": list(headers.items())}

    def rejecting_process_request(self, status: int) -> Any:
        async def process_request(path: Any, request_headers: Any) -> Any:
            return http.HTTPStatus(status), [], (http.HTTPStatus(status).phrase + "\n").encode()

        return process_request

    async def close_without_code(self, connection: Any) -> Any:
        # 8.1–10.x: write_close_frame(data=b""); 11.0+: write_close_frame(close, data).
        if not hasattr(connection, "write_close_frame"):
            raise Unsupported("no write_close_frame()")
        if "close" in parameters(connection.write_close_frame):
            from websockets.frames import Close

            await connection.write_close_frame(Close(1005, ""), b"")
        else:
            await connection.write_close_frame(b"")
        await connection.wait_closed()
