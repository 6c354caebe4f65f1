"""Running a query where the user asked: a remote endpoint, rdflib's engine, or the embedded store.

The command line prints what these return; the checks a run needs before it starts (a parameter
naming an entity the graph does not hold, a query that needs ``graph/inferred``) are here too, so
the command line holds no logic of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError
from kg.query.binding import bind_parameters
from kg.query.store import Results, open_oxigraph, reads_union, select_oxigraph, select_rdflib

Term = ox.NamedNode | ox.Literal


def run_select(dataset_file: Path, text: str, bindings: Mapping[str, Term], *, endpoint: str | None = None,
               engine: str = "oxigraph", timeout: float | None = None, store: ox.Store | None = None
               ) -> ox.QuerySolutions | Results:
    """A SELECT on the remote ``endpoint`` (pyoxigraph solutions), on rdflib (Results), or on the embedded
    store (pyoxigraph solutions, which the W3C result formats are serialised from); ``store`` is the
    embedded store if it is already open."""
    if endpoint:
        from kg.query.remote import TIMEOUT_S, select_remote

        return select_remote(endpoint, text, bindings, timeout if timeout is not None else TIMEOUT_S)
    store = store or open_oxigraph(dataset_file)
    check_entities_exist(store, bindings)  # on either engine: a misspelt entity is an error, not 0 rows
    if engine == "rdflib":
        return select_rdflib(dataset_file, text, bindings)
    solutions = select_oxigraph(store, text, bindings)
    if not isinstance(solutions, ox.QuerySolutions):
        raise InputError("only SELECT queries are supported here; use 'kg export' for graphs")
    return solutions


def check_entities_exist(store: ox.Store, bindings: Mapping[str, Term]) -> None:
    """A parameter naming an entity the graph does not hold is a usage error, not an empty answer."""
    for term in bindings.values():
        is_entity = isinstance(term, ox.NamedNode) and term.value.startswith(vocab.ID)
        if is_entity and not store.query(bind_parameters("ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }", {"e": term}),
                                         use_default_graph_as_union=reads_union(store)):
            from kg.query.entities import missing_entity_error, store_index

            raise missing_entity_error(store_index(store), vocab.shorten(term.value))


def require_inferred_graph(build_info_file: Path) -> None:
    """A query tagged 'inferred' answers nothing useful without graph/inferred: say so instead."""
    info = json.loads(build_info_file.read_text(encoding="utf-8")) if build_info_file.is_file() else {}
    if not info.get("inferred_triples"):
        raise InputError("this query relies on OWL 2 RL entailments; build with 'kg build --infer' first")
