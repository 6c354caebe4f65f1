"""Query engines over the built dataset.

* ``oxigraph`` (default): pyoxigraph, the embedded Rust SPARQL engine; fast, and cheap to start.
* ``rdflib``: rdflib's own SPARQL engine, the reference the tests compare against (slow on
  large graphs; imported only when asked for).

Both evaluate queries with the default graph as the union of all named graphs, which is how
the stored queries are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError

ENGINES = ("oxigraph", "rdflib")


def open_oxigraph(dataset_file: Path) -> ox.Store:
    """An in-memory pyoxigraph store loaded with the built dataset."""
    if not dataset_file.is_file():
        raise InputError(f"{dataset_file}: no built dataset here; run 'kg build' first")
    store = ox.Store()
    store.bulk_load(path=str(dataset_file), format=ox.RdfFormat.N_QUADS)
    return store


@dataclass
class Results:
    """SELECT results independent of the engine: variable names and rows of pyoxigraph terms."""

    variables: list[str]
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]


_WHERE_BRACE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind parameters with a SPARQL 1.1 VALUES block (inline data) at the start of the WHERE clause.

    This is the one binding mechanism every engine honours the same way (pyoxigraph's
    substitutions require projected variables; rdflib's initBindings do not reach subqueries;
    remote endpoints only see the query text). Placed first in the outermost group, the values are
    in scope for the whole pattern — a FILTER inside an OPTIONAL included — and engines can start
    from them; a query without ``WHERE {`` gets them as a trailing VALUES clause. The query's own
    text is not edited: the block holds terms that pyoxigraph has validated and serialises (an IRI
    must parse as an IRI, a literal is escaped), so user input cannot change the query's structure.
    """
    if not bindings:
        return query
    names = sorted(bindings)
    for term in bindings.values():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise TypeError(f"cannot bind {term!r}")
    block = f"VALUES ({' '.join(f'?{name}' for name in names)}) {{ ({' '.join(str(bindings[n]) for n in names)}) }}"
    code = "\n".join(" " * len(line) if line.lstrip().startswith("#") else line for line in query.split("\n"))
    match = _WHERE_BRACE.search(code)
    if match is None:
        return f"{query.rstrip()}\n{block}\n"
    return f"{query[:match.end()]}\n  {block}\n{query[match.end():]}"


def projected_variables(query: str) -> set[str]:
    """Variables the (outermost) SELECT projects as themselves, not inside an expression."""
    text = "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("PREFIX") else ""
                     for line in query.splitlines())
    match = re.search(r"\bSELECT\b(.*?)(?:\bWHERE\b|\{)", text, re.IGNORECASE | re.DOTALL)
    if not match:
        return set()
    clause = match.group(1)
    while re.search(r"\([^()]*\)", clause):  # drop (expression AS ?alias), innermost first
        clause = re.sub(r"\([^()]*\)", " ", clause)
    return set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", clause))


def select_oxigraph(store: ox.Store, query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]
                    ) -> ox.QuerySolutions:
    """Run a SELECT on pyoxigraph, the default graph being the union of all graphs.

    Every parameter is joined as a trailing VALUES clause (:func:`with_values`). A parameter the
    query also *projects* is substituted as well (pyoxigraph's SEP-0007 substitutions, which only
    accept projected variables), so it is bound everywhere from the start: inside an OPTIONAL's
    FILTER, and as the endpoint of ``SERVICE ?_endpoint_iri``, where a trailing VALUES (joined at
    the end) would leave it unbound. rdflib's initBindings do the same on the reference engine.
    """
    projected = projected_variables(query)
    substitutions = {ox.Variable(name): term for name, term in bindings.items() if name in projected}
    try:
        return store.query(with_values(query, bindings), use_default_graph_as_union=True,
                           substitutions=substitutions or None)
    except SyntaxError as exc:
        raise InputError(f"SPARQL syntax error: {exc}") from None


def collect(solutions: ox.QuerySolutions) -> Results:
    """Materialise pyoxigraph solutions."""
    variables = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        rows.append({name: solution[name] for name in variables if solution[name] is not None})
    return Results(variables, rows)


def select_rdflib(dataset_file: Path, query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]
                  ) -> Results:
    """Run a SELECT on rdflib's engine (the reference), returning pyoxigraph terms for comparison."""
    import rdflib

    from kg.terms import from_rdflib, to_rdflib

    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(str(dataset_file), format="nquads")
    # initBindings lets rdflib's evaluator use the values from the start (a trailing VALUES is only
    # joined at the end, which is orders of magnitude slower there); the VALUES clause keeps the
    # semantics identical to the other engines where initBindings do not reach (subqueries).
    init = {rdflib.Variable(name): to_rdflib(term) for name, term in bindings.items()}
    result = dataset.query(with_values(query, bindings), initBindings=init)
    variables = [str(v) for v in result.vars]
    rows = []
    for row in result:
        rows.append({name: from_rdflib(row[name]) for name in variables if row[name] is not None})
    return Results(variables, rows)


def iter_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of the store."""
    return iter(store)


STORE_DIR = "store"


def stage_store(build_dir: Path, quads: list[ox.Quad]) -> Path:
    """Write a new persistent Oxigraph store (RocksDB) beside the current one; :func:`swap_store` puts
    it in place. Staging first lets the build replace everything only after everything is written."""
    import shutil
    import tempfile

    build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".store-new-", dir=build_dir))
    try:
        store = ox.Store(str(staging))
        store.bulk_extend(quads)
        store.flush()
        del store
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def swap_store(build_dir: Path, staging: Path) -> Path:
    """Replace ``build/store`` with a staged store by renames (the old one is removed after)."""
    import shutil
    import tempfile

    target = build_dir / STORE_DIR
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=".store-old-", dir=build_dir))
        retired.rmdir()
        target.rename(retired)
    staging.rename(target)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    return target


def discard_store(staging: Path) -> None:
    """Remove a staged store that will not be used."""
    import shutil

    shutil.rmtree(staging, ignore_errors=True)
