"""Which entities are linked to Wikidata, and why the others are not (``kg link``).

Links are facts of the source ``reference-wikidata-ids`` (the checked reference
``../shared/reference/wikidata-ids.tsv``): ``owl:sameAs`` for individuals, ``skos:exactMatch``
for positions, ``skos:closeMatch`` where identity is not certain. An entity whose reference row
has status ``not-found`` carries a fact saying so. This module reads those facts and the
reference rows, and accounts for every entity and every row:

* every registry entity (and every other entity the reference speaks about): its link, or the
  reason it has none (``not-found`` in the reference, or no row in the reference);
* every reference row about an entity-like thing that no entity uses (classes and properties are
  mapped in ``ontology/mappings.sssom.tsv`` and ``ontology/kgo.ttl`` instead).

It also finds problems: a link whose identifier is not its row's verified identifier, and a
verified row whose name is an entity's label while that entity is not linked (a missed link).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg import vocab
from kg.errors import InputError
from kg.sources.grounding import find_text, normalise
from kg.sources.model import Corpus, Source, TermRef

LINK_SOURCE = "reference-wikidata-ids"
ONTOLOGY_KINDS = ("class", "property")  # rows mapped in the ontology and the SSSOM table, not to entities


@dataclass(frozen=True)
class ReferenceRow:
    """One row of wikidata-ids.tsv."""

    line: int
    kind: str
    name: str
    wikidata_id: str
    wikidata_label: str
    status: str
    note: str
    text: str  # the row as written, for matching quotes

    @property
    def verified(self) -> bool:
        """The curators verified an identifier for this row."""
        return self.status == "verified" and bool(self.wikidata_id)


@dataclass
class EntityLink:
    """An entity's link to Wikidata, or the reason it has none."""

    entity_id: str
    label: str
    predicate: str | None = None  # CURIE, e.g. owl:sameAs
    item: str | None = None  # e.g. Q17
    row: ReferenceRow | None = None
    note: str = ""

    @property
    def status(self) -> str:
        """linked, not-found (the reference has a row without a verified identifier) or no row."""
        if self.item:
            return "linked"
        return "not-found" if self.row else "no row"

    @property
    def reason(self) -> str:
        """Why the entity is (not) linked, in words."""
        if self.item and self.row:
            return f"reference line {self.row.line}" + (f"; {self.note}" if self.note else "")
        if self.row:
            detail = f": {self.row.note}" if self.row.note else ""
            return f"not-found in the reference (line {self.row.line}){detail}"
        return "no row in the reference"


@dataclass
class LinkReport:
    """Every entity's link or reason, the rows no entity uses, and the problems found."""

    reference: Path
    entities: list[EntityLink] = field(default_factory=list)
    unused_rows: list[ReferenceRow] = field(default_factory=list)
    ontology_rows: list[ReferenceRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Entities per status and links per predicate."""
        counts = Counter(e.status for e in self.entities)
        counts.update(e.predicate for e in self.entities if e.predicate)
        return dict(counts)

    def summary(self) -> str:
        """A few lines: how many links, of which kind, and why the rest have none."""
        c = self.counts()
        linked, total = c.get("linked", 0), len(self.entities)
        kinds = ", ".join(f"{c[p]} {p}" for p in ("owl:sameAs", "skos:exactMatch", "skos:closeMatch") if c.get(p))
        unused = ", ".join(r.name for r in self.unused_rows)
        lines = [
            f"linked: {linked} of {total} entities ({kinds})",
            f"not linked: {total - linked} ({c.get('not-found', 0)} not-found in the reference, "
            f"{c.get('no row', 0)} with no row in the reference)",
            f"reference rows no entity uses: {len(self.unused_rows)}" + (f" ({unused})" if unused else ""),
            f"class and property rows: {len(self.ontology_rows)} (mapped in ontology/mappings.sssom.tsv "
            "and ontology/kgo.ttl)",
        ]
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


def read_reference(path: Path) -> list[ReferenceRow]:
    """The rows of wikidata-ids.tsv (its header names the columns)."""
    from kg.sources.grounding import read_text

    text = read_text(path)
    raw_lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
    expected = {"kind", "name", "wikidata_id", "wikidata_label", "status", "note"}
    if not expected <= set(reader.fieldnames or []):
        raise InputError(f"{path}: expected the columns {', '.join(sorted(expected))}")
    rows = []
    for row in reader:
        line = reader.line_num
        rows.append(ReferenceRow(line, row["kind"], row["name"], row["wikidata_id"] or "",
                                 row["wikidata_label"] or "", row["status"], row["note"] or "",
                                 raw_lines[line - 1]))
    return rows


def reference_path(corpus: Corpus, text_path: list[Path]) -> Path:
    """Where the reference file of the link source is, or an InputError saying how to supply it."""
    source = link_source(corpus)
    found = find_text(source, text_path)
    if found is None:
        raise InputError(f"{source.source_file}: the reference {source.text_file!r} is not on the text search "
                         f"path ({', '.join(map(str, text_path))}); set --texts or KG_TEXTS")
    return found


def link_source(corpus: Corpus) -> Source:
    """The source whose facts are the Wikidata links."""
    for source in corpus.sources:
        if source.source_id == LINK_SOURCE:
            return source
    raise InputError(f"no source {LINK_SOURCE!r} in the data directory: it holds the Wikidata links")


def linked_items(corpus: Corpus) -> dict[str, tuple[str, str]]:
    """Entity id -> (link predicate IRI, Wikidata IRI) for every linked entity."""
    links = {}
    for fact in link_source(corpus).facts:
        for assertion in fact.assertions:
            if assertion.predicate in vocab.LINK_PROPERTIES and isinstance(assertion.value, TermRef) \
                    and assertion.value.iri.startswith(vocab.WD):
                links[fact.subject] = (assertion.predicate, assertion.value.iri)
    return links


def link_report(corpus: Corpus, rows: list[ReferenceRow], reference: Path) -> LinkReport:
    """Account for every entity and every reference row (see the module docstring)."""
    report = LinkReport(reference)
    by_text = {normalise(r.text): r for r in rows}
    labels = corpus.labels()
    entities: dict[str, EntityLink] = {eid: EntityLink(eid, labels.get(eid, eid)) for eid in corpus.entities}
    used: set[int] = set()
    for fact in link_source(corpus).facts:
        quote = normalise(fact.quote)
        row = by_text.get(quote) or next((r for t, r in by_text.items() if quote in t), None)
        where = f"{fact.where.file}:{fact.where.line}" if fact.where else LINK_SOURCE
        if row is None:
            report.problems.append(f"{where}: [fact {fact.fact_id}] its quote is not a row of {reference.name}")
            continue
        used.add(row.line)
        entry = entities.setdefault(fact.subject, EntityLink(fact.subject, labels.get(fact.subject, fact.subject)))
        entry.row, entry.note = row, fact.note or ""
        for assertion in fact.assertions:
            if assertion.predicate in vocab.LINK_PROPERTIES and isinstance(assertion.value, TermRef):
                item = assertion.value.iri.removeprefix(vocab.WD)
                entry.predicate, entry.item = vocab.shorten(assertion.predicate), item
                if not row.verified or row.wikidata_id != item:
                    report.problems.append(f"{where}: [fact {fact.fact_id}] links {fact.subject} to {item}, but "
                                           f"its row (line {row.line}) gives {row.wikidata_id or 'no identifier'} "
                                           f"with status {row.status}")
    names = _names(corpus)
    for row in rows:
        if row.kind in ONTOLOGY_KINDS:
            report.ontology_rows.append(row)
        elif row.line not in used:
            report.unused_rows.append(row)
            for entity_id in names.get(_key(row.name), []):
                if row.verified and not entities[entity_id].item:
                    report.problems.append(f"{reference.name}:{row.line}: {row.name!r} ({row.wikidata_id}, verified) "
                                           f"has the name of {entity_id}, which is not linked: link it or say why not")
    order = {"linked": 0, "not-found": 1, "no row": 2}
    report.entities = sorted(entities.values(), key=lambda e: (order[e.status], e.entity_id))
    return report


def _key(name: str) -> str:
    return normalise(name).casefold()


def _names(corpus: Corpus) -> dict[str, list[str]]:
    """Normalised label or alternative label -> registry entities with that name."""
    names: dict[str, list[str]] = {}
    for entity in corpus.entities.values():
        for name in [entity.label, *(alt.value for alt in entity.alt_labels)]:
            names.setdefault(_key(name), []).append(entity.entity_id)
    return names


def report_rows(report: LinkReport) -> tuple[list[str], list[list[str]]]:
    """Column names and one row per entity, for the table, JSON and TSV outputs."""
    columns = ["entity", "label", "status", "predicate", "wikidata", "wikidataLabel", "reason"]
    rows = [[e.entity_id, e.label, e.status, e.predicate or "", f"wd:{e.item}" if e.item else "",
             e.row.wikidata_label if e.row and e.item else "", e.reason] for e in report.entities]
    return columns, rows
