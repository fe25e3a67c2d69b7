"""Which websockets releases exist, and what the default matrix means today.

The default versions are *selectors* resolved against PyPI at run time, so the
matrix follows new releases without code edits; the exact versions are
recorded in the results. The last successful lookup is cached so that an
offline run can still resolve them (and says so).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from wsconform.core.exit_codes import UsageError
from wsconform.core.files import write_json_atomically
from wsconform.core.schema import ReleasesSource

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

#: Every final release (from ``--since``, by default the oldest release the
#: matrix supports): the atlas's axis.
ALL = "all"
FIRST_RELEASE = "8.1"

PYPI_JSON = os.environ.get("HARNESS_PYPI_JSON", "https://pypi.org/pypi/{package}/json")


@dataclass(frozen=True)
class Releases:
    """Released versions of websockets, newest last (pre-releases apart:
    they are never "newest", but can be asked for by name)."""

    versions: tuple[Version, ...]
    source: ReleasesSource
    prereleases: tuple[Version, ...] = ()

    def __contains__(self, version: str) -> bool:
        try:
            wanted = Version(version)
        except InvalidVersion:
            return False
        return wanted in self.versions or wanted in self.prereleases

    def since(self, first: str) -> tuple[str, ...]:
        """Every final release from ``first`` on, oldest first."""
        return tuple(str(version) for version in self.versions if version >= Version(first))

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
                cached = json.loads(cache.read_text())
                versions = [Version(v) for v in cached["versions"]]
                prereleases = [Version(v) for v in cached.get("prereleases", [])]
            except (ValueError, KeyError, TypeError, InvalidVersion):
                raise UsageError(f"PyPI unreachable ({exc}) and release cache {cache} is corrupt") from None
            return Releases(tuple(sorted(versions)), "cache", tuple(sorted(prereleases)))
        raise UsageError(f"cannot list websockets releases: PyPI unreachable ({exc})") from None
    published = sorted(
        Version(version)
        for version, files in document.get("releases", {}).items()
        if files and not all(file.get("yanked") for file in files)
    )
    versions = [v for v in published if not v.is_prerelease]
    prereleases = [v for v in published if v.is_prerelease]
    write_json_atomically(
        cache,
        {"versions": [str(v) for v in versions], "prereleases": [str(v) for v in prereleases]},
        indent=None,
    )
    return Releases(tuple(versions), "pypi", tuple(prereleases))


def parse_selectors(text: str) -> tuple[str, ...]:
    """Split and validate a comma-separated list of versions or selectors."""
    selectors = tuple(part.strip() for part in text.split(",") if part.strip())
    if not selectors:
        raise UsageError("empty version list")
    for selector in selectors:
        validate_selector(selector)
    return selectors


#: A candidate's name: what cells and the reference call it.
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,39}$")


def candidate(selector: str) -> tuple[str, str] | None:
    """``LABEL=SPEC`` → (label, spec); None for a plain selector."""
    label, separator, spec = selector.partition("=")
    return (label.strip(), spec.strip()) if separator else None


def label(selector: str) -> str:
    """What a resolved selector is called: its label, or the version itself."""
    named = candidate(selector)
    return named[0] if named else selector


def validate_selector(selector: str) -> None:
    named = candidate(selector)
    if named is not None:
        name, spec = named
        if not LABEL.match(name):
            raise UsageError(f"invalid candidate label {name!r} in {selector!r} (letters, digits, . _ + -)")
        if Path(spec).exists():
            if not (Path(spec).is_dir() or spec.endswith((".whl", ".tar.gz", ".zip"))):
                raise UsageError(f"candidate {spec!r} is not a wheel, an sdist or a source directory")
            return
        try:
            Version(spec)
        except InvalidVersion:
            raise UsageError(
                f"invalid candidate {selector!r} (expected LABEL=VERSION, or LABEL=PATH to a wheel, sdist or directory)"
            ) from None
        return
    if selector in ("newest", ALL):
        return
    if selector.startswith("newest-"):
        if not selector[len("newest-") :].isdigit():
            raise UsageError(f"invalid version selector {selector!r} (expected newest-N, e.g. newest-14)")
        return
    try:
        Version(selector)
    except InvalidVersion:
        raise UsageError(f"invalid version {selector!r} (expected e.g. 14.2, newest, newest-14, all)") from None


def validate_one(selector: str, what: str) -> None:
    """A selector that must name one release (``what``: where it was given)."""
    validate_selector(selector)
    if selector == ALL:
        raise UsageError(f"{what} takes one release; 'all' names every release (use it in --versions)")


def resolve(selector: str, releases: Releases) -> str:
    """Turn a selector into an exact version string (which may not exist);
    a candidate stays ``LABEL=SPEC``, with a path made absolute."""
    named = candidate(selector)
    if named is not None:
        name, spec = named
        return f"{name}={Path(spec).resolve()}" if Path(spec).exists() else f"{name}={spec}"
    if selector == ALL:
        raise UsageError("'all' names every release: it belongs in --versions, --clients or --servers, not here")
    if selector == "newest":
        return releases.newest()
    if selector.startswith("newest-"):
        return releases.newest(int(selector[len("newest-") :]))
    return selector


def resolve_all(selectors: tuple[str, ...], releases: Releases, since: str = FIRST_RELEASE) -> tuple[str, ...]:
    """Resolve selectors, dropping duplicates, ordered by version (labels
    that are not versions last, by name); ``all`` is every final release
    from ``since``. Two selectors may not share a label."""
    exact = {
        version
        for selector in selectors
        for version in (releases.since(since) if selector == ALL else (resolve(selector, releases),))
    }
    labels = [label(item) for item in exact]
    duplicated = sorted({name for name in labels if labels.count(name) > 1})
    if duplicated:
        raise UsageError(f"two peers would be named {duplicated[0]!r}: give the candidate another label")
    return tuple(sorted(exact, key=order))


def order(selector: str) -> tuple[int, Version | str]:
    """Sort key of a resolved selector: by its label's version, else by name."""
    name = label(selector)
    try:
        return (0, Version(name))
    except InvalidVersion:
        return (1, name)
