"""Writing files so that nothing already written is lost, and locks between runs.

Theory of operation
-------------------

*Atomic writes.* Every file the harness writes (results, reports, the
reference, caches) is written to a uniquely named temporary file in the same
directory, flushed to disk, then renamed over the target. A reader, a crash,
a full disk or a second run at the same moment sees the old file or the new
one, whole, never half of either; a failed write removes its temporary file.

*Recorded text is data.* What peers record may hold lone surrogates (e.g.
``\\udcff`` from bytes websockets decoded with ``surrogateescape``), which
UTF-8 cannot encode. Text is written with ``backslashreplace``: in JSON that
turns a lone surrogate into its ``\\udcff`` escape inside the string where
it stands — valid JSON that reads back as the same string, so nothing is
lost — and in Markdown or HTML into visible, inert text.

*Locks.* Runs that share a directory (two ``nox -s matrix`` at once, a CI
job and a developer) coordinate with ``flock`` on lock files: one builder
per environment (the other waits, then reuses what was built), one writer
per results file (the other is refused in one line). The kernel releases a
lock when its holder dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO


def write_text_atomically(path: Path, text: str) -> None:
    """Write text to ``path``: the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; reports are for reading
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_json_atomically(path: Path, document: Any, *, indent: int | None = 1, sort_keys: bool = False) -> None:
    """Write JSON to ``path`` so that it is either the old or the new file, whole.

    The document is serialized first: a document that cannot be serialized
    never touches the file.
    """
    text = json.dumps(document, indent=indent, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    write_text_atomically(path, text)


class LockedError(Exception):
    """Another process holds the lock."""


def _open_lock(path: Path) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a+", encoding="utf-8")


@contextlib.contextmanager
def exclusive(path: Path, *, wait: bool) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed).

    ``wait=False`` raises :class:`LockedError` at once, with the holder's
    pid when it wrote one, if another process holds it.
    """
    stream = _open_lock(path)
    try:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            stream.seek(0)
            holder = stream.read().strip()
            raise LockedError(holder or "another process") from None
        stream.seek(0)
        stream.truncate()
        stream.write(f"pid {os.getpid()}")
        stream.flush()
        yield
    finally:
        stream.close()  # closing releases the lock


def is_locked(path: Path) -> bool:
    """Whether another process holds the lock on ``path`` right now."""
    try:
        with exclusive(path, wait=False):
            return False
    except LockedError:
        return True
