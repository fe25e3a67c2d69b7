"""Driver for the new asyncio implementation, ``websockets.asyncio`` (13.0+)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from .base import Driver, Handler, Unavailable
from .legacy import _parameters


class AsyncioDriver(Driver):
    name = "asyncio"

    @classmethod
    def load(cls) -> "AsyncioDriver":
        try:
            from websockets.asyncio import client, server  # type: ignore[import-not-found]
        except ImportError as exc:
            raise Unavailable("no websockets.asyncio implementation: {}".format(exc))
        return cls(client.connect, server.serve, "websockets.asyncio")

    def connect_options(self, open_timeout: Optional[float]) -> Tuple[Dict[str, Any], bool]:
        if open_timeout is not None and "open_timeout" in _parameters(self.connect_function):
            return {"open_timeout": open_timeout}, True
        return {}, open_timeout is None

    async def serve(self, handler: Handler) -> Any:
        return await self.serve_function(handler, "127.0.0.1", 0)
