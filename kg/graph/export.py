"""Deterministic serialisations of the built dataset.

The build writes canonical N-Quads, sorted, so the same inputs give the same bytes. Other
formats are produced from that file by pyoxigraph's serialisers (TriG, Turtle, N-Triples), with
the quads sorted first and the project's prefixes plus one per kind of id (``state:japan``), so they
are deterministic too. JSON-LD is compacted with the project's own context
(``ontology/context.jsonld``, embedded in the document so that it reads offline) by PyLD, which
implements the W3C JSON-LD 1.1 algorithms; ``jsonld-expanded`` gives the expanded form instead.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError

FORMATS: dict[str, ox.RdfFormat] = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "jsonld-expanded": ox.RdfFormat.JSON_LD,
}
GRAPH_FORMATS = ("ttl", "nt", "jsonld", "jsonld-expanded")  # the formats of a graph without names (CONSTRUCT)


def canonical_quads(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads without duplicates, in the order they were built, their blank nodes relabelled by W3C
    RDF Dataset Canonicalization (RDFC-1.0): the same inputs always give the same N-Quads bytes.

    Only quads with blank nodes (the ontology's restrictions and lists) go through RDFC: the
    labels of a blank node depend only on the quads that mention blank nodes, and canonicalising
    the whole dataset took a third of a 10^5-triple build.
    """
    plain, with_blanks = [], []
    for quad in dict.fromkeys(quads):
        blank = isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
        (with_blanks if blank else plain).append(quad)
    if not with_blanks:
        return plain
    dataset = ox.Dataset(with_blanks)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return plain + sorted(dataset, key=str)


def _sort_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def read_quads(path: Path) -> list[ox.Quad]:
    """Quads of an RDF file (format from its extension), sorted for deterministic output."""
    if not path.is_file():
        raise InputError(f"{path}: no built dataset here; run 'kg build' first")
    try:
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise InputError(f"{path}: unknown RDF file extension {path.suffix!r}")
        quads = list(ox.parse(path=str(path), format=fmt))
    except SyntaxError as exc:
        raise InputError(f"{path}: not valid RDF: {exc}") from None
    return sorted(quads, key=_sort_key)


def prefixes_for(terms) -> dict[str, str]:
    """The project's prefixes that ``terms`` (pyoxigraph terms) use, and one per kind of id among them."""
    iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    used = {p: ns for p, ns in vocab.PREFIXES.items() if any(i.startswith(ns) for i in iris)}
    return {**used, **vocab.id_prefixes(iris)}


def _terms(quads):
    for quad in quads:
        yield quad.subject
        yield quad.predicate
        yield quad.object
        yield quad.graph_name
        if isinstance(quad.object, ox.Literal):
            yield quad.object.datatype


def serialise(quads: list[ox.Quad], fmt: str, context: Path | None = None) -> bytes:
    """Serialise quads in one of FORMATS; Turtle and N-Triples merge every graph into one (names are lost).
    JSON-LD is compacted with ``context`` (the project's context file)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "nq":
        return "".join(str(q) + " .\n" for q in quads).encode("utf-8")
    if fmt in ("ttl", "nt"):
        triples = sorted({q.triple for q in quads}, key=lambda t: (str(t.subject), str(t.predicate),
                                                                     str(t.object)))
        return serialise_triples(triples, fmt)
    if fmt.startswith("jsonld"):
        return _json_ld(quads, context if fmt == "jsonld" else None)
    return ox.serialize(quads, format=FORMATS[fmt], prefixes=prefixes_for(_terms(quads)))


def serialise_triples(triples: list[ox.Triple], fmt: str, context: Path | None = None) -> bytes:
    """Triples (a CONSTRUCT's, a DESCRIBE's, the merged graphs) as Turtle, N-Triples or JSON-LD, each triple
    once and in a stable order."""
    if fmt not in GRAPH_FORMATS:
        raise InputError(f"a graph is written as {', '.join(GRAPH_FORMATS)}, not {fmt!r}")
    triples = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if fmt.startswith("jsonld"):
        return _json_ld(triples, context if fmt == "jsonld" else None)
    if fmt == "nt":
        return ox.serialize(triples, format=FORMATS[fmt])
    return ox.serialize(triples, format=FORMATS[fmt], prefixes=prefixes_for(_terms(
        ox.Quad(t.subject, t.predicate, t.object) for t in triples)))


def _json_ld(statements: list, context: Path | None) -> bytes:
    """JSON-LD: expanded as pyoxigraph writes it, or compacted with ``context`` by PyLD."""
    expanded = ox.serialize(statements, format=ox.RdfFormat.JSON_LD)
    if context is None:
        return expanded
    import json

    from pyld import jsonld

    if not context.is_file():
        raise InputError(f"{context}: the JSON-LD context is missing (make regen writes it)")
    local = json.loads(context.read_text(encoding="utf-8"))
    document = _types_as_type_keyword(json.loads(expanded))
    compacted = jsonld.compact(document, local, {"documentLoader": _no_remote_documents})
    return (json.dumps(compacted, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _types_as_type_keyword(nodes: list) -> list:
    """pyoxigraph writes ``rdf:type`` as an ordinary property; JSON-LD's RDF-to-JSON-LD algorithm (with
    its default ``useRdfType: false``) makes each such IRI or blank node a value of ``@type``, which
    compaction then writes as ``"type": "ReciprocalAccessAgreement"``. Converting pyoxigraph's output
    this way is 40 times faster than PyLD's own N-Quads reader (0.1 s against 10 s for the article graph)."""
    for node in nodes:
        values = node.get(vocab.RDF + "type")
        if values is not None and all(set(v) == {"@id"} for v in values):
            del node[vocab.RDF + "type"]
            node["@type"] = [v["@id"] for v in values]
        if "@graph" in node:
            _types_as_type_keyword(node["@graph"])
    return nodes


def _no_remote_documents(url: str, options=None):
    raise InputError(f"JSON-LD: the context refers to {url}; only the local context is used")
