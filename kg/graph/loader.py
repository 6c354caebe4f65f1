"""Typed facts -> RDF quads, one named graph per source, every asserted triple with evidence.

Graphs:

* ``graph/ontology``            the TBox (ontology/kgo.ttl)
* ``graph/entities``            the registry: identity, labels, background types
* ``graph/source/<id>``         what source <id> asserts
* ``graph/provenance/<id>``     how: the source document (title, sha256, date window), one
  W3C Web Annotation per fact (TextQuoteSelector + TextPositionSelector on the source), and
  one ``rdf:Statement`` per asserted triple, which is the annotation's body. PROV-O links the
  annotation and the source graph to the source and to the loading activity.

Reification with ``rdf:Statement`` (rather than RDF-star, which rdflib lacks) keeps per-triple
evidence queryable in plain SPARQL 1.1 on every engine. Terms are pyoxigraph's, so a large build
goes from facts to the store without an rdflib graph in between.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyoxigraph as ox

from kg import vocab
from kg.sources.grounding import Anchor
from kg.sources.model import Assertion, Corpus, Entity, EntityRef, Fact, Source, TermRef, Text, TimeSpec, Value
from kg.version import software_version


class _Namespace:
    """``NS.term`` -> NamedNode(base + term); the first lookup stores it as an attribute, so later
    ones are plain attribute reads (the loader makes hundreds of thousands of them)."""

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = ox.NamedNode(self._base + name)
        setattr(self, name, node)
        return node


KGO, OA, TIME = _Namespace(vocab.KGO), _Namespace(vocab.OA), _Namespace(vocab.TIME)
RDF, RDFS, XSD = _Namespace(vocab.RDF), _Namespace(vocab.RDFS), _Namespace(vocab.XSD)
PROV, SKOS, DCTERMS = _Namespace(vocab.PROV), _Namespace(vocab.SKOS), _Namespace(vocab.DCTERMS)
PRECISION_UNITS = {"day": TIME.unitDay, "week": TIME.unitWeek, "month": TIME.unitMonth, "year": TIME.unitYear}
REGISTRY_SOURCE = ox.NamedNode(vocab.ID + "source/entity-registry")
RFC7111 = ox.NamedNode("http://tools.ietf.org/rfc/rfc7111")  # URI fragment identifiers for text/csv
DCAT_VERSION = ox.NamedNode("http://www.w3.org/ns/dcat#version")

Term = ox.NamedNode | ox.Literal
Triple = tuple[ox.NamedNode, ox.NamedNode, Term]


def literal(value: str, lang: str | None = None, datatype: ox.NamedNode | None = None) -> ox.Literal:
    """A literal: language-tagged, typed, or a plain string."""
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=datatype) if datatype else ox.Literal(value)


def ontology_quads(ontology: list[ox.Triple]) -> list[ox.Quad]:
    """The ontology's triples (:func:`kg.ontology.read_ontology`) in ``graph/ontology``."""
    graph = ox.NamedNode(vocab.GRAPH_ONTOLOGY)
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology]


def build_quads(corpus: Corpus, anchors: dict[str, dict[str, Anchor]], ontology: list[ox.Quad]) -> list[ox.Quad]:
    """The whole dataset in one process: ontology, registry, and per source its facts and their evidence
    (``kg build`` builds the sources in worker processes instead: :mod:`kg.graph.chunks`)."""
    quads = list(ontology) + registry_quads(corpus)
    for source in corpus.sources:
        quads += source_quads(source, anchors[source.source_id])
    return quads


def registry_quads(corpus: Corpus) -> list[ox.Quad]:
    """The entity registry (``graph/entities``) and its description."""
    registry = ox.NamedNode(vocab.GRAPH_ENTITIES)
    quads = [ox.Quad(*t, registry) for entity in corpus.entities.values() for t in entity_triples(entity)]
    registry_provenance = ox.NamedNode(vocab.provenance_graph("entity-registry"))
    quads += (ox.Quad(*t, registry_provenance) for t in _registry_description())
    return quads


def entity_triples(entity: Entity) -> Iterator[Triple]:
    """Triples the registry states about one entity (background, not claims of a source)."""
    subject = ox.NamedNode(vocab.entity_iri(entity.entity_id))
    for cls in entity.types:
        yield subject, RDF.type, ox.NamedNode(cls)
    yield subject, RDFS.label, literal(entity.label, lang="en")
    for alt in entity.alt_labels:
        yield subject, SKOS.altLabel, _literal(alt)
    if entity.description:
        yield subject, DCTERMS.description, literal(entity.description, lang="en")
    for assertion in entity.assertions:
        yield from _assertion_triples(subject, assertion, time_base=None)


def _registry_description() -> Iterator[Triple]:
    graph = ox.NamedNode(vocab.GRAPH_ENTITIES)
    yield REGISTRY_SOURCE, RDF.type, PROV.Entity
    yield REGISTRY_SOURCE, DCTERMS.title, literal("Entity registry (data/entities.yaml)", lang="en")
    yield REGISTRY_SOURCE, DCTERMS.description, literal(
        "Curated identities, labels and background types of shared entities; not the claim of any source.",
        lang="en")
    yield graph, PROV.wasDerivedFrom, REGISTRY_SOURCE


def fact_triples(fact: Fact) -> Iterator[Triple]:
    """The triples one fact asserts: its subject's types, label and property values."""
    subject = _node(vocab.ID + fact.subject)
    for cls in fact.types:
        yield subject, RDF.type, _node(cls)
    if fact.label:
        yield subject, RDFS.label, literal(fact.label, lang="en")
    for assertion in fact.assertions:
        yield from _assertion_triples(subject, assertion, time_base=(fact.source_id, fact.fact_id))


def _assertion_triples(subject: ox.NamedNode, assertion: Assertion, time_base: tuple[str, str] | None
                       ) -> Iterator[Triple]:
    predicate = _node(assertion.predicate)
    value = assertion.value
    if isinstance(value, TimeSpec):
        if value.key is not None and time_base is not None:
            # a data row's date: one node per row and date, described by that row's fact only
            node = _node(vocab.time_iri(time_base[0], *value.key))
            yield subject, predicate, node
            if value.key[0] == time_base[1]:
                yield from time_triples(node, value)
            return
        local = vocab.shorten(assertion.predicate).removeprefix("kgo:").replace(":", "-")
        base = time_base or ("registry", subject.value.split("/")[-1])
        node = ox.NamedNode(vocab.time_iri(base[0], base[1], local))
        yield subject, predicate, node
        yield from time_triples(node, value)
    else:
        yield subject, predicate, _term(value)


def time_triples(node: ox.NamedNode, spec: TimeSpec) -> Iterator[Triple]:
    """OWL-Time description of a time, with the source's words and the bounds it allows.

    A day is a ``time:Instant`` at that day's midnight; a month, a year or a week the source does not
    narrow is an instant known only to fall between its bounds (no day is invented); an interval the
    source gives as a span is a ``time:ProperInterval``. Every time has ``kgo:earliestDate`` and
    ``kgo:latestDate`` where the source fixes it at all: midnight at the start of the first and the
    last day it can fall on (``xsd:dateTime``, inside OWL 2's datatype map, unlike ``xsd:date``).
    """
    if spec.day is not None:
        yield node, RDF.type, TIME.Instant
        yield node, TIME.inXSDDateTime, date_time(spec.day)
    elif spec.month is not None or spec.year is not None:
        yield node, RDF.type, TIME.Instant
    elif spec.start is not None or spec.end is not None:
        yield node, RDF.type, TIME.ProperInterval
        for edge, day in ((TIME.hasBeginning, spec.start), (TIME.hasEnd, spec.end)):
            if day is None:  # an open interval: that bound is unknown
                continue
            instant = ox.NamedNode(f"{node.value}/{'begin' if edge == TIME.hasBeginning else 'end'}")
            yield node, edge, instant
            yield instant, RDF.type, TIME.Instant
            yield instant, TIME.inXSDDateTime, date_time(day)
    else:
        yield node, RDF.type, TIME.TemporalEntity
    yield node, RDFS.label, literal(time_label(spec), lang="en")
    if spec.precision:
        yield node, KGO.datePrecision, PRECISION_UNITS[spec.precision]
    if spec.expression:
        yield node, KGO.temporalExpression, literal(spec.expression, lang="en")
    if spec.note:
        yield node, KGO.resolutionNote, literal(spec.note, lang="en")
    if spec.earliest:
        yield node, KGO.earliestDate, date_time(spec.earliest)
    if spec.latest:
        yield node, KGO.latestDate, date_time(spec.latest)


def date_time(day) -> ox.Literal:
    """A day as the ``xsd:dateTime`` of its midnight (no time zone: the source's own calendar day)."""
    return literal(f"{day.isoformat()}T00:00:00", datatype=XSD.dateTime)


def time_label(spec: TimeSpec) -> str:
    """How a time reads: ISO 8601 (an interval as start/end), then the source's words."""
    if spec.day is not None:
        iso = spec.day.isoformat()
    elif spec.month is not None:
        iso = spec.month
    elif spec.year is not None:
        iso = f"{spec.year:04d}"
    elif spec.start is not None or spec.end is not None:  # ISO 8601-2: ".." for an open end
        iso = f"{spec.start.isoformat() if spec.start else '..'}/{spec.end.isoformat() if spec.end else '..'}"
    else:
        return spec.expression or "undated"
    return f"{iso} ({spec.expression})" if spec.expression else iso


_NODES: dict[str, ox.NamedNode] = {}


def _node(iri: str) -> ox.NamedNode:
    """A NamedNode, made once per IRI (a large build names the same states and terms millions of times)."""
    node = _NODES.get(iri)
    if node is None:
        if len(_NODES) > 500_000:
            _NODES.clear()
        node = _NODES[iri] = ox.NamedNode(iri)
    return node


def _term(value: Value) -> Term:
    if isinstance(value, EntityRef):
        return _node(vocab.ID + value.entity_id)
    if isinstance(value, TermRef):
        return _node(value.iri)
    if isinstance(value, Text):
        return _literal(value)
    raise TypeError(f"no RDF term for {value!r}")  # pragma: no cover - TimeSpec handled by caller


def _literal(text: Text) -> ox.Literal:
    if text.lang:
        return literal(text.value, lang=text.lang)
    return literal(text.value, datatype=ox.NamedNode(text.datatype) if text.datatype else None)


def source_quads(source: Source, anchors: dict[str, Anchor], facts: list[Fact] | None = None,
                 describe: bool = True) -> list[ox.Quad]:
    """One source's facts graph and provenance graph (of ``facts`` only, when given: a slice that a worker
    builds, :mod:`kg.graph.chunks`; ``describe`` adds the source document's description). Facts that share a
    fact id (a data row's several subjects) share one annotation; a triple is reified once per source (per
    slice: slices are joined without duplicates), whatever asserts it."""
    graph = ox.NamedNode(vocab.source_graph(source.source_id))
    provenance = ox.NamedNode(vocab.provenance_graph(source.source_id))
    doc = ox.NamedNode(vocab.source_iri(source.source_id))
    activity = ox.NamedNode(f"{vocab.ID}activity/load/{source.source_id}")
    quads = [ox.Quad(*t, provenance) for t in _source_description(source, doc, graph, activity)] if describe else []
    annotated: set[str] = set()
    bodies: set[tuple[ox.NamedNode, ox.NamedNode]] = set()
    statements: set[ox.NamedNode] = set()
    for fact in source.facts if facts is None else facts:
        annotation = ox.NamedNode(vocab.fact_iri(source.source_id, fact.fact_id))
        if fact.fact_id not in annotated:
            annotated.add(fact.fact_id)
            quads += (ox.Quad(*t, provenance) for t in _annotation_triples(
                fact, annotation, doc, activity, anchors[fact.fact_id], source.table_rows.get(fact.fact_id)))
        for triple in fact_triples(fact):
            statement = _statement_iri(source.source_id, triple)
            if (annotation, statement) in bodies:
                continue
            bodies.add((annotation, statement))
            quads.append(ox.Quad(annotation, OA.hasBody, statement, provenance))
            if statement in statements:
                continue
            statements.add(statement)
            quads += (
                ox.Quad(*triple, graph),
                ox.Quad(statement, RDF.type, RDF.Statement, provenance),
                ox.Quad(statement, RDF.subject, triple[0], provenance),
                ox.Quad(statement, RDF.predicate, triple[1], provenance),
                ox.Quad(statement, RDF.object, triple[2], provenance),
                ox.Quad(statement, KGO.assertedIn, graph, provenance),
            )
    return quads


def _statement_iri(source_id: str, triple: Triple) -> ox.NamedNode:
    digest = hashlib.sha1("\n".join(str(t) for t in triple).encode("utf-8")).hexdigest()[:20]
    return ox.NamedNode(f"{vocab.ID}triple/{source_id}/{digest}")


def _source_description(source: Source, doc: ox.NamedNode, graph_iri: ox.NamedNode, activity: ox.NamedNode
                        ) -> Iterator[Triple]:
    yield doc, RDF.type, KGO.SourceDocument
    yield doc, DCTERMS.title, literal(source.title, lang=source.language or "en")
    yield doc, DCTERMS.identifier, literal(source.source_id)
    yield doc, DCTERMS.type, literal(source.kind)
    yield doc, KGO.sha256, literal(source.sha256, datatype=XSD.hexBinary)
    yield doc, DCTERMS.source, literal(source.text_file)
    if source.publisher:
        yield doc, DCTERMS.publisher, ox.NamedNode(vocab.entity_iri(source.publisher))
    if source.language:
        yield doc, DCTERMS.language, literal(source.language)
    if source.url:
        yield doc, RDFS.seeAlso, ox.NamedNode(source.url)
    if source.description:
        yield doc, DCTERMS.description, literal(source.description, lang="en")
    if source.published_earliest:
        yield doc, KGO.publishedEarliest, date_time(source.published_earliest)
    if source.published_latest:
        yield doc, KGO.publishedLatest, date_time(source.published_latest)
    if source.published_basis:
        yield doc, SKOS.note, literal(source.published_basis, lang="en")
    if source.version:
        yield doc, DCAT_VERSION, literal(source.version)
    if source.citation:
        yield doc, DCTERMS.bibliographicCitation, literal(source.citation, lang="en")
    yield graph_iri, RDF.type, PROV.Bundle
    yield graph_iri, PROV.wasDerivedFrom, doc
    yield graph_iri, PROV.wasGeneratedBy, activity
    yield activity, RDF.type, PROV.Activity
    yield activity, PROV.used, doc
    agent_iri, agent_label = vocab.software_agent(software_version())
    agent = ox.NamedNode(agent_iri)
    yield activity, PROV.wasAssociatedWith, agent
    yield agent, RDF.type, PROV.SoftwareAgent
    yield agent, RDFS.label, literal(agent_label, lang="en")


def _annotation_triples(fact: Fact, annotation: ox.NamedNode, doc: ox.NamedNode, activity: ox.NamedNode, anchor: Anchor,
                        row: int | None = None) -> Iterator[Triple]:
    target = ox.NamedNode(f"{annotation.value}#target")
    quote = ox.NamedNode(f"{annotation.value}#quote")
    position = ox.NamedNode(f"{annotation.value}#position")
    yield annotation, RDF.type, OA.Annotation
    yield annotation, RDF.type, KGO.Fact
    yield annotation, KGO.factId, literal(fact.fact_id)
    yield annotation, OA.motivatedBy, OA.describing
    yield annotation, OA.hasTarget, target
    yield annotation, PROV.wasDerivedFrom, doc
    yield annotation, PROV.wasGeneratedBy, activity
    if fact.note:
        yield annotation, SKOS.note, literal(fact.note, lang="en")
    yield target, RDF.type, OA.SpecificResource
    yield target, OA.hasSource, doc
    yield target, OA.hasSelector, quote
    yield target, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, literal(anchor.exact)
    yield quote, OA.prefix, literal(anchor.prefix)
    yield quote, OA.suffix, literal(anchor.suffix)
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, literal(str(anchor.start), datatype=XSD.nonNegativeInteger)
    yield position, OA.end, literal(str(anchor.end), datatype=XSD.nonNegativeInteger)
    if row is not None:  # a data row: also its record number, as RFC 7111 names rows of text/csv
        fragment = ox.NamedNode(f"{annotation.value}#row")
        yield target, OA.hasSelector, fragment
        yield fragment, RDF.type, OA.FragmentSelector
        yield fragment, RDF.value, literal(f"row={row}")
        yield fragment, DCTERMS.conformsTo, RFC7111

