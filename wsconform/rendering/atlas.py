"""The atlas site: a run of many releases against many, browsable at that size.

One HTML file would hold every cell's evidence (82 MB for 32 releases), so
the site is a small front page and data files fetched on demand:

``index.html``
    the client × server grid of every release, each pair summarized (see
    :mod:`wsconform.model.atlas`), the releases' own deviations counted in
    the headers; no cell's evidence. It paints before any script runs.
``atlas-data/pN.js``
    one pair's cells with their evidence, and why each is or is not
    specific to the pair;
``atlas-data/rN.js``
    one release's own cells (against itself, against the fault servers);
``atlas-data/sN.js``
    one scenario's grids: every pair's answer as a code, with the change
    points of :mod:`wsconform.model.changes` as borders.

A data file is a script that hands its name and its JSON, gzip-compressed
and base64-encoded, to ``wsconformAtlas(name, data)``: a script element
loads it from a web server and from a local directory alike (``fetch`` of a
``file:`` URL is refused by browsers), and the browser inflates it
(``DecompressionStream``). Files are named by number, never by anything a run
recorded; base64 cannot close a script element. Everything recorded is shown
through text nodes, as on the dashboard.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from typing import Any

from wsconform.core.schema import ResultsDocument, ScenarioRecord
from wsconform.core.vocabulary import CellStatus
from wsconform.model import atlas as atlas_model
from wsconform.model import changes
from wsconform.model.atlas import Atlas, AttributedCell, Attribution
from wsconform.model.reference import Drift, counts
from wsconform.model.upgrade import labels_text
from wsconform.rendering.reports import (
    TEMPLATES,
    DetailData,
    deep_link,
    grid_layouts,
    grid_position,
    letters,
    link_names,
)

#: Where the data files go, relative to ``index.html``.
DATA = "atlas-data"


def data_file(name: str, value: Any) -> str:
    """A data file's text: ``wsconformAtlas("p12", "<base64 of gzip of JSON>");``."""
    # ASCII: a lone surrogate a peer recorded stays an escape, valid JSON.
    raw = json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    packed = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")
    return f'wsconformAtlas("{name}","{packed}");\n'


def read_data_file(text: str) -> Any:
    """The JSON a data file holds (for tests and tools)."""
    packed = text.split('","', 1)[1].rsplit('"', 1)[0]
    return json.loads(gzip.decompress(base64.b64decode(packed)))


def site(document: ResultsDocument, drifts: list[Drift] | None) -> dict[str, str]:
    """Every file of the atlas site, by path relative to its directory."""
    built = atlas_model.build(document, drifts)
    names = link_names([peer["id"] for peer in document["peers"]])
    files: dict[str, str] = {}
    pair_files: dict[str, str] = {}
    for number, ((client, server), items) in enumerate(sorted(built.pair_cells.items())):
        name = f"p{number}"
        pair_files[f"{names[client]}/{names[server]}"] = name
        files[f"{DATA}/{name}.js"] = data_file(name, _cells_file(document, built, items, names, client, server))
    release_files: dict[str, str] = {}
    for number, (peer, items) in enumerate(sorted(built.own_cells.items())):
        name = f"r{number}"
        release_files[names[peer]] = name
        files[f"{DATA}/{name}.js"] = data_file(name, _cells_file(document, built, items, names, peer, peer))
    scenario_files: dict[str, str] = {}
    points = _change_points(document)
    version_names = _version_names(document, names)
    by_scenario: dict[str, list[AttributedCell]] = {}
    for item in built.cells:
        by_scenario.setdefault(item.cell["scenario"], []).append(item)
    for number, scenario in enumerate(document["scenarios"]):
        name = f"s{number}"
        scenario_files[scenario["id"]] = name
        grids = _scenario_file(scenario, built, by_scenario.get(scenario["id"], []), names, version_names, points)
        files[f"{DATA}/{name}.js"] = data_file(name, grids)
    index = {
        "pairs": pair_files,
        "releases": release_files,
        "scenarios": scenario_files,
        "data": DATA,
    }
    files["index.html"] = TEMPLATES.get_template("atlas.html.j2").render(
        document=document,
        atlas=built,
        names=names,
        rows=_front_rows(built, names),
        totals=atlas_model.totals(built),
        drift_counts=counts(drifts) if drifts is not None else None,
        first_last=_first_last(document),
        index=index,
    )
    return files


def _first_last(document: ResultsDocument) -> str:
    found = changes.releases_of(document)
    return f"{found[0]} … {found[-1]}" if found else ""


def _front_rows(built: Atlas, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for client in built.clients:
        row = []
        for server in built.servers:
            pair = built.pairs[(client, server)]
            specific = sum(pair.specific.values())
            parts = [f"{names[client]} → {names[server]}: {pair.cells} cells"]
            if pair.failed:
                parts.append(f"{pair.failed} failed")
            if specific:
                detail = ", ".join(f"{count} {grade}" for grade, count in sorted(pair.specific.items()))
                parts.append(f"{specific} specific to the pair ({detail})")
            explained = sum(pair.explained.values())
            if explained:
                parts.append(f"{explained} as the releases on their own")
            if pair.new:
                parts.append(f"{pair.new} new (never measured before)")
            if pair.differs:
                parts.append(f"{pair.differs} differ from the previous run")
            row.append(
                {
                    "link": f"pair:{names[client]}/{names[server]}",
                    "worst": pair.worst,
                    "failed": pair.failed,
                    "specific": specific,
                    "own": client == server,
                    "new": pair.new,
                    "differs": pair.differs,
                    "title": " · ".join(parts),
                }
            )
        rows.append({"name": names[client], "own": built.own[client], "pairs": row})
    return rows


def _cells_file(
    document: ResultsDocument,
    built: Atlas,
    items: Iterable[AttributedCell],
    names: dict[str, str],
    client: str,
    server: str,
) -> dict[str, Any]:
    """A pair's (or a release's own) cells with their evidence."""
    scenarios = {scenario["id"]: scenario for scenario in document["scenarios"]}
    data = DetailData()
    cells = []
    for item in items:
        cell = item.cell
        link = deep_link(cell, names)
        number = data.add(scenarios[cell["scenario"]], cell, None, link)
        own = {}
        if item.attribution not in (Attribution.OWN, Attribution.UNMEASURED):
            for role, other in (("client", item.client_own), ("server", item.server_own)):
                own[role] = labels_text(other) if other is not None else "not run"
        cells.append(
            {
                "link": link,
                "scenario": cell["scenario"],
                "variant": cell["variant"],
                "server": names.get(cell["server"], cell["server"]),
                "attribution": str(item.attribution),
                "grade": item.grade,
                "failed": item.failed,
                "text": labels_text(cell),
                "drift": item.drift,
                "drift_line": item.drift_line,
                "own": own,
                "detail": number,
            }
        )
    summary = built.own.get(client)
    return {
        "client": names[client],
        "server": names[server],
        "available": summary.available if summary is not None else True,
        "reason": summary.reason if summary is not None else "",
        "cells": cells,
        **data.describe(),
    }


def _version_names(document: ResultsDocument, names: dict[str, str]) -> dict[str, str]:
    """Release → the name of its one peer (change points name releases);
    a release with several peers (implementations) gets no borders."""
    peers: dict[str, list[str]] = {}
    for peer in document["peers"]:
        peers.setdefault(peer["version"], []).append(peer["id"])
    return {version: names[ids[0]] for version, ids in peers.items() if len(ids) == 1}


def _change_points(document: ResultsDocument) -> dict[tuple[str, str], list[changes.ChangePoint]]:
    found: dict[tuple[str, str], list[changes.ChangePoint]] = {}
    for point in changes.change_points(document):
        found.setdefault((point.scenario, point.variant), []).append(point)
    return found


def _scenario_file(
    scenario: ScenarioRecord,
    built: Atlas,
    items: list[AttributedCell],
    names: dict[str, str],
    version_names: dict[str, str],
    points: dict[tuple[str, str], list[changes.ChangePoint]],
) -> dict[str, Any]:
    """A scenario's grids: one per variant (client × server), or one of
    client × variant against the fault servers (or each release against
    itself); each cell an answer code, change points as borders."""
    cells = {(c.cell["variant"], c.cell["client"], c.cell["server"]): c for c in items}
    variants = [variant["name"] for variant in scenario["variants"]]
    grids = []
    for title, columns, variant in grid_layouts(scenario, list(built.servers)):
        codes: dict[str, str] = {}
        rows = []
        for client in built.clients:
            row: list[Any] = []
            for column in columns:
                item = cells.get(grid_position(scenario, variant, client, column))
                if item is None:
                    row.append(None)
                    continue
                labels = [o["label"] for o in item.cell["outcomes"]] or [
                    item.cell["status"] if item.cell["status"] != CellStatus.MEASURED else "—"
                ]
                row.append(
                    [
                        [codes.setdefault(label, letters(len(codes))) for label in labels],
                        item.grade,
                        item.drift,
                        names.get(item.cell["server"], item.cell["server"]),
                        item.cell["variant"],
                    ]
                )
            rows.append(row)
        row_names = [names[client] for client in built.clients]
        column_names = columns if variant is None else [names[server] for server in columns]
        borders: dict[str, list[list[int]]] = {"top": [], "left": []}
        lines = []
        shown = [variant] if variant is not None else variants
        wanted = [(name, point) for name in shown for point in points.get((scenario["id"], name), [])]
        for grid_variant, point in wanted:
            line = point.line()
            lines.append(line)
            if point.axis == changes.Axis.CLIENT:
                row_index = _index(row_names, version_names.get(point.after))
                column_index = _index(column_names, grid_variant if variant is None else version_names.get(point.fixed))
                if row_index is not None and column_index is not None:
                    borders["top"].append([row_index, column_index])
            else:
                row_index = _index(row_names, version_names.get(point.fixed))
                column_index = _index(column_names, version_names.get(point.after))
                if row_index is not None and column_index is not None:
                    borders["left"].append([row_index, column_index])
        grids.append(
            {
                "title": title,
                "variant": variant,
                "rows": row_names,
                "columns": column_names,
                "cells": rows,
                "legend": list(codes),
                "borders": borders,
                "changes": lines,
            }
        )
    return {"id": scenario["id"], "question": scenario["question"], "servers": scenario["servers"], "grids": grids}


def _index(values: list[str], value: str | None) -> int | None:
    return values.index(value) if value is not None and value in values else None


__all__ = ["DATA", "data_file", "read_data_file", "site"]
