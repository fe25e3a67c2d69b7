"""Signals that end a run, and keeping what was measured when they arrive.

Theory of operation
-------------------

A run ends early on ``SIGINT`` (Ctrl-C), ``SIGTERM`` (a CI runner's
cancel, ``kill``) or ``SIGHUP`` (a closed terminal). Whatever arrives, as
often and as fast as it comes, the harness keeps what it measured:

1. Outside the measuring phase, the first of them raises
   ``KeyboardInterrupt`` (:func:`install`) and later ones are ignored while
   it unwinds: nothing is measured yet, or everything already is, and the
   command exits 3 in one line.
2. While cases run (:func:`cancelling`), the first signal cancels the task
   that runs them — the runner stops its agents and the cells fold what they
   have — and later ones are only counted, so they cannot interrupt that
   cleanup.
3. While results and reports are written (:func:`deferred`), signals are
   counted, not acted on, so a second Ctrl-C cannot cut a write short; the
   command ends once the files are whole.
4. Once the command has its exit code (``wsconform/__main__.py``), a late
   signal is ignored: the code it reports is the one it earned.

One handler serves every phase; only its mode changes. So no signal ever
meets the default action, which would kill the harness with nothing saved
(``loop.add_signal_handler`` and its removal leave such a moment). Once a
signal has been received in a block, the harness stays in the holding mode:
between the cases being cancelled and the results being written, a second
signal cannot cut the saving short.

Agents never outlive the orchestrator: they run in their own sessions, are
killed by :func:`wsconform.execution.agents.kill_all` on every way out, and exit by
themselves when their stdin closes (see :mod:`wsconform.execution.agents`).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

#: The signals that end a run.
ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Mode(enum.Enum):
    """What an ending signal does now."""

    #: Raise ``KeyboardInterrupt`` (once; later signals are only counted).
    RAISE = "raise"
    #: Cancel the task that runs the cases (once; later ones counted).
    CANCEL = "cancel"
    #: Only count it: files are being written, or the run is already ending.
    HOLD = "hold"


@dataclass
class Received:
    """The ending signals that arrived during one block."""

    signals: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.signals)


@dataclass
class _State:
    mode: Mode = Mode.RAISE
    raised: bool = False
    task: asyncio.Task[Any] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    blocks: list[Received] = field(default_factory=list)


_state = _State()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """The one handler of every ending signal; what it does depends on the mode."""
    name = signal.Signals(signum).name
    for block in _state.blocks:
        block.signals.append(name)
    if _state.mode is Mode.RAISE and not _state.raised:
        _state.raised = True
        raise KeyboardInterrupt(name)
    if _state.mode is Mode.CANCEL and _state.task is not None and _state.loop is not None:
        task, _state.task = _state.task, None  # once
        _state.loop.call_soon_threadsafe(task.cancel)  # wakes the loop's select()


def install() -> None:
    """Install the handler of every ending signal (once per process is enough;
    installing again resets nothing)."""
    for signum in ENDING:
        signal.signal(signum, _on_signal)


@contextlib.contextmanager
def _mode(mode: Mode) -> Iterator[Received]:
    """Run the block in ``mode``. If a signal arrived during it, the harness
    stays in :attr:`Mode.HOLD` afterwards: it is already ending, and nothing
    must interrupt what it does to save its work."""
    install()
    received = Received()
    previous = _state.mode
    _state.mode = mode
    _state.blocks.append(received)
    try:
        yield received
    finally:
        _state.blocks.remove(received)
        _state.mode = Mode.HOLD if received or previous is Mode.HOLD else previous


@contextlib.contextmanager
def cancelling(task: asyncio.Task[Any]) -> Iterator[Received]:
    """While the block runs, the first ending signal cancels ``task``; later
    ones are counted. Must be entered from the event loop's thread."""
    _state.task, _state.loop = task, asyncio.get_running_loop()
    try:
        with _mode(Mode.CANCEL) as received:
            yield received
    finally:
        _state.task = _state.loop = None


@contextlib.contextmanager
def deferred() -> Iterator[Received]:
    """While the block runs, ending signals are counted, not acted on."""
    with _mode(Mode.HOLD) as received:
        yield received
