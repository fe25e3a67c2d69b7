"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright).

It loads from disk, shows a known cell's outcome, opens a cell's detail on
click, hides cells with a filter, and shows an exception message containing
``<script>`` as text. A screenshot of the opened detail is saved as
reports/dashboard-test.png (the README's reports/dashboard.png is of a real run).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.test_reports import SCRIPT, document
from tests.test_reports import cell as reports_cell
from wsconform.rendering import reports

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it; CI never skips)",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("dashboard") / "index.html"
    path.write_text(reports.dashboard_html(document(), None), encoding="utf-8")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(path.as_uri())
        page.dialogs = dialogs
        yield page
        browser.close()


def test_a_known_cell_shows_its_outcome(page):
    cells = page.locator("td.cell")
    assert cells.count() == 2
    assert cells.nth(0).inner_text().strip() == "InvalidMessage ← EOFError"
    assert "grade-non-strict" in cells.nth(1).get_attribute("class")


def test_clicking_a_cell_opens_its_detail_and_script_text_stays_text(page):
    page.locator("td.cell").nth(0).click()
    detail = page.locator("#detail")
    assert detail.is_visible()
    assert "handshake-non-ready · accept-close" in detail.inner_text()
    exception = detail.locator(".exception").first
    assert SCRIPT in exception.inner_text()  # shown as text…
    assert page.dialogs == []  # …never run
    assert page.locator("#detail script").count() == 0
    PROJECT.joinpath("reports").mkdir(exist_ok=True)
    page.screenshot(path=str(PROJECT / "reports" / "dashboard-test.png"), full_page=False)
    page.locator("#detail-close").click()
    assert not detail.is_visible()


def test_a_detail_links_only_http_and_shows_other_links_as_text(page, tmp_path):
    hostile = document()
    hostile["scenarios"][0]["links"].append("javascript:alert(1)")
    path = tmp_path / "index.html"
    path.write_text(reports.dashboard_html(hostile, None), encoding="utf-8")
    original = page.url.split("#")[0]
    page.goto(path.as_uri() + "#handshake-non-ready/accept-close/10.4/fault")
    detail = page.locator("#detail")
    assert "javascript:alert(1)" in detail.inner_text()  # shown…
    hrefs = detail.locator("a").evaluate_all("anchors => anchors.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://github.com/python-websockets/websockets/issues/1547"]  # …never linked
    page.goto(original)


def test_a_filter_hides_cells(page):
    cells = page.locator("td.cell")
    page.select_option("#filter-scenario", "handshake-non-ready")
    assert page.locator("section.scenario").first.is_visible()
    page.check("#filter-varies")
    assert all(cells.nth(i).evaluate("e => e.style.visibility") == "hidden" for i in range(cells.count()))
    page.uncheck("#filter-varies")
    assert cells.nth(0).evaluate("e => e.style.visibility") == ""


def test_a_deep_link_opens_one_cells_detail(page):
    page.goto(page.url.split("#")[0] + "#handshake-non-ready/accept-close/14.2/fault")
    detail = page.locator("#detail")
    assert detail.is_visible()
    assert "14.2/default/py3.13 → fault" in detail.inner_text()
    page.locator("#detail-close").click()
    page.locator("td.cell").nth(0).click()  # clicking a cell puts its link in the address bar
    assert page.url.endswith("#handshake-non-ready/accept-close/10.4/fault")
    page.locator("#detail-close").click()


def test_the_front_page_counts_per_pair_and_lists_its_cells(page):
    pairs = page.locator("td.pair")
    assert pairs.count() == 4  # 10.4 and 14.2 on both axes; the fault server is no column
    page.locator("td.pair").nth(0).click()
    assert "10.4/default → " in page.locator("#detail").inner_text()
    page.locator("#detail-close").click()


def test_a_peer_that_does_not_exist_is_no_row_or_column():
    missing = document()
    missing["peers"].append(
        {
            "id": "8.1/asyncio",
            "version": "8.1",
            "implementation": "asyncio",
            "status": "unsupported",
            "resolves_to": None,
        }
    )
    missing["clients"].append("8.1/asyncio")
    missing["servers"].append("8.1/asyncio")
    html = reports.dashboard_html(missing, None)
    assert "8.1/asyncio" not in html.split("<main>", 1)[1].split("<aside", 1)[0]


def full_size_document() -> dict:
    """A dashboard's worth of the ``--impls all`` matrix of the three founding
    scenarios: 22 peers on each axis, 6,776 cells, two sides of ten steps each."""
    full = document()
    peers = [
        f"{version}/{implementation}/py3.13"
        for version in ("8.1", "10.4", "13.1", "14.0", "14.2", "17.4")
        for implementation in ("default", "legacy", "asyncio", "sync")
    ][:22]
    full["peers"] = [
        {
            "id": peer,
            "version": peer.split("/")[0],
            "implementation": peer.split("/")[1],
            "status": "available",
            "resolves_to": None,
        }
        for peer in peers
    ]
    full["clients"] = full["servers"] = peers
    variants = [f"variant-{number}" for number in range(14)]
    full["scenarios"] = [
        {"id": name, "question": "?", "servers": "peer", "variants": [{"name": v} for v in variants], "links": []}
        for name in ("send-then-close",)
    ]
    steps = [
        {
            "step": "recv",
            "args": {"n": n},
            "elapsed": 0.001 * n,
            "result": {
                "kind": "exception",
                "exception": {
                    "class": "websockets.exceptions.ConnectionClosedOK",
                    "str": f"received 1000 (OK); then sent 1000 (OK) {n}",
                },
            },
        }
        for n in range(10)
    ]
    template = reports_cell("send-then-close", variants[0], peers[0], peers[1], "3/3 msgs", {"kind": "value"})
    template["outcomes"][0]["example"] = {"client": {"steps": steps}, "server": {"steps": steps}}
    full["cells"] = [
        dict(template, variant=variant, client=client, server=server)
        for variant in variants
        for client in peers
        for server in peers
    ]
    return full


def test_a_full_size_dashboard_opens_and_its_cells_open_their_detail(page, tmp_path):
    # How fast it opens is a benchmark's claim (nox -s bench_dashboard), not this test's.
    path = tmp_path / "index.html"
    path.write_text(reports.dashboard_html(full_size_document(), None), encoding="utf-8")
    original = page.url.split("#")[0]
    page.goto(path.as_uri(), wait_until="load")
    assert page.locator("td.cell").count() == 22 * 22 * 14
    page.locator("td.cell").nth(3000).click()
    assert "send-then-close" in page.locator("#detail h2").inner_text()
    page.goto(original)
