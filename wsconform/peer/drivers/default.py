"""The ``default`` implementation: ``websockets.connect`` / ``websockets.serve``.

It is driven by the driver of the implementation those names resolve to, but
calls the top-level names themselves, exactly as an application would.
"""

from __future__ import annotations

import warnings
from typing import Type

from .asyncio import AsyncioDriver
from .base import Driver, Unavailable
from .legacy import LegacyDriver


def load_default() -> Driver:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import websockets

            connect = websockets.connect
            serve = websockets.serve
        except (ImportError, AttributeError) as exc:
            raise Unavailable("websockets.connect / serve: {}".format(exc))
    module = getattr(connect, "__module__", "")
    driver_class: Type[Driver] = AsyncioDriver if module.startswith("websockets.asyncio") else LegacyDriver
    driver = driver_class(connect, serve, "websockets")
    driver.name = "default"
    driver.resolves_to = driver_class.name
    return driver
