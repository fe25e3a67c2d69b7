"""What the terminal shows: progress during a run, tables at the end.

Progress and messages go to stderr; the result tables go to stdout, so that
``nox -s matrix > table.txt`` captures just the tables.

Recorded text is data (see :mod:`wsconform.core.text`): it reaches the terminal
only through :func:`wsconform.core.text.visible` and as ``rich.text.Text`` (never
parsed as markup), so neither escape sequences nor ``[markup]`` in an
exception message or label can act on the terminal.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from wsconform.core.schema import CellRecord, OutcomeRecord, ResultsDocument
from wsconform.core.text import visible
from wsconform.core.vocabulary import Availability, CellStatus
from wsconform.model.classification import is_failed
from wsconform.model.matrix import FAULT, display_name, display_names
from wsconform.model.outcomes import grade_name
from wsconform.model.reference import DRIFTED, Drift, Verdict
from wsconform.model.timeline import Timeline
from wsconform.peer.scenario import FAULT_SERVERS, SAME_SERVERS, Grade

GRADE_STYLES = {
    Grade.OK: "green",
    Grade.NON_STRICT: "yellow",
    Grade.FAILED: "bold red",
    Grade.INFORMATIONAL: "cyan",
}
STATUS_STYLES = {
    CellStatus.ERROR: "bold white on red",
    CellStatus.UNAVAILABLE: "dim",
    CellStatus.UNSUPPORTED: "dim italic",
    CellStatus.NOT_RUN: "dim",
}

messages = Console(stderr=True, highlight=False)
output = Console(highlight=False, width=200 if not sys.stdout.isatty() else None)


def say(message: str) -> None:
    """One message on stderr; hidden characters shown as escapes, line breaks kept."""
    messages.print(visible(message, newlines=True), markup=False, highlight=False, soft_wrap=True)


def data(text: str, style: str = "") -> Text:
    """Recorded text for a table or a rule: one line, inert."""
    return Text(visible(text), style=style)


class RunProgress:
    """A progress bar on a terminal; a line every tenth of the run elsewhere."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.counts: Counter[str] = Counter()
        self.interactive = messages.is_terminal
        self.progress: Progress | None = None
        self.task: Any = None
        self._next_report = 0

    def __enter__(self) -> RunProgress:
        if self.interactive:
            self.progress = Progress(
                TextColumn("[bold]cases"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=messages,
                transient=False,
            )
            self.progress.__enter__()
            self.task = self.progress.add_task("cases", total=self.total, detail="")
        else:
            say(f"running {self.total} cases")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc_info)

    def extend(self, more: int) -> None:
        """The adaptive repetitions of a cell that varies add ``more`` cases
        (the progress lines show the new total)."""
        self.total += more
        if self.progress is not None:
            self.progress.update(self.task, total=self.total)

    def advance(self, status: str) -> None:
        self.done += 1
        self.counts[status] += 1
        detail = ", ".join(f"{count} {name}" for name, count in sorted(self.counts.items()))
        if self.progress is not None:
            self.progress.update(self.task, advance=1, detail=detail)
        elif self.done >= self._next_report or self.done == self.total:
            say(f"  {self.done}/{self.total} cases ({detail})")
            self._next_report = self.done + max(1, self.total // 10)


def _grade_style(outcome: OutcomeRecord) -> str:
    return GRADE_STYLES.get(grade_name(outcome) or "", "")


def cell_text(cell: CellRecord) -> Text:
    status = CellStatus(cell["status"])
    if status in (CellStatus.UNAVAILABLE, CellStatus.UNSUPPORTED, CellStatus.NOT_RUN):
        return Text(status, style=STATUS_STYLES[status])
    text = Text()
    if cell["errors"]:
        errors = sum(error["count"] for error in cell["errors"])
        text.append(f"error ×{errors}", style=STATUS_STYLES[CellStatus.ERROR])
        if cell["outcomes"]:
            text.append("\n")
    for number, outcome in enumerate(cell["outcomes"]):
        if number:
            text.append("\n")
        text.append(data(outcome["label"], _grade_style(outcome)))
        if cell["varies"] or cell["errors"]:
            text.append(f" {outcome['count']}/{cell['runs']}", style="bold magenta")
    return text


#: Above this many server columns, cells show letters keyed to a legend.
WIDE = 4

STATUS_MARKS = {
    CellStatus.UNSUPPORTED: "·",
    CellStatus.UNAVAILABLE: "-",
    CellStatus.ERROR: "!",
    CellStatus.NOT_RUN: "?",
}


def print_tables(document: ResultsDocument) -> None:
    """One table per scenario variant (client rows × server columns); fault
    and per-peer scenarios get one table with variants as columns."""
    cells = {(c["scenario"], c["variant"], c["client"], c["server"]): c for c in document["cells"]}
    clients = document["clients"]
    servers = document["servers"]
    names = display_names(list(dict.fromkeys([*clients, *servers])))
    for scenario in document["scenarios"]:
        output.rule(Text.assemble(data(scenario["id"], "bold"), " — ", data(scenario["question"])))
        variants = [variant["name"] for variant in scenario["variants"]]
        if scenario["servers"] in (FAULT_SERVERS, SAME_SERVERS):
            columns = [(variant, variant) for variant in variants]
            grid = {
                (client, variant): cells.get(
                    (scenario["id"], variant, client, FAULT if scenario["servers"] == FAULT_SERVERS else client)
                )
                for client in clients
                for variant in variants
            }
            _print_grid(f"client × {visible(scenario['servers'])} server", clients, columns, grid, names)
            continue
        for variant in variants:
            columns = [(server, names[server]) for server in servers]
            grid = {
                (client, server): cells.get((scenario["id"], variant, client, server))
                for client in clients
                for server in servers
            }
            _print_grid(f"{visible(variant)}: client ↓ × server →", clients, columns, grid, names)


def _print_grid(
    title: str,
    rows: list[str],
    columns: list[tuple[str, str]],
    grid: dict[tuple[str, str], CellRecord | None],
    names: dict[str, str],
) -> None:
    wide = len(columns) > WIDE
    legend: dict[str, str] = {}
    if wide:
        counts: Counter[str] = Counter(
            outcome["label"] for cell in grid.values() if cell for outcome in cell["outcomes"]
        )
        for number, (label, _) in enumerate(counts.most_common()):
            legend[label] = _letter(number)
    table = Table(show_lines=not wide, title=data(title))
    table.add_column("client", style="bold")
    for _, heading in columns:
        table.add_column(data(heading), justify="center" if wide else "left")
    for row in rows:
        texts = []
        for column, _ in columns:
            cell = grid.get((row, column))
            if cell is None:
                texts.append(Text("—", style="dim"))
            elif wide:
                texts.append(_letters(cell, legend))
            else:
                texts.append(cell_text(cell))
        table.add_row(data(names.get(row, row)), *texts)
    output.print(table)
    if wide:
        for label, letter in legend.items():
            output.print(Text.assemble("  ", (letter, "bold"), " ", data(label)), highlight=False)
        output.print("  · unsupported   - unavailable   ! harness error   ? not run   A/B varies", style="dim")


def _letter(number: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return alphabet[number] if number < 26 else f"{alphabet[number // 26 - 1]}{alphabet[number % 26]}"


def _letters(cell: CellRecord, legend: dict[str, str]) -> Text:
    status = CellStatus(cell["status"])
    if status in (CellStatus.UNSUPPORTED, CellStatus.UNAVAILABLE, CellStatus.NOT_RUN):
        return Text(STATUS_MARKS[status], style=STATUS_STYLES[status])
    text = Text()
    if cell["errors"]:
        text.append(STATUS_MARKS[CellStatus.ERROR], style=STATUS_STYLES[CellStatus.ERROR])
    for number, outcome in enumerate(cell["outcomes"]):
        if number or cell["errors"]:
            text.append("/")
        text.append(legend[outcome["label"]], style=_grade_style(outcome))
    return text


CLAUSE_NAMES = {
    "websockets.exceptions.ConnectionClosed": "ConnClosed",
    "websockets.exceptions.ConnectionClosedOK": "ClosedOK",
    "websockets.exceptions.ConnectionClosedError": "ClosedError",
    "websockets.exceptions.InvalidHandshake": "InvalidHandshake",
    "websockets.exceptions.InvalidMessage": "InvalidMessage",
    "websockets.exceptions.InvalidStatus": "InvalidStatus",
    "websockets.exceptions.InvalidStatusCode": "InvalidStatusCode",
    "websockets.exceptions.PayloadTooBig": "PayloadTooBig",
    "websockets.exceptions.ConcurrencyError": "ConcurrencyError",
    "websockets.exceptions.WebSocketException": "WSException",
    "builtins.OSError": "OSError",
    "builtins.TimeoutError": "TimeoutError",
    "asyncio.TimeoutError": "asyncio.Timeout",
    "builtins.EOFError": "EOFError",
    "builtins.RuntimeError": "RuntimeError",
}


def print_interpreter_differences(document: ResultsDocument) -> None:
    """Cells whose answers differ by interpreter, one line each."""
    differences = document.get("interpreters") or []
    if not differences:
        return
    output.rule(Text("cells whose behaviour differs by interpreter", style="bold"))
    for difference in differences:
        parts = [
            f"{cell['client'].rsplit('/', 1)[-1]}→{cell['server'].rsplit('/', 1)[-1]}: {' / '.join(cell['labels'])}"
            for cell in difference["cells"]
        ]
        output.print(
            data(
                f"{difference['scenario']} {difference['variant']} | {difference['client']} → "
                f"{difference['server']}: differs on " + " · ".join(parts)
            )
        )


def print_catchability(document: ResultsDocument) -> None:
    """Which ``except`` clauses catch each recorded exception, per peer."""
    rows = document.get("catchability") or []
    if not rows:
        return
    output.rule("[bold]catchability[/bold] — which except clauses catch what each peer raised")
    groups: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        signature = "".join(_mark(row["caught_by"].get(clause)) for clause in CLAUSE_NAMES)
        groups.setdefault((row["exception"], signature), []).append(display_name(row["peer"]))
    table = Table(title="✓ caught  ✗ not caught  – name absent in that version")
    table.add_column("exception (peers)")
    for name in CLAUSE_NAMES.values():
        table.add_column(name, justify="center")
    for (exception, signature), peers in sorted(groups.items()):
        table.add_row(data(f"{exception.replace('websockets.exceptions.', '')} ({', '.join(peers)})"), *signature)
    output.print(table)


def _mark(value: Any) -> str:
    return {True: "✓", False: "✗"}.get(value, "–")


def print_api_surface(document: ResultsDocument) -> None:
    """Features × peers: ✓ present, ✗ absent, ⚠ present but warns."""
    surfaces = document.get("api_surface") or {}
    if not surfaces:
        return
    output.rule("[bold]api-surface[/bold] — what each peer has")
    peers = list(surfaces)
    features = sorted({feature for surface in surfaces.values() for feature in surface})
    table = Table(title="✓ present  ✗ absent  ⚠ present, warns")
    table.add_column("feature")
    for peer in peers:
        table.add_column(data(display_name(peer)), justify="center")
    for feature in features:
        marks = []
        for peer in peers:
            entry = surfaces[peer].get(feature)
            if entry is None:
                marks.append("")
            elif not entry.get("present"):
                marks.append("✗")
            else:
                marks.append("⚠" if entry.get("warns") else "✓")
        if len(set(marks)) > 1 or feature.startswith("import "):
            table.add_row(data(feature), *marks)
    output.print(table)
    output.print("  (features present identically in every peer are not listed)", style="dim")


def print_summary(document: ResultsDocument, path: str) -> None:
    totals = document["totals"]
    run = document["run"]
    parts = [f"{count} {status}" for status, count in sorted(totals["cells"].items())]
    say(
        f"{len(document['cells'])} cells ({', '.join(parts)}), {totals['cases']} cases "
        f"({totals['extra_cases']} extra for cells that vary) in "
        f"{run['seconds']:.1f} s; {totals['varies']} cells vary → {path}"
    )
    for environment in document["environments"]:
        if environment["status"] != Availability.AVAILABLE:
            say(f"unavailable: websockets {environment['version']}: {environment['reason']}")


#: Cells listed by name in the at-a-glance summary, per kind; the rest are in the dashboard.
GLANCE_LINES = 20


def print_glance(document: ResultsDocument, drifts: list[Drift] | None, dashboard: str) -> None:
    """The end of every run: the failed and drifted cells, one line each,
    and where the dashboard is (the full grids are behind ``--tables``)."""
    failed = [cell for cell in document["cells"] if is_failed(cell)]
    drifted = [drift for drift in drifts or [] if drift.verdict in DRIFTED and drift.verdict != Verdict.NEW]
    new = [drift for drift in drifts or [] if drift.verdict == Verdict.NEW]
    say(f"failed or harness error: {len(failed)} cell{'s' if len(failed) != 1 else ''}")
    for cell in failed[:GLANCE_LINES]:
        labels = (
            " / ".join(outcome["label"] for outcome in cell["outcomes"]) or cell.get("reason", "") or cell["status"]
        )
        say(
            visible(
                f"  {cell['scenario']} {cell['variant']} {display_name(cell['client'])} → "
                f"{display_name(cell['server'])}: {labels}"
            )
        )
    if len(failed) > GLANCE_LINES:
        say(f"  … and {len(failed) - GLANCE_LINES} more in the dashboard")
    if drifts is not None:
        say(f"differs from the reference: {len(drifted)} cell{'s' if len(drifted) != 1 else ''}")
        for drift in drifted[:GLANCE_LINES]:
            say("  " + drift.line())
        if len(drifted) > GLANCE_LINES:
            say(f"  … and {len(drifted) - GLANCE_LINES} more in the dashboard")
        if new:  # never measured by the reference: no difference, and no list of hundreds
            say(f"not in the reference (never measured there): {len(new)} cell{'s' if len(new) != 1 else ''}")
    say(f"dashboard: {dashboard} (full grids in the terminal: --tables)")


def print_timelines(found: list[Timeline]) -> None:
    """The terminal view: one block per timeline, one line per era."""
    for line in timeline_lines(found):
        say(line)


def timeline_lines(found: list[Timeline]) -> list[str]:
    lines = []
    for item in found:
        lines.append(visible(f"{item.scenario} · {item.variant} ({item.how})"))
        width = max(len(era.span) for era in item.eras)
        for index, era in enumerate(item.eras):
            since = f"  ← since {era.releases[0]}" + (f": {era.change}" if era.change else "") if index else ""
            lines.append(visible(f"  {era.span:<{width}}  {era.grade:<11} {era.text}{since}"))
    return lines
