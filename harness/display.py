"""What the terminal shows: progress during a run, tables at the end.

Progress and messages go to stderr; the result tables go to stdout, so that
``nox -s matrix > table.txt`` captures just the tables.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

GRADE_STYLES = {
    "ok": "green",
    "non-strict": "yellow",
    "failed": "bold red",
    "informational": "cyan",
}
STATUS_STYLES = {
    "error": "bold white on red",
    "unavailable": "dim",
    "unsupported": "dim italic",
}

messages = Console(stderr=True, highlight=False)
output = Console(highlight=False, width=200 if not sys.stdout.isatty() else None)


def say(message: str) -> None:
    messages.print(message, markup=False, soft_wrap=True)


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

    def advance(self, status: str) -> None:
        self.done += 1
        self.counts[status] += 1
        detail = ", ".join(f"{count} {name}" for name, count in sorted(self.counts.items()))
        if self.progress is not None:
            self.progress.update(self.task, advance=1, detail=detail)
        elif self.done >= self._next_report or self.done == self.total:
            say(f"  {self.done}/{self.total} cases ({detail})")
            self._next_report = self.done + max(1, self.total // 10)


def cell_text(cell: dict[str, Any]) -> Text:
    status = cell["status"]
    if status in ("unavailable", "unsupported"):
        return Text(status, style=STATUS_STYLES[status])
    text = Text()
    if cell["errors"]:
        errors = sum(error["count"] for error in cell["errors"])
        text.append(f"error ×{errors}", style=STATUS_STYLES["error"])
        if cell["outcomes"]:
            text.append("\n")
    for number, outcome in enumerate(cell["outcomes"]):
        if number:
            text.append("\n")
        grade = (outcome.get("grade") or {}).get("grade")
        style = GRADE_STYLES.get(grade or "", "")
        text.append(outcome["label"], style=style)
        if cell["varies"] or cell["errors"]:
            text.append(f" {outcome['count']}/{cell['runs']}", style="bold magenta")
    return text


def print_tables(document: dict[str, Any]) -> None:
    """One table per scenario variant (client rows × server columns); fault
    scenarios get one table with variants as columns."""
    cells = {(c["scenario"], c["variant"], c["client"], c["server"]): c for c in document["cells"]}
    clients = document["clients"]
    servers = document["servers"]
    for scenario in document["scenarios"]:
        output.rule(f"[bold]{scenario['id']}[/bold] — {scenario['question']}")
        variants = [variant["name"] for variant in scenario["variants"]]
        if scenario["servers"] == "fault":
            table = Table(show_lines=True, title="client × fault server")
            table.add_column("client", style="bold")
            for variant in variants:
                table.add_column(variant)
            for client in clients:
                table.add_row(client, *(_lookup(cells, scenario["id"], v, client, "fault") for v in variants))
            output.print(table)
            continue
        for variant in variants:
            table = Table(show_lines=True, title=f"{variant}: client ↓ × server →")
            table.add_column("client", style="bold")
            for server in servers:
                table.add_column(server)
            for client in clients:
                table.add_row(client, *(_lookup(cells, scenario["id"], variant, client, s) for s in servers))
            output.print(table)


def _lookup(cells: dict[tuple[str, str, str, str], Any], scenario: str, variant: str, client: str, server: str) -> Text:
    cell = cells.get((scenario, variant, client, server))
    return cell_text(cell) if cell else Text("—", style="dim")


def print_summary(document: dict[str, Any], path: str) -> None:
    totals = document["totals"]
    run = document["run"]
    parts = [f"{count} {status}" for status, count in sorted(totals["cells"].items())]
    say(
        f"{len(document['cells'])} cells ({', '.join(parts)}), {totals['cases']} cases in "
        f"{run['seconds']:.1f} s; {totals['varies']} cells vary → {path}"
    )
    for environment in document["environments"]:
        if environment["status"] != "available":
            say(f"unavailable: websockets {environment['version']}: {environment['reason']}")
