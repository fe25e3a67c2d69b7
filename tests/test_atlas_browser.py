"""The atlas site in a real headless browser (Debian's chromium, Playwright),
loaded from disk as a user opens a downloaded artifact: the grid paints,
a pair opens its cells failures first, a cell its evidence, a scenario its
grids with change points as borders; deep links work on a fresh page; a
recorded ``<script>`` stays text; a missing data file is one message.
"""

from __future__ import annotations

import pytest

from tests.atlas_document import ODD, atlas_document, previous_of
from tests.test_dashboard_browser import CHROMIUM, FLAGS, playwright
from tests.test_dashboard_browser import pytestmark as needs_chromium
from wsconform.execution import outputs
from wsconform.model.reference import build, compare
from wsconform.rendering import atlas

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("atlas")
    document = atlas_document()
    outputs.write_site(directory, atlas.site(document, compare(document, build(previous_of(document)))))
    return directory


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.dialogs = []
    page.errors = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto((site / "index.html").as_uri())
    yield page
    assert page.dialogs == [] and page.errors == []
    page.close()


def shown(page, hash_):
    page.wait_for_function("wanted => document.body.dataset.shown === wanted", arg=hash_)


def test_the_front_page_is_every_client_against_every_server(page):
    assert page.locator("td.pair").count() == 9
    failing = page.locator('td.pair:has(a[href="#pair:8.1/14.2"])')
    assert failing.inner_text() == "✗1" and "worst-failed" in failing.get_attribute("class")
    assert page.locator('tr:not(:first-child) th:has(a[href="#release:8.1"])').inner_text() == "8.1⚑1"


def test_a_pair_opens_its_cells_failures_first_then_what_is_specific(page):
    page.locator('a[href="#pair:8.1/14.2"]').click()
    shown(page, "pair:8.1/14.2")
    headings = page.locator("#detail h3").all_inner_texts()
    assert headings[0] == "Failed (1)"
    assert "8.1 against itself: old-server" in page.locator("#detail li").first.inner_text()


def test_a_cell_opens_its_evidence_and_recorded_markup_stays_text(page):
    page.goto(page.url.split("#")[0] + "#pair:14.2/10.4")
    shown(page, "pair:14.2/10.4")
    assert page.locator("#detail h3").all_inner_texts() == ["Specific to this pair (1)"]
    page.locator("#detail li a").first.click()
    shown(page, "echo/v/14.2/10.4")
    text = page.locator("#detail").inner_text()
    assert ODD in text and "Whose behaviour: specific to this pair" in text
    assert page.locator("#detail script").count() == 0
    assert page.locator("#scenario-view").is_visible()  # the scenario's grids behind it


def test_a_scenario_shows_its_grids_with_change_points_as_borders(page):
    page.select_option("#scenario-filter", "handshake-non-ready")
    shown(page, "scenario:handshake-non-ready")
    assert not page.locator("#front").is_visible()
    cells = page.locator("#scenario-view td.cell")
    assert cells.all_inner_texts() == ["A", "A", "B"]
    assert [("border-top" in cells.nth(i).get_attribute("class")) for i in range(3)] == [False, False, True]
    widths = cells.evaluate_all("cells => cells.map(cell => getComputedStyle(cell).borderTopWidth)")
    assert widths[2] == "3px" and widths[1] != "3px"  # drawn, not only named
    cells.nth(2).click()
    shown(page, "handshake-non-ready/accept-close/14.2/fault")
    assert "← 14.2 on its own" in page.locator("#detail").inner_text()
    page.select_option("#scenario-filter", "")
    shown(page, "")
    assert page.locator("#front").is_visible()


def test_deep_links_work_on_a_fresh_page(page):
    base = page.url.split("#")[0]
    for hash_, text in (
        ("release:8.1", "Deviations: failed or non-strict (1)"),
        ("echo/v/10.4/8.1", "Whose behaviour: as the server against itself"),
        ("pair:10.4/8.1", "Answer otherwise than in the previous atlas (1)"),
    ):
        page.goto("about:blank")
        page.goto(base + "#" + hash_)
        shown(page, hash_)
        assert text in page.locator("#detail").inner_text()


@pytest.mark.parametrize("hash_", ["pair:9.0/9.0", "echo/v/8.1/99", "nothing", "scenario:nope"])
def test_a_link_to_nothing_says_so(page, hash_):
    page.goto(page.url.split("#")[0] + "#" + hash_)
    shown(page, hash_)
    assert page.locator("#detail h2").inner_text() == "Not found"


def test_a_missing_data_file_is_one_message(browser, tmp_path):
    document = atlas_document()
    outputs.write_site(tmp_path, atlas.site(document, None))
    for path in (tmp_path / atlas.DATA).glob("p*.js"):
        path.unlink()
    page = browser.new_page()
    page.goto((tmp_path / "index.html").as_uri() + "#pair:8.1/14.2")
    shown(page, "pair:8.1/14.2")
    assert "cannot load atlas-data/p" in page.locator("#detail").inner_text()
    page.close()
