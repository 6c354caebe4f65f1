"""Deterministic serialisations of the built dataset.

The build writes canonical N-Quads, sorted, so the same inputs give the same bytes. Other
formats are produced from that file by pyoxigraph's serialisers (TriG, Turtle, JSON-LD), with
the quads sorted first and the project's prefixes, so they are deterministic too.
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
    "jsonld": ox.RdfFormat.JSON_LD,
}
PREFIXES = {**vocab.PREFIXES, "id": vocab.ID}


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


def serialise(quads: list[ox.Quad], fmt: str) -> bytes:
    """Serialise quads in one of FORMATS; Turtle merges every graph into one (names are lost)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "nq":
        return "".join(str(q) + " .\n" for q in quads).encode("utf-8")
    if fmt == "ttl":
        triples = sorted({q.triple for q in quads}, key=lambda t: (str(t.subject), str(t.predicate),
                                                                     str(t.object)))
        return ox.serialize(triples, format=FORMATS[fmt], prefixes=PREFIXES)
    return ox.serialize(quads, format=FORMATS[fmt], prefixes=PREFIXES if fmt == "trig" else None)
