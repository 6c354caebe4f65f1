"""How much of a source its facts cover: every claim-bearing sentence should be quoted by a fact.

Lines matching the source's ``coverage.exclude`` patterns (headings, web boilerplate) are left
out; the rest is split into sentences. A sentence is covered when a fact's quote overlaps it,
or when a covered sentence contains it word for word (a standfirst repeating the lede).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.sources.grounding import Anchor, normalise

SENTENCE_END = re.compile(r"(?<=[.!?])[”’\"]?\s+(?=[“‘\"(A-Z])")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the source text and its position."""

    start: int
    end: int
    text: str


@dataclass
class CoverageReport:
    """Sentences covered and not covered by any fact's quote."""

    total: int = 0
    covered: int = 0
    excluded: int = 0
    uncovered: list[Sentence] = field(default_factory=list)


def sentences(text: str, exclude: Iterable[str]) -> tuple[list[Sentence], int]:
    """Split the non-excluded lines of ``text`` into sentences; also return how many lines were excluded."""
    patterns = [re.compile(p) for p in exclude]
    found: list[Sentence] = []
    excluded = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        start_of_line = offset
        offset += len(line)
        if not stripped:
            continue
        if any(p.search(stripped) for p in patterns):
            excluded += 1
            continue
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        cursor = 0
        pieces = SENTENCE_END.split(body)
        for piece in pieces:
            at = body.index(piece, cursor)
            cursor = at + len(piece)
            piece_start = start_of_line + lead + at
            found.append(Sentence(piece_start, piece_start + len(piece), piece))
    return found, excluded


def sentence_coverage(text: str, exclude: Iterable[str], anchors: Iterable[Anchor]) -> CoverageReport:
    """Which sentences of ``text`` no anchor overlaps."""
    spans = [(a.start, a.end) for a in anchors]
    found, excluded = sentences(text, exclude)
    report = CoverageReport(total=len(found), excluded=excluded)
    covered_texts: set[str] = set()
    pending: list[Sentence] = []
    for sentence in found:
        if any(start < sentence.end and sentence.start < end for start, end in spans):
            covered_texts.add(normalise(sentence.text))
            report.covered += 1
        else:
            pending.append(sentence)
    for sentence in pending:
        words = normalise(sentence.text)
        if any(words in covered for covered in covered_texts):
            report.covered += 1
        else:
            report.uncovered.append(sentence)
    return report
