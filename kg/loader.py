"""Typed facts -> RDF Dataset, one named graph per source, every asserted triple with evidence.

Graphs:

* ``graph/ontology``            the TBox (ontology/kgo.ttl)
* ``graph/entities``            the registry: identity, labels, background types
* ``graph/source/<id>``         what source <id> asserts
* ``graph/provenance/<id>``     how: the source document (title, sha256, date window), one
  W3C Web Annotation per fact (TextQuoteSelector + TextPositionSelector on the source), and
  one ``rdf:Statement`` per asserted triple, which is the annotation's body. PROV-O links the
  annotation and the source graph to the source and to the loading activity.

rdflib has no RDF-star; reification with ``rdf:Statement`` keeps per-triple evidence queryable in
plain SPARQL 1.1 on every engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, Namespace

from kg import vocab
from kg.grounding import Anchor
from kg.model import Assertion, Corpus, Entity, EntityRef, Fact, Source, TermRef, Text, TimeSpec, Value
from kg.version import software_version

KGO = Namespace(vocab.KGO)
OA = Namespace(vocab.OA)
TIME = Namespace(vocab.TIME)
PRECISION_UNITS = {"day": TIME.unitDay, "week": TIME.unitWeek, "month": TIME.unitMonth, "year": TIME.unitYear}
REGISTRY_SOURCE = URIRef(vocab.ID + "source/entity-registry")

Triple = tuple[URIRef, URIRef, URIRef | Literal]


def build_dataset(corpus: Corpus, anchors: dict[str, dict[str, Anchor]], ontology_graph) -> Dataset:
    """Assemble the whole dataset: ontology, registry, and per source its facts and evidence."""
    dataset = Dataset()
    dataset.bind("kgo", vocab.KGO)
    for prefix, iri in vocab.PREFIXES.items():
        dataset.bind(prefix, iri)
    dataset.bind("id", vocab.ID)
    tbox = dataset.graph(URIRef(vocab.GRAPH_ONTOLOGY))
    for triple in ontology_graph:
        tbox.add(triple)
    registry = dataset.graph(URIRef(vocab.GRAPH_ENTITIES))
    for entity in corpus.entities.values():
        for triple in entity_triples(entity):
            registry.add(triple)
    registry_provenance = dataset.graph(URIRef(vocab.provenance_graph("entity-registry")))
    for triple in _registry_description():
        registry_provenance.add(triple)
    for source in corpus.sources:
        add_source(dataset, source, anchors[source.source_id])
    return dataset


def entity_triples(entity: Entity) -> Iterator[Triple]:
    """Triples the registry states about one entity (background, not claims of a source)."""
    subject = URIRef(vocab.entity_iri(entity.entity_id))
    for cls in entity.types:
        yield subject, RDF.type, URIRef(cls)
    yield subject, RDFS.label, Literal(entity.label, lang="en")
    for alt in entity.alt_labels:
        yield subject, SKOS.altLabel, _literal(alt)
    if entity.description:
        yield subject, DCTERMS.description, Literal(entity.description, lang="en")
    for assertion in entity.assertions:
        yield from _assertion_triples(subject, assertion, time_base=None)


def _registry_description() -> Iterator[Triple]:
    graph = URIRef(vocab.GRAPH_ENTITIES)
    yield REGISTRY_SOURCE, RDF.type, PROV.Entity
    yield REGISTRY_SOURCE, DCTERMS.title, Literal("Entity registry (data/entities.yaml)", lang="en")
    yield REGISTRY_SOURCE, DCTERMS.description, Literal(
        "Curated identities, labels and background types of shared entities; not the claim of any source.",
        lang="en")
    yield graph, PROV.wasDerivedFrom, REGISTRY_SOURCE


def fact_triples(fact: Fact) -> Iterator[Triple]:
    """The triples one fact asserts: its subject's types, label and property values."""
    subject = URIRef(vocab.entity_iri(fact.subject))
    for cls in fact.types:
        yield subject, RDF.type, URIRef(cls)
    if fact.label:
        yield subject, RDFS.label, Literal(fact.label, lang="en")
    for assertion in fact.assertions:
        yield from _assertion_triples(subject, assertion, time_base=(fact.source_id, fact.fact_id))


def _assertion_triples(subject: URIRef, assertion: Assertion, time_base: tuple[str, str] | None
                       ) -> Iterator[Triple]:
    predicate = URIRef(assertion.predicate)
    value = assertion.value
    if isinstance(value, TimeSpec):
        local = vocab.shorten(assertion.predicate).removeprefix("kgo:").replace(":", "-")
        base = time_base or ("registry", subject.split("/")[-1])
        node = URIRef(vocab.time_iri(base[0], base[1], local))
        yield subject, predicate, node
        yield from time_triples(node, value)
    else:
        yield subject, predicate, _term(value)


def time_triples(node: URIRef, spec: TimeSpec) -> Iterator[Triple]:
    """OWL-Time description of a time, with the source's words and the bounds it allows."""
    if spec.day is not None:
        yield node, RDF.type, TIME.Instant
        yield node, TIME.inXSDDate, Literal(spec.day.isoformat(), datatype=XSD.date)
    elif spec.month is not None:
        yield node, RDF.type, TIME.Instant
        yield node, TIME.inXSDgYearMonth, Literal(spec.month, datatype=XSD.gYearMonth)
    elif spec.year is not None:
        yield node, RDF.type, TIME.Instant
        yield node, TIME.inXSDgYear, Literal(f"{spec.year:04d}", datatype=XSD.gYear)
    elif spec.start is not None and spec.end is not None:
        yield node, RDF.type, TIME.ProperInterval
        for edge, day in ((TIME.hasBeginning, spec.start), (TIME.hasEnd, spec.end)):
            instant = URIRef(f"{node}/{'begin' if edge == TIME.hasBeginning else 'end'}")
            yield node, edge, instant
            yield instant, RDF.type, TIME.Instant
            yield instant, TIME.inXSDDate, Literal(day.isoformat(), datatype=XSD.date)
    else:
        yield node, RDF.type, TIME.TemporalEntity
    yield node, RDFS.label, Literal(time_label(spec), lang="en")
    if spec.precision:
        yield node, KGO.datePrecision, PRECISION_UNITS[spec.precision]
    if spec.expression:
        yield node, KGO.temporalExpression, Literal(spec.expression, lang="en")
    if spec.note:
        yield node, KGO.resolutionNote, Literal(spec.note, lang="en")
    if spec.earliest:
        yield node, KGO.earliestDate, Literal(spec.earliest.isoformat(), datatype=XSD.date)
    if spec.latest:
        yield node, KGO.latestDate, Literal(spec.latest.isoformat(), datatype=XSD.date)


def time_label(spec: TimeSpec) -> str:
    """How a time reads: ISO 8601 (an interval as start/end), then the source's words."""
    if spec.day is not None:
        iso = spec.day.isoformat()
    elif spec.month is not None:
        iso = spec.month
    elif spec.year is not None:
        iso = f"{spec.year:04d}"
    elif spec.start is not None and spec.end is not None:
        iso = f"{spec.start.isoformat()}/{spec.end.isoformat()}"
    else:
        return spec.expression or "undated"
    return f"{iso} ({spec.expression})" if spec.expression else iso


def _term(value: Value) -> URIRef | Literal:
    if isinstance(value, EntityRef):
        return URIRef(vocab.entity_iri(value.entity_id))
    if isinstance(value, TermRef):
        return URIRef(value.iri)
    if isinstance(value, Text):
        return _literal(value)
    raise TypeError(f"no RDF term for {value!r}")  # pragma: no cover - TimeSpec handled by caller


def _literal(text: Text) -> Literal:
    if text.lang:
        return Literal(text.value, lang=text.lang)
    return Literal(text.value, datatype=URIRef(text.datatype) if text.datatype else None)


def add_source(dataset: Dataset, source: Source, anchors: dict[str, Anchor]) -> None:
    """Add one source's facts graph and provenance graph to the dataset."""
    graph_iri = URIRef(vocab.source_graph(source.source_id))
    facts_graph = dataset.graph(graph_iri)
    prov_graph = dataset.graph(URIRef(vocab.provenance_graph(source.source_id)))
    doc = URIRef(vocab.source_iri(source.source_id))
    activity = URIRef(f"{vocab.ID}activity/load/{source.source_id}")
    for triple in _source_description(source, doc, graph_iri, activity):
        prov_graph.add(triple)
    for fact in source.facts:
        annotation = URIRef(vocab.fact_iri(source.source_id, fact.fact_id))
        for triple in _annotation_triples(fact, annotation, doc, activity, anchors[fact.fact_id]):
            prov_graph.add(triple)
        for triple in fact_triples(fact):
            facts_graph.add(triple)
            statement = _statement_iri(source.source_id, triple)
            prov_graph.add((annotation, OA.hasBody, statement))
            prov_graph.add((statement, RDF.type, RDF.Statement))
            prov_graph.add((statement, RDF.subject, triple[0]))
            prov_graph.add((statement, RDF.predicate, triple[1]))
            prov_graph.add((statement, RDF.object, triple[2]))
            prov_graph.add((statement, KGO.assertedIn, graph_iri))


def _statement_iri(source_id: str, triple: Triple) -> URIRef:
    digest = hashlib.sha1("\n".join(t.n3() for t in triple).encode("utf-8")).hexdigest()[:20]
    return URIRef(f"{vocab.ID}triple/{source_id}/{digest}")


def _source_description(source: Source, doc: URIRef, graph_iri: URIRef, activity: URIRef) -> Iterator[Triple]:
    yield doc, RDF.type, KGO.SourceDocument
    yield doc, DCTERMS.title, Literal(source.title, lang=source.language or "en")
    yield doc, DCTERMS.identifier, Literal(source.source_id)
    yield doc, DCTERMS.type, Literal(source.kind)
    yield doc, KGO.sha256, Literal(source.sha256, datatype=XSD.hexBinary)
    yield doc, DCTERMS.source, Literal(source.text_file)
    if source.publisher:
        yield doc, DCTERMS.publisher, URIRef(vocab.entity_iri(source.publisher))
    if source.language:
        yield doc, DCTERMS.language, Literal(source.language)
    if source.url:
        yield doc, RDFS.seeAlso, URIRef(source.url)
    if source.description:
        yield doc, DCTERMS.description, Literal(source.description, lang="en")
    if source.published_earliest:
        yield doc, KGO.publishedEarliest, Literal(source.published_earliest.isoformat(), datatype=XSD.date)
    if source.published_latest:
        yield doc, KGO.publishedLatest, Literal(source.published_latest.isoformat(), datatype=XSD.date)
    if source.published_basis:
        yield doc, SKOS.note, Literal(source.published_basis, lang="en")
    yield graph_iri, RDF.type, PROV.Bundle
    yield graph_iri, PROV.wasDerivedFrom, doc
    yield graph_iri, PROV.wasGeneratedBy, activity
    yield activity, RDF.type, PROV.Activity
    yield activity, PROV.used, doc
    agent = URIRef(f"{vocab.ID}software/japan-security-kg/{software_version()}")
    yield activity, PROV.wasAssociatedWith, agent
    yield agent, RDF.type, PROV.SoftwareAgent
    yield agent, RDFS.label, Literal(f"japan-security-kg loader {software_version()}", lang="en")


def _annotation_triples(fact: Fact, annotation: URIRef, doc: URIRef, activity: URIRef, anchor: Anchor
                        ) -> Iterator[Triple]:
    target = URIRef(f"{annotation}#target")
    quote = URIRef(f"{annotation}#quote")
    position = URIRef(f"{annotation}#position")
    yield annotation, RDF.type, OA.Annotation
    yield annotation, RDF.type, KGO.Fact
    yield annotation, KGO.factId, Literal(fact.fact_id)
    yield annotation, OA.motivatedBy, OA.describing
    yield annotation, OA.hasTarget, target
    yield annotation, PROV.wasDerivedFrom, doc
    yield annotation, PROV.wasGeneratedBy, activity
    if fact.note:
        yield annotation, SKOS.note, Literal(fact.note, lang="en")
    yield target, RDF.type, OA.SpecificResource
    yield target, OA.hasSource, doc
    yield target, OA.hasSelector, quote
    yield target, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, Literal(anchor.exact)
    yield quote, OA.prefix, Literal(anchor.prefix)
    yield quote, OA.suffix, Literal(anchor.suffix)
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, Literal(str(anchor.start), datatype=XSD.nonNegativeInteger)
    yield position, OA.end, Literal(str(anchor.end), datatype=XSD.nonNegativeInteger)

