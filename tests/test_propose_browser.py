"""The review page of a draft in a real browser (Debian's Chromium, headless, driven by Playwright), like
the site: every proposal is a card, every quote is highlighted in the text, clicking a passage shows the
facts it supports and clicking a fact shows its words; no console error, page error or network request.
A negative case shows that a missing highlight is caught. A screenshot is kept in build/artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.cli import main

from .test_browser import ARTIFACTS, Watched, browser  # noqa: F401 - the browser fixture, shared with the site's test
from .test_propose import INVENTED


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> Path:
    texts = tmp_path_factory.mktemp("texts")
    (texts / "invented-new-zealand.txt").write_text(INVENTED, encoding="utf-8")
    out = tmp_path_factory.mktemp("drafts") / "invented-new-zealand"
    assert main(["propose", str(texts / "invented-new-zealand.txt"), "--source-id", out.name, "--out", str(out),
                 "--texts", str(texts), "--published", "2024-03-14", "--html"]) == 0
    return out


def page_problems(watched: Watched, facts: int) -> list[str]:
    """What is wrong with a review page: cards or highlights missing, or clicks that show nothing."""
    page = watched.page
    problems = list(watched.problems)
    cards = page.locator(".fact").count()
    if cards != facts:
        problems.append(f"{cards} fact cards for {facts} facts")
    marks = page.locator("#text mark")
    if marks.count() == 0:
        problems.append("no quote is highlighted in the text")
        return problems
    highlighted = set()
    for i in range(marks.count()):
        highlighted.update((marks.nth(i).get_attribute("data-facts") or "").split())
    missing = {page.locator(".fact").nth(i).get_attribute("data-fact") for i in range(cards)} - highlighted
    if missing:
        problems.append(f"facts whose quote is not highlighted: {sorted(missing)}")
    marks.first.click()
    if page.locator(".fact.active").count() == 0:
        problems.append("clicking a highlighted passage shows no fact")
    page.locator(".fact").last.click()
    if page.locator("#text mark.active").count() == 0:
        problems.append("clicking a fact shows none of its words")
    return problems


def test_review_page_in_the_browser(browser, draft):  # noqa: F811
    facts = len(re.findall(r"^- id: ", (draft / "facts.yaml").read_text(), re.MULTILINE))
    watched = Watched(browser).open(draft / "review.html")
    assert page_problems(watched, facts) == []
    assert watched.page.locator("#count").inner_text() == str(facts)
    assert "proposed" in watched.page.locator(".fact").first.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / "review-page.png"), full_page=True)


def test_accepted_facts_show_as_accepted(browser, draft):  # noqa: F811
    assert main(["accept", str(draft), "--all"]) == 0
    texts = draft.parent.parent / "texts"
    assert main(["review", str(draft), "--texts", str(next(texts.parent.glob("texts*")))]) == 0
    page = Watched(browser).open(draft / "review.html").page
    assert re.search(r"0 proposed, \d+ accepted", page.locator("header").inner_text())
    assert "accepted" in page.locator(".fact").first.inner_text()


def test_a_page_without_highlights_is_caught(browser, draft, tmp_path):  # noqa: F811
    broken = tmp_path / "review.html"
    broken.write_text(re.sub(r"</?mark[^>]*>", "", (draft / "review.html").read_text()), encoding="utf-8")
    facts = len(re.findall(r"^- id: ", (draft / "facts.yaml").read_text(), re.MULTILINE))
    assert "no quote is highlighted in the text" in page_problems(Watched(browser).open(broken), facts)
