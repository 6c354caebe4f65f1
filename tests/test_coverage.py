"""Every claim-bearing sentence of the article is quoted by at least one fact."""

from __future__ import annotations

from kg.sources.coverage import sentence_coverage, sentences
from kg.sources.grounding import Anchor

from .conftest import ARTICLE


def test_sentences_skip_excluded_lines_and_split_on_sentence_ends():
    text = "Heading\n\nFirst one. “Second,” he said. Third?\nAdvertisement 2\n"
    found, excluded = sentences(text, [r"^Heading$", r"^Advertisement \d+$"])
    assert [s.text for s in found] == ["First one.", "“Second,” he said.", "Third?"]
    assert excluded == 2
    assert text[found[1].start:found[1].end] == "“Second,” he said."


def test_a_repeated_sentence_counts_as_covered_once_its_twin_is():
    text = "Lede sentence here.\n(Wire) — Lede sentence here. Other.\n"
    start = text.index("(Wire)")
    report = sentence_coverage(text, [], [Anchor(start + 9, start + 28, "Lede sentence here.", "", "")])
    assert report.covered == 2
    assert [s.text for s in report.uncovered] == ["Other."]


def test_every_sentence_of_the_article_is_covered(cli, require_texts):
    code, out, err = cli("coverage", "--texts", ":".join(map(str, require_texts)))
    assert code == 0, out + err
    assert f"{ARTICLE}: 37/37 sentences covered by facts" in out
