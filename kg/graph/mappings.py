"""The ontology's mappings to Wikidata and to ATOP: ``ontology/mappings.sssom.tsv`` (SSSOM/TSV).

The table is the one record of these mappings (with each one's justification and comment); the
build loads its SKOS triples into the named graph ``graph/mappings`` so they can be queried with
the rest. Rows whose object is ``sssom:NoTermFound`` record that no counterpart exists and give no
triple.

The reader is deliberately small (PyYAML for the metadata block, ``csv`` for the rows): the SSSOM
reference implementation (sssom-py) pulls pandas and LinkML into the runtime, so it is used by the
tests instead, to validate the table against the SSSOM schema and to cross-check this reader.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg import vocab
from kg.errors import InputError, Problem, ProblemCollector

MAPPINGS_FILE = "mappings.sssom.tsv"
NO_TERM_FOUND = "https://w3id.org/sssom/NoTermFound"
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
MAPPING_PREDICATES = frozenset(vocab.SKOS + m for m in (
    "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"))
# Prefixes every SSSOM file may use without declaring them (the SSSOM specification's built-ins).
BUILTIN_PREFIXES = {
    "owl": vocab.OWL, "rdf": vocab.RDF, "rdfs": vocab.RDFS, "skos": vocab.SKOS,
    "semapv": "https://w3id.org/semapv/vocab/", "sssom": "https://w3id.org/sssom/",
}


@dataclass(frozen=True)
class Mapping:
    """One row of the table, its CURIEs expanded to IRIs."""

    subject: str
    predicate: str
    object: str
    justification: str
    subject_label: str = ""
    object_label: str = ""
    object_source: str = ""
    comment: str = ""
    line: int = 0


@dataclass
class MappingSet:
    """The table's metadata block and its rows."""

    path: Path
    metadata: dict
    prefixes: dict[str, str]
    mappings: list[Mapping] = field(default_factory=list)

    @property
    def mapping_set_id(self) -> str:
        """The mapping set's IRI (its ``mapping_set_id``)."""
        return str(self.metadata["mapping_set_id"])


def read_sssom(path: Path) -> MappingSet:
    """Parse an SSSOM/TSV file with an embedded metadata block; InputError names file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        raise InputError(Problem(path, "file not found")) from None
    header = [line[1:] for line in lines if line.startswith("#")]
    body_start = len(header)
    if any(line.startswith("#") for line in lines[body_start:]):
        raise InputError(Problem(path, "the metadata block (lines starting with #) must come before the table"))
    try:
        metadata = yaml.safe_load("".join(header)) or {}
    except yaml.YAMLError as exc:
        raise InputError(Problem(path, f"malformed metadata block: {exc}")) from None
    if not isinstance(metadata, dict) or "mapping_set_id" not in metadata:
        raise InputError(Problem(path, "the metadata block needs at least mapping_set_id and curie_map"))
    prefixes = {**BUILTIN_PREFIXES, **{str(k): str(v) for k, v in (metadata.get("curie_map") or {}).items()}}
    mapping_set = MappingSet(path, metadata, prefixes)
    problems = ProblemCollector()
    reader = csv.DictReader(io.StringIO("".join(lines[body_start:])), delimiter="\t")
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(Problem(path, f"missing column(s) {', '.join(missing)}", body_start + 1))
    for number, row in enumerate(reader, start=body_start + 2):
        expanded = {}
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            value = (row.get(column) or "").strip()
            prefix, sep, local = value.partition(":")
            if not sep or prefix not in prefixes or not local:
                problems.add(path, f"{column} {value!r} is not a CURIE with a declared prefix", number)
                continue
            expanded[column] = prefixes[prefix] + local
        if len(expanded) < 4:
            continue
        if expanded["predicate_id"] not in MAPPING_PREDICATES:
            problems.add(path, f"predicate_id {row['predicate_id']!r} is not a SKOS mapping property", number)
            continue
        mapping_set.mappings.append(Mapping(
            subject=expanded["subject_id"], predicate=expanded["predicate_id"], object=expanded["object_id"],
            justification=expanded["mapping_justification"], subject_label=row.get("subject_label") or "",
            object_label=row.get("object_label") or "", object_source=row.get("object_source") or "",
            comment=row.get("comment") or "", line=number))
    problems.raise_if_any()
    return mapping_set


def mapping_triples(mapping_set: MappingSet) -> Iterator[tuple]:
    """SKOS triples of the table (rdflib terms), and a label for each object this project names."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, SKOS

    own = vocab.ID
    for m in mapping_set.mappings:
        if m.object == NO_TERM_FOUND:
            continue
        yield URIRef(m.subject), URIRef(m.predicate), URIRef(m.object)
        if m.object.startswith(own):  # e.g. the ATOP categories, which have no IRIs of their own
            yield URIRef(m.object), RDF.type, SKOS.Concept
            yield URIRef(m.object), SKOS.prefLabel, Literal(m.object_label, lang="en")
            if m.object_source:
                yield URIRef(m.object), DCTERMS.source, URIRef(m.object_source)


def provenance_triples(mapping_set: MappingSet) -> Iterator[tuple]:
    """What the mappings graph is: derived from the SSSOM table, with its licence and version."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, PROV, RDF

    table = URIRef(mapping_set.mapping_set_id)
    yield table, RDF.type, PROV.Entity
    yield table, DCTERMS.title, Literal(str(mapping_set.metadata.get("mapping_set_title", "")), lang="en")
    yield table, DCTERMS.description, Literal(" ".join(str(mapping_set.metadata.get(
        "mapping_set_description", "")).split()), lang="en")
    if mapping_set.metadata.get("license"):
        yield table, DCTERMS.license, URIRef(str(mapping_set.metadata["license"]))
    if mapping_set.metadata.get("mapping_set_version"):
        yield table, OWL.versionInfo, Literal(str(mapping_set.metadata["mapping_set_version"]))
    yield table, DCTERMS.source, Literal(f"ontology/{MAPPINGS_FILE}")
    yield URIRef(vocab.GRAPH_MAPPINGS), PROV.wasDerivedFrom, table


def add_mappings(dataset, ontology_dir: Path) -> MappingSet:
    """Load the table into ``graph/mappings`` and its description into ``graph/provenance/mappings``."""
    from rdflib import URIRef

    mapping_set = read_sssom(ontology_dir / MAPPINGS_FILE)
    graph = dataset.graph(URIRef(vocab.GRAPH_MAPPINGS))
    for triple in mapping_triples(mapping_set):
        graph.add(triple)
    provenance = dataset.graph(URIRef(vocab.provenance_graph("mappings")))
    for triple in provenance_triples(mapping_set):
        provenance.add(triple)
    return mapping_set
