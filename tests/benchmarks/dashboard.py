"""``nox -s bench_dashboard``: how fast a full-size dashboard opens in Chromium.

The dashboard of the ``--impls all`` matrix of the three founding scenarios
(22 peers per axis, 6,776 cells; :func:`tests.test_dashboard_browser.full_size_document`)
is written to a temporary file and opened in Debian's chromium three times;
the load times come from the browser (Navigation Timing). The claim: it opens
in under 3 seconds. Exit 1 when it does not.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.test_dashboard_browser import CHROMIUM, FLAGS, full_size_document
from wsconform.rendering import reports

#: The claim this benchmark checks.
LIMIT = 3.0
ROUNDS = 3


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "index.html"
        path.write_text(reports.dashboard_html(full_size_document(), None), encoding="utf-8")
        times = []
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for _ in range(ROUNDS):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(path.as_uri(), wait_until="load")
                times.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd / 1000"))
                page.close()
            browser.close()
        megabytes = path.stat().st_size / 1e6
    print(f"full-size dashboard: {megabytes:.1f} MB, loaded in {', '.join(f'{t:.2f}' for t in times)} s")
    if max(times) >= LIMIT:
        print(f"slower than {LIMIT} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
