"""A text as the rules read it: spaCy's tokens (no statistical model), sentences, offsets, quotes.

spaCy's English tokenizer keeps abbreviations whole ("Mr.", "U.S.", "H.E.") and splits "Japan’s" and
"Japan-UK", which is what both the sentence splitter and the phrase matchers here need. The text is
matched in a folded copy of the same length (typographic quotes and dashes made plain), so every
offset found in it is an offset of the original text: what a quote's W3C TextPositionSelector counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.sources.grounding import PARAGRAPH_BREAK, IndexedText

# The schema's longest quote (facts.schema.json); longer sentences are cut to a clause.
MAX_QUOTE = 320
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_OPENERS = set("\"'([")
_ENDS = {".", "!", "?"}


@cache
def nlp():
    """spaCy's blank English pipeline: the tokenizer and its rules, nothing downloaded, no model."""
    from spacy.lang.en import English

    return English()


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a heading line) and its offsets in the text."""

    start: int
    end: int
    text: str


class Document:
    """The text, its folded twin, spaCy's tokens of it, and its sentences."""

    def __init__(self, text: str):
        self.text = text
        self.folded = text.translate(_FOLD)
        assert len(self.folded) == len(text)
        self.doc = nlp().make_doc(self.folded)
        self.sentences = self._sentences()
        self._indexed: IndexedText | None = None

    def _sentences(self) -> list[Sentence]:
        """Sentences never cross a line break; within a line they end at '.', '!' or '?' (and a closing
        quote) before a capital, a digit or an opening quote. spaCy's tokens keep 'Mr.' and 'U.S.' whole."""
        found: list[Sentence] = []
        tokens = list(self.doc)
        start: int | None = None
        skip_to = 0
        for i, token in enumerate(tokens):
            if i < skip_to:
                continue
            if token.is_space and "\n" in token.text:
                if start is not None:
                    self._add(found, start, tokens[i - 1].idx + len(tokens[i - 1].text))
                start = None
                continue
            if token.is_space:
                continue
            if start is None:
                start = token.idx
            if token.text in _ENDS:
                j = i + 1
                while j < len(tokens) and tokens[j].text in {'"', "'"} and tokens[j - 1].whitespace_ == "":
                    j += 1
                end_token = tokens[j - 1]
                nxt = tokens[j] if j < len(tokens) else None
                if nxt is None or nxt.is_space or (nxt.text[:1].isupper() or nxt.text[:1].isdigit()
                                                    or nxt.text[:1] in _OPENERS):
                    if nxt is not None and not nxt.is_space and end_token.whitespace_ == "":
                        continue  # "U.S.-Japan": no space, no sentence end
                    if re.fullmatch(r"\(?\d{1,2}\)?\.?|[A-Za-z]\.", self.text[start:token.idx + 1].strip()):
                        continue  # a list item's number ("1."), not a sentence
                    self._add(found, start, end_token.idx + len(end_token.text))
                    start = None
                    skip_to = j
        if start is not None:
            last = tokens[-1]
            self._add(found, start, last.idx + len(last.text))
        return found

    def _add(self, found: list[Sentence], start: int, end: int) -> None:
        piece = self.text[start:end]
        stripped = piece.strip()
        if not stripped:
            return
        start += len(piece) - len(piece.lstrip())
        found.append(Sentence(start, start + len(stripped), stripped))

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence that holds a character offset."""
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence
        return None

    @property
    def indexed(self) -> IndexedText:
        """The text as the grounding step searches it (to count a quote's occurrences)."""
        if self._indexed is None:
            self._indexed = IndexedText(self.text)
        return self._indexed

    def quote_span(self, sentence: Sentence, focus: tuple[int, int]) -> tuple[int, int]:
        """The span to quote for something found at ``focus`` in ``sentence``: the sentence itself, or,
        when it is longer than a quote may be, the clauses around the focus (cut at , ; : or a dash)."""
        if sentence.end - sentence.start <= MAX_QUOTE:
            return sentence.start, sentence.end
        start, end = focus
        cuts = [i for i in range(sentence.start, sentence.end) if self.text[i] in ",;:—–"]
        # widen clause by clause while the quote stays short enough
        left = max([c + 1 for c in cuts if c < start] or [sentence.start])
        right = min([c for c in cuts if c >= end] or [sentence.end])
        while True:
            grown = False
            wider_right = min([c for c in cuts if c > right] or [sentence.end])
            if right < sentence.end and wider_right - left <= MAX_QUOTE:
                right, grown = wider_right, True
            wider_left = max([c + 1 for c in cuts if c + 1 < left] or [sentence.start])
            if left > sentence.start and right - wider_left <= MAX_QUOTE:
                left, grown = wider_left, True
            if not grown:
                break
        if right - left > MAX_QUOTE:
            left, right = max(start - 40, sentence.start), min(max(end, start + MAX_QUOTE - 40), sentence.end)
            right = min(right, left + MAX_QUOTE)
        return self.trim(left, right)

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """A span without the white space at either end."""
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def occurrence(self, start: int, end: int) -> int | None:
        """Which occurrence of its words a span is (None when the words occur once: no ``occurrence``)."""
        spans = self.indexed.find_all(self.text[start:end])
        if len(spans) <= 1:
            return None
        for n, (s, _) in enumerate(spans, 1):
            if s == start:
                return n
        return None

    def crosses_paragraph(self, start: int, end: int) -> bool:
        """Whether a span runs over a blank line (a quote may not)."""
        return PARAGRAPH_BREAK.search(self.text, start, end) is not None
