"""Sessions: matrix, check, reference, upgrade, history, plan, atlas, merge, report, bench, bench_dashboard,
bench_atlas, tests, lint, docs, mutation.

Peer environments are not nox sessions: which peers exist is decided at run
time (versions resolved against PyPI), after nox has fixed its sessions. The
``matrix`` session runs the orchestrator, which builds them with uv — the
backend these sessions use — under ``.nox/peers/`` (``$WSCONFORM_ENVIRONMENTS``).
See wsconform/execution/environments.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import time

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

PYPROJECT = nox.project.load_toml("pyproject.toml")

#: The copy-paste caller of the reusable workflow, in the docs; and how it names that workflow.
EXAMPLE_CALLER = "docs/howto/example-caller.yml"
REUSABLE_WORKFLOW = "python-websockets-conformance/wsconform/.github/workflows/wsconform.yml@main"

#: The least share of mutants the unit tests must kill, per module.
MUTATION_SCORE = 0.90
DEPENDENCIES = PYPROJECT["project"]["dependencies"]


def install_orchestrator(session: nox.Session, *groups: str) -> None:
    """The orchestrator's dependencies, plus dependency groups from pyproject."""
    packages = list(DEPENDENCIES)
    for group in groups:
        packages += nox.project.dependency_groups(PYPROJECT, group)
    session.install(*packages)


def run_harness(session: nox.Session, *arguments: str, accept: tuple[int, ...] = (0,)) -> None:
    """Run ``python -m wsconform`` and exit with its own exit code.

    nox reports any failure as exit 1, and on Ctrl-C it kills its command
    after 0.3 s and exits 130; the harness's exit codes are a documented
    contract (see README) and an interrupted run needs time to save what it
    measured. So the harness runs here as a plain child: an ending signal
    that reaches nox is passed on to it, nox waits for it to finish, and
    exits with its code.
    """
    environment = dict(os.environ, **{k: v for k, v in session.env.items() if v is not None})
    environment["PATH"] = os.pathsep.join([session.bin, environment.get("PATH", "")])
    environment["VIRTUAL_ENV"] = session.virtualenv.location
    # This checkout keeps its peer environments beside nox's own (the tests
    # and CI share them); an installed tool uses the per-user cache.
    environment.setdefault("WSCONFORM_ENVIRONMENTS", os.path.abspath(os.path.join(".nox", "peers")))
    session.log("python -m wsconform " + " ".join(arguments))
    child = subprocess.Popen([os.path.join(session.bin, "python"), "-m", "wsconform", *arguments], env=environment)

    def forward(signum: int, frame: object) -> None:
        # A terminal's Ctrl-C reaches the child too; the harness counts a
        # repeated signal and goes on saving, so passing it on is harmless.
        child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if code not in accept:
        session.log(f"harness exited with code {code}")
        raise SystemExit(code)


@nox.session
def matrix(session: nox.Session) -> None:
    """Run the matrix: ``nox -s matrix -- --versions 12.0,15.0.1 --repeat 30``."""
    install_orchestrator(session)
    run_harness(session, "matrix", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark: cases per second and harness overhead per case, on a fixed subset."""
    install_orchestrator(session)
    run_harness(session, "bench", *session.posargs)


@nox.session
def bench_dashboard(session: nox.Session) -> None:
    """How fast a full-size dashboard opens in Debian's chromium (exit 1 past 3 s)."""
    install_orchestrator(session, "test")
    session.run("python", "-m", "tests.benchmarks.dashboard")


@nox.session
def bench_atlas(session: nox.Session) -> None:
    """How fast the atlas site opens and drills down in Debian's chromium
    (``-- reports/atlas/results.json --screenshots DIR``; exit 1 past 1 s)."""
    install_orchestrator(session, "test")
    session.run("python", "-m", "tests.benchmarks.atlas", *session.posargs)


@nox.session
def reference(session: nox.Session) -> None:
    """Regenerate reports/reference/ from a fresh run (or ``-- --results FILE``); review with git diff."""
    install_orchestrator(session)
    run_harness(session, "reference", *session.posargs)


@nox.session
def check(session: nox.Session) -> None:
    """Run the matrix (or ``-- --results FILE``) and compare with the reference: exit 1 on drift."""
    install_orchestrator(session)
    run_harness(session, "check", *session.posargs)


@nox.session
def upgrade(session: nox.Session) -> None:
    """What changes from one version to another: ``nox -s upgrade -- 10.4 14.2``."""
    install_orchestrator(session)
    run_harness(session, "upgrade", *session.posargs)


@nox.session
def history(session: nox.Session) -> None:
    """One scenario on every release in a range: ``nox -s history -- --scenarios send-then-close --from 13.0``."""
    install_orchestrator(session)
    run_harness(session, "history", *session.posargs)


@nox.session
def plan(session: nox.Session) -> None:
    """Resolve versions once for a sharded run: ``nox -s plan -- --shards 8 --output plan.json``."""
    install_orchestrator(session)
    run_harness(session, "plan", *session.posargs)


@nox.session
def atlas(session: nox.Session) -> None:
    """Every release against every release, as CI runs it: one plan, each
    shard as its own process one after another, then one merge, under
    reports/atlas/. ``nox -s atlas -- --since 14.0 --shards 4``. The previous
    atlas's results (kept as reports/atlas/previous.json) balance the shards,
    and this one is checked against them: what changed between the two."""
    install_orchestrator(session)
    parser = argparse.ArgumentParser(prog="nox -s atlas --")
    parser.add_argument("--since", default="8.1", help="the first release (default: 8.1)")
    parser.add_argument("--shards", type=int, default=8, help="how many shards (default: 8)")
    parser.add_argument("--repeat", default="10", help="repetitions per cell (default: 10)")
    options = parser.parse_args(session.posargs)
    root = os.path.join("reports", "atlas")
    previous = os.path.join(root, "previous.json")
    merged = os.path.join(root, "results.json")
    if os.path.exists(merged):
        os.makedirs(root, exist_ok=True)
        os.replace(merged, previous)
    plan_file = os.path.join(root, "plan.json")
    timings = ["--timings", previous] if os.path.exists(previous) else []
    run_harness(
        session,
        "plan",
        "--versions",
        "all",
        "--since",
        options.since,
        "--repeat",
        options.repeat,
        "--shards",
        str(options.shards),
        "--output",
        plan_file,
        *timings,
    )
    outputs = []
    costs = []
    for shard in range(1, options.shards + 1):
        output = os.path.join(root, f"shard-{shard}", "results.json")
        outputs.append(output)
        wall, cpu = time.monotonic(), _children_cpu()
        run_harness(
            session,
            "matrix",
            "--plan",
            plan_file,
            "--shard",
            f"{shard}/{options.shards}",
            "--no-tables",
            "--output",
            output,
            accept=(0, 4),  # 4: some releases cannot run (recorded as unavailable)
        )
        costs.append((time.monotonic() - wall, _children_cpu() - cpu))
        session.log(f"shard {shard}/{options.shards}: {costs[-1][0]:.1f} s wall, {costs[-1][1]:.1f} CPU-seconds")
    # What changed since the previous atlas: its results become the reference
    # this one is checked against (new releases are `new`; a published release
    # that answers otherwise drifted with its environment), and the atlas site
    # shows it. Without a previous atlas, nothing is compared (not the
    # committed reference of the default matrix: that is no atlas).
    before = os.path.join(root, "previous-reference")
    shutil.rmtree(before, ignore_errors=True)
    if os.path.exists(previous):
        run_harness(session, "reference", "--results", previous, "--reference", before, accept=(0, 3))
    else:
        session.log(f"no previous atlas ({previous}): this one is compared with nothing")
    layout = ("--layout", "atlas", "--reference", before)
    run_harness(session, "merge", *outputs, "--output", merged, *layout, accept=(0, 4))
    if os.path.exists(previous):
        run_harness(session, "check", "--results", merged, *layout, accept=(0, 1, 4))
    walls = [wall for wall, _ in costs]
    session.log(
        f"atlas: {sum(walls):.1f} s wall, {sum(cpu for _, cpu in costs):.1f} CPU-seconds in {len(costs)} shards; "
        f"slowest / fastest shard: {max(walls) / min(walls):.2f}"
    )


def _children_cpu() -> float:
    """CPU seconds of every finished child process of nox (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@nox.session
def merge(session: nox.Session) -> None:
    """Merge shard results: ``nox -s merge -- shard-*/results.json --output merged/results.json``."""
    install_orchestrator(session)
    run_harness(session, "merge", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Rewrite reports/summary.md and reports/index.html from reports/results.json."""
    install_orchestrator(session)
    run_harness(session, "report", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The project's own tests: unit tests, and end-to-end tests on real peers."""
    install_orchestrator(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing (mutmut) of the modules that decide verdicts: outcomes,
    reference, results. Prints the surviving mutants; ``mutmut show NAME``
    shows one. Configured in pyproject.toml ([tool.mutmut])."""
    install_orchestrator(session, "test", "mutation")
    session.run("mutmut", "run", *session.posargs)
    listing = session.run("mutmut", "results", "--all", "true", silent=True) or ""
    killed: dict[str, int] = {}
    total: dict[str, int] = {}
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if ".x" not in name:
            continue
        module = name.split(".x", 1)[0]
        total[module] = total.get(module, 0) + 1
        killed[module] = killed.get(module, 0) + (status == "killed")
    for module in sorted(total):
        score = killed[module] / total[module]
        session.log(f"{module}: {killed[module]}/{total[module]} mutants killed ({score:.1%})")
    if not total or any(killed[m] / total[m] < MUTATION_SCORE for m in total):
        session.error(f"mutation score below {MUTATION_SCORE:.0%} (see `mutmut results`)")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation (Sphinx), warnings as errors: ``nox -s docs [-- OUTPUT]``
    (default ``docs/_build/html``)."""
    install_orchestrator(session, "docs")
    output = session.posargs[0] if session.posargs else "docs/_build/html"
    session.run("sphinx-build", "--fail-on-warning", "--keep-going", "--quiet", "-b", "html", "docs", output)
    session.log(f"documentation: {output}/index.html")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy, the layers (import-linter), and the workflows (actionlint, GitHub's workflow schema): this
    repository's, the reusable one, and the documented caller of the reusable one."""
    install_orchestrator(session, "lint", "test")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", "wsconform", "harness", "tests", "noxfile.py")
    session.run("mypy")
    session.run("lint-imports")
    session.run("python", "-m", "wsconform.core.formats", "--check")
    workflows = [".github/workflows/conformance.yml", ".github/workflows/wsconform.yml", EXAMPLE_CALLER]
    session.run("actionlint", *workflows)
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    # The documented caller once more, calling the reusable workflow of this
    # checkout: actionlint then checks its inputs against the declared ones.
    local = os.path.join(".nox", "example-caller-local.yml")
    with open(EXAMPLE_CALLER, encoding="utf-8") as source, open(local, "w", encoding="utf-8") as copy:
        copy.write(source.read().replace(REUSABLE_WORKFLOW, "./.github/workflows/wsconform.yml"))
    session.run("actionlint", local)
