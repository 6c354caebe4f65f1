"""Query engines over the built dataset.

* ``oxigraph`` (default): pyoxigraph, the embedded Rust SPARQL engine; fast, and cheap to start.
* ``rdflib``: rdflib's own SPARQL engine, the reference the tests compare against (slow on
  large graphs; imported only when asked for).

Both evaluate queries with the default graph as the union of all named graphs, which is how
the stored queries are written — unless the query names its own dataset (``FROM`` / ``FROM
NAMED``): then that dataset is used, as SPARQL 1.1 says (Oxigraph's union option would otherwise
replace it). Every query passes :func:`kg.query.guard.check_query` before an engine parses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.config import STORE_DIR
from kg.errors import InputError
from kg.query.binding import bind_parameters

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
    store.bulk_load(path=str(dataset_file), format=ox.RdfFormat.N_QUADS)
    return store


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
    union = not shape.dataset and "default_graph" not in options and "named_graphs" not in options
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


def write_store(directory: Path, quads: list[ox.Quad]) -> Path:
    """Write a persistent Oxigraph store (RocksDB) of ``quads`` into ``directory`` (a build's staging
    directory: :func:`kg.build.write_build` switches it in with the dataset)."""
    store = ox.Store(str(directory))
    store.bulk_extend(quads)
    store.flush()
    del store
    return directory
