"""The ontology as the loader sees it: which classes, properties and individuals exist.

Facts name classes and properties by kgo local name (``party``) or CURIE (``time:hasTime``);
this index says whether a name is declared, what kind of property it is and what its range is,
so that a typo is an error with a suggestion rather than a silent new predicate.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from kg import vocab

ONTOLOGY_FILE = "kgo.ttl"
SHAPES_FILE = "shapes.ttl"


@dataclass
class TermIndex:
    """Declared terms of the ontology, by full IRI."""

    classes: set[str] = field(default_factory=set)
    object_properties: set[str] = field(default_factory=set)
    datatype_properties: dict[str, str | None] = field(default_factory=dict)
    annotation_properties: set[str] = field(default_factory=set)
    individuals: dict[str, set[str]] = field(default_factory=dict)
    time_properties: set[str] = field(default_factory=set)
    deprecated: dict[str, str | None] = field(default_factory=dict)  # term -> its replacement, if named

    def property_kind(self, iri: str) -> str | None:
        """'object', 'datatype', 'annotation', or None when the property is not declared."""
        if iri in self.object_properties:
            return "object"
        if iri in self.datatype_properties:
            return "datatype"
        if iri in self.annotation_properties:
            return "annotation"
        return None

    def all_properties(self) -> set[str]:
        """Every declared property IRI."""
        return self.object_properties | set(self.datatype_properties) | self.annotation_properties

    def suggest(self, name: str, candidates: set[str]) -> str | None:
        """Closest declared name to ``name``, in the short form a curator types."""
        short = {vocab.shorten(c).removeprefix("kgo:"): c for c in candidates}
        match = difflib.get_close_matches(name, list(short), n=1, cutoff=0.6)
        return match[0] if match else None


def read_ontology(ontology_dir: Path) -> list:  # -> list[pyoxigraph.Triple]
    """The ontology's triples, parsed once by pyoxigraph for both the term index and the dataset
    (a tenth of rdflib's parse time)."""
    import pyoxigraph as ox

    return list(ox.parse(path=str(ontology_dir / ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE))


def index_of(triples: list) -> TermIndex:
    """The term index of the ontology's pyoxigraph triples."""
    from kg.terms import rdflib_graph

    return build_index(rdflib_graph(triples))


def load_ontology_graph(ontology_dir: Path):  # -> rdflib.Graph (lazy import keeps the query path light)
    """Parse the ontology's Turtle into an rdflib Graph."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(ontology_dir / ONTOLOGY_FILE, format="turtle")
    return graph


def build_index(graph) -> TermIndex:
    """Index the declarations of an ontology graph (rdflib.Graph)."""
    from rdflib import OWL, RDF, RDFS, URIRef

    index = TermIndex()
    for s in graph.subjects(RDF.type, OWL.Class):
        if isinstance(s, URIRef):
            index.classes.add(str(s))
    for s in graph.subjects(RDF.type, OWL.ObjectProperty):
        index.object_properties.add(str(s))
    for s in graph.subjects(RDF.type, OWL.DatatypeProperty):
        rng = graph.value(s, RDFS.range)
        index.datatype_properties[str(s)] = str(rng) if rng is not None else None
    for s in graph.subjects(RDF.type, OWL.AnnotationProperty):
        index.annotation_properties.add(str(s))
    index.annotation_properties.update({vocab.RDFS + "label", vocab.RDFS + "comment"})
    index.object_properties.add(vocab.SAME_AS)  # built-in OWL vocabulary, never declared
    for s in graph.subjects(RDF.type, OWL.NamedIndividual):
        index.individuals[str(s)] = {str(t) for t in graph.objects(s, RDF.type) if t != OWL.NamedIndividual}
    for s in graph.subjects(OWL.deprecated, None):
        if str(graph.value(s, OWL.deprecated)).lower() == "true":
            replacement = graph.value(s, URIRef(vocab.DCTERMS + "isReplacedBy"))
            index.deprecated[str(s)] = str(replacement) if replacement is not None else None
    has_time = URIRef(vocab.TIME + "hasTime")
    temporal_entity = URIRef(vocab.TIME + "TemporalEntity")
    for prop in index.object_properties:
        node = URIRef(prop)
        if (node == has_time or has_time in graph.transitive_objects(node, RDFS.subPropertyOf)
                or (node, RDFS.range, temporal_entity) in graph):
            index.time_properties.add(prop)
    return index
