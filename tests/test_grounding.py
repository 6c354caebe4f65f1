"""Quotes are found in their source text, positions recorded, and stale records refused."""

from __future__ import annotations

import json
import shutil

import pytest

from kg.errors import InputError
from kg.sources.grounding import (
    IndexedText,
    anchors_document,
    anchors_without_text,
    check_recorded,
    ground_source,
    normalise,
    read_anchors,
)
from kg.sources.model import Fact, Source, Where

from .conftest import ARTICLE, FIXTURE_TEXTS, FIXTURES, ROOT
from .corpora import ARTICLE_SOURCE_ARGS


def test_normalise_folds_typographic_quotes_and_white_space():
    assert normalise("Japan’s  “nuclear\n umbrella”") == "Japan's \"nuclear umbrella\""


def test_find_all_maps_back_to_original_offsets():
    text = "Intro.\n\nJapan’s  alliance\twith the US. Japan's alliance with the US again."
    indexed = IndexedText(text)
    spans = indexed.find_all("Japan's alliance with the US")
    assert len(spans) == 2
    start, end = spans[0]
    assert text[start:end] == "Japan’s  alliance\twith the US"
    anchor = indexed.anchor(start, end)
    assert anchor.exact == text[start:end]
    assert anchor.prefix.endswith("Intro.\n\n")
    assert anchor.suffix.startswith(". Japan's")


def test_closest_passage_names_the_likely_intended_words():
    indexed = IndexedText("Alpha beta. Japan and Canada agreed on Tuesday to deepen defence ties. Gamma.")
    passage = indexed.closest_passage("Japan and Canada agreed on Wednesday to deepen ties")
    assert passage.startswith("Japan and Canada agreed on Tuesday")


def _source(tmp_path, text: str, *quotes: tuple[str, int | None]) -> tuple[Source, object]:
    text_file = tmp_path / "t.txt"
    text_file.write_text(text, encoding="utf-8")
    import hashlib

    source = Source(source_id="s", directory=tmp_path, title="t", kind="test-fixture", text_file="t.txt",
                    sha256=hashlib.sha256(text.encode()).hexdigest())
    for i, (quote, occurrence) in enumerate(quotes):
        source.facts.append(Fact("s", f"f{i}", quote, "state/japan", occurrence=occurrence,
                                 where=Where(tmp_path / "facts.yaml", i + 1)))
    return source, text_file


def test_ambiguous_quote_needs_an_occurrence(tmp_path):
    source, text_file = _source(tmp_path, "one two. one two.", ("one two", None))
    with pytest.raises(InputError, match="occurs 2 times"):
        ground_source(source, text_file)
    source.facts[0].occurrence = 2
    assert ground_source(source, text_file)["f0"].start == 9
    source.facts[0].occurrence = 3
    with pytest.raises(InputError, match="occurrence 3 requested but the quote occurs 2 time"):
        ground_source(source, text_file)


def test_text_with_another_hash_is_refused(tmp_path):
    source, text_file = _source(tmp_path, "one two.", ("one", None))
    text_file.write_text("one two, edited.", encoding="utf-8")
    with pytest.raises(InputError, match="the text changed or is another copy"):
        ground_source(source, text_file)


def test_recorded_anchors_are_checked_against_fresh_ones(tmp_path):
    source, text_file = _source(tmp_path, "alpha beta gamma", ("beta", None))
    fresh = ground_source(source, text_file)
    (tmp_path / "anchors.json").write_text(anchors_document(source, fresh), encoding="utf-8")
    recorded = read_anchors(source)
    check_recorded(source, recorded, fresh)  # up to date: no error
    source.facts[0].quote = "gamma"
    with pytest.raises(InputError, match="anchors out of date for f0; run 'kg ground'"):
        check_recorded(source, recorded, ground_source(source, text_file))
    with pytest.raises(InputError, match="the quote differs from the recorded anchor"):
        anchors_without_text(source, recorded)
    with pytest.raises(InputError, match="no recorded anchors"):
        check_recorded(source, None, fresh)


def test_anchors_recorded_for_another_text_are_refused(tmp_path):
    source, _ = _source(tmp_path, "alpha", ("alpha", None))
    (tmp_path / "anchors.json").write_text(json.dumps({"sha256": "0" * 64, "anchors": {}}), encoding="utf-8")
    with pytest.raises(InputError, match="recorded for another text"):
        read_anchors(source)


def test_committed_anchors_match_the_texts(cli, tmp_path, require_texts):
    """`kg ground` on a copy of the data reproduces the committed anchors byte for byte."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    second = tmp_path / "second-source"
    shutil.copytree(FIXTURES / "valid" / "second-source", second)
    texts = ":".join(str(p) for p in [*require_texts, FIXTURE_TEXTS])
    code, _, err = cli("ground", "--data", str(data), "--add-source", str(second), "--texts", texts)
    assert code == 0, err
    for path in (ROOT / "data" / "sources").glob("*/anchors.json"):
        copy = data / "sources" / path.parent.name / "anchors.json"
        assert copy.read_bytes() == path.read_bytes(), f"{path} is stale: run 'kg ground'"
    committed = FIXTURES / "valid" / "second-source" / "anchors.json"
    assert (second / "anchors.json").read_bytes() == committed.read_bytes()


def test_build_without_texts_uses_recorded_anchors(cli, tmp_path, monkeypatch):
    # as on a machine without ../shared: the search path holds nothing (--texts and KG_TEXTS only add to it)
    monkeypatch.setattr("kg.config.default_text_path", lambda root, extra=None: [tmp_path / "nowhere"])
    code, out, err = cli("build", "--build", str(tmp_path / "b"), *ARTICLE_SOURCE_ARGS)
    assert code == 0, err
    assert f"{ARTICLE}: {article_facts()} facts" in out
    assert "recorded anchors (text not available, not re-verified)" in out


def test_offsets_of_a_crlf_text_count_both_characters_of_each_line_break(tmp_path):
    """Issue 12: offsets were counted after newline translation, drifting by one per CRLF line."""
    import hashlib

    data = b"First line.\r\nSecond line.\r\nJapan and Canada agreed to deepen defence ties.\r\n"
    (tmp_path / "t.txt").write_bytes(data)
    source = Source(source_id="s", directory=tmp_path, title="t", kind="test-fixture", text_file="t.txt",
                    sha256=hashlib.sha256(data).hexdigest())
    quote = "Japan and Canada agreed to deepen defence ties."
    source.facts.append(Fact("s", "f0", quote, "state/japan", where=Where(tmp_path / "facts.yaml", 1)))
    anchor = ground_source(source, tmp_path / "t.txt")["f0"]
    decoded = data.decode("utf-8")
    assert decoded[anchor.start:anchor.end] == quote
    assert (anchor.start, anchor.end) == (decoded.index(quote), decoded.index(quote) + len(quote)) == (27, 74)
    assert anchor.prefix.endswith("line.\r\n")


def test_a_quote_may_span_a_line_break_but_not_a_paragraph(tmp_path):
    source, text_file = _source(tmp_path, "Japan and Canada agreed\non Tuesday.\n\nThey meet again.",
                                ("agreed on Tuesday", None), ("on Tuesday. They meet", None))
    with pytest.raises(InputError) as refused:
        ground_source(source, text_file)
    assert "[fact f1] the quote spans a paragraph break" in str(refused.value)
    assert "[fact f0]" not in str(refused.value)


def article_facts() -> int:
    """How many facts the article's facts file holds (counted, not written in)."""
    import yaml

    path = ROOT / "data" / "sources" / ARTICLE / "facts.yaml"
    return len(yaml.safe_load(path.read_text(encoding="utf-8"))["facts"])
