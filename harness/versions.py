"""Which websockets releases exist, and what the default matrix means today.

The default versions are *selectors* resolved against PyPI at run time, so the
matrix follows new releases without code edits; the exact versions are
recorded in the results. The last successful lookup is cached so that an
offline run can still resolve them (and says so).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from .exit_codes import UsageError
from .files import write_json_atomically

__all__ = [
    "DEFAULT_SELECTORS",
    "Releases",
    "Version",
    "fetch_releases",
    "parse_selectors",
    "resolve",
    "resolve_all",
    "validate_selector",
]

PACKAGE = "websockets"

#: The default versions: fixed releases users still run, the first and newest
#: of the 14.x line (where the new implementation became the default), and the
#: newest release.
DEFAULT_SELECTORS = ("8.1", "10.4", "13.1", "14.0", "newest-14", "newest")

PYPI_JSON = os.environ.get("HARNESS_PYPI_JSON", "https://pypi.org/pypi/{package}/json")


@dataclass(frozen=True)
class Releases:
    """Released versions of websockets, newest last."""

    versions: tuple[Version, ...]
    source: str  # "pypi" or "cache"

    def __contains__(self, version: str) -> bool:
        try:
            return Version(version) in self.versions
        except InvalidVersion:
            return False

    def newest(self, major: int | None = None) -> str:
        candidates = [v for v in self.versions if major is None or v.major == major]
        if not candidates:
            raise UsageError(f"no websockets {major}.x release on PyPI")
        return str(max(candidates))


def fetch_releases(cache: Path, timeout: float = 20.0) -> Releases:
    """Released (not yanked, not pre-release) versions, from PyPI or the cache."""
    url = PYPI_JSON.format(package=PACKAGE)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed https URL
            document = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if cache.exists():
            try:
                versions = [Version(v) for v in json.loads(cache.read_text())["versions"]]
            except (ValueError, KeyError, InvalidVersion):
                raise UsageError(f"PyPI unreachable ({exc}) and release cache {cache} is corrupt") from None
            return Releases(tuple(sorted(versions)), "cache")
        raise UsageError(f"cannot list websockets releases: PyPI unreachable ({exc})") from None
    versions = sorted(
        Version(version)
        for version, files in document.get("releases", {}).items()
        if files and not all(file.get("yanked") for file in files) and not Version(version).is_prerelease
    )
    write_json_atomically(cache, {"versions": [str(v) for v in versions]}, indent=None)
    return Releases(tuple(versions), "pypi")


def parse_selectors(text: str) -> tuple[str, ...]:
    """Split and validate a comma-separated list of versions or selectors."""
    selectors = tuple(part.strip() for part in text.split(",") if part.strip())
    if not selectors:
        raise UsageError("empty version list")
    for selector in selectors:
        validate_selector(selector)
    return selectors


def validate_selector(selector: str) -> None:
    if selector == "newest":
        return
    if selector.startswith("newest-"):
        if not selector[len("newest-") :].isdigit():
            raise UsageError(f"invalid version selector {selector!r} (expected newest-N, e.g. newest-14)")
        return
    try:
        Version(selector)
    except InvalidVersion:
        raise UsageError(f"invalid version {selector!r} (expected e.g. 14.2, newest, newest-14)") from None


def resolve(selector: str, releases: Releases) -> str:
    """Turn a selector into an exact version string (which may not exist)."""
    if selector == "newest":
        return releases.newest()
    if selector.startswith("newest-"):
        return releases.newest(int(selector[len("newest-") :]))
    return selector


def resolve_all(selectors: tuple[str, ...], releases: Releases) -> tuple[str, ...]:
    """Resolve selectors, dropping duplicates, ordered by version."""
    exact = {resolve(selector, releases) for selector in selectors}
    return tuple(sorted(exact, key=Version))
