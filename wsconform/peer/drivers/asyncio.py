"""Driver for the new asyncio implementation, ``websockets.asyncio`` (13.0+)."""

from __future__ import annotations

from .base import Driver, Unavailable


class AsyncioDriver(Driver):
    name = "asyncio"

    @classmethod
    def load(cls) -> "AsyncioDriver":
        try:
            from websockets.asyncio import client, server
        except ImportError as exc:
            raise Unavailable("no websockets.asyncio implementation: {}".format(exc))
        return cls(client.connect, server.serve, "websockets.asyncio")
