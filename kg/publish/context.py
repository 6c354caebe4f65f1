"""A JSON-LD 1.1 context for the kgo vocabulary, generated from the ontology so it cannot drift from it.

With it, JSON written by hand or by a program reads like the YAML facts::

    {"@context": "https://w3id.org/japan-security-kg/ontology/context.jsonld",
     "id": "observation/japan-philippines-defence-talks-under-way-2023-01",
     "type": "StatusObservation",
     "ofArrangement": "agreement/japan-philippines-defence-talks",
     "observedStatus": "UnderNegotiation"}

* every kgo class, property and named individual is a term named by its local name;
* object properties take IRIs (``"@type": "@id"``), resolved against ``@base`` (the data
  namespace), so an entity id such as ``state/japan`` is a value; properties whose range is an
  enumerated class (lifecycle status, obligation kind) take a term (``"@type": "@vocab"``), so
  ``"UnderNegotiation"`` means ``kgo:UnderNegotiation``;
* datatype properties carry their range's datatype; strings are English by default
  (``"@language": "en"``), as in the graph;
* the project's prefixes are defined, so any other term is usable as a CURIE; the OWL-Time
  properties the facts use are defined under their CURIEs (``"time:inXSDDateTime"`` is an ``xsd:dateTime``).

The committed copy is ``ontology/context.jsonld``; ``make regen`` rewrites it and a test fails when it
is out of date with ``ontology/kgo.ttl``.
"""

from __future__ import annotations

import json
from pathlib import Path

from kg import vocab

# Time properties the facts use, declared in kgo.ttl but outside the kgo namespace: terms named by
# their CURIE (``"time:inXSDDateTime"``), so that the CURIE a writer uses carries the property's datatype.
EXTRA_TERMS = ("time:hasTime", "time:hasBeginning", "time:hasEnd", "time:inXSDDateTime")
ALIASES = {
    "id": "@id",
    "type": "@type",
    "label": {"@id": "rdfs:label"},
    "altLabel": {"@id": "skos:altLabel"},
    "definition": {"@id": "skos:definition"},
    "description": {"@id": "dcterms:description"},
}


def build_context(ontology_dir: Path) -> dict:
    """The context document (``{"@context": {...}}``) for the ontology in ``ontology_dir``."""
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS

    from kg.ontology import load_ontology_graph

    graph = load_ontology_graph(ontology_dir)
    enumerated = {str(cls) for cls in graph.subjects(OWL.equivalentClass, None)
                  if any(graph.value(eq, OWL.oneOf) is not None for eq in graph.objects(cls, OWL.equivalentClass))}
    enumerated |= {str(t) for s in graph.subjects(RDF.type, OWL.NamedIndividual)
                   for t in graph.objects(s, RDF.type) if str(t).startswith(vocab.KGO)}

    def curie(iri: str) -> str:
        return vocab.shorten(iri)

    terms: dict[str, object] = {}
    declared = sorted({str(s) for s in graph.subjects() if isinstance(s, rdflib.URIRef)
                       and str(s).startswith(vocab.KGO) and len(str(s)) > len(vocab.KGO)})
    extra = [vocab.expand(name) or name for name in EXTRA_TERMS]
    for iri in [*declared, *extra]:
        node = rdflib.URIRef(iri)
        name = iri.rsplit("#", 1)[-1] if iri.startswith(vocab.KGO) else curie(iri)
        types = set(graph.objects(node, RDF.type))
        if OWL.ObjectProperty in types:
            rng = graph.value(node, RDFS.range)
            terms[name] = {"@id": curie(iri), "@type": "@vocab" if str(rng) in enumerated else "@id"}
        elif OWL.DatatypeProperty in types:
            rng = graph.value(node, RDFS.range)
            definition: dict[str, object] = {"@id": curie(iri)}
            if rng is not None and str(rng) != vocab.RDF + "langString":
                definition["@type"] = curie(str(rng))
            terms[name] = definition
        elif OWL.AnnotationProperty in types:
            # plain strings in the data (e.g. kgo:atopCategory "defense"): no language
            terms[name] = {"@id": curie(iri), "@language": None}
        else:
            terms[name] = curie(iri)
    clashes = sorted(set(terms) & (set(ALIASES) | set(vocab.PREFIXES)))
    if clashes:
        raise ValueError(f"ontology terms clash with the context's aliases or prefixes: {', '.join(clashes)}")
    context: dict[str, object] = {
        "@version": 1.1,
        "@base": vocab.ID,
        "@language": "en",
        **ALIASES,
        **{prefix: iri for prefix, iri in vocab.PREFIXES.items()},
        **dict(sorted(terms.items())),
    }
    return {"@context": context}


def context_json(ontology_dir: Path) -> bytes:
    """The context as the bytes of ``ontology/context.jsonld`` (stable key order, two-space indent)."""
    return (json.dumps(build_context(ontology_dir), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
