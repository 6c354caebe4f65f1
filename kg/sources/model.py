"""Typed fact objects: what the data files say, checked, with no RDF in this layer.

IRIs appear as plain strings; the loader turns these objects into triples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Where:
    """Position of something in a data file, for error messages."""

    file: Path
    line: int | None = None


@dataclass(frozen=True)
class EntityRef:
    """A reference to an entity by registry id (``state/japan``)."""

    entity_id: str


@dataclass(frozen=True)
class TermRef:
    """A reference to an ontology individual or class by IRI (``kgo:Signed``)."""

    iri: str


@dataclass(frozen=True)
class Text:
    """A literal: language-tagged text when ``lang`` is set, else typed by ``datatype``."""

    value: str
    lang: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class TimeSpec:
    """A time as a source gives it: a day, a month, a year, an interval, or only words.

    ``earliest``/``latest`` bound the days it can fall on (None when the source gives no date).
    ``precision`` is one of day, week, month, year, or None.
    """

    expression: str | None = None
    day: date | None = None
    month: str | None = None  # "2022-12"
    year: int | None = None
    start: date | None = None
    end: date | None = None
    precision: str | None = None
    note: str | None = None
    earliest: date | None = None
    latest: date | None = None
    # A time a data row gives, shared by everything the row's date bounds: (fact id of the row that
    # states it, the mapping's name for the date). Its node is described by that row's fact only.
    key: tuple[str, str] | None = None


Value = EntityRef | TermRef | Text | TimeSpec


@dataclass(frozen=True)
class Assertion:
    """One property value a fact asserts about its subject."""

    predicate: str
    value: Value
    line: int | None = None


@dataclass
class Entity:
    """A registry entry: identity, label, background types and background properties."""

    entity_id: str
    label: str
    types: list[str]
    alt_labels: list[Text] = field(default_factory=list)
    description: str | None = None
    assertions: list[Assertion] = field(default_factory=list)
    where: Where | None = None


@dataclass
class Fact:
    """A curated fact: one subject, what the source says of it, and the verbatim quote that says it."""

    source_id: str
    fact_id: str
    quote: str
    subject: str  # entity id
    types: list[str] = field(default_factory=list)
    label: str | None = None
    assertions: list[Assertion] = field(default_factory=list)
    occurrence: int | None = None
    note: str | None = None
    where: Where | None = None
    introduces_subject: bool = False  # the fact types its subject (``a:``), so it may be new
    # Made by a mapping from a data row (kg/sources/tabular.py), not typed by a curator: a row describes
    # several subjects, each its own Fact sharing the row's fact id and quote.
    generated: bool = False


@dataclass
class Source:
    """A source document and its curated facts."""

    source_id: str
    directory: Path
    title: str
    kind: str
    text_file: str
    sha256: str
    publisher: str | None = None
    language: str | None = None
    url: str | None = None
    description: str | None = None
    published_earliest: date | None = None
    published_latest: date | None = None
    published_basis: str | None = None
    coverage_exclude: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    # Tabular sources (a CSV/TSV and its mapping): the dataset's version and citation, and per fact id
    # (one per row) the row's number in the file (RFC 7111 counts the header as row 1) and its anchor.
    version: str | None = None
    citation: str | None = None
    table_rows: dict[str, int] = field(default_factory=dict)
    table_anchors: dict | None = None  # fact id -> kg.sources.grounding.Anchor, for a tabular source
    table_silent_rows: list[int] = field(default_factory=list)  # lines of rows the mapping makes nothing of

    @property
    def is_tabular(self) -> bool:
        """Whether this source is a data table read through a mapping (its rows are its evidence)."""
        return self.table_anchors is not None

    def fact_ids(self) -> list[str]:
        """Distinct fact ids in order (a data row's several facts share one)."""
        return list(dict.fromkeys(f.fact_id for f in self.facts))

    @property
    def facts_file(self) -> Path:
        """Path of this source's facts.yaml."""
        return self.directory / "facts.yaml"

    @property
    def source_file(self) -> Path:
        """Path of this source's source.yaml."""
        return self.directory / "source.yaml"

    @property
    def anchors_file(self) -> Path:
        """Path of the recorded quote positions (written by ``kg ground``)."""
        return self.directory / "anchors.json"


@dataclass
class Corpus:
    """Everything the data directory holds: the registry and every source, checked."""

    entities: dict[str, Entity]
    sources: list[Source]
    registry_file: Path | None = None
    # Sources left out of this build, with the reason (a dataset that is not on the search path).
    skipped: dict[str, str] = field(default_factory=dict)

    def labels(self) -> dict[str, str]:
        """Entity id -> label, from the registry and from facts that introduce entities."""
        out = {eid: e.label for eid, e in self.entities.items()}
        for source in self.sources:
            for fact in source.facts:
                if fact.label:
                    out.setdefault(fact.subject, fact.label)
        return out
