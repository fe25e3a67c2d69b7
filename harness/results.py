"""``reports/results.json``: the schema, and writing and reading it safely.

The schema is documented in ``reports/results.schema.md``; bump
:data:`SCHEMA_VERSION` on any incompatible change.

Writes are atomic: the document is written to a temporary file in the same
directory, flushed to disk, then renamed over the target, so a reader (or a
crash) never sees half a file and the last good results survive a failed run.
An incomplete run (interrupted, or stopped by a harness failure) is written
beside it as ``results.incomplete.json`` and never replaces a complete one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .exit_codes import BadInputError

SCHEMA = "websockets-conformance/results"
SCHEMA_VERSION = 1


def incomplete_path(path: Path) -> Path:
    return path.with_name(path.stem + ".incomplete" + path.suffix)


def write_text_atomically(path: Path, text: str) -> None:
    """Write text (Markdown, HTML) to ``path``: the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; reports are for reading
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_atomically(path: Path, document: Any, *, indent: int | None = 1, sort_keys: bool = False) -> None:
    """Write JSON to ``path`` so that it is either the old or the new file, whole.

    The document is serialized first: a document that cannot be written never
    touches the file.
    """
    text = json.dumps(document, indent=indent, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    write_text_atomically(path, text)


def save(path: Path, document: dict[str, Any]) -> Path:
    """Save results: complete runs to ``path``, incomplete ones beside it."""
    target = path if document["run"]["complete"] else incomplete_path(path)
    write_atomically(target, document)
    if document["run"]["complete"]:
        stale = incomplete_path(path)
        if stale.exists():
            stale.unlink()
    return target


def read_document(path: Path, kind: str, schema: str, version: int, missing_hint: str) -> dict[str, Any]:
    """Read a JSON document of ``schema`` / ``version``; one-line :class:`BadInputError` otherwise.

    Shared by results and reference files, so that both fail the same way.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such {kind} file ({missing_hint})") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BadInputError(
            f"{path}: corrupt {kind} file (invalid JSON at line {getattr(exc, 'lineno', '?')})"
        ) from None
    if not isinstance(document, dict) or document.get("schema") != schema:
        raise BadInputError(f"{path}: not a {kind} file (schema is not {schema!r})")
    if document.get("schema_version") != version:
        raise BadInputError(
            f"{path}: {kind} schema version {document.get('schema_version')!r}, this harness reads {version}"
        )
    return document


def load(path: Path) -> dict[str, Any]:
    """Read and check a results file; raise :class:`BadInputError` in one line if unusable."""
    document = read_document(path, "results", SCHEMA, SCHEMA_VERSION, "run `nox -s matrix` first")
    for key in ("run", "peers", "scenarios", "cells"):
        if key not in document:
            raise BadInputError(f"{path}: corrupt results file (missing {key!r})")
    return document
