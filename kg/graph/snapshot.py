"""The Wikidata snapshot in the repository (``data/wikidata/``) and its provenance.

Two Turtle files, written together and atomically:

* ``snapshot.ttl``: what Wikidata says about the items this graph links to, in Wikidata's own
  RDF shape (``wd:``/``wdt:``/``p:``/``ps:``/``pq:``, ``rdfs:label`` with language tags), so that a
  query reads the same against the snapshot and, federated, against the live service;
* ``provenance.ttl``: what the snapshot is and where it came from.

The build loads them into ``graph/external/wikidata`` and ``graph/provenance/wikidata``: Wikidata's
claims, kept apart from the curated facts (which each have a quote) and from the reference
memberships (which are the organisations' own lists, not Wikidata's).

There are two kinds of snapshot. The *offline seed* (``kg wikidata seed``) is all this machine can
make without the internet: the English Wikidata labels the reference records for the linked items
(its ``wikidata_label`` column), nothing else; no Japanese labels, no instance-of, no memberships,
no positions. A *live refresh* (``kg wikidata refresh``, ``kg.linking.wikidata``) replaces it with what an
endpoint answers. Both are serialised with rdflib's ``longturtle`` (sorted, stable), so the same
data gives the same bytes and a refresh shows as a readable diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg import vocab
from kg.atomic import write_all_atomically

SNAPSHOT_DIR = "wikidata"
SNAPSHOT_FILE = "snapshot.ttl"
PROVENANCE_FILE = "provenance.ttl"
SNAPSHOT_IRI = vocab.source_iri("wikidata-snapshot")
GRAPH_WIKIDATA = vocab.external_graph("wikidata")
GRAPH_WIKIDATA_PROVENANCE = vocab.provenance_graph("wikidata")
OFFLINE_SEED = "offline seed"
LIVE_REFRESH = "live refresh"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


@dataclass(frozen=True)
class SnapshotInfo:
    """What a loaded snapshot is, for build-info and the build's report."""

    kind: str
    triples: int
    items: int
    endpoint: str | None = None
    retrieved: str | None = None

    def describe(self) -> str:
        """One line for ``kg build``."""
        where = f" from {self.endpoint} at {self.retrieved}" if self.endpoint else " from the reference"
        return f"{self.triples} triples about {self.items} items ({self.kind}{where})"


def snapshot_dir(data_dir: Path) -> Path:
    """``data/wikidata``."""
    return data_dir / SNAPSHOT_DIR


def new_graphs():
    """Empty data and provenance graphs with the prefixes the files use."""
    import rdflib

    data, provenance = rdflib.Graph(), rdflib.Graph()
    for graph in (data, provenance):
        for prefix, iri in vocab.PREFIXES.items():
            graph.bind(prefix, iri, override=True, replace=True)
        graph.bind("wds", vocab.WDS)
        graph.bind("id", vocab.ID)
    return data, provenance


def serialise(graph) -> bytes:
    """Deterministic Turtle (rdflib's ``longturtle``: subjects and predicates sorted)."""
    return graph.serialize(format="longturtle", encoding="utf-8")


def write_snapshot(data_dir: Path, data, provenance) -> list[Path]:
    """Replace both files at once; a failure leaves the previous snapshot intact."""
    directory = snapshot_dir(data_dir)
    files = {directory / SNAPSHOT_FILE: serialise(data), directory / PROVENANCE_FILE: serialise(provenance)}
    write_all_atomically(files)
    return list(files)


def describe_snapshot(provenance, kind: str, description: str, derived_from: str, endpoint: str | None = None,
                      retrieved: str | None = None) -> None:
    """Add the provenance statements of a snapshot to ``provenance`` (rdflib Graph)."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

    from kg.version import software_version

    doc = URIRef(SNAPSHOT_IRI)
    title = "Wikidata snapshot: " + ("offline seed from the reference" if kind == OFFLINE_SEED else "live refresh")
    provenance.add((doc, RDF.type, PROV.Entity))
    provenance.add((doc, DCTERMS.title, Literal(title, lang="en")))
    provenance.add((doc, DCTERMS.type, Literal(kind)))
    provenance.add((doc, DCTERMS.description, Literal(description, lang="en")))
    provenance.add((doc, PROV.wasDerivedFrom, URIRef(derived_from)))
    provenance.add((URIRef(GRAPH_WIKIDATA), PROV.wasDerivedFrom, doc))
    if kind == LIVE_REFRESH:
        activity = URIRef(vocab.ID + "activity/wikidata-refresh")
        agent_iri, agent_label = vocab.software_agent(software_version())
        agent = URIRef(agent_iri)
        provenance.add((doc, DCTERMS.license, URIRef(CC0)))
        provenance.add((doc, PROV.wasGeneratedBy, activity))
        provenance.add((activity, RDF.type, PROV.Activity))
        provenance.add((activity, PROV.wasAssociatedWith, agent))
        provenance.add((agent, RDF.type, PROV.SoftwareAgent))
        provenance.add((agent, RDFS.label, Literal(agent_label, lang="en")))
        if endpoint:
            provenance.add((activity, PROV.used, URIRef(endpoint)))
        if retrieved:
            provenance.add((doc, PROV.generatedAtTime, Literal(retrieved, datatype=XSD.dateTime)))
            provenance.add((activity, PROV.endedAtTime, Literal(retrieved, datatype=XSD.dateTime)))


def seed_graphs(labels: dict[str, str], reference_name: str):
    """The offline seed: ``wd:Q… rdfs:label "…"@en`` for each linked item, with its provenance."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS

    data, provenance = new_graphs()
    for qid, label in sorted(labels.items()):
        data.add((URIRef(vocab.wikidata_item(qid)), RDFS.label, Literal(label, lang="en")))
    description = (
        f"An offline seed, not data retrieved from Wikidata: the English Wikidata labels of the {len(labels)} "
        f"items this graph links to, as the reference {reference_name} records them in its wikidata_label "
        "column (seen paired with the identifier in public data derived from Wikidata; they may be out of "
        "date). It holds no Japanese or other labels, no instance-of, no memberships and no positions held: "
        "this machine has no internet access, and labels are never written from memory. Run "
        "'kg wikidata refresh' where the Wikidata Query Service is reachable to replace it with live data.")
    describe_snapshot(provenance, OFFLINE_SEED, description, vocab.source_iri("reference-wikidata-ids"))
    return data, provenance


def add_snapshot(dataset, data_dir: Path) -> SnapshotInfo | None:
    """Load ``data/wikidata`` into its graphs of ``dataset`` (rdflib Dataset); None if there is none."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, PROV

    from kg.errors import InputError, Problem

    directory = snapshot_dir(data_dir)
    files = (directory / SNAPSHOT_FILE, directory / PROVENANCE_FILE)
    if not any(f.exists() for f in files):
        return None
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise InputError(Problem(missing[0], "the Wikidata snapshot needs both snapshot.ttl and provenance.ttl"))
    data = dataset.graph(URIRef(GRAPH_WIKIDATA))
    provenance = dataset.graph(URIRef(GRAPH_WIKIDATA_PROVENANCE))
    for graph, path in ((data, files[0]), (provenance, files[1])):
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several parser-specific types
            raise InputError(Problem(path, f"not valid Turtle: {exc}")) from None
    doc = URIRef(SNAPSHOT_IRI)
    kind = provenance.value(doc, DCTERMS.type)
    if kind not in (Literal(OFFLINE_SEED), Literal(LIVE_REFRESH)):
        raise InputError(Problem(files[1], f"does not say what the snapshot is (dcterms:type of <{SNAPSHOT_IRI}> "
                                 f"must be {OFFLINE_SEED!r} or {LIVE_REFRESH!r})"))
    activity = provenance.value(doc, PROV.wasGeneratedBy)
    endpoint = next((str(o) for o in provenance.objects(activity, PROV.used)), None) if activity else None
    retrieved = provenance.value(doc, PROV.generatedAtTime)
    items = {s for s in data.subjects() if str(s).startswith(vocab.WD) and not str(s).startswith(vocab.WDS)}
    return SnapshotInfo(str(kind), len(data), len(items), endpoint, str(retrieved) if retrieved else None)
