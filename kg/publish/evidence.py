"""The evidence of the whole graph, indexed for pages: which quote supports which triple.

One packaged query (``kg/publish/sparql/evidence-all.rq``) reads every asserted triple with its W3C Web
Annotation selectors; this module groups the rows by fact (one quote, the triples it supports)
and indexes them by subject and object, so a page can ask "the quotes about X".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import vocab
from kg.publish.network import run_packaged
from kg.query.store import reads_union

# Readable names for the few predicates outside the ontology that facts use.
PREDICATE_NAMES = {
    vocab.RDF + "type": "type",
    vocab.RDFS + "label": "label",
    vocab.SKOS + "altLabel": "also known as",
    vocab.TIME + "hasTime": "time",
    vocab.DCTERMS + "description": "description",
}


@dataclass(frozen=True)
class Statement:
    """One asserted triple, with readable labels."""

    subject: str
    predicate: str
    object: str
    subject_label: str
    predicate_label: str
    object_label: str
    object_is_iri: bool


@dataclass
class Fact:
    """One fact: a quote located in its source, and the triples it supports."""

    iri: str
    fact_id: str
    source: str
    quote: str
    prefix: str
    suffix: str
    start: int
    end: int
    statements: list[Statement] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id of the quote's entry on its source's page (``c<start>-<end>``)."""
        return f"c{self.start}-{self.end}"

    def about(self, iri: str) -> list[Statement]:
        """The statements of this fact whose subject is ``iri``."""
        return [s for s in self.statements if s.subject == iri]


@dataclass
class SourceInfo:
    """A source document: what an analyst needs to cite it and to check an offset."""

    iri: str
    source_id: str
    title: str
    kind: str = ""
    publisher: str = ""
    sha256: str = ""
    file: str = ""
    url: str | None = None
    earliest: str | None = None
    latest: str | None = None
    basis: str | None = None
    description: str | None = None

    @property
    def published(self) -> str:
        """The publication date or window, as the source's metadata gives it."""
        if self.earliest and self.latest and self.earliest != self.latest:
            return f"between {self.earliest} and {self.latest}"
        return self.earliest or self.latest or "not recorded"


@dataclass
class EvidenceIndex:
    """Every fact, indexed by the IRIs its statements are about."""

    facts: list[Fact]
    labels: dict[str, str]
    sources: dict[str, SourceInfo]
    by_subject: dict[str, list[Fact]] = field(default_factory=dict)
    by_object: dict[str, list[Fact]] = field(default_factory=dict)

    def about(self, iri: str) -> list[Fact]:
        """Facts with a statement whose subject is ``iri``, in source and text order."""
        return self.by_subject.get(iri, [])

    def mentioning(self, iri: str) -> list[Fact]:
        """Facts with a statement whose subject or object is ``iri``."""
        seen = {id(f): f for f in [*self.by_subject.get(iri, []), *self.by_object.get(iri, [])]}
        return sorted(seen.values(), key=_fact_order)

    def label(self, iri: str) -> str:
        """The English label of an IRI, else its short form."""
        return self.labels.get(iri) or vocab.shorten(iri)


def _fact_order(fact: Fact) -> tuple:
    return (fact.source, fact.start, fact.end, fact.fact_id)


def load_labels(store: ox.Store) -> dict[str, str]:
    """English (or untagged) rdfs:label of every IRI that has one (the alphabetically first if several)."""
    rows = store.query("""
        SELECT ?s (MIN(STR(?label)) AS ?l) WHERE {
          ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label
          FILTER(isIRI(?s) && (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en")))
        } GROUP BY ?s""", use_default_graph_as_union=reads_union(store))
    return {row["s"].value: row["l"].value for row in rows}


def load_sources(store: ox.Store) -> dict[str, SourceInfo]:
    """Every source document, by source id."""
    found: dict[str, SourceInfo] = {}
    for row in run_packaged(store, "sources").rows:
        def value(name: str, row=row) -> str | None:
            term = row.get(name)
            return None if term is None else term.value

        source_id = value("source") or ""
        found.setdefault(source_id, SourceInfo(
            iri=value("doc") or "", source_id=source_id, title=value("title") or source_id,
            kind=value("kind") or "", publisher=value("publisherLabel") or "", sha256=value("sha256") or "",
            file=value("file") or "", url=value("url"), earliest=value("earliest"), latest=value("latest"),
            basis=value("basis"), description=value("description")))
    return found


def load_evidence(store: ox.Store) -> EvidenceIndex:
    """Read every fact of the graph with its quote, position and statements."""
    labels = load_labels(store)
    facts: dict[str, Fact] = {}
    # each fact's statements so far, as a set: an ATOP row asserts about 170 triples, and a membership test
    # on the list made the site of the real graph quadratic (minutes)
    seen: dict[str, set[Statement]] = defaultdict(set)
    for row in run_packaged(store, "evidence-all").rows:
        fact_iri = row["fact"].value
        fact = facts.get(fact_iri)
        if fact is None:
            fact = facts[fact_iri] = Fact(
                iri=fact_iri, fact_id=row["factId"].value, source=row["source"].value, quote=row["quote"].value,
                prefix=row["prefix"].value if "prefix" in row else "",
                suffix=row["suffix"].value if "suffix" in row else "",
                start=int(row["start"].value), end=int(row["end"].value))
        s, p, o = row["s"], row["p"], row["o"]
        is_iri = isinstance(o, ox.NamedNode)
        statement = Statement(
            subject=s.value, predicate=p.value, object=o.value,
            subject_label=labels.get(s.value) or vocab.shorten(s.value),
            predicate_label=PREDICATE_NAMES.get(p.value) or labels.get(p.value) or vocab.shorten(p.value),
            object_label=(labels.get(o.value) or vocab.shorten(o.value)) if is_iri else o.value,
            object_is_iri=is_iri)
        if statement not in seen[fact_iri]:
            seen[fact_iri].add(statement)
            fact.statements.append(statement)
    ordered = sorted(facts.values(), key=_fact_order)
    index = EvidenceIndex(ordered, labels, load_sources(store))
    by_subject: dict[str, list[Fact]] = defaultdict(list)
    by_object: dict[str, list[Fact]] = defaultdict(list)
    for fact in ordered:
        for subject in dict.fromkeys(s.subject for s in fact.statements):
            by_subject[subject].append(fact)
        for obj in dict.fromkeys(s.object for s in fact.statements if s.object_is_iri):
            by_object[obj].append(fact)
    index.by_subject, index.by_object = dict(by_subject), dict(by_object)
    return index
