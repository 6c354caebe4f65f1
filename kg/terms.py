"""Conversions between pyoxigraph and rdflib terms, cached (graphs repeat the same terms a lot).

The project's own data structures are pyoxigraph terms; rdflib terms are needed only where an
rdflib-based library takes them: pySHACL, the reasonable reasoner, rdflib's reference engine. Also
N-Quads to N-Triples (:func:`triples_of`), for the store's merged default graph.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

from kg import vocab

_GRAPH_AT_LINE_END = re.compile(rb" <[^<>\s]*> \.\n")


def triples_of(nquads: bytes) -> bytes:
    """N-Quads whose every line is in a named graph, as N-Triples: each line without its graph."""
    return _GRAPH_AT_LINE_END.sub(b" .\n", nquads)


@lru_cache(maxsize=500_000)
def to_rdflib(term):
    """The rdflib term for a pyoxigraph term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == vocab.XSD + "string":
        # rdflib keeps "x" and "x"^^xsd:string apart (RDF 1.1 makes them one term): a string
        # parameter must be the plain literal that a VALUES clause parses to, or the two never join
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@lru_cache(maxsize=500_000)
def from_rdflib(term):
    """The pyoxigraph term for an rdflib term."""
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = term.datatype or (vocab.XSD + "string")
        return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
    return ox.NamedNode(str(term))


def rdflib_graph(triples):
    """An rdflib Graph holding pyoxigraph triples (no serialise/parse round trip)."""
    import rdflib

    graph = rdflib.Graph()
    graph.addN((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), graph) for t in triples)
    return graph


def quads_of_rdflib_dataset(dataset) -> list[ox.Quad]:
    """The quads of an rdflib Dataset's named graphs, as pyoxigraph quads, sorted: rdflib's own order
    follows Python's string hashing, which changes with PYTHONHASHSEED (issue 12: the build's bytes did)."""
    from rdflib import URIRef

    quads = []
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graph = g.identifier if hasattr(g, "identifier") else g
        if isinstance(graph, URIRef):
            quads.append(ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o), ox.NamedNode(str(graph))))
    return sorted(quads, key=str)
