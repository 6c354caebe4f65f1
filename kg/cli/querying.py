"""kg queries, kg query, kg sparql, kg evidence: asking the graph."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.common import RESULT_FORMATS, Command, settings_of, write_bytes
from kg.cli.output import print_results, refuse_columns_outside_table, w3c_format
from kg.errors import EXIT_OK, InputError


def run_queries(args: argparse.Namespace) -> int:
    """kg queries."""
    from kg.query.catalogue import all_queries

    settings = settings_of(args)
    for query in all_queries(settings.queries_dir).values():
        params = " ".join(f"--param {p.name}=" + (p.default or "VALUE") for p in query.params)
        tags = f" [{', '.join(query.tags)}]" if query.tags else ""
        print(f"{query.name}{tags}\n    {query.summary}" + (f"\n    kg query {query.name} {params}" if params
                                                              else ""))
    return EXIT_OK


def query_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="stored query name (see 'kg queries')")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="bind a parameter; repeatable")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date a time-aware query answers for (its asOf "
                   "parameter; default today; docs/time-model.md)")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table",
                   help="table (default) or a W3C SPARQL 1.1 result format")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                   help="query engine (rdflib is the slow reference engine)")
    p.add_argument("--columns", metavar="A,B,...", help="table format only: show these columns, in this order")
    p.add_argument("--endpoint", metavar="URL", help="run on a remote SPARQL 1.1 endpoint instead (its default "
                   "graph must be the union of the named graphs)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds to wait for a remote endpoint: --endpoint's, or a federated query's "
                   "(default: %(default)s)")


def run_query(args: argparse.Namespace) -> int:
    """kg query NAME."""
    from kg.query.catalogue import bind, find, parse_param_args
    from kg.query.run import require_inferred_graph

    refuse_columns_outside_table(args)
    settings = settings_of(args)
    query = find(settings.queries_dir, args.name)
    if "inferred" in query.tags and not args.endpoint:
        require_inferred_graph(settings.build_info_file)
    values = parse_param_args(args.param or [])
    if args.as_of:
        if "asOf" not in {p.name for p in query.params}:
            raise InputError(f"{query.name} does not take a date (--as-of); the time-aware queries are those "
                             "tagged 'time' in 'kg queries'")
        values["asOf"] = args.as_of
    bindings = bind(query, values)
    if query.federated:
        if args.endpoint:
            raise InputError(f"{query.name} is a federated query: it runs on the embedded engine, which calls "
                             "the endpoint given as its parameter; --endpoint does not apply")
        _run_federated(args, settings.dataset_file, query, bindings)
    else:
        _select(args, settings.dataset_file, query.text, bindings)
    return EXIT_OK


def _select(args: argparse.Namespace, dataset_file: Path, text: str, bindings: dict) -> None:
    from kg.query.run import run_select

    print_results(args, run_select(dataset_file, text, bindings, endpoint=getattr(args, "endpoint", None),
                                   engine=getattr(args, "engine", "oxigraph"), timeout=getattr(args, "timeout", None)))


def _run_federated(args: argparse.Namespace, dataset_file: Path, query, bindings: dict) -> None:
    """A query with SERVICE: pyoxigraph only, within --timeout, remote failures exit 3."""
    from kg.query.federation import run_federated
    from kg.query.store import collect, open_oxigraph

    if args.engine != "oxigraph":
        raise InputError(f"{query.name} is a federated query (SERVICE with a parameter as endpoint), which only "
                         "the oxigraph engine runs")
    store = open_oxigraph(dataset_file)
    if args.format == "table":
        print_results(args, run_federated(store, query.text, bindings, query.service_variables, args.timeout,
                                          collect))
        return
    fmt = w3c_format(args.format)
    write_bytes(run_federated(store, query.text, bindings, query.service_variables, args.timeout,
                              lambda solutions: solutions.serialize(format=fmt)))


def sparql_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="query file, or - for standard input")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph")
    p.add_argument("--endpoint", metavar="URL", help="run on a remote SPARQL 1.1 endpoint instead")


def run_sparql(args: argparse.Namespace) -> int:
    """kg sparql FILE|-."""
    from kg import vocab

    if args.file == "-":
        text = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise InputError(f"{path}: no such query file")
        text = path.read_text(encoding="utf-8")
    if "PREFIX" not in text.upper():
        text = vocab.sparql_prologue() + text
    _select(args, settings_of(args).dataset_file, text, {})
    return EXIT_OK


def evidence_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("entity", help="entity id (e.g. state/united-kingdom) or IRI")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table")


def run_evidence(args: argparse.Namespace) -> int:
    """kg evidence ENTITY."""
    from kg.query.catalogue import bind, find

    settings = settings_of(args)
    query = find(settings.queries_dir, "evidence-for")
    _select(args, settings.dataset_file, query.text, bind(query, {"entity": args.entity}))
    return EXIT_OK


QUERIES = Command("queries", "list the stored queries with their summaries", run_queries, build=False)
QUERY = Command("query", "run a stored query", run_query, query_arguments)
SPARQL = Command("sparql", "run a SPARQL SELECT from a file or standard input", run_sparql, sparql_arguments)
EVIDENCE = Command("evidence", "every fact about an entity, with its quote and offsets", run_evidence,
                   evidence_arguments)
