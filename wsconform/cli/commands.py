"""The commands besides ``matrix``: reference, check, upgrade, history, report.

Each takes a frozen options object (built by :mod:`wsconform.cli.main`), reads a
results file or runs the matrix through :mod:`wsconform.execution.pipeline`, and returns
an exit code from :mod:`wsconform.core.exit_codes`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from wsconform.core import exit_codes
from wsconform.core.exit_codes import UsageError
from wsconform.core.files import write_text_atomically
from wsconform.core.schema import ResultsDocument
from wsconform.core.text import visible
from wsconform.execution import history, outputs, pipeline, plans
from wsconform.execution.pipeline import REFERENCE, MatrixOptions, run_matrix
from wsconform.model import changes as changes_module
from wsconform.model import merge as merge_module
from wsconform.model import reference, results, timeline, versions
from wsconform.model import shards as shards_module
from wsconform.model import upgrade as upgrade_module
from wsconform.rendering import display, reports


@dataclass(frozen=True)
class Source:
    """Where a command's results come from: a file, or a fresh matrix run."""

    matrix: MatrixOptions
    #: Read this results file instead of running the matrix.
    results: Path | None = None

    @property
    def directory(self) -> Path:
        """Where reports about these results are written: beside them."""
        return (self.results or self.matrix.output).parent


async def results_for(source: Source) -> tuple[ResultsDocument, int]:
    """The results document, and the exit code of the run that made it."""
    if source.results is not None:
        document = results.load(source.results)
        return document, results.exit_code_for(document)
    run = await run_matrix(source.matrix)
    return run.document, run.exit_code


async def make_reference(source: Source, directory: Path = REFERENCE, exact_python: bool = False) -> int:
    """``nox -s reference``: regenerate the reference from a complete run.

    The reference being replaced is not read: it may be of an older schema,
    and the new one must be the run's observations alone."""
    source = dataclasses.replace(source, matrix=dataclasses.replace(source.matrix, reference=None))
    document, code = await results_for(source)
    if code == exit_codes.INCOMPLETE:
        display.say("error: the run is incomplete or has harness errors; the reference was not changed")
        return exit_codes.INCOMPLETE
    written = reference.save(directory, reference.build(document, exact_python))
    display.say(f"reference: {len(written)} files in {directory}; review with `git diff {directory}`")
    return exit_codes.SUCCESS


async def check(source: Source, directory: Path = REFERENCE, strict: bool = False, exact_python: bool = False) -> int:
    """``nox -s check``: compare a run with the reference; the exit code says."""
    references = reference.load(directory)
    if source.results is None:
        # The run writes its reports against this same reference (and says
        # so in its exit code when it cannot): they are not written twice.
        source = dataclasses.replace(source, matrix=dataclasses.replace(source.matrix, reference=directory))
    document, code = await results_for(source)
    for line in reference.interpreters_differ(document, references):
        display.say(f"note: interpreter differs from the reference's: {line}")
    drifts = reference.compare(document, references, exact_python)
    layout = source.matrix.layout
    if source.results is not None and not outputs.write_or_say(document, source.directory, references, None, layout)[0]:
        code = exit_codes.INCOMPLETE
    tally = reference.counts(drifts)
    for drift in drifts:
        if drift.verdict != reference.Verdict.SAME:
            display.say(drift.line())
    display.say("drift: " + ", ".join(f"{count} {verdict}" for verdict, count in tally.items() if count))
    result = check_exit_code(code, document, tally, strict)
    display.say(f"exit {result}: {exit_codes.DESCRIPTIONS[result]}")
    return result


def check_exit_code(
    run_code: int, document: ResultsDocument, tally: dict[reference.Verdict, int], strict: bool = False
) -> int:
    """An incomplete run before drift before cells that could not be compared;
    ``strict`` counts answers never seen in the reference as drift."""
    if run_code == exit_codes.INCOMPLETE or not document["run"]["complete"]:
        return exit_codes.INCOMPLETE
    drifted = reference.DRIFTED + ((reference.Verdict.NEW_OUTCOME,) if strict else ())
    if any(tally[verdict] for verdict in drifted):
        return exit_codes.DRIFT
    if tally[reference.Verdict.NOT_COMPARED]:
        return exit_codes.INCOMPLETE
    return exit_codes.SUCCESS


@dataclass(frozen=True)
class Upgrade:
    """``nox -s upgrade -- FROM TO``."""

    before: str
    after: str
    implementation: str = "default"
    #: Other versions still run, as counterparts.
    against: tuple[str, ...] = ()
    #: Find the release between FROM and TO that introduced each change.
    bisect: bool = True

    @property
    def stem(self) -> str:
        """``upgrade-FROM-to-TO``: the report's name, and its run's directory."""
        return f"upgrade-{self.before}-to-{self.after}"


async def upgrade(source: Source, request: Upgrade) -> int:
    """Write ``upgrade-FROM-to-TO.md`` and ``.html``: beside ``--results``, or
    beside the directory of the run made for the question (its results,
    dashboard, summary and bisection runs stay in ``upgrade-FROM-to-TO/``)."""
    if source.results is None:
        # Run exactly the versions the question is about, on both axes.
        wanted = tuple(dict.fromkeys((request.before, request.after, *request.against)))
        source = dataclasses.replace(
            source,
            matrix=dataclasses.replace(
                source.matrix, clients=wanted, servers=wanted, implementations=(request.implementation,)
            ),
        )
    document, code = await results_for(source)
    report = upgrade_module.compare(document, request.before, request.after, request.implementation)
    own_run = source.results is None and source.matrix.output.parent.name == request.stem
    stem = (source.directory.parent if own_run else source.directory) / request.stem
    if request.bisect and report.changes:
        releases = versions.fetch_releases(source.matrix.environments / "releases.json")
        work = stem if own_run else source.directory / request.stem
        probing = dataclasses.replace(source.matrix, implementations=(request.implementation,))
        report = await history.bisect(report, document, probing, releases, work)
    write_text_atomically(stem.with_name(stem.name + ".md"), reports.upgrade_markdown(report, document))
    write_text_atomically(stem.with_name(stem.name + ".html"), reports.upgrade_html(report, document))
    for version, reason in report.unavailable:
        display.say(visible(f"nothing could be compared: websockets {version} cannot run here: {reason}"))
    counts = ", ".join(f"{report.count(severity)} {severity.heading.lower()}" for severity in upgrade_module.Severity)
    display.say(f"{counts} → {stem}.md / .html")
    return code


@dataclass(frozen=True)
class History:
    """``nox -s history -- --scenarios ID [--from V] [--to V] [--against V]``."""

    scenarios: tuple[str, ...]
    first: str
    last: str
    against: str | None = None
    implementation: str = "default"

    @property
    def stem(self) -> str:
        """``history-ID``: the page's name, and its run's directory."""
        return "history-" + "-".join(self.scenarios)


async def history_command(options: MatrixOptions, request: History) -> int:
    """Each scenario on every release from ``first`` to ``last``: a timeline
    per variant in the terminal, and ``history-ID.html`` beside the run's
    directory (by default ``reports/history-ID.html`` and ``reports/history-ID/``)."""
    releases = versions.fetch_releases(options.environments / "releases.json")
    first, last = (versions.resolve(selector, releases) for selector in (request.first, request.last))
    span = timeline.releases_in(releases, first, last)
    if not span:
        raise UsageError(f"no release from {first} to {last}")
    against = versions.resolve(request.against, releases) if request.against else None
    scenarios = pipeline.load_scenarios(request.scenarios, options.scenario_directories)
    display.say(f"{len(span)} releases: {', '.join(span)}" + (f"; against {against}" if against else ""))
    targets = [t for loaded in scenarios.values() for t in timeline.history_targets(loaded, span, against)]
    base = dataclasses.replace(options, implementations=(request.implementation,))
    document = await history.targeted_run(base, targets, options.output)
    found = [line for loaded in scenarios.values() for line in timeline.timelines(document, loaded, span, against)]
    display.print_timelines(found)
    own_run = options.output.parent.name == request.stem
    page = (options.output.parent.parent if own_run else options.output.parent) / f"{request.stem}.html"
    write_text_atomically(page, reports.history_html(found, document, span, request.implementation))
    display.say(f"history: {page}")
    return results.exit_code_for(document)


def plan(options: MatrixOptions, shards: int, path: Path, timings_from: Path | None = None) -> int:
    """``nox -s plan``: resolve the versions once, write the plan file."""
    scenarios = tuple(
        pipeline.load_scenarios(
            options.scenarios or pipeline.discover_scenarios(options.scenario_directories, options.builtin_scenarios),
            options.scenario_directories,
        )
    )
    timings = shards_module.measured_timings(results.load(timings_from)) if timings_from is not None else None
    made = plans.make(options, scenarios, shards, timings)
    plans.save(path, made)
    timed = f" · timings of {len(made.get('timings', {}))} cells" if timings_from is not None else ""
    display.say(
        f"plan {made['id']}: clients {', '.join(made['clients'])} · servers {', '.join(made['servers'])} · "
        f"{len(made['scenarios'])} scenarios · {shards} shard{'s' if shards > 1 else ''}{timed} → {path}"
    )
    return exit_codes.SUCCESS


def merge(
    inputs: list[Path],
    output: Path,
    reference_directory: Path | None = REFERENCE,
    junit_path: Path | None = None,
    layout: outputs.Layout = outputs.Layout.AUTO,
) -> int:
    """``nox -s merge``: the shards of one run → one results file and its reports."""
    documents = merge_module.load_all(inputs)
    references = outputs.load_reference_if_any(reference_directory)
    document = merge_module.merge(inputs, documents)
    path = results.save(output, document)
    written, _ = outputs.write_or_say(document, output.parent, references, junit_path, layout)
    display.print_summary(document, str(path))
    code = results.exit_code_for(document) if written else exit_codes.INCOMPLETE
    display.say(f"exit {code}: {exit_codes.DESCRIPTIONS[code]}")
    return code


def changes(path: Path, scenarios: tuple[str, ...], axis: str | None, fixed: str | None) -> int:
    """``changes``: where behaviour changed along each axis of a run of many
    releases (the atlas), one line per change point."""
    document = results.load(path)
    known = {scenario["id"] for scenario in document["scenarios"]}
    unknown = [scenario for scenario in scenarios if scenario not in known]
    if unknown:
        raise UsageError(f"{path} has no scenario {', '.join(unknown)} (it has: {', '.join(sorted(known))})")
    found = [
        point
        for point in changes_module.change_points(document, scenarios)
        if (axis is None or point.axis == axis) and (fixed is None or point.fixed == fixed)
    ]
    for point in found:
        display.say(visible(point.line()))
    releases = changes_module.releases_of(document)
    display.say(f"{len(found)} change point{'s' if len(found) != 1 else ''} across {len(releases)} releases")
    return exit_codes.SUCCESS


def report(
    path: Path, reference_directory: Path | None = REFERENCE, layout: outputs.Layout = outputs.Layout.AUTO
) -> int:
    """``nox -s report``: rewrite summary.md and index.html from a results file."""
    document = results.load(path)
    outputs.write(document, path.parent, outputs.load_reference_if_any(reference_directory), layout)
    return results.exit_code_for(document)
