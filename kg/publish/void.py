"""A VoID + DCAT description of the built dataset, every number counted from the dataset itself.

Counts, by SPARQL over the built N-Quads (pyoxigraph, each named graph on its own):

* ``void:triples``: quads, i.e. triples counted once per graph that holds them (the lines of
  ``dataset.nq``); for a named graph, its triples;
* ``void:entities``: distinct IRIs in the data namespace (``void:uriSpace``) used as a subject;
* ``void:classes``: distinct objects of ``rdf:type``; ``void:properties``: distinct predicates;
* ``void:distinctSubjects`` / ``void:distinctObjects``: distinct subject / object terms;
* one ``void:subset`` per named graph with the same counts, one ``void:classPartition`` per class
  (``void:entities`` = distinct instances) and one ``void:propertyPartition`` per property
  (``void:triples``).

The DCAT distribution is the N-Quads dump beside the description (``dataset.nq``, a relative IRI),
with its size and SHA-256. Nothing depends on the clock: the same build gives the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import vocab

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
SPDX = "http://spdx.org/rdf/terms#"
DATASET_IRI = vocab.BASE + "dataset"
DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
NQUADS_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/application/n-quads"


@dataclass
class Counts:
    """VoID statistics of a dataset or of one named graph."""

    triples: int = 0
    entities: int = 0
    classes: int = 0
    properties: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0


@dataclass
class Statistics:
    """Everything the description states about the dataset, counted from it."""

    total: Counts
    graphs: dict[str, Counts] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    vocabularies: list[str] = field(default_factory=list)


def _count_query(pattern: str, group_by: str = "") -> str:
    """COUNTs of one pattern binding ?s ?p ?o (per ``group_by`` variable when given)."""
    entity = f'isIRI(?s) && STRSTARTS(STR(?s), "{vocab.ID}")'
    return f"""
SELECT {group_by}
       (COUNT(*) AS ?triples)
       (COUNT(DISTINCT ?entity) AS ?entities)
       (COUNT(DISTINCT ?class) AS ?classes)
       (COUNT(DISTINCT ?p) AS ?properties)
       (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?o) AS ?objects)
WHERE {{
  {pattern}
  BIND(IF({entity}, ?s, ?nothing) AS ?entity)
  BIND(IF(?p = <{vocab.RDF}type>, ?o, ?nothing) AS ?class)
}}
{"GROUP BY " + group_by if group_by else ""}"""


def _counts(row) -> Counts:
    return Counts(*(int(row[name].value) for name in ("triples", "entities", "classes", "properties", "subjects",
                                                      "objects")))


def compute_statistics(store: ox.Store) -> Statistics:
    """Count everything the description states, from a store over the built dataset."""
    # every named graph: everything a build holds is in one (its store's default graph is their merge,
    # kg.query.store.load_merged, and is not counted again)
    total = _count_query("GRAPH ?g { ?s ?p ?o }")
    stats = Statistics(total=_counts(next(iter(store.query(total)))))
    for row in store.query(_count_query("GRAPH ?g { ?s ?p ?o }", group_by="?g")):
        if isinstance(row["g"], ox.NamedNode):
            stats.graphs[row["g"].value] = _counts(row)
    stats.graphs = dict(sorted(stats.graphs.items()))
    classes = store.query(f"""
        SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
        WHERE {{ GRAPH ?g {{ ?s <{vocab.RDF}type> ?class }} }}
        GROUP BY ?class""")
    stats.classes = {row["class"].value: int(row["n"].value) for row in classes
                     if isinstance(row["class"], ox.NamedNode)}
    properties = store.query("""
        SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p""")
    stats.properties = {row["p"].value: int(row["n"].value) for row in properties}
    used = set(stats.classes) | set(stats.properties)
    stats.vocabularies = sorted({base for base in [*vocab.PREFIXES.values(), VOID, DCAT]
                                 if any(iri.startswith(base) for iri in used)})
    return stats


def describe(stats: Statistics, dump: Path, sources: dict[str, str], version: str) -> bytes:
    """The VoID + DCAT description as Turtle (rdflib's ``longturtle``: sorted, stable).

    ``dump`` is the N-Quads file described (its size and SHA-256 are recorded); ``sources`` maps
    each source graph's IRI to its source document's IRI.
    """
    import rdflib
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

    void, dcat, sd, spdx = (rdflib.Namespace(ns) for ns in (VOID, DCAT, SD, SPDX))
    g = rdflib.Graph()
    for prefix, ns in {"void": VOID, "dcat": DCAT, "sd": SD, "spdx": SPDX, "dcterms": vocab.DCTERMS,
                       "kgo": vocab.KGO, "prov": vocab.PROV, "xsd": vocab.XSD, "owl": vocab.OWL,
                       "rdfs": vocab.RDFS, "oa": vocab.OA, "time": vocab.TIME, "skos": vocab.SKOS}.items():
        g.bind(prefix, ns)
    ds = rdflib.URIRef(DATASET_IRI)

    def integer(n: int) -> rdflib.Literal:
        return rdflib.Literal(n, datatype=XSD.integer)

    def add_counts(node: rdflib.URIRef, counts: Counts) -> None:
        g.add((node, void.triples, integer(counts.triples)))
        g.add((node, void.entities, integer(counts.entities)))
        g.add((node, void.classes, integer(counts.classes)))
        g.add((node, void.properties, integer(counts.properties)))
        g.add((node, void.distinctSubjects, integer(counts.distinct_subjects)))
        g.add((node, void.distinctObjects, integer(counts.distinct_objects)))

    g.add((ds, RDF.type, void.Dataset))
    g.add((ds, RDF.type, dcat.Dataset))
    g.add((ds, DCTERMS.title, rdflib.Literal("Japan Security Knowledge Graph", lang="en")))
    g.add((ds, DCTERMS.description, rdflib.Literal(
        "Japan's security partnerships (arrangements, directed obligations, explicit absences of "
        "obligation, statements) built from news reporting; every asserted triple is reified with the "
        "verbatim quote, character offsets and SHA-256 of the source text that supports it.", lang="en")))
    g.add((ds, DCTERMS.license, rdflib.URIRef(DATA_LICENSE)))
    g.add((ds, DCTERMS.rights, rdflib.Literal(
        "Ontology and curated data: CC BY 4.0. Quoted passages remain their publishers' and are reproduced "
        "as short quotations for reference. Software: MIT.", lang="en")))
    g.add((ds, DCTERMS.creator, rdflib.Literal("japan-security-kg contributors")))
    g.add((ds, OWL.versionInfo, rdflib.Literal(version)))
    g.add((ds, DCTERMS.conformsTo, rdflib.URIRef(vocab.ONTOLOGY_IRI)))
    for keyword in ("Japan", "security", "alliances", "defence pledges", "provenance", "knowledge graph"):
        g.add((ds, dcat.keyword, rdflib.Literal(keyword, lang="en")))
    g.add((ds, void.uriSpace, rdflib.Literal(vocab.ID)))
    g.add((ds, void.exampleResource, rdflib.URIRef(vocab.entity_iri("state/japan"))))
    g.add((ds, void.exampleResource, rdflib.URIRef(vocab.entity_iri("agreement/japan-uk-reciprocal-access-agreement"))))
    for base in stats.vocabularies:
        g.add((ds, void.vocabulary, rdflib.URIRef(base)))
    for doc in sorted(set(sources.values())):
        g.add((ds, DCTERMS.source, rdflib.URIRef(doc)))
    add_counts(ds, stats.total)

    dist = rdflib.URIRef(DATASET_IRI + "#nquads")
    download = rdflib.URIRef(dump.name)  # relative: the dump lies beside this description
    g.add((ds, dcat.distribution, dist))
    g.add((ds, void.dataDump, download))
    g.add((dist, RDF.type, dcat.Distribution))
    g.add((dist, DCTERMS.title, rdflib.Literal("The whole dataset as canonical, sorted N-Quads", lang="en")))
    g.add((dist, dcat.downloadURL, download))
    g.add((dist, dcat.mediaType, rdflib.URIRef(NQUADS_MEDIA_TYPE)))
    g.add((dist, DCTERMS.license, rdflib.URIRef(DATA_LICENSE)))
    data = dump.read_bytes()
    g.add((dist, dcat.byteSize, rdflib.Literal(len(data), datatype=XSD.nonNegativeInteger)))
    checksum = rdflib.URIRef(DATASET_IRI + "#nquads-sha256")
    g.add((dist, spdx.checksum, checksum))
    g.add((checksum, RDF.type, spdx.Checksum))
    g.add((checksum, spdx.algorithm, spdx.checksumAlgorithm_sha256))
    g.add((checksum, spdx.checksumValue, rdflib.Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))

    for graph, counts in stats.graphs.items():
        node = rdflib.URIRef(f"{DATASET_IRI}#{_fragment(graph)}")
        g.add((ds, void.subset, node))
        g.add((node, RDF.type, void.Dataset))
        g.add((node, RDF.type, sd.NamedGraph))
        g.add((node, sd.name, rdflib.URIRef(graph)))
        g.add((node, RDFS.label, rdflib.Literal(graph.removeprefix(vocab.BASE), lang="en")))
        if graph in sources:
            g.add((node, rdflib.URIRef(vocab.PROV + "wasDerivedFrom"), rdflib.URIRef(sources[graph])))
        add_counts(node, counts)
    for cls, n in sorted(stats.classes.items()):
        node = rdflib.URIRef(f"{DATASET_IRI}#class-{_fragment(cls)}")
        g.add((ds, void.classPartition, node))
        g.add((node, void["class"], rdflib.URIRef(cls)))
        g.add((node, void.entities, integer(n)))
    for prop, n in sorted(stats.properties.items()):
        node = rdflib.URIRef(f"{DATASET_IRI}#property-{_fragment(prop)}")
        g.add((ds, void.propertyPartition, node))
        g.add((node, void.property, rdflib.URIRef(prop)))
        g.add((node, void.triples, integer(n)))
    return g.serialize(format="longturtle", encoding="utf-8")


def _fragment(iri: str) -> str:
    short = vocab.shorten(iri).replace(vocab.GRAPH, "graph/")
    if short.startswith(vocab.BASE):
        short = short[len(vocab.BASE):]
    return "".join(c if c.isalnum() else "-" for c in short).strip("-")


def void_turtle(store: ox.Store, dump: Path, version: str) -> bytes:
    """Count the dataset in ``store`` (loaded from ``dump``) and describe it."""
    stats = compute_statistics(store)
    sources = {}
    rows = store.query(f"""SELECT ?graph ?doc WHERE {{ GRAPH ?pg {{ ?graph a <{vocab.PROV}Bundle> ;
                            <{vocab.PROV}wasDerivedFrom> ?doc }} }}""")
    for row in rows:
        sources[row["graph"].value] = row["doc"].value
    return describe(stats, dump, sources, version)
