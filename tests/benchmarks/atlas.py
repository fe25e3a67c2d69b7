"""``nox -s bench_atlas``: how fast the atlas site opens and drills down in Chromium.

The site is written from an atlas's results (default
``reports/atlas/results.json``, as ``nox -s atlas`` leaves it; ``-- PATH``
for another) into a temporary directory, then opened from disk in Debian's
chromium three times. Times come from the browser: the front page's first
contentful paint (Paint Timing) and load (Navigation Timing); from a click
to the opened view (``performance.now()`` until the page says it is shown)
for a pair, one of its cells' evidence, and a scenario's grids. The claims:
first paint under 1 s, every drill-down under 1 s. Exit 1 when one does not
hold. ``--screenshots DIR`` keeps a screenshot of each view.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.test_dashboard_browser import CHROMIUM, FLAGS
from wsconform.execution import outputs
from wsconform.model import results
from wsconform.rendering import atlas

#: The claims this benchmark checks, in seconds.
FIRST_PAINT = 1.0
DRILL_DOWN = 1.0
ROUNDS = 3

PAINT = """() => new Promise(resolve => new PerformanceObserver((list, observer) => {
  const entry = list.getEntriesByName('first-contentful-paint')[0];
  if (entry) { observer.disconnect(); resolve(entry.startTime); }
}).observe({type: 'paint', buffered: true}))"""


def timed(page: Page, action: object, shown: str) -> float:
    """Seconds from ``action`` (a callable) to the page showing ``shown``."""
    start = page.evaluate("performance.now()")
    action()  # type: ignore[operator]
    page.wait_for_function("wanted => document.body.dataset.shown === wanted", arg=shown)
    return float(page.evaluate("performance.now()") - start) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(prog="nox -s bench_atlas --")
    parser.add_argument("results", nargs="?", type=Path, default=Path("reports/atlas/results.json"))
    parser.add_argument("--pair", default="14.0/8.1", help="the pair to open (default: 14.0/8.1)")
    parser.add_argument("--scenario", default="send-then-close", help="the scenario to open")
    parser.add_argument("--screenshots", type=Path, help="keep a screenshot of each view here")
    options = parser.parse_args()
    start = time.monotonic()
    document = results.load(options.results)
    loaded = time.monotonic()
    files = atlas.site(document, None)
    built = time.monotonic()
    rows: dict[str, list[float]] = {"first paint": [], "load": [], "pair": [], "cell": [], "scenario": []}
    with tempfile.TemporaryDirectory() as directory:
        outputs.write_site(Path(directory), files)
        page_size = (Path(directory) / "index.html").stat().st_size
        data = [path.stat().st_size for path in (Path(directory) / atlas.DATA).iterdir()]
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for round_ in range(ROUNDS):
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto((Path(directory) / "index.html").as_uri(), wait_until="load")
                rows["first paint"].append(page.evaluate(PAINT) / 1000)
                rows["load"].append(
                    page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd / 1000")
                )
                pair = f"pair:{options.pair}"
                rows["pair"].append(timed(page, page.locator(f'a[href="#{pair}"]').click, pair))
                first = page.locator("#detail li a").first
                link = (first.get_attribute("href") or "#")[1:]
                if round_ == 0 and options.screenshots:
                    options.screenshots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(options.screenshots / "atlas-pair.png"))
                rows["cell"].append(timed(page, first.click, link))
                if round_ == 0 and options.screenshots:
                    page.screenshot(path=str(options.screenshots / "atlas-cell.png"))
                scenario = f"scenario:{options.scenario}"
                choose = functools.partial(page.select_option, "#scenario-filter", options.scenario)
                rows["scenario"].append(timed(page, choose, scenario))
                if round_ == 0 and options.screenshots:
                    page.screenshot(path=str(options.screenshots / "atlas-scenario.png"))
                    page.goto((Path(directory) / "index.html").as_uri())
                    page.screenshot(path=str(options.screenshots / "atlas-front.png"))
                page.close()
            browser.close()
    print(
        f"atlas site of {len(document['cells']):,} cells: results read in {loaded - start:.1f} s, "
        f"site built in {built - loaded:.1f} s; front page {page_size / 1e3:.0f} kB, "
        f"{len(data)} data files, {sum(data) / 1e6:.1f} MB (largest {max(data) / 1e3:.0f} kB)"
    )
    for what, times in rows.items():
        print(
            f"{what:12} {', '.join(f'{t * 1000:.0f}' for t in times)} ms (median {statistics.median(times) * 1000:.0f})"
        )
    print(json.dumps({what: max(times) for what, times in rows.items()}))
    slow = [what for what in ("pair", "cell", "scenario") if max(rows[what]) >= DRILL_DOWN]
    if max(rows["first paint"]) >= FIRST_PAINT or slow:
        print(f"slower than claimed: first paint under {FIRST_PAINT} s, drill-downs under {DRILL_DOWN} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
