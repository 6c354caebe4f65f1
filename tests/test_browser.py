"""The site in a real browser: Debian's Chromium, headless, driven by Playwright, opening files from disk.

From the map, click the United Kingdom, see its reciprocal access agreement and the sentence that
backs it, follow the quote to its position in the source. Any console error, page error, failed or
network request, or an empty map fails the test; the negative cases below show that each of these
is caught. A screenshot of the UK page is kept in build/artifacts/.

Chromium comes from `make setup` (scripts/system-deps.sh); Playwright's own browser download is not
used. The flags keep Chromium off the network (nothing here needs it) and out of the sandbox, which
needs privileges a container does not grant.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "build" / "artifacts"
UK_QUOTE = "He signed a deal on mutual troop access with UK premier Rishi Sunak"
RAA_ANCHOR = "agreement-japan-uk-reciprocal-access-agreement"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile, closed (with its processes) after the module."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make setup` (scripts/system-deps.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


class Watched:
    """A page whose console errors, page errors and failed or network requests are recorded."""

    def __init__(self, browser) -> None:
        self.page = browser.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("request", lambda r: r.url.startswith(("file:", "data:"))
                     or self.problems.append(f"network request: {r.url}"))

    def open(self, path: Path) -> Watched:
        self.page.goto(path.resolve().as_uri())
        return self

    def map_problems(self) -> list[str]:
        """What is wrong with the map on this page: missing, invisible, or with nothing drawn."""
        svg = self.page.locator("#map svg")
        if svg.count() == 0:
            return ["no map on the page"]
        problems = []
        partners = self.page.locator("#map svg g.node.partner").count()
        lines = self.page.locator("#map svg g.edge.arrangement").count()
        if partners == 0 or lines == 0:
            problems.append(f"empty map: {partners} partners, {lines} arrangement lines")
        box = svg.bounding_box()
        if box is None or box["width"] < 200 or box["height"] < 200:
            problems.append(f"map not visible: {box}")
        if self.page.locator("#empty-map").count():
            problems.append("the page says the map is empty")
        return problems

    def close(self) -> None:
        self.page.close()


def test_from_the_map_to_the_uk_page_and_the_quote_in_its_source(browser, site, capsys):
    watched = Watched(browser).open(site / "index.html")
    page = watched.page
    assert watched.map_problems() == []
    assert page.locator("#map svg g.node.partner").count() == 7

    uk_node = page.locator("#map svg g#partner-state-united-kingdom a")
    assert uk_node.get_attribute("xlink:href") == "partners/state-united-kingdom.html"
    with page.expect_navigation():
        uk_node.click()
    assert page.url.endswith("/partners/state-united-kingdom.html")
    assert page.locator("h1").inner_text() == "United Kingdom"
    agreement = page.locator(f"article#{RAA_ANCHOR}")
    assert agreement.locator("h3").inner_text() == "Japan–UK Reciprocal Access Agreement"
    quote = agreement.locator("blockquote", has_text=UK_QUOTE)
    assert quote.is_visible()
    assert page.locator("#pledge .badge").inner_text() == "stated: no pledge"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "uk-page.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\n[browser] screenshot of the United Kingdom's page: {screenshot}")

    # the quote's position: the source page, scrolled to the passage
    with page.expect_navigation():
        agreement.locator("figure", has_text=UK_QUOTE).locator("a.position").click()
    assert "/sources/bloomberg-2023-01-japan-looks-beyond-us-alliance.html#c" in page.url
    target = page.locator("tr:target")
    assert UK_QUOTE in target.locator("td.quote").inner_text()
    assert target.is_visible()
    assert watched.problems == []
    watched.close()


def test_an_arrangement_line_on_the_map_leads_to_its_entry(browser, site):
    watched = Watched(browser).open(site / "index.html")
    page = watched.page
    label = page.locator(f"#map svg g#edge-{RAA_ANCHOR} a text").first
    assert "reciprocal access agreement" in label.text_content()
    with page.expect_navigation():
        label.click()
    assert page.url.endswith(f"/partners/state-united-kingdom.html#{RAA_ANCHOR}")
    assert page.locator("article:target h3").inner_text() == "Japan–UK Reciprocal Access Agreement"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto((site / "index.html").resolve().as_uri())
    page.locator("#map").screenshot(path=str(ARTIFACTS / "map.png"))
    assert watched.problems == []
    watched.close()


def test_every_page_opens_without_errors(browser, site):
    watched = Watched(browser)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        watched.open(path)
        assert watched.page.locator("h1, h2").count() > 0, path
    assert watched.problems == []
    watched.close()


# ------------------------------------------------------------------------------------------ it can fail


def test_a_site_from_a_graph_without_arrangements_is_an_empty_map(browser, empty_graph_build, tmp_path):
    from kg.publish.site import generate_site

    out = generate_site(empty_graph_build, tmp_path / "site").out_dir
    watched = Watched(browser).open(out / "index.html")
    problems = watched.map_problems()
    assert any(p.startswith("empty map: 0 partners, 0 arrangement lines") for p in problems), problems
    assert "the page says the map is empty" in problems
    watched.close()


def test_errors_on_a_page_are_caught(browser, site, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    index = broken / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "</main>", "<script>undefinedFunction();</script>"
                   '<img src="https://example.invalid/tracker.png" alt=""></main>'), encoding="utf-8")
    (broken / "assets" / "site.css").unlink()
    watched = Watched(browser).open(index)
    watched.page.wait_for_load_state("load")
    text = "\n".join(watched.problems)
    assert "page error" in text and "undefinedFunction" in text
    assert "site.css" in text  # the missing stylesheet
    assert "network request: https://example.invalid/tracker.png" in text
    watched.close()
