"""Drivers: one per websockets implementation.

A driver turns a scenario step (connect, send, recv, close, …) into the calls
that one implementation offers. Drivers hide *API* differences — handler
signatures, the name of the open timeout, where ``connect`` lives — and never
behaviour: whatever the library returns or raises is handed back raw.

Implementations:

``legacy``
    the original asyncio implementation (``websockets.legacy`` from 10.0,
    ``websockets.client`` / ``websockets.server`` before).
``asyncio``
    the new asyncio implementation, ``websockets.asyncio`` (13.0+).
``sync``
    the threading implementation, ``websockets.sync`` (11.0+).
``trio``
    the trio implementation, ``websockets.trio`` (17.0+; needs trio).
``default``
    whatever ``websockets.connect`` / ``websockets.serve`` are in that
    version: what a user gets by upgrading without touching code.
"""

from __future__ import annotations

from typing import Any, Dict, List

from .base import Driver, Unavailable

#: Implementations this harness knows, in display order.
IMPLEMENTATIONS = ("default", "legacy", "asyncio", "sync", "trio")


def load(implementation: str) -> Driver:
    """Return the driver for ``implementation`` in the installed release.

    Raises :class:`Unavailable` if that release has no such implementation.
    """
    if implementation == "default":
        from .default import load_default

        return load_default()
    if implementation == "legacy":
        from .legacy import LegacyDriver

        return LegacyDriver.load()
    if implementation == "asyncio":
        from .asyncio import AsyncioDriver

        return AsyncioDriver.load()
    if implementation == "sync":
        from .sync import SyncDriver

        return SyncDriver.load()
    if implementation == "trio":
        from .trio import TrioDriver

        return TrioDriver.load()
    raise Unavailable("unknown implementation {!r}".format(implementation))


def inventory() -> Dict[str, Any]:
    """Which implementations the installed release has, and what they resolve to."""
    result: Dict[str, Any] = {}
    for implementation in IMPLEMENTATIONS:
        try:
            driver = load(implementation)
        except Unavailable as exc:
            result[implementation] = {"available": False, "reason": str(exc)}
        else:
            result[implementation] = dict(driver.describe(), available=True)
    return result


__all__: List[str] = ["IMPLEMENTATIONS", "Driver", "Unavailable", "inventory", "load"]
