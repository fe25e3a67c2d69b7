"""Driver for the original asyncio implementation (``legacy``).

Before 10.0 it lived in ``websockets.client`` / ``websockets.server``; from
10.0 in ``websockets.legacy``; it was deprecated in 14.0.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Dict, Optional, Tuple

from .base import Driver, Handler, Unavailable


class LegacyDriver(Driver):
    name = "legacy"

    @classmethod
    def load(cls) -> "LegacyDriver":
        with warnings.catch_warnings():
            # Importing websockets.legacy warns from 14.0 on; the warning is
            # recorded by the api-surface scenario, not here.
            warnings.simplefilter("ignore")
            try:
                from websockets.legacy import client, server  # type: ignore[import-not-found]
            except ImportError:
                try:
                    from websockets import client, server  # type: ignore[import-not-found,no-redef]
                except ImportError as exc:  # pragma: no cover - very old releases
                    raise Unavailable("no legacy implementation: {}".format(exc))
                if not hasattr(server, "WebSocketServerProtocol"):
                    raise Unavailable("websockets.server is not the legacy implementation")
        return cls(client.connect, server.serve, client.__name__.rsplit(".", 1)[0])

    def connect_options(self, open_timeout: Optional[float]) -> Tuple[Dict[str, Any], bool]:
        parameters = _parameters(self.connect_function)
        if open_timeout is not None and "open_timeout" in parameters:
            return {"open_timeout": open_timeout}, True
        return {}, open_timeout is None

    async def serve(self, handler: Handler) -> Any:
        async def legacy_handler(connection: Any, *path: Any) -> None:
            # 8.1–10.0 call handler(ws, path); 10.1+ call handler(ws) when the
            # handler accepts one argument. *path accepts both, without the
            # deprecation warning that a two-argument handler gets from 13.0.
            await handler(connection)

        return await self.serve_function(legacy_handler, "127.0.0.1", 0)


def _parameters(function: Any) -> Dict[str, Any]:
    target = function.__init__ if isinstance(function, type) else function  # type: ignore[misc]
    try:
        return dict(inspect.signature(target).parameters)
    except (TypeError, ValueError):  # pragma: no cover
        return {}
