"""Reports users read: the CI summary, the dashboard, and upgrade reports.

Everything recorded passes through Jinja2 with autoescaping before it reaches
HTML; data embedded for scripts is JSON with ``<``, ``>`` and ``&`` escaped,
so an exception message containing ``<script>`` is shown as text.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import jinja2
import markupsafe

from wsconform.core.schema import (
    CellRecord,
    InterpreterDifference,
    Record,
    ResultsDocument,
    ScenarioRecord,
)
from wsconform.core.text import markdown_cell, markdown_code, markdown_link, safe_url
from wsconform.core.vocabulary import Availability
from wsconform.model.classification import is_failed, worst_grade
from wsconform.model.matrix import FAULT, display_name, display_names
from wsconform.model.outcomes import grade_name
from wsconform.model.reference import DRIFTED, Drift, Verdict, cell_key, counts
from wsconform.model.timeline import Timeline
from wsconform.model.upgrade import Aspect, Change, Severity, UpgradeReport, changelog_link
from wsconform.peer.labels import result_text
from wsconform.peer.recording import ResultKind
from wsconform.peer.scenario import FAULT_SERVERS, SAME_SERVERS, Grade

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("wsconform.rendering", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
#: Markdown templates are not HTML: no entities; every recorded value is put
#: in a code span explicitly (``|code``, ``|cell``).
MARKDOWN_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("wsconform.rendering", "templates"),
    autoescape=False,  # noqa: S701 - Markdown; values go through |code / |cell
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
MARKDOWN_TEMPLATES.filters["code"] = lambda value: markdown_code(str(value))
MARKDOWN_TEMPLATES.filters["cell"] = lambda value: markdown_cell(str(value))
MARKDOWN_TEMPLATES.filters["link"] = lambda url, text: markdown_link(str(text), str(url))


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


# Already safe inside <script> (see script_json): not HTML-escaped again.
TEMPLATES.filters["script_json"] = lambda value: markupsafe.Markup(script_json(value))  # noqa: S704 - <, >, & escaped
TEMPLATES.filters["short"] = display_name
TEMPLATES.filters["safe_url"] = lambda value: safe_url(value) or ""


# Summary.


def summary_markdown(document: ResultsDocument, drifts: list[Drift] | None) -> str:
    """Short enough for a CI job summary: counts, then what drifted or failed."""
    run = document["run"]
    lines = [
        "# websockets conformance summary",
        "",
        f"Run {markdown_code(run['started'])} · harness {markdown_code(run['harness_version'])} · "
        f"{document['totals']['cases']} cases in {run['seconds']:.0f} s · "
        f"{'complete' if run['complete'] else '**incomplete**'}",
        "",
        "Peers: "
        + ", ".join(
            markdown_code(peer["id"]) for peer in document["peers"] if peer["status"] == Availability.AVAILABLE
        ),
        "",
        "| verdict | cells |",
        "|---|---|",
    ]
    grades = Counter(worst_grade(cell) for cell in document["cells"])
    lines += [f"| {markdown_cell(grade)} | {count} |" for grade, count in sorted(grades.items())]
    if drifts is not None:
        lines += ["", "| drift | cells |", "|---|---|"]
        lines += [f"| {verdict} | {count} |" for verdict, count in counts(drifts).items() if count]
        drifted = [drift for drift in drifts if drift.verdict != Verdict.SAME]
        if drifted:
            lines += ["", f"## Differs from the reference ({len(drifted)})", ""]
            lines += [f"- {markdown_code(drift.line())}" for drift in drifted[:50]]
            if len(drifted) > 50:
                lines.append(f"- … and {len(drifted) - 50} more (see `reports/index.html`)")
    else:
        lines += ["", "_No reference to compare with (`nox -s reference` creates one)._"]
    failed = [cell for cell in document["cells"] if is_failed(cell)]
    if failed:
        lines += ["", f"## Failed or errored cells ({len(failed)})", ""]
        for cell in failed[:50]:
            labels = " / ".join(o["label"] for o in cell["outcomes"]) or cell.get("reason") or cell["status"]
            lines.append(
                f"- {markdown_code(cell['scenario'])} {markdown_code(cell_key(cell))}: {markdown_code(labels)}"
            )
        if len(failed) > 50:
            lines.append(f"- … and {len(failed) - 50} more")
    return "\n".join(lines) + "\n"


# Dashboard.


def step_rows(record: Record | None) -> list[dict[str, Any]]:
    """A side's steps, ready for a trace table."""
    rows = []
    for step in (record or {}).get("steps", []):
        result = step.get("result", {"kind": ResultKind.UNFINISHED})
        exception = result.get("exception") if result.get("kind") == ResultKind.EXCEPTION else None
        rows.append(
            {
                "step": step["step"],
                "args": json.dumps(step.get("args", {}), ensure_ascii=False),
                "before": (step.get("state_before") or {}).get("state", ""),
                "after": (step.get("state_after") or {}).get("state", ""),
                "result": result_text(result),
                "elapsed": f"{step['elapsed'] * 1000:.1f} ms" if "elapsed" in step else "",
                "exception": exception_chain(exception) if exception else [],
                "warnings": [w.get("message", "") for w in step.get("warnings", [])],
                "logged": [entry.get("message", "") for entry in step.get("logged", [])],
            }
        )
    return rows


def exception_chain(exception: Record | None) -> list[str]:
    chain = []
    while exception:
        chain.append(f"{exception['class']}: {exception.get('str', '')}")
        exception = exception.get("cause") or exception.get("context")
    return chain


def dashboard_html(document: ResultsDocument, drifts: list[Drift] | None) -> str:
    drift_by_cell = {(d.scenario, d.key): d for d in drifts or []}
    implementations_of = {peer["id"]: peer["implementation"] for peer in document["peers"]}
    names = display_names(list(dict.fromkeys([*document["clients"], *document["servers"]])))
    by_interpreter = {
        (difference["scenario"], difference["variant"], cell["client"], cell["server"]): difference
        for difference in document.get("interpreters", [])
        for cell in difference["cells"]
    }
    data = DetailData()
    sections: list[dict[str, Any]] = []
    # A peer that does not exist (an implementation the release does not
    # have) is not a row or a column: its cells say nothing.
    existing = {peer["id"] for peer in document["peers"] if peer["status"] != Availability.UNSUPPORTED}
    clients = [peer for peer in document["clients"] if peer in existing]
    servers = [peer for peer in document["servers"] if peer in existing]
    links: dict[str, int] = {}
    link_as = link_names([peer["id"] for peer in document["peers"]])
    for scenario in document["scenarios"]:
        grids = []
        cells = {
            (c["variant"], c["client"], c["server"]): c for c in document["cells"] if c["scenario"] == scenario["id"]
        }
        for title, columns, variant in grid_layouts(scenario, servers):
            rows = []
            for client in clients:
                row: list[dict[str, Any] | None] = []
                for column in columns:
                    cell = cells.get(grid_position(scenario, variant, client, column))
                    if cell is None:
                        row.append(None)
                        continue
                    drift = drift_by_cell.get((scenario["id"], cell_key(cell)))
                    link = deep_link(cell, link_as)
                    number = data.add(scenario, cell, drift, link)
                    links[link] = number
                    interpreter = by_interpreter.get((scenario["id"], cell["variant"], cell["client"], cell["server"]))
                    row.append(
                        {
                            "id": number,
                            "grade": worst_grade(cell),
                            "drift": drift.verdict if drift else "unknown",
                            "varies": cell["varies"],
                            "labels": [(o["label"], o["count"]) for o in cell["outcomes"]]
                            or [(cell["status"], cell["runs"])],
                            "runs": cell["runs"],
                            "implementations": " ".join(
                                sorted({implementations_of.get(cell[r], "") for r in ("client", "server")})
                            ),
                            "interpreters": _interpreter_note(interpreter),
                        }
                    )
                rows.append((names.get(client, client), row))
            grid = {"title": title, "columns": [names.get(heading, heading) for heading in columns], "rows": rows}
            grids.append(compact(grid) if len(columns) > COMPACT_COLUMNS else grid)
        sections.append({"scenario": scenario, "grids": grids})
    implementations = sorted({peer["implementation"] for peer in document["peers"]})
    return TEMPLATES.get_template("index.html.j2").render(
        document=document,
        sections=sections,
        glance=at_a_glance(document, drift_by_cell, clients, servers, names, link_as),
        links=links,
        data=data.describe(),
        implementations=implementations,
        drift_counts=counts(drifts) if drifts is not None else None,
        grades=Counter(worst_grade(cell) for cell in document["cells"]),
    )


def grid_layouts(scenario: ScenarioRecord, servers: list[str]) -> list[tuple[str, list[str], str | None]]:
    """A scenario's grids, as (title, columns, variant): one per variant with
    a column per server, or — against the fault servers, or each release
    against itself — one with a column per variant (variant None)."""
    variants = [variant["name"] for variant in scenario["variants"]]
    if scenario["servers"] in (FAULT_SERVERS, SAME_SERVERS):
        return [("client × " + scenario["servers"] + " server", variants, None)]
    return [(variant, list(servers), variant) for variant in variants]


def grid_position(scenario: ScenarioRecord, variant: str | None, client: str, column: str) -> tuple[str, str, str]:
    """The cell (variant, client, server) at ``client``'s row and ``column``
    of one of :func:`grid_layouts`."""
    if variant is None:
        return (column, client, FAULT if scenario["servers"] == FAULT_SERVERS else client)
    return (variant, client, column)


#: Grids wider than this show a short code per answer (its label on hover,
#: a legend below), so that a 22 × 22 grid fits a laptop screen.
COMPACT_COLUMNS = 8


def compact(grid: dict[str, Any]) -> dict[str, Any]:
    """``grid`` with each label replaced by a letter code (A, B, …, AA, …)
    in order of first appearance, and the legend of those codes."""
    codes: dict[str, str] = {}
    for _, row in grid["rows"]:
        for cell in row:
            if cell is None:
                continue
            for label, _count in cell["labels"]:
                codes.setdefault(label, letters(len(codes)))
            cell["title"] = " / ".join(label for label, _ in cell["labels"])
            cell["labels"] = [(codes[label], count) for label, count in cell["labels"]]
    return dict(grid, legend=[(code, label) for label, code in codes.items()])


def letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, …"""
    text = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        text = chr(ord("A") + remainder) + text
    return text


def deep_link(cell: CellRecord, names: dict[str, str]) -> str:
    """``scenario/variant/client/server`` — e.g. ``send-then-close/
    close-1000-after-close/14.0/8.1`` — the URL fragment that opens one
    cell's detail, for a PR comment to point at (see :func:`link_names`)."""
    client, server = (names.get(cell[role], cell[role]) for role in ("client", "server"))
    return "/".join((cell["scenario"], cell["variant"], client, server))


def link_names(peer_ids: list[str]) -> dict[str, str]:
    """The shortest unambiguous name of each peer in a link: its version
    (``14.0``), then ``14.0-asyncio``, then ``14.0-asyncio-py3.9``."""
    names: dict[str, str] = {}
    for depth in (1, 2, 3):
        candidates = {peer: "-".join(peer.split("/")[:depth]) for peer in peer_ids if peer not in names}
        counts = Counter(candidates.values())
        taken = set(names.values())
        for peer, name in candidates.items():
            if counts[name] == 1 and name not in taken:
                names[peer] = name
    return {peer: names.get(peer, peer.replace("/", "-")) for peer in peer_ids}


def at_a_glance(
    document: ResultsDocument,
    drift_by_cell: dict[tuple[str, str], Drift],
    clients: list[str],
    servers: list[str],
    names: dict[str, str],
    link_as: dict[str, str],
) -> dict[str, Any]:
    """The front page: client × server, per pair how many scenario variants
    failed, are non-strict or differ from the reference, with links. A cell
    the reference never measured is ``new``, counted apart: it says nothing
    about a difference (a release the reference does not hold would frame
    every one of its pairs as differing)."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {
        (client, server): {"failed": [], "non-strict": [], "differs": [], "new": [], "cells": 0}
        for client in clients
        for server in servers
    }
    for cell in document["cells"]:
        pair = pairs.get((cell["client"], cell["server"]))
        if pair is None:
            continue  # the fault server, or a peer that does not exist
        pair["cells"] += 1
        link = deep_link(cell, link_as)
        if is_failed(cell):
            pair["failed"].append(link)
        elif worst_grade(cell) == Grade.NON_STRICT:
            pair["non-strict"].append(link)
        drift = drift_by_cell.get((cell["scenario"], cell_key(cell)))
        if drift is not None and drift.verdict == Verdict.NEW:
            pair["new"].append(link)
        elif drift is not None and drift.verdict in DRIFTED:
            pair["differs"].append(link)
    rows = []
    for client in clients:
        row = []
        for server in servers:
            pair = pairs[(client, server)]
            worst = "failed" if pair["failed"] else "non-strict" if pair["non-strict"] else "ok"
            row.append(dict(pair, worst=worst if pair["cells"] else "not-run", client=client, server=server))
        rows.append((names.get(client, client), row))
    return {"columns": [names.get(server, server) for server in servers], "rows": rows}


def _interpreter_note(difference: InterpreterDifference | None) -> str:
    """``differs on py3.9 / py3.13`` for a cell whose answers differ by interpreter."""
    if difference is None:
        return ""
    peers = [peer for cell in difference["cells"] for peer in (cell["client"], cell["server"])]
    pythons = sorted({peer.rsplit("/", 1)[-1] for peer in peers if peer.rsplit("/", 1)[-1].startswith("py")})
    return "differs on " + " / ".join(pythons)


class DetailData:
    """What the dashboard's script needs to show any cell's detail on demand.

    Embedded once as JSON: the page's HTML holds the grids only, and a
    detail is built (as text nodes, never markup) when a cell is opened. Equal
    things are stored once and referred to by index: a side's step table
    (its times apart), an answer, a scenario's question and links.
    """

    def __init__(self) -> None:
        self.details: list[dict[str, Any]] = []
        self.traces: list[list[dict[str, Any]]] = []
        self.texts: list[str] = []
        self.scenarios: list[dict[str, Any]] = []
        self._traces: dict[str, int] = {}
        self._texts: dict[str, int] = {}
        self._scenarios: dict[str, int] = {}

    def _index(self, table: list[Any], seen: dict[str, int], key: str, value: Any) -> int:
        if key not in seen:
            seen[key] = len(table)
            table.append(value)
        return seen[key]

    def text(self, value: str) -> int:
        return self._index(self.texts, self._texts, value, value)

    def trace(self, record: Record | None) -> tuple[int, list[str]]:
        """A side's step table (by index) and its steps' times."""
        rows = step_rows(record)
        times = [row.pop("elapsed") for row in rows]
        key = json.dumps(rows, sort_keys=True, ensure_ascii=False)
        return self._index(self.traces, self._traces, key, rows), times

    def scenario(self, scenario: ScenarioRecord) -> int:
        links = [{"text": link, "url": safe_url(link) or ""} for link in scenario.get("links", [])]
        return self._index(
            self.scenarios,
            self._scenarios,
            scenario["id"],
            {"question": scenario["question"], "links": links},
        )

    def add(self, scenario: ScenarioRecord, cell: CellRecord, drift: Drift | None, link: str) -> int:
        outcomes = []
        for outcome in cell["outcomes"]:
            example: dict[str, Any] = dict(outcome.get("example", {}))
            sides = {}
            for role in ("client", "server"):
                trace, times = self.trace(example.get(role))
                sides[role] = {"trace": trace, "times": times}
            outcomes.append(
                {
                    "label": outcome["label"],
                    "count": outcome["count"],
                    "grade": grade_name(outcome) or "",
                    "reason": outcome["grade"]["reason"] if outcome["grade"] is not None else "",
                    "key": outcome["key"],
                    "answer": self.text(json.dumps(outcome["answer"], ensure_ascii=False, sort_keys=True)),
                    "evidence": outcome["evidence"],
                    **sides,
                }
            )
        self.details.append(
            {
                "title": f"{scenario['id']} · {cell['variant']} · {cell['client']} → {cell['server']}",
                "scenario": self.scenario(scenario),
                "status": cell["status"],
                "reason": cell.get("reason", ""),
                "runs": cell["runs"],
                "outcomes": outcomes,
                "errors": [
                    {"reason": e["reason"], "count": e["count"], "detail": e.get("detail", "")} for e in cell["errors"]
                ],
                "drift": drift.line() if drift else "",
                "link": link,
            }
        )
        return len(self.details) - 1

    def describe(self) -> dict[str, Any]:
        return {"details": self.details, "traces": self.traces, "texts": self.texts, "scenarios": self.scenarios}


# Upgrade reports (the comparison itself is :mod:`wsconform.model.upgrade`).

#: Sites listed in full for one change; longer lists end with "+N more".
SITES_SHOWN = 6


def upgrade_view(report: UpgradeReport) -> list[dict[str, Any]]:
    """Per severity, worst first: each change with its anchor, number and the
    texts both templates show."""
    sections = []
    for severity in Severity:
        entries = []
        for number, change in enumerate(report.of(severity), start=1):
            entries.append(
                {
                    "anchor": f"{severity.value}-{number}",
                    "number": f"{severity.value[0].upper()}{number}",
                    "change": change,
                    "where": _where(change),
                    "introduced": change.introduced_in or "",
                    "introduced_link": changelog_link(change.introduced_in)
                    if change.introduced_in and "–" not in change.introduced_in
                    else "",
                    "links": [(link, link_text(link)) for link in change.links if safe_url(link)],
                }
            )
        sections.append({"severity": severity, "entries": entries})
    return sections


def _where(change: Change) -> str:
    """``as client against 8.1, 10.4, itself`` or the places it spans."""
    if change.aspect in (Aspect.ANSWER, Aspect.STATUS):
        roles = " and ".join(change.roles)
        variants = _some(change.variants)
        return f"{variants}; as {roles} against " + _some(change.counterparts)
    if change.aspect == Aspect.API:
        return ", ".join(feature for feature in change.features if feature != change.title)
    places = list(change.places)
    shown = places[:SITES_SHOWN]
    more = len(places) - len(shown)
    return ", ".join(shown) + (f" +{more} more" if more > 0 else "")


def _some(items: tuple[str, ...]) -> str:
    shown = list(items[:SITES_SHOWN])
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" +{more} more" if more > 0 else "")


def link_text(url: str) -> str:
    """A short name for a link: ``issue 1538``, ``upgrade guide``, ``changelog``."""
    path = url.split("://", 1)[-1]
    if "/issues/" in path or "/pull/" in path:
        return "issue " + path.rstrip("/").rsplit("/", 1)[-1]
    name = path.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".html").replace("-", " ")
    anchor = path.split("#", 1)[1] if "#" in path else ""
    if anchor.startswith("websockets."):
        return anchor.rsplit(".", 1)[-1]
    return name or path


def upgrade_markdown(report: UpgradeReport, document: ResultsDocument) -> str:
    return MARKDOWN_TEMPLATES.get_template("upgrade.md.j2").render(
        report=report, document=document, sections=upgrade_view(report)
    )


def upgrade_html(report: UpgradeReport, document: ResultsDocument) -> str:
    return TEMPLATES.get_template("upgrade.html.j2").render(
        report=report, document=document, sections=upgrade_view(report)
    )


# History.


def history_html(
    timelines: list[Timeline], document: ResultsDocument, releases: tuple[str, ...], implementation: str
) -> str:
    """One table per scenario: a row per variant and way of playing it, a
    column per release; an era spans its releases."""
    return TEMPLATES.get_template("history.html.j2").render(
        timelines=timelines, document=document, releases=releases, implementation=implementation
    )
