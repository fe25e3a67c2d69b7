"""What changes when one release replaces another: the upgrade report.

Theory of operation
-------------------

FROM is replaced by TO. Every cell where FROM plays a role (client or
server) is paired with the same cell where TO plays that role, the
counterpart unchanged — or TO against itself where FROM was against itself.
Each pair is compared on six *aspects*; each finds at most one difference:

* **status** — FROM measured the cell and TO cannot run it because a step is
  unsupported: that API is *removed in TO* (a break). The other way round,
  it is *new in TO*. Anything else that did not measure is not compared.
* **answer** — the scenario's answer distribution (its ``answer()``, never
  its label text). When neither cell varies, different answers are a change;
  a *break* when TO's worst grade is ``failed`` and FROM's was not. When
  either varies and the two answer sets overlap, the shift is *racy*, and
  reported only if Fisher's exact test is significant at Tarone's level over
  every racy pair of the report (:mod:`wsconform.model.statistics`, α = 1 %).
  Disjoint answer sets are a change whatever the repetitions.
* **catching** — an ``except`` clause that caught FROM's exception and does
  not catch TO's exception *from the same call* (a break). Exceptions are
  paired by side and call (the second ``recv``, say), never by order alone:
  a call that stopped raising must not pair the next exception with the
  old one (14.2's ``recv(timeout=0)`` returning a message 14.1 missed is a
  fix, not an ``except TimeoutError`` that stops catching).
* **warnings** — a warning TO emits that FROM never did, from step records
  and attribute reads alike (``DeprecationWarning: …``).
* **messages** — an exception of the same class whose text changed.
* **logs** — a record the library logs at ERROR or above that it did not
  (or logged at a lower level): a warning, since people alert on it; a
  record no longer logged at all: a change.

The api-surface scenario adds features gone or moved (breaks), features that
now warn (warnings) and new features (one change).

Differences are then grouped: one :class:`Change` per aspect and *what*
changed, listing every :class:`Site` (scenario, variant, role, counterpart)
where it happens — never one entry per counterpart. A change's
:attr:`Change.probe` says how to observe it on another release, which is
what :mod:`wsconform.execution.history` bisects with.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from packaging.version import InvalidVersion, Version

from wsconform.core.exit_codes import BadInputError
from wsconform.core.schema import CellRecord, InterpreterDifference, OutcomeRecord, Record, ResultsDocument
from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.model import derived, statistics
from wsconform.model.classification import is_failed
from wsconform.model.matrix import display_name
from wsconform.model.outcomes import difference, leaf

#: Where upstream documents how to adapt, by the API a change is about.
UPGRADE_GUIDE = "https://websockets.readthedocs.io/en/stable/howto/upgrade.html"
CHANGELOG = "https://github.com/python-websockets/websockets/blob/main/docs/project/changelog.rst"
FIXES = {
    "fail_connection": f"{UPGRADE_GUIDE}#deprecated-apis",
    "open": f"{UPGRADE_GUIDE}#open-and-closed",
    "closed": f"{UPGRADE_GUIDE}#open-and-closed",
    "path": f"{UPGRADE_GUIDE}#path-request-headers-and-response-headers",
    "request_headers": f"{UPGRADE_GUIDE}#path-request-headers-and-response-headers",
    "response_headers": f"{UPGRADE_GUIDE}#path-request-headers-and-response-headers",
    "InvalidStatusCode": f"{UPGRADE_GUIDE}#deprecated-apis",
    "status_code": f"{UPGRADE_GUIDE}#deprecated-apis",
    "handler": f"{UPGRADE_GUIDE}#deprecated-apis",
    "legacy": f"{UPGRADE_GUIDE}#import-paths",
}
#: Names specific enough to find in a change's text (``open`` or ``path`` are not).
TEXT_FIXES = ("fail_connection", "InvalidStatusCode", "status_code")


def changelog_link(version: str) -> str:
    """The changelog section of one release (GitHub renders ``14.0`` as ``#140``)."""
    return f"{CHANGELOG}#{version.replace('.', '')}"


class Severity(enum.Enum):
    """How much a change matters to someone upgrading, worst first."""

    BREAK = "break"
    CHANGE = "change"
    WARNING = "warning"
    RACY = "racy"

    @property
    def heading(self) -> str:
        return SEVERITY_TEXT[self][0]

    @property
    def meaning(self) -> str:
        return SEVERITY_TEXT[self][1]


#: Each severity's heading and what it holds, as the reports say them.
SEVERITY_TEXT = {
    Severity.BREAK: ("Breaks", "behaviour graded failed, an except clause that stops catching, an API gone or moved"),
    Severity.CHANGE: ("Changes", "other differences of the answer"),
    Severity.WARNING: ("Warnings", "new deprecation warnings and changed exception messages"),
    Severity.RACY: ("Racy", "racy cells whose distribution shifts significantly"),
}


class Aspect(enum.Enum):
    """Which part of a cell a change is about (and how to observe it)."""

    STATUS = "status"
    ANSWER = "answer"
    CATCHING = "catching"
    WARNINGS = "warnings"
    MESSAGES = "messages"
    LOGS = "logs"
    API = "api"


@dataclass(frozen=True)
class Site:
    """Where a change happens: FROM/TO in ``role``, against ``counterpart``."""

    scenario: str
    variant: str
    role: str
    #: A peer id, ``itself`` or ``fault``.
    counterpart: str


@dataclass(frozen=True)
class Probe:
    """How to observe a change on another release: which aspect of which
    cell (:func:`observe`); :func:`alike` compares it with FROM's."""

    aspect: Aspect
    site: Site
    #: The aspect's subject: a warning's text, an exception class, a feature.
    subject: str = ""
    #: For a signature whose calls break: the parameters FROM had. Only how
    #: they can be passed is observed, so that a new parameter or default in
    #: a release in between is not taken for the break.
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One difference between FROM and TO, with every place it happens."""

    severity: Severity
    aspect: Aspect
    title: str
    before: str
    after: str
    sites: tuple[Site, ...]
    detail: str = ""
    question: str = ""
    links: tuple[str, ...] = ()
    fix: str | None = None
    #: The first release after FROM that shows TO's behaviour (bisected).
    introduced_in: str | None = None
    #: How the change was found to be significant, for racy changes.
    p_value: float | None = None
    probe: Probe | None = None
    #: For API changes, the full names of the features (both owners).
    features: tuple[str, ...] = ()

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(site.variant for site in self.sites))

    @property
    def counterparts(self) -> tuple[str, ...]:
        """Every counterpart, ``itself`` first, then by version."""
        names = dict.fromkeys(display_name(site.counterpart) for site in self.sites)
        return tuple(sorted(names, key=_counterpart_order))

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(site.role for site in self.sites))

    @property
    def places(self) -> tuple[str, ...]:
        """``scenario/variant`` where it happens, for changes that span scenarios."""
        return tuple(dict.fromkeys(f"{site.scenario}/{site.variant}" for site in self.sites))


@dataclass(frozen=True)
class UpgradeReport:
    """What changes when ``before`` is replaced by ``after``, worst first."""

    before: str
    after: str
    implementation: str
    changes: tuple[Change, ...] = ()
    unchanged: int = 0
    #: Pairs where either side did not measure (unavailable, error, not run).
    not_compared: int = 0
    #: Behaviour of FROM or TO that differs by interpreter (``--pythons``).
    interpreters: tuple[InterpreterDifference, ...] = ()
    #: Releases between FROM and TO that were bisected (empty when none was).
    bisected: tuple[str, ...] = ()
    #: FROM or TO where it could not run at all: (version, why). A report
    #: with these says so first: none of its cells could be compared.
    unavailable: tuple[tuple[str, str], ...] = ()

    def of(self, severity: Severity) -> list[Change]:
        return [change for change in self.changes if change.severity == severity]

    def count(self, severity: Severity) -> int:
        return len(self.of(severity))


#: Statuses that say nothing about behaviour, so nothing to compare.
NOT_MEASURED = frozenset({CellStatus.UNAVAILABLE, CellStatus.ERROR, CellStatus.NOT_RUN})


# Reading one aspect of one cell.


def answer_counts(cell: CellRecord) -> dict[str, int]:
    return {outcome["key"]: outcome["count"] for outcome in cell["outcomes"]}


def sides_of(site: Site) -> tuple[str, ...]:
    """The records that belong to the upgraded peer: its own role, both
    sides when it plays against itself."""
    return ("client", "server") if site.counterpart == "itself" else (site.role,)


def found_in(value: Any, matches: Callable[[dict[str, Any]], bool]) -> Iterator[dict[str, Any]]:
    """Every object under ``value`` that ``matches``, depth first (not
    looking inside one that does)."""
    if isinstance(value, dict):
        if matches(value):
            yield value
            return
        for item in value.values():
            yield from found_in(item, matches)
    elif isinstance(value, list):
        for item in value:
            yield from found_in(item, matches)


def _is_warning(value: dict[str, Any]) -> bool:
    category = value.get("category")
    return isinstance(category, str) and category.endswith("Warning") and "message" in value


def warnings_in(value: Any) -> Iterator[str]:
    """Every recorded warning under ``value`` — in steps, attribute reads
    and events alike — as ``Category: message``."""
    for warning in found_in(value, _is_warning):
        yield f"{warning['category'].rsplit('.', 1)[-1]}: {warning['message']}"


def cell_warnings(cell: CellRecord, sides: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        warning
        for outcome in cell["outcomes"]
        for side in sides
        for warning in warnings_in(outcome["outcome"].get(side))
    )


#: Log levels, least severe first; a record at ERROR or above is what people alert on.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ALERTING = frozenset({"ERROR", "CRITICAL"})


def _is_log(value: dict[str, Any]) -> bool:
    return isinstance(value.get("logger"), str) and isinstance(value.get("level"), str) and "message" in value


def logs_in(value: Any) -> Iterator[tuple[str, str, str]]:
    """Every record the library logged under ``value`` — during steps and
    between them — as (logger, level, message)."""
    for record in found_in(value, _is_log):
        yield record["logger"], record["level"], str(record["message"])


def cell_logs(cell: CellRecord, sides: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """(logger, message) → the most severe level it was logged at, in any of the cell's answers."""
    found: dict[tuple[str, str], str] = {}
    for outcome in cell["outcomes"]:
        for side in sides:
            for logger, level, message in logs_in(outcome["outcome"].get(side)):
                known = found.get((logger, message))
                if known is None or _level_rank(level) > _level_rank(known):
                    found[(logger, message)] = level
    return found


def _level_rank(level: str) -> int:
    return LOG_LEVELS.index(level) if level in LOG_LEVELS else len(LOG_LEVELS)


def main_outcome(cell: CellRecord) -> OutcomeRecord | None:
    """The outcome most of a cell's runs gave (None when it measured nothing)."""
    return max(cell["outcomes"], key=lambda outcome: outcome["count"]) if cell["outcomes"] else None


def located_exceptions_of(cell: CellRecord, sides: tuple[str, ...]) -> dict[tuple[str, derived.Location], Record]:
    """The exceptions of the cell's most frequent outcome, by the side and
    the call that raised them (:func:`derived.located_exceptions_in`)."""
    outcome = main_outcome(cell)
    if outcome is None:
        return {}
    return {
        (side, where): exception
        for side in sides
        for where, exception in derived.located_exceptions_in(outcome["outcome"].get(side))
    }


def messages_of(cell: CellRecord, sides: tuple[str, ...], exception_class: str) -> frozenset[str]:
    return frozenset(
        str(exception.get("str", ""))
        for outcome in cell["outcomes"]
        for side in sides
        for exception in derived.exceptions_in(outcome["outcome"].get(side))
        if exception["class"] == exception_class
    )


def observe(probe: Probe, cell: CellRecord | None, features: dict[str, Any] | None = None) -> Any:
    """The probed aspect of ``cell`` (or of a peer's API ``features``), in a
    form two releases can be compared on."""
    if probe.aspect == Aspect.API:
        entry = (features or {}).get(probe.subject, {})
        if probe.parameters:
            kinds = {item[0]: item[1] for item in entry.get("parameters") or []}
            return json.dumps([kinds.get(name) for name in probe.parameters])
        return json.dumps(
            {
                "present": bool(entry.get("present")),
                "to": entry.get("resolves_to"),
                "warns": bool(entry.get("warns")),
                "signature": entry.get("signature"),
                "raises": entry.get("raises"),
                "str": entry.get("str"),
            }
        )
    if cell is None or cell["status"] in NOT_MEASURED:
        return None
    if probe.aspect == Aspect.STATUS:
        return cell["status"]
    if cell["status"] != CellStatus.MEASURED:
        return cell["status"]
    sides = sides_of(probe.site)
    if probe.aspect == Aspect.ANSWER:
        return answer_counts(cell)
    if probe.aspect == Aspect.WARNINGS:
        return probe.subject in cell_warnings(cell, sides)
    if probe.aspect == Aspect.LOGS:
        logger, _, message = probe.subject.partition(": ")
        return cell_logs(cell, sides).get((logger, message))
    if probe.aspect == Aspect.MESSAGES:
        return sorted(messages_of(cell, sides, probe.subject))
    if probe.aspect == Aspect.CATCHING:
        clause, _, _ = probe.subject.partition(" ")
        located = located_exceptions_of(cell, sides)
        return [
            [side, list(where), located[side, where].get("caught_by", {}).get(clause)]
            for side, where in sorted(located)
        ]
    raise ValueError(probe.aspect)


def alike(probe: Probe, before: Any, other: Any) -> bool:
    """Whether another release's observation matches FROM's: equal, or for
    answers, no significant shift (a racy cell may show its other side)."""
    if probe.aspect == Aspect.ANSWER and isinstance(before, dict) and isinstance(other, dict):
        if set(before) == set(other) and len(before) == 1:
            return True
        if not set(before) & set(other):
            return False
        return statistics.compare_counts(before, other).p > statistics.ALPHA
    return bool(before == other)


# Comparing FROM with TO.


@dataclass(frozen=True)
class _Finding:
    """One difference at one site, before grouping."""

    severity: Severity
    aspect: Aspect
    group: tuple[Any, ...]
    title: str
    before: str
    after: str
    site: Site
    detail: str = ""
    subject: str = ""
    test: statistics.CellTest | None = None
    #: For API changes, the feature's full name (``connection.close_code``).
    feature: str = ""
    #: For signature breaks, the parameters FROM had (see :class:`Probe`).
    parameters: tuple[str, ...] = ()


def pair_cells(document: ResultsDocument, old: str, new: str) -> list[tuple[Site, CellRecord, CellRecord]]:
    cells = {(c["scenario"], c["variant"], c["client"], c["server"]): c for c in document["cells"]}
    found = []
    for (scenario, variant, client, server), cell in sorted(cells.items()):
        if client == old:
            role, counterpart = "client", server
            other = cells.get((scenario, variant, new, new if server == old else server))
        elif server == old and scenario != derived.API_SCENARIO:
            role, counterpart = "server", client
            other = cells.get((scenario, variant, new if client == old else client, new))
        else:
            continue
        if other is None:
            continue
        counterpart = "itself" if counterpart == old else counterpart
        found.append((Site(scenario, variant, role, counterpart), cell, other))
    return found


def labels_text(cell: CellRecord) -> str:
    """A cell's answers for people: ``label`` or ``label 7/10 · other 3/10``."""
    if cell["status"] != CellStatus.MEASURED:
        return f"{cell['status']}: {cell.get('reason', '')}".rstrip(": ")
    if len(cell["outcomes"]) == 1:
        return cell["outcomes"][0]["label"]
    return " · ".join(f"{o['label']} {o['count']}/{cell['runs']}" for o in cell["outcomes"])


def _compare_pair(site: Site, before: CellRecord, after: CellRecord, new_version: str) -> list[_Finding]:
    where = f"{site.scenario} · {site.variant}"
    if before["status"] != after["status"]:
        if after["status"] == CellStatus.UNSUPPORTED:
            removed = f"removed in {new_version}: {after.get('reason', '')}".rstrip(": ")
            return [
                _Finding(
                    Severity.BREAK,
                    Aspect.STATUS,
                    (site.scenario, removed),
                    site.scenario,
                    labels_text(before),
                    removed,
                    site,
                )
            ]
        return [
            _Finding(
                Severity.CHANGE, Aspect.STATUS, (site.scenario, before["status"], after["status"]),
                site.scenario, labels_text(before), labels_text(after), site,
            )
        ]  # fmt: skip
    if before["status"] != CellStatus.MEASURED:
        return []
    findings = []
    if site.scenario != derived.API_SCENARIO:  # compared feature by feature (_api_findings)
        findings += _answer_finding(site, where, before, after)
    sides = sides_of(site)
    for warning in sorted(cell_warnings(after, sides) - cell_warnings(before, sides)):
        findings.append(
            _Finding(
                Severity.WARNING,
                Aspect.WARNINGS,
                (warning,),
                warning.split(":", 1)[0],
                "no warning",
                warning,
                site,
                subject=warning,
            )
        )
    findings += _log_findings(site, before, after, sides)
    old_exceptions, new_exceptions = located_exceptions_of(before, sides), located_exceptions_of(after, sides)
    for call in sorted(old_exceptions.keys() & new_exceptions.keys()):
        old_exception, new_exception = old_exceptions[call], new_exceptions[call]
        if old_exception["class"] == new_exception["class"] and old_exception.get("str") != new_exception.get("str"):
            name = old_exception["class"]
            old_text, new_text = str(old_exception.get("str", "")), str(new_exception.get("str", ""))
            findings.append(
                _Finding(
                    Severity.WARNING, Aspect.MESSAGES, (name, old_text, new_text), name, old_text, new_text, site,
                    subject=name,
                )
            )  # fmt: skip
        for clause, caught in old_exception.get("caught_by", {}).items():  # the same call, both releases
            now = new_exception.get("caught_by", {}).get(clause)
            if caught is True and now is not True:
                change = "name absent" if now == "absent" else "not caught"
                title = f"except {clause}"
                findings.append(
                    _Finding(
                        Severity.BREAK, Aspect.CATCHING, (clause, old_exception["class"], new_exception["class"]),
                        title, old_exception["class"], f"{new_exception['class']} ({change})", site,
                        subject=f"{clause} {old_exception['class']}",
                    )
                )  # fmt: skip
    return findings


def _log_findings(site: Site, before: CellRecord, after: CellRecord, sides: tuple[str, ...]) -> list[_Finding]:
    """What the library logs that it did not: a record that appears at ERROR
    or above, or rises to it, is a warning (people alert on it); a record
    that is no longer logged at all is a change."""
    old, new = cell_logs(before, sides), cell_logs(after, sides)
    findings = []
    for (logger, message), level in sorted(new.items()):
        was = old.get((logger, message))
        if level in ALERTING and (was is None or was not in ALERTING):
            findings.append(
                _Finding(
                    Severity.WARNING, Aspect.LOGS, (logger, message, was, level), f"{logger} logs at {level}",
                    f"{was}: {message}" if was else "not logged", f"{level}: {message}", site,
                    subject=f"{logger}: {message}",
                )
            )  # fmt: skip
    for (logger, message), level in sorted(old.items()):
        if (logger, message) not in new:
            findings.append(
                _Finding(
                    Severity.CHANGE, Aspect.LOGS, (logger, message, level), f"{logger} no longer logs",
                    f"{level}: {message}", "not logged", site, subject=f"{logger}: {message}",
                )
            )  # fmt: skip
    return findings


def _answer_finding(site: Site, where: str, before: CellRecord, after: CellRecord) -> list[_Finding]:
    old, new = answer_counts(before), answer_counts(after)
    if set(old) == set(new) and len(old) == 1:
        return []
    labels_before, labels_after = labels_text(before), labels_text(after)
    first_before, first_after = main_outcome(before), main_outcome(after)
    if first_before is None or first_after is None:
        return []  # a measured cell always has an outcome
    detail = ""
    if first_before["key"] != first_after["key"]:
        detail = difference(first_before["answer"], first_after["answer"])
    varies = len(old) > 1 or len(new) > 1
    if varies and set(old) & set(new):
        label_sets = (
            tuple(sorted(o["label"] for o in before["outcomes"])),
            tuple(sorted(o["label"] for o in after["outcomes"])),
        )
        return [
            _Finding(
                Severity.RACY, Aspect.ANSWER, (where, site.role, label_sets), where, labels_before, labels_after,
                site, detail, test=statistics.compare_counts(old, new),
            )
        ]  # fmt: skip
    severity = Severity.BREAK if is_failed(after) and not is_failed(before) else Severity.CHANGE
    # One change wherever the answers differ the same way: the same field,
    # with the same value before, on the upgraded side, in any variant, role
    # or counterpart (close_code null → 1000, 1001, … is one change).
    if first_before["key"] != first_after["key"]:
        path, was, now = leaf(first_before["answer"], first_after["answer"])
        what = _own_side(path, site.role)
        values = (json.dumps(was, sort_keys=True), json.dumps(now, sort_keys=True))
        group: tuple[Any, ...] = (site.scenario, what, *values)
        detail = _own_side(detail, site.role)
    else:
        group = (site.scenario, labels_before, labels_after)
        detail = ""
    grade = first_after["grade"]
    if severity == Severity.BREAK and grade is not None:
        detail = f"graded failed: {grade['reason']}"
    return [_Finding(severity, Aspect.ANSWER, group, site.scenario, labels_before, labels_after, site, detail)]


def _own_side(path: str, role: str) -> str:
    """``client.close_code=null`` as ``close_code=null`` when the client is
    the upgraded side (the same change seen from the server reads alike)."""
    for side in ("client", "server"):
        if path.startswith(side + "."):
            rest = path[len(side) + 1 :]
            return rest if side == role else f"counterpart's {rest}"
    return path


def _api_findings(document: ResultsDocument, old: str, new: str, new_version: str) -> list[_Finding]:
    surfaces = document.get("api_surface", {})
    if old not in surfaces or new not in surfaces:
        return []
    before, after = surfaces[old], surfaces[new]
    site = Site(derived.API_SCENARIO, "probe", "client", "itself")
    found, added = [], []
    for feature in sorted(set(before) | set(after), key=lambda name: (_api_name(name), name)):
        was, now = before.get(feature, {}), after.get(feature, {})
        name = _api_name(feature)
        if was.get("present") and not now.get("present"):
            found.append(
                _Finding(
                    Severity.BREAK, Aspect.API, (name, "removed"), name, "present", f"removed in {new_version}", site,
                    subject=feature, feature=feature,
                )
            )  # fmt: skip
        elif now.get("present") and not was.get("present"):
            added.append(feature)
        elif not was.get("present"):
            continue
        elif was.get("resolves_to") != now.get("resolves_to"):
            found.append(
                _Finding(
                    Severity.BREAK, Aspect.API, (name, "moved", now.get("resolves_to")), name,
                    str(was.get("resolves_to")), f"moved: {now.get('resolves_to')}", site, subject=feature,
                    feature=feature,
                )
            )  # fmt: skip
        elif was.get("signature") != now.get("signature"):
            severity, what = signature_change(was.get("parameters") or [], now.get("parameters") or [])
            found.append(
                _Finding(
                    severity, Aspect.API, (feature, "signature"), feature, str(was.get("signature")), what, site,
                    detail=f"{was.get('signature')} → {now.get('signature')}", subject=feature, feature=feature,
                    parameters=tuple(entry[0] for entry in was.get("parameters") or [])
                    if severity == Severity.BREAK
                    else (),
                )
            )  # fmt: skip
        elif was.get("raises") != now.get("raises"):
            found.append(
                _Finding(
                    Severity.BREAK, Aspect.API, (feature, "raises"), feature, f"raises {was.get('raises')}",
                    f"raises {now.get('raises')}: {now.get('message', '')}".rstrip(": "), site, subject=feature,
                    feature=feature,
                )
            )  # fmt: skip
        elif was.get("str") != now.get("str") and "str" in was:
            found.append(
                _Finding(
                    Severity.WARNING, Aspect.API, (feature, "str"), feature, f"str(): {was.get('str')}",
                    f"str(): {now.get('str')}" if "str" in now else f"returns {now.get('returns')}", site,
                    subject=feature, feature=feature,
                )
            )  # fmt: skip
        elif not was.get("warns") and now.get("warns"):
            warns = ", ".join(str(w) for w in now.get("warns", []))
            found.append(
                _Finding(
                    Severity.WARNING, Aspect.API, (name, warns), name, "no warning", f"warns: {warns}", site,
                    subject=feature, feature=feature,
                )
            )  # fmt: skip
    if added:
        found.append(
            _Finding(Severity.CHANGE, Aspect.API, ("new",), f"new in {new_version}", "absent", ", ".join(added), site)
        )
    return found


def signature_change(before: list[list[str]], after: list[list[str]]) -> tuple[Severity, str]:
    """How a signature changed, and whether existing calls break: a
    parameter removed, or one that could be passed by position and no
    longer can, breaks; new parameters and new defaults do not."""
    old = {entry[0]: entry for entry in before}
    new = {entry[0]: entry for entry in after}
    removed = [name for name in old if name not in new and old[name][1] not in ("*args", "**kwargs")]
    keyword_only = [
        name
        for name, entry in old.items()
        if name in new and entry[1] == "positional" and new[name][1] == "keyword-only"
    ]
    added = [name for name in new if name not in old and new[name][1] not in ("*args", "**kwargs")]
    if removed or keyword_only:
        parts = []
        if keyword_only:
            parts.append("now keyword-only: " + ", ".join(keyword_only))
        if removed:
            parts.append("removed: " + ", ".join(removed))
        if added:  # often the replacement: extra_headers removed, additional_headers new (14.0)
            parts.append("new: " + ", ".join(added))
        return Severity.BREAK, "; ".join(parts)
    defaults = [
        f"{name} {old[name][2] if len(old[name]) > 2 else '(none)'} → {entry[2] if len(entry) > 2 else '(none)'}"
        for name, entry in new.items()
        if name in old and old[name][2:] != entry[2:]
    ]
    parts = []
    if defaults:
        parts.append("defaults: " + ", ".join(defaults))
    if added:
        parts.append("new: " + ", ".join(added))
    return Severity.CHANGE, "; ".join(parts) or "signature changed"


def _counterpart_order(name: str) -> tuple[int, Version | str]:
    if name == "itself":
        return (0, "")
    try:
        return (1, Version(name.split("/", 1)[0]))
    except InvalidVersion:
        return (2, name)


def _api_name(feature: str) -> str:
    """A feature without its owner: ``close_code`` for both connection
    objects, ``InvalidStatusCode`` for ``websockets`` and ``websockets.exceptions``."""
    for prefix in ("connection.", "server-connection.", "websockets.exceptions.", "websockets."):
        if feature.startswith(prefix):
            return feature[len(prefix) :]
    return feature


def peer_id(document: ResultsDocument, version: str, implementation: str) -> str:
    for peer in document["peers"]:
        if peer["version"] == version and peer["implementation"] == implementation:
            return peer["id"]
    raise BadInputError(f"the results have no peer {version}/{implementation}")


def fix_for(finding: _Finding) -> str | None:
    """The upgrade guide's section for the API a change is about, if any:
    by feature name for API changes, by the names in the text otherwise."""
    if finding.aspect == Aspect.API:
        name = _api_name(finding.feature)
        if name.startswith("import "):
            return FIXES["legacy"] if ".legacy" in name else None
        return FIXES.get(name)
    text = f"{finding.title} {finding.before} {finding.after}".replace("(", " ").replace(".", " ")
    for name in TEXT_FIXES:
        if name in text.split():
            return FIXES[name]
    return None


ORDER = {
    Severity.BREAK: (Aspect.ANSWER, Aspect.STATUS, Aspect.CATCHING, Aspect.API),
    Severity.CHANGE: (Aspect.ANSWER, Aspect.STATUS, Aspect.API, Aspect.LOGS),
    Severity.WARNING: (Aspect.LOGS, Aspect.WARNINGS, Aspect.API, Aspect.MESSAGES),
    Severity.RACY: (Aspect.ANSWER,),
}


def compare(document: ResultsDocument, before: str, after: str, implementation: str = "default") -> UpgradeReport:
    """Every difference between ``before`` and ``after``, grouped and ordered worst first."""
    old, new = peer_id(document, before, implementation), peer_id(document, after, implementation)
    findings: list[_Finding] = []
    unchanged = not_compared = 0
    for site, cell, other in pair_cells(document, old, new):
        if {cell["status"], other["status"]} & NOT_MEASURED:
            not_compared += 1
            continue
        found = _compare_pair(site, cell, other, after)
        findings += found
        unchanged += not found
    findings += _api_findings(document, old, new, after)
    racy = [finding.test.minimum for finding in findings if finding.test is not None]
    threshold = statistics.tarone_threshold(racy)
    significant = [f for f in findings if f.test is None or f.test.p <= threshold]
    unchanged += len({f.site for f in findings} - {f.site for f in significant})
    scenarios = {scenario["id"]: scenario for scenario in document["scenarios"]}
    versions = (f"{before}/", f"{after}/")
    status = {peer["id"]: peer for peer in document["peers"]}
    unavailable = tuple(
        (version, status[identifier].get("reason") or str(status[identifier]["status"]))
        for version, identifier in ((before, old), (after, new))
        if status[identifier]["status"] != Availability.AVAILABLE
    )
    return UpgradeReport(
        before,
        after,
        implementation,
        tuple(_group(significant, scenarios)),
        unchanged,
        not_compared,
        tuple(
            difference
            for difference in document.get("interpreters", [])
            if difference["client"].startswith(versions) or difference["server"].startswith(versions)
        ),
        unavailable=unavailable,
    )


def _merge_fields(findings: list[_Finding]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Answer changes of one field that share its value before *or* after
    are one change (close_code 1000, 1001, … → null; null → 1000, 1001, …):
    a union of their groups, keyed by the first group of each union."""
    parent: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def root(key: tuple[Any, ...]) -> tuple[Any, ...]:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for finding in findings:
        if finding.aspect != Aspect.ANSWER or finding.severity == Severity.RACY or len(finding.group) != 4:
            continue
        scenario, what, was, now = finding.group
        key = (finding.severity, finding.aspect, *finding.group)
        for shared in (
            (finding.severity, scenario, what, "before", was),
            (finding.severity, scenario, what, "after", now),
        ):
            parent[root(key)] = root(shared)
    return {key: root(key) for key in parent}


def _group(findings: list[_Finding], scenarios: dict[str, Any]) -> list[Change]:
    merged = _merge_fields(findings)
    groups: dict[tuple[Any, ...], list[_Finding]] = {}
    for finding in findings:
        key = (finding.severity, finding.aspect, *finding.group)
        groups.setdefault(merged.get(key, key), []).append(finding)
    changes = []
    for members in groups.values():
        first = members[0]
        scenario = scenarios.get(first.site.scenario, {})
        tests = [member.test.p for member in members if member.test is not None]
        # Members merged for sharing a field's value may differ in their other
        # answers: each distinct one is shown, so two answers never share a label.
        before = " / ".join(dict.fromkeys(member.before for member in members))
        after = " / ".join(dict.fromkeys(member.after for member in members))
        detail = "; ".join(dict.fromkeys(member.detail for member in members if member.detail))
        changes.append(
            Change(
                first.severity,
                first.aspect,
                first.title,
                before,
                after,
                tuple(dict.fromkeys(member.site for member in members)),
                detail,
                scenario.get("question", "") if first.aspect in (Aspect.ANSWER, Aspect.STATUS) else "",
                tuple(scenario.get("links", ())) if first.aspect in (Aspect.ANSWER, Aspect.STATUS) else (),
                fix_for(first),
                p_value=min(tests) if tests else None,
                probe=Probe(first.aspect, first.site, first.subject, first.parameters)
                if first.group != ("new",)
                else None,
                features=tuple(dict.fromkeys(member.feature for member in members if member.feature)),
            )
        )
    rank = {(severity, aspect): index for severity, aspects in ORDER.items() for index, aspect in enumerate(aspects)}
    severities = list(Severity)
    changes.sort(
        key=lambda c: (severities.index(c.severity), rank.get((c.severity, c.aspect), 9), -len(c.sites), c.title)
    )
    return changes


def with_releases(report: UpgradeReport, introduced: dict[int, str], bisected: tuple[str, ...]) -> UpgradeReport:
    """The report with the release that introduced each change (by index)."""
    changes = tuple(
        replace(change, introduced_in=introduced.get(index, change.introduced_in))
        for index, change in enumerate(report.changes)
    )
    return replace(report, changes=changes, bisected=bisected)
