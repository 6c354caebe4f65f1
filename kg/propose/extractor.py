"""The extractor interface and ``kg propose``'s entry point.

Any extractor is a callable object with a ``name`` and ``extract(text, info) -> Extraction``: a text and
what is known of it go in, proposals with their quotes (offsets into the text), confidences and rules
come out. The rule extractor (:mod:`kg.propose.rules`) is the one shipped. A statistical or LLM-based
extractor plugs in behind the same interface: it returns :class:`~kg.propose.model.Proposal` objects
whose ``start``/``end`` are offsets of a verbatim span of the text (a sentence or less); the draft
writer, the review page, ``kg accept``, the evaluation and ``kg build``'s checks do not change, and
nothing it proposes enters the graph before a curator accepts it and the build has checked its quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from kg.propose.model import Extraction, TextInfo
from kg.propose.registry import Registry, registry_of
from kg.sources.model import Corpus


class Extractor(Protocol):
    """Text in, proposals with quotes out."""

    name: str

    def extract(self, text: str, info: TextInfo) -> Extraction:
        """Propose the facts of one text."""
        ...


def rule_extractor(registry: Registry) -> Extractor:
    """The shipped extractor: hand-written rules over spaCy's tokens, no model."""
    from kg.propose.rules import RuleExtractor

    return RuleExtractor(registry)


def check_extraction(text: str, extraction: Extraction) -> list[str]:
    """What is wrong with an extractor's answer (a quote that is not the text at its offsets, an empty
    or overlong quote, a confidence outside 0..1): the contract any extractor must keep."""
    problems = []
    for p in extraction.proposals:
        if not 0 <= p.start < p.end <= len(text) or text[p.start:p.end] != p.quote:
            problems.append(f"{p.subject}: its quote is not the text at [{p.start}:{p.end}]")
        if not 0.0 <= p.confidence <= 1.0:
            problems.append(f"{p.subject}: confidence {p.confidence} is not between 0 and 1")
        if not p.rule:
            problems.append(f"{p.subject}: no rule or cue named")
    return problems


@dataclass
class Proposer:
    """An extractor with its registry, reusable over many texts (``kg propose DIR`` pays the set-up once)."""

    registry: Registry
    extractor: Extractor

    @classmethod
    def for_corpus(cls, corpus: Corpus, without: str | None = None) -> Proposer:
        """The rule extractor over what ``corpus`` knows (less the source ``without``)."""
        registry = registry_of(corpus, without)
        return cls(registry, rule_extractor(registry))

    def propose(self, text: str, info: TextInfo) -> Extraction:
        """The extractor's proposals for one text, checked against the interface's contract."""
        extraction = self.extractor.extract(text, info)
        problems = check_extraction(text, extraction)
        if problems:  # an extractor that breaks the contract is a bug, never the curator's problem
            raise RuntimeError(f"extractor {self.extractor.name} broke its contract: {'; '.join(problems[:5])}")
        return extraction


def parse_published(value: str | None, text: str) -> tuple[date | None, date | None, str | None]:
    """The publication window: ``--published`` (a day, or EARLIEST..LATEST), else the date line of the
    text, else unknown."""
    from kg.errors import InputError
    from kg.propose.dates import date_line

    if value:
        parts = value.split("..")
        try:
            days = [date.fromisoformat(p.strip()) for p in parts]
        except ValueError:
            raise InputError(f"--published takes a day (YYYY-MM-DD) or a window (YYYY-MM-DD..YYYY-MM-DD), not "
                             f"{value!r}") from None
        if len(days) > 2 or (len(days) == 2 and days[1] < days[0]):
            raise InputError(f"--published {value!r}: give one day, or two with the earlier first")
        return days[0], days[-1], "given to kg propose (--published)"
    day = date_line(text)
    if day:
        return day, day, "the text's own date line (read by kg propose; check it)"
    return None, None, None


def read_text_file(path: Path) -> str:
    """A text to propose from: UTF-8, or an InputError naming the file."""
    from kg.sources.grounding import read_text

    return read_text(path)
