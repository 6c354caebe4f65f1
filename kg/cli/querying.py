"""kg queries, kg query, kg sparql, kg evidence, kg entities: asking the graph."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.common import RESULT_FORMATS, Command, require_extra, settings_of, write_bytes
from kg.cli.output import (
    note,
    print_boolean,
    print_graph,
    print_plain_table,
    print_results,
    w3c_format,
    wanted_columns,
)
from kg.errors import EXIT_OK, InputError

GRAPH_RESULT_FORMATS = ("ttl", "nt", "jsonld", "jsonld-expanded")


def run_queries(args: argparse.Namespace) -> int:
    """kg queries."""
    from kg.query.catalogue import all_queries

    settings = settings_of(args)
    for query in all_queries(settings.queries_dir).values():
        params = " ".join([*(f"--param {p.name}=" + (p.default or "VALUE") for p in query.params if p.name != "asOf"),
                           *(f"--as-of {p.default or 'YYYY-MM-DD'}" for p in query.params if p.name == "asOf")])
        tags = f" [{', '.join(query.tags)}]" if query.tags else ""
        print(f"{query.name}{tags}\n    {query.summary}" + (f"\n    kg query {query.name} {params}" if params
                                                              else ""))
    return EXIT_OK


def table_arguments(p: argparse.ArgumentParser) -> None:
    """--columns and --wide, the options of every command that prints results."""
    p.add_argument("--columns", metavar="A,B,...", help="show these columns, in this order (any --format)")
    p.add_argument("--wide", action="store_true",
                   help="table: every column, each value on one line (however wide the terminal)")


def query_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="stored query name (see 'kg queries')")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="bind a parameter; an entity may be given by id, IRI or its unique label; repeatable")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date a time-aware query answers for (its asOf "
                   "parameter; default today; docs/time-model.md)")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table",
                   help="table (default) or a W3C SPARQL 1.1 result format")
    table_arguments(p)
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                   help="query engine (rdflib is the slow reference engine)")
    p.add_argument("--endpoint", metavar="URL", help="run on a remote SPARQL 1.1 endpoint instead (its default "
                   "graph must be the union of the named graphs)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds to wait for a remote endpoint: --endpoint's, or a federated query's "
                   "(default: %(default)s)")


class _Graph:
    """The graph a command asks, opened once and only if needed: the embedded store, or an endpoint."""

    def __init__(self, args: argparse.Namespace, dataset_file: Path):
        self.args, self.dataset_file, self._store, self._index = args, dataset_file, None, None

    @property
    def store(self):
        if self._store is None:
            from kg.query.store import open_oxigraph

            self._store = open_oxigraph(self.dataset_file)
        return self._store

    def entities(self):
        """The entity index of the graph the query runs on (kg.query.entities)."""
        if self._index is None:
            from kg.query.entities import entity_index, store_index

            endpoint = getattr(self.args, "endpoint", None)
            if endpoint:
                from kg.query.remote import select_remote

                self._index = entity_index(lambda q: [{v: s[v] for v in ("entity", "label", "alias", "class")
                                                       if s[v] is not None}
                                                      for s in select_remote(endpoint, q, {}, self.args.timeout)])
            else:
                self._index = store_index(self.store)
        return self._index

    def resolve(self, label: str, what: str) -> str:
        from kg.query.entities import resolve_label

        return resolve_label(self.entities(), label, what)


def run_query(args: argparse.Namespace) -> int:
    """kg query NAME."""
    from kg.query.catalogue import bind, find_built, parse_param_args
    from kg.query.run import require_inferred_graph

    settings = settings_of(args)
    if args.endpoint:
        require_extra("serve", "--endpoint")
    query = find_built(settings, args.name)
    if "inferred" in query.tags and not args.endpoint:
        require_inferred_graph(settings.build_info_file)
    values = parse_param_args(args.param or [])
    if args.as_of:
        if "asOf" not in {p.name for p in query.params}:
            raise InputError(f"{query.name} does not take a date (--as-of); the time-aware queries are those "
                             "tagged 'time' in 'kg queries'")
        values["asOf"] = args.as_of
    graph = _Graph(args, settings.dataset_file)
    bindings = bind(query, values, graph.resolve)
    if query.federated:
        if args.endpoint:
            raise InputError(f"{query.name} is a federated query: it runs on the embedded engine, which calls "
                             "the endpoint given as its parameter; --endpoint does not apply")
        _run_federated(args, graph, query, bindings)
    else:
        _select(args, graph, query.text, bindings, query.columns)
    return EXIT_OK


def _select(args: argparse.Namespace, graph: _Graph, text: str, bindings: dict, columns: list[str]) -> None:
    from kg.query.run import run_select

    endpoint = getattr(args, "endpoint", None)
    engine = getattr(args, "engine", "oxigraph")
    store = graph.store if not endpoint and engine == "oxigraph" else None
    print_results(args, run_select(graph.dataset_file, text, bindings, endpoint=endpoint, engine=engine,
                                   timeout=getattr(args, "timeout", None), store=store), columns)


def _run_federated(args: argparse.Namespace, graph: _Graph, query, bindings: dict) -> None:
    """A query with SERVICE: pyoxigraph only, within --timeout, remote failures exit 3."""
    from kg.query.federation import run_federated
    from kg.query.store import collect

    if args.engine != "oxigraph":
        raise InputError(f"{query.name} is a federated query (SERVICE with a parameter as endpoint), which only "
                         "the oxigraph engine runs")
    if args.format == "table" or wanted_columns(args):
        print_results(args, run_federated(graph.store, query.text, bindings, query.service_variables, args.timeout,
                                          collect), query.columns)
        return
    fmt = w3c_format(args.format)
    write_bytes(run_federated(graph.store, query.text, bindings, query.service_variables, args.timeout,
                              lambda solutions: solutions.serialize(format=fmt)))


def sparql_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="query file, or - for standard input")
    p.add_argument("--format", choices=(*RESULT_FORMATS, *GRAPH_RESULT_FORMATS),
                   help="SELECT and ASK: table (default), json, csv, tsv; CONSTRUCT and DESCRIBE: ttl (default), "
                   "nt, jsonld (compacted with the project's context) or jsonld-expanded")
    table_arguments(p)
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph")
    p.add_argument("--endpoint", metavar="URL", help="run a SELECT on a remote SPARQL 1.1 endpoint instead")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for --endpoint (default: %(default)s)")


def run_sparql(args: argparse.Namespace) -> int:
    """kg sparql FILE|-."""
    from kg.query.adhoc import holds_ids_under, prepare

    if args.file == "-":
        text = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise InputError(f"{path}: no such query file")
        text = path.read_text(encoding="utf-8")
    settings = settings_of(args)
    graph = _Graph(args, settings.dataset_file)
    local = not args.endpoint and args.engine == "oxigraph"
    query = prepare(text, holds_ids_under(graph.store) if local else None)
    if args.endpoint or args.engine == "rdflib":
        if query.form != "SELECT":
            where = "--endpoint" if args.endpoint else "--engine rdflib"
            raise InputError(f"{where} runs SELECT queries only; this is {query.form}: run it on the embedded "
                             "engine (no --endpoint, --engine oxigraph)")
        if args.endpoint:
            require_extra("serve", "--endpoint")
        args.format = args.format or "table"
        _check_result_format(args, "SELECT")
        _select(args, graph, query.full, {}, [])
        return EXIT_OK
    _run_user_query(args, graph, query, settings)
    return EXIT_OK


def _run_user_query(args: argparse.Namespace, graph: _Graph, query, settings) -> None:
    import pyoxigraph as ox

    from kg.query import adhoc

    result = adhoc.run(graph.store, query)
    if isinstance(result, ox.QueryTriples):
        args.format = args.format or "ttl"
        if args.format not in GRAPH_RESULT_FORMATS:
            raise InputError(f"a {query.form} gives a graph: --format ttl (default), nt, jsonld or jsonld-expanded, "
                             f"not {args.format}")
        print_graph(result, args.format, settings.ontology_dir / "context.jsonld")
        return
    args.format = args.format or "table"
    form = "ASK" if isinstance(result, ox.QueryBoolean) else "SELECT"
    _check_result_format(args, form)
    if form == "ASK":
        print_boolean(args, result)
        return

    def repeats(count: int, rows: int) -> None:
        if not count:
            return
        from_union = adhoc.repeats_from_union(graph.store, query, rows)
        if from_union is False:
            return
        cause = "come from" if from_union else "may come from"
        note(f"{count} of {rows} rows repeat an earlier row; they {cause} the default graph, which is the union of "
             "the named graphs: a triple that several graphs hold matches once per graph. SELECT DISTINCT removes "
             "the repeats; GRAPH ?g shows which graph each row comes from.")

    print_results(args, result, [], repeats=repeats)


def _check_result_format(args: argparse.Namespace, form: str) -> None:
    if args.format not in RESULT_FORMATS:
        raise InputError(f"a {form} gives results: --format table (default), json, csv or tsv, not {args.format}")
    if form == "ASK" and (args.columns or args.wide):
        raise InputError("an ASK has one answer, true or false: --columns and --wide do not apply")


def evidence_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("entity", help="entity id (e.g. state/united-kingdom), IRI, or unique label")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table")
    table_arguments(p)


def run_evidence(args: argparse.Namespace) -> int:
    """kg evidence ENTITY."""
    from kg.query.catalogue import bind, find_built

    settings = settings_of(args)
    query = find_built(settings, "evidence-for")
    graph = _Graph(args, settings.dataset_file)
    _select(args, graph, query.text, bind(query, {"entity": args.entity}, graph.resolve), query.columns)
    return EXIT_OK


def entities_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("search", nargs="?", help="an id, label or alias (case-insensitive); else the entities whose "
                   "id, label or alias contains it; else the closest spellings. Omit it to list every entity")
    p.add_argument("--kind", help="only ids of this kind: state, person, org, agreement, …")
    p.add_argument("--format", choices=("table", "json", "csv", "tsv"), default="table")
    table_arguments(p)


def _all_alike(rows: list[list[str]], column: int) -> bool:
    """Whether a column of the entities table says nothing a footnote could not (all empty or all the same),
    so the terminal table leaves it out; aliases and how each matched are shown when they differ."""
    return len(rows) > 1 and len({row[column] for row in rows}) == 1 and column >= 2


def run_entities(args: argparse.Namespace) -> int:
    """kg entities [SEARCH]."""
    from kg.query.entities import search

    settings = settings_of(args)
    entities = _Graph(args, settings.dataset_file).entities()
    if args.kind and args.kind not in {e.kind for e in entities.values()}:
        kinds = ", ".join(sorted({e.kind for e in entities.values()}))
        raise InputError(f"--kind: no entity of kind {args.kind!r} (kinds: {kinds})")
    if args.search:
        matches = [(m.entity, m.matched_by) for m in search(entities, args.search, args.kind)]
    else:
        matches = [(e, "") for e in entities.values() if not args.kind or e.kind == args.kind]
    columns = ["id", "label", "aliases", "class"] + (["match"] if args.search else [])
    rows = [[e.entity_id, e.label, ", ".join(e.aliases), ", ".join(e.classes)]
            + ([how] if args.search else []) for e, how in matches]
    if not rows and args.format == "table":
        print(f"no entity matches {args.search!r}" + (f" among kind {args.kind}" if args.kind else ""))
        return EXIT_OK
    shown = wanted_columns(args) or (columns if args.wide or args.format != "table" else
                                     [c for c in columns if c != "class" and not _all_alike(rows, columns.index(c))])
    unknown = [c for c in shown if c not in columns]
    if unknown:
        raise InputError(f"--columns: no column {', '.join(unknown)} (columns: {', '.join(columns)})")
    picked = [[row[columns.index(c)] for c in shown] for row in rows]
    hidden = [c for c in columns if c not in shown] if not args.columns else []
    print_plain_table(args.format, shown, picked, wide=args.wide, atomic=("id", "class"), hidden=hidden)
    return EXIT_OK


QUERIES = Command("queries", "list the stored queries with their summaries", run_queries, build=False)
QUERY = Command("query", "run a stored query", run_query, query_arguments)
SPARQL = Command("sparql", "run your own SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE) from a file or standard input",
                 run_sparql, sparql_arguments)
EVIDENCE = Command("evidence", "every fact about an entity, with its quote and offsets", run_evidence,
                   evidence_arguments)
ENTITIES = Command("entities", "find entities by id, label or alias (or a close spelling): the ids to use",
                   run_entities, entities_arguments)
