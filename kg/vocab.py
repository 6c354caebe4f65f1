"""IRIs and prefixes: the one place where the graph's naming scheme lives.

Plain strings only, so that the query path can use them without importing rdflib.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/japan-security-kg/"
PROJECT_URL = BASE.rstrip("/")  # the project's home, as User-Agent headers name it
KGO = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"

# Wikidata's RDF namespaces (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format)
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
WDS = "http://www.wikidata.org/entity/statement/"
WDP = "http://www.wikidata.org/prop/"
WDPS = "http://www.wikidata.org/prop/statement/"
WDPQ = "http://www.wikidata.org/prop/qualifier/"
WIKIDATA_QUERY_SERVICE = "https://query.wikidata.org/sparql"

PREFIXES: dict[str, str] = {
    "kgo": KGO,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "oa": OA,
    "time": TIME,
    "vann": VANN,
    # Wikidata's, longest namespace first so that shorten() picks the most specific one
    "wdt": WDT,
    "ps": WDPS,
    "pq": WDPQ,
    "p": WDP,
    "wd": WD,
}

# Properties whose values are IRIs of things outside this graph (identity and mapping links).
# owl:sameAs is OWL's built-in vocabulary: it needs (and may have) no declaration in the ontology.
SAME_AS = OWL + "sameAs"
LINK_PROPERTIES = frozenset({SAME_AS, *(SKOS + m for m in (
    "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"))})

ENTITY_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_ENTITIES = GRAPH + "entities"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_MAPPINGS = GRAPH + "mappings"


def entity_iri(entity_id: str) -> str:
    """IRI of a registry or fact-introduced entity, e.g. ``state/japan`` -> ``.../id/state/japan``."""
    return ID + entity_id


def entity_id_of(iri: str) -> str | None:
    """Inverse of :func:`entity_iri`; None for IRIs outside the data namespace."""
    return iri[len(ID) :] if iri.startswith(ID) else None


def source_graph(source_id: str) -> str:
    """Named graph holding the facts asserted by one source."""
    return f"{GRAPH}source/{source_id}"


def provenance_graph(source_id: str) -> str:
    """Named graph holding the evidence (annotations, selectors, reified triples) of one source."""
    return f"{GRAPH}provenance/{source_id}"


def external_graph(name: str) -> str:
    """Named graph holding data imported whole from an outside source (e.g. ``wikidata``): its
    claims, not curated facts; its provenance is in ``provenance_graph(name)``."""
    return f"{GRAPH}external/{name}"


def wikidata_item(qid: str) -> str:
    """IRI of a Wikidata item or property, e.g. ``Q17`` -> ``http://www.wikidata.org/entity/Q17``."""
    if not re.fullmatch(r"[QP][1-9][0-9]*", qid):
        raise ValueError(f"not a Wikidata identifier: {qid!r}")
    return WD + qid


def source_iri(source_id: str) -> str:
    """IRI of the source document itself."""
    return f"{ID}source/{source_id}"


def fact_iri(source_id: str, fact_id: str) -> str:
    """IRI of a fact: a W3C Web Annotation whose target is the quote in the source."""
    return f"{ID}fact/{source_id}/{fact_id}"


def time_iri(source_id: str, fact_id: str, prop_local: str) -> str:
    """IRI of the OWL-Time entity a fact gives for one of its time-valued properties."""
    return f"{ID}time/{source_id}/{fact_id}/{prop_local}"


def expand(name: str) -> str | None:
    """Expand a CURIE (``time:hasTime``) or a bare kgo local name (``party``) to a full IRI.

    Returns None when the prefix is unknown.
    """
    if ":" in name:
        prefix, _, local = name.partition(":")
        base = PREFIXES.get(prefix)
        return base + local if base else None
    return KGO + name


def shorten(iri: str) -> str:
    """Shortest readable form of an IRI: an entity id, a CURIE, or the IRI itself."""
    eid = entity_id_of(iri)
    if eid is not None:
        return eid
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def id_prefixes(iris) -> dict[str, str]:
    """A prefix per kind of id among ``iris`` (``state:`` for ``id/state/``, ``fact-<source>:`` for a
    source's facts), so Turtle writes ``state:united-kingdom``. A namespace gets a prefix only where
    no id below it has a further ``/`` (which Turtle would have to escape) and it is at most two
    segments deep (the time spans of each fact keep their full IRIs rather than a prefix each)."""
    namespaces: set[str] = set()
    for iri in iris:
        eid = entity_id_of(iri)
        if eid and "/" in eid:
            namespaces.add(eid.rsplit("/", 1)[0])
    nested = {n.rsplit("/", 1)[0] for n in namespaces if "/" in n}
    prefixes = {}
    for namespace in sorted(namespaces - nested):
        if namespace.count("/") > 1 or any(n.startswith(namespace + "/") for n in namespaces):
            continue
        name = namespace.replace("/", "-")
        prefixes[name + "-id" if name in PREFIXES else name] = f"{ID}{namespace}/"
    return prefixes


def sparql_prologue() -> str:
    """PREFIX declarations for every known prefix, for ad-hoc queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def software_agent(version: str) -> tuple[str, str]:
    """This software as a PROV agent, the IRI and English label every graph that cites it uses."""
    return f"{ID}software/japan-security-kg/{version}", f"japan-security-kg {version}"
