"""Query engines over the built dataset.

* ``oxigraph`` (default): pyoxigraph, the embedded Rust SPARQL engine; fast, and cheap to start.
* ``rdflib``: rdflib's own SPARQL engine, the reference the tests compare against (slow on
  large graphs; imported only when asked for).

Both evaluate queries with the default graph as the union of all named graphs, which is how
the stored queries are written — unless the query names its own dataset (``FROM`` / ``FROM
NAMED``): then that dataset is used, as SPARQL 1.1 says (Oxigraph's union option would otherwise
replace it). Every query passes :func:`kg.query.guard.check_query` before an engine parses it.

The union is an RDF merge: a triple that several sources assert is in it once. Oxigraph's own union
option (``use_default_graph_as_union``, 0.5) matches such a triple once per graph (oxigraph#1919), so
each join multiplied by how many sources share a fact: on the real graph a query over Japan's
agreements met one reciprocal access agreement 49 times before DISTINCT, and a COUNT(*) counted
repeats. So a build's store holds the merge itself, in its default graph (:func:`load_merged`), and
queries read that graph; a store without it (an older build, a store made by hand) is queried through
the union option as before (:func:`reads_union`). docs/performance.md gives the measurements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.config import STORE_DIR
from kg.errors import InputError
from kg.query.binding import bind_parameters
from kg.terms import triples_of

IN_MEMORY_LIMIT = 8_000_000  # bytes of N-Quads (~50k quads)


def open_oxigraph(dataset_file: Path) -> ox.Store:
    """The built dataset in pyoxigraph: the persistent store ``kg build`` wrote beside it, opened
    read-only; for a small graph, the N-Quads loaded in memory instead, which is quicker than
    opening RocksDB (35 ms against 55 ms for the article graph, in a cold process)."""
    if not dataset_file.is_file():
        raise InputError(f"{dataset_file}: no built dataset here; run 'kg build' first")
    persistent = dataset_file.parent / STORE_DIR
    if dataset_file.stat().st_size > IN_MEMORY_LIMIT and (persistent / "CURRENT").is_file():
        return ox.Store.read_only(str(persistent))
    store = ox.Store()
    load_merged(store, dataset_file.read_bytes())
    return store


_NQ = ox.RdfFormat.N_QUADS
_LINE_WITH_BLANK_NODE = re.compile(rb"^[^\n]*_:[^\n]*\n", re.MULTILINE)


def load_merged(store: ox.Store, nquads: bytes, triples: bytes | None = None) -> None:
    """Load N-Quads (every quad in a named graph) into ``store``, and their triples into its default graph:
    the merge of the named graphs, each triple once. Blank nodes keep their labels in both, so a blank
    node of a named graph is the same node in the merge (Oxigraph's bulk loader would rename them).
    ``triples`` is ``triples_of(nquads)`` where the caller made it already (a build's worker processes
    do, off the loading thread); it is ignored for N-Quads with blank nodes."""
    if b"_:" in nquads:  # the ontology's restrictions and lists: a few lines, loaded as terms
        triples = None  # made again below, from the lines left
        quads = list(ox.parse(input=b"".join(_LINE_WITH_BLANK_NODE.findall(nquads)), format=_NQ,
                              rename_blank_nodes=False))
        store.bulk_extend([*quads, *(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)])
        nquads = _LINE_WITH_BLANK_NODE.sub(b"", nquads)
    # one bulk load (each writes and ingests table files: a second per chunk doubled the suite's time):
    # N-Quads whose lines without a graph are the default graph's; the loader drops repeated triples
    # lenient: the bytes are Oxigraph's own serialization of terms it parsed or built, so their IRIs are valid
    merged = triples_of(nquads) if triples is None else triples
    store.bulk_load(input=nquads + merged, format=_NQ, lenient=True)


def reads_union(store: ox.Store) -> bool:
    """Whether queries must ask Oxigraph for the union of the named graphs: True unless the store holds
    their merge in its default graph (:func:`load_merged`; a build's store does)."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None


@dataclass
class Results:
    """SELECT results independent of the engine: variable names and rows of pyoxigraph terms."""

    variables: list[str]
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]


def select_oxigraph(store: ox.Store, query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]
                    ) -> ox.QuerySolutions:
    """Run a SELECT on pyoxigraph, the default graph being the union of all graphs unless the query
    names its own dataset; parameters are bound as constants (:func:`kg.binding.bind_parameters`)."""
    return evaluate(store, bind_parameters(query, bindings))


def evaluate(store: ox.Store, query: str, allow_service: bool = True, **options
             ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Any query on pyoxigraph, after the guard; the union default graph only when the query has no
    FROM / FROM NAMED and ``options`` give no dataset (the endpoint's rule, docs/robustness.md)."""
    from kg.query.guard import check_query

    shape = check_query(query, allow_service=allow_service)
    union = (not shape.dataset and "default_graph" not in options and "named_graphs" not in options
             and reads_union(store))
    try:
        return store.query(query, use_default_graph_as_union=union, **options)
    except SyntaxError as exc:
        raise InputError(f"SPARQL syntax error: {exc}") from None


def collect(solutions: ox.QuerySolutions) -> Results:
    """Materialise pyoxigraph solutions."""
    variables = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        rows.append({name: solution[name] for name in variables if solution[name] is not None})
    return Results(variables, rows)


def solutions_json(solutions: ox.QuerySolutions) -> dict:
    """SELECT solutions as the W3C SPARQL 1.1 JSON results document (pyoxigraph's serialisation, parsed)."""
    import json

    return json.loads(solutions.serialize(format=ox.QueryResultsFormat.JSON))


def project_solutions(document: dict, columns: list[str]) -> dict:
    """A W3C JSON results document with only ``columns``, in that order (pyoxigraph parses it back into
    solutions, so every result format is still written by its serialiser)."""
    bindings = [{c: b[c] for c in columns if c in b} for b in document["results"]["bindings"]]
    return {"head": {**document["head"], "vars": list(columns)}, "results": {"bindings": bindings}}


def select_rdflib(dataset_file: Path, query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]
                  ) -> Results:
    """Run a SELECT on rdflib's engine (the reference), returning pyoxigraph terms for comparison."""
    import rdflib

    from kg.query.guard import check_query
    from kg.terms import from_rdflib

    bound = bind_parameters(query, bindings)
    check_query(bound)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(str(dataset_file), format="nquads")
    try:
        result = dataset.query(bound)
    except Exception as exc:  # pyparsing's ParseException and rdflib's errors share no base class
        if type(exc).__name__ in ("ParseException", "ParseSyntaxException"):
            raise InputError(f"SPARQL syntax error: {exc}") from None
        raise
    variables = [str(v) for v in result.vars]
    rows = []
    for row in result:
        rows.append({name: from_rdflib(row[name]) for name in variables if row[name] is not None})
    return Results(variables, rows)
