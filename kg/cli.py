"""Command-line interface: parses arguments, calls the modules, prints. No logic of its own.

Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 a remote endpoint failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import (
    EXIT_CHECK_FAILED,
    EXIT_INPUT_ERROR,
    EXIT_OK,
    EXIT_REMOTE_FAILED,
    CheckFailed,
    InputError,
    KgError,
    RemoteError,
)

if TYPE_CHECKING:
    from kg.config import Settings

RESULT_FORMATS = ("table", "json", "csv", "tsv")


def _settings(args: argparse.Namespace) -> Settings:
    """Where things are for this run, from the common options (--data, --build, --texts, --add-source)."""
    from kg.config import Settings

    texts = None
    if getattr(args, "texts", None):
        import os

        texts = [Path(p) for p in args.texts.split(os.pathsep) if p]
    return Settings(
        data_dir=getattr(args, "data", None),
        build_dir=getattr(args, "build", None),
        text_path=texts,
        extra_sources=[Path(p) for p in getattr(args, "add_source", None) or []],
    )


def _err(message: str) -> None:
    print(message, file=sys.stderr)


# ------------------------------------------------------------------------------------------ build


def cmd_build(args: argparse.Namespace) -> int:
    """kg build."""
    from kg.build import build

    started = time.perf_counter()
    result = build(_settings(args), validate=not args.no_validate, infer=args.infer)
    elapsed = time.perf_counter() - started
    info = result.info
    print(f"built {info['quads']} quads from {len(info['sources'])} sources in {elapsed:.2f} s")
    for source_id, s in info["sources"].items():
        print(f"  {source_id}: {s['facts']} facts, {s['asserted_triples']} asserted triples; quotes "
              f"{s['quotes']}")
    if info.get("wikidata_snapshot"):
        print(f"  wikidata snapshot: {info['wikidata_snapshot']}")
    if args.infer:
        print(f"OWL 2 RL: {info['inferred_triples']} inferred triples in graph/inferred")
    print("checks: " + ("skipped (--no-validate)" if args.no_validate else "SHACL and quality checks passed"))
    for path in result.outputs:
        print(f"wrote {path}")
    return EXIT_OK


def cmd_ground(args: argparse.Namespace) -> int:
    """kg ground."""
    from kg.build import record_anchors

    for path in record_anchors(_settings(args), args.sources or None):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    """kg coverage."""
    from kg.build import ground_corpus, load_checked_corpus
    from kg.coverage import sentence_coverage
    from kg.grounding import find_text

    settings = _settings(args)
    corpus = load_checked_corpus(settings)
    grounding = ground_corpus(corpus, settings.text_path or [])
    failed = False
    for source in corpus.sources:
        if (args.sources and source.source_id not in args.sources) or (
                not args.sources and source.kind == "reference"):
            continue
        text = find_text(source, settings.text_path or [])
        if text is None:
            _err(f"{source.source_id}: text not available; coverage needs it")
            failed = True
            continue
        report = sentence_coverage(text.read_text(encoding="utf-8"), source.coverage_exclude,
                                   grounding.anchors[source.source_id].values())
        print(f"{source.source_id}: {report.covered}/{report.total} sentences covered by facts "
              f"({report.excluded} lines excluded as headings or boilerplate)")
        for sentence in report.uncovered:
            print(f"  not covered [{sentence.start}:{sentence.end}]: {sentence.text}")
        failed = failed or bool(report.uncovered)
    return EXIT_CHECK_FAILED if failed else EXIT_OK


def cmd_link(args: argparse.Namespace) -> int:
    """kg link [--report]."""
    from kg.build import load_checked_corpus
    from kg.linking import link_report, read_reference, reference_path, report_rows

    settings = _settings(args)
    corpus = load_checked_corpus(settings)
    reference = reference_path(corpus, settings.text_path or [])
    report = link_report(corpus, read_reference(reference), reference)
    if args.report:
        columns, rows = report_rows(report)
        _print_plain_table(args.format, columns, rows)
    if args.format == "table" or not args.report:
        print(report.summary())
    elif report.problems:
        _err("\n".join(f"problem: {p}" for p in report.problems))
    return EXIT_CHECK_FAILED if report.problems else EXIT_OK


def _print_plain_table(fmt: str, columns: list[str], rows: list[list[str]]) -> None:
    """Rows of plain strings as a terminal table, JSON (a list of objects) or TSV."""
    if fmt == "json":
        import json

        print(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], ensure_ascii=False, indent=1))
    elif fmt == "tsv":
        import csv

        writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
        writer.writerows([columns, *rows])
    else:
        import pyoxigraph as ox

        from kg.store import Results
        from kg.table import render

        sys.stdout.write(render(Results(columns, [{c: ox.Literal(v) for c, v in zip(columns, row, strict=True) if v}
                                                  for row in rows])))


def cmd_wikidata_refresh(args: argparse.Namespace) -> int:
    """kg wikidata refresh."""
    from kg.wikidata import RefreshOptions, default_contact, refresh

    settings = _settings(args)
    assert settings.build_dir is not None
    languages = tuple(lang.strip() for lang in args.languages.split(",") if lang.strip())
    options = RefreshOptions(
        endpoint=args.endpoint, contact=args.contact or default_contact(), languages=languages,
        timeout=args.timeout, retries=args.retries, max_wait=args.max_wait, batch_size=args.batch_size,
        cache_dir=None if args.no_cache else Path(args.cache) if args.cache else settings.build_dir / "wikidata-cache",
        cache_max_age=args.cache_max_age, progress=args.progress)
    result = refresh(settings, options)
    print(f"refreshed the Wikidata snapshot from {options.endpoint}: {result.triples} triples about "
          f"{result.items} linked items and what they name, {result.queries} queries ({result.from_cache} from "
          f"the cache, {result.retries} retries) in {result.seconds:.2f} s")
    for path in result.files:
        print(f"wrote {path}")
    return EXIT_OK


def cmd_wikidata_seed(args: argparse.Namespace) -> int:
    """kg wikidata seed."""
    from kg.wikidata import seed

    files, labels = seed(_settings(args))
    print(f"wrote the offline Wikidata seed: English labels of {labels} linked items, from the reference")
    for path in files:
        print(f"wrote {path}")
    return EXIT_OK


# ------------------------------------------------------------------------------------------ queries


def cmd_queries(args: argparse.Namespace) -> int:
    """kg queries."""
    from kg.queries import all_queries

    settings = _settings(args)
    for query in all_queries(settings.queries_dir).values():
        params = " ".join(f"--param {p.name}=" + (p.default or "VALUE") for p in query.params)
        tags = f" [{', '.join(query.tags)}]" if query.tags else ""
        print(f"{query.name}{tags}\n    {query.summary}" + (f"\n    kg query {query.name} {params}" if params
                                                              else ""))
    return EXIT_OK


def _refuse_columns_outside_table(args: argparse.Namespace) -> None:
    """--columns trims the table only; the W3C formats are written whole, so say so instead of ignoring it."""
    if getattr(args, "columns", None) and args.format != "table":
        raise InputError(f"--columns applies to --format table only; --format {args.format} writes every "
                         "column, as the W3C result format defines")


def _print_results(args: argparse.Namespace, solutions_or_results) -> None:
    """Results as a terminal table (--columns applied) or, from pyoxigraph solutions, a W3C format."""
    from kg.store import Results, collect
    from kg.table import render

    if args.format == "table":
        results = solutions_or_results if isinstance(solutions_or_results, Results) else collect(
            solutions_or_results)
        if getattr(args, "columns", None):
            wanted = [c.strip().lstrip("?") for c in args.columns.split(",") if c.strip()]
            unknown = [c for c in wanted if c not in results.variables]
            if unknown:
                raise InputError(f"--columns: no column {', '.join(unknown)} (columns: "
                                 f"{', '.join(results.variables)})")
            results = Results(wanted, results.rows)
        sys.stdout.write(render(results))
        return
    if isinstance(solutions_or_results, Results):
        raise InputError("W3C result formats are produced by the oxigraph engine; use --engine oxigraph")
    _write_bytes(solutions_or_results.serialize(format=_w3c_format(args.format)))


def _w3c_format(name: str):
    """The pyoxigraph W3C SPARQL results format for a --format value (json, csv, tsv)."""
    import pyoxigraph as ox

    return {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}[name]


def _write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _run_select(args: argparse.Namespace, settings: Settings, text: str, bindings: dict) -> None:
    """A SELECT on the remote endpoint (--endpoint), on rdflib, or on the embedded store; printed."""
    from kg.store import open_oxigraph, select_oxigraph, select_rdflib

    if getattr(args, "endpoint", None):
        from kg.remote import TIMEOUT_S, select_remote

        _print_results(args, select_remote(args.endpoint, text, bindings, getattr(args, "timeout", TIMEOUT_S)))
        return
    if getattr(args, "engine", "oxigraph") == "rdflib":
        _print_results(args, select_rdflib(settings.dataset_file, text, bindings))
        return
    store = open_oxigraph(settings.dataset_file)
    _check_entities_exist(store, bindings)
    solutions = select_oxigraph(store, text, bindings)
    import pyoxigraph as ox

    if not isinstance(solutions, ox.QuerySolutions):
        raise InputError("only SELECT queries are supported here; use 'kg export' for graphs")
    _print_results(args, solutions)


def _check_entities_exist(store, bindings: dict) -> None:
    """A parameter naming an entity the graph does not hold is a usage error, not an empty answer."""
    import pyoxigraph as ox

    from kg import vocab
    from kg.binding import bind_parameters

    for term in bindings.values():
        is_entity = isinstance(term, ox.NamedNode) and term.value.startswith(vocab.ID)
        if is_entity and not store.query(bind_parameters("ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }", {"e": term}),
                                         use_default_graph_as_union=True):
            raise InputError(f"no entity {vocab.shorten(term.value)!r} in the graph")


def cmd_query(args: argparse.Namespace) -> int:
    """kg query NAME."""
    from kg.queries import bind, find, parse_param_args

    _refuse_columns_outside_table(args)
    settings = _settings(args)
    query = find(settings.queries_dir, args.name)
    if "inferred" in query.tags and not args.endpoint:
        _require_inferred_graph(settings)
    bindings = bind(query, parse_param_args(args.param or []))
    if query.federated:
        if args.endpoint:
            raise InputError(f"{query.name} is a federated query: it runs on the embedded engine, which calls "
                             "the endpoint given as its parameter; --endpoint does not apply")
        _run_federated(args, settings, query, bindings)
    else:
        _run_select(args, settings, query.text, bindings)
    return EXIT_OK


def _require_inferred_graph(settings: Settings) -> None:
    """A query tagged 'inferred' answers nothing useful without graph/inferred: say so instead."""
    import json

    info_file = settings.build_info_file
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    if not info.get("inferred_triples"):
        raise InputError("this query relies on OWL 2 RL entailments; build with 'kg build --infer' first")


def _run_federated(args: argparse.Namespace, settings: Settings, query, bindings: dict) -> None:
    """A query with SERVICE: pyoxigraph only, within --timeout, remote failures exit 3."""
    from kg.federation import run_federated
    from kg.store import collect, open_oxigraph

    if args.engine != "oxigraph":
        raise InputError(f"{query.name} is a federated query (SERVICE with a parameter as endpoint), which only "
                         "the oxigraph engine runs")
    store = open_oxigraph(settings.dataset_file)
    if args.format == "table":
        results = run_federated(store, query.text, bindings, query.service_variables, args.timeout, collect)
        _print_results(args, results)
        return
    fmt = _w3c_format(args.format)
    _write_bytes(run_federated(store, query.text, bindings, query.service_variables, args.timeout,
                               lambda solutions: solutions.serialize(format=fmt)))


def cmd_sparql(args: argparse.Namespace) -> int:
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
    _run_select(args, _settings(args), text, {})
    return EXIT_OK


def cmd_evidence(args: argparse.Namespace) -> int:
    """kg evidence ENTITY."""
    from kg.queries import bind, find

    settings = _settings(args)
    query = find(settings.queries_dir, "evidence-for")
    _run_select(args, settings, query.text, bind(query, {"entity": args.entity}))
    return EXIT_OK


# ------------------------------------------------------------------------------------------ serving


def cmd_serve(args: argparse.Namespace) -> int:
    """kg serve."""
    from kg.serve import serve

    return serve(_settings(args).store_dir, args.bind, args.port, args.timeout)


def cmd_push(args: argparse.Namespace) -> int:
    """kg push."""
    from kg.export import read_quads
    from kg.remote import push

    settings = _settings(args)
    pushed = push(read_quads(settings.dataset_file), args.endpoint, args.graph_store)
    for graph in pushed:
        mark = "ok" if graph.ok else "MISMATCH"
        print(f"{mark:8} {graph.local:8d} sent {graph.remote:8d} on server  {graph.graph}")
    failed = [g for g in pushed if not g.ok]
    print(f"pushed {len(pushed)} graphs, {sum(g.local for g in pushed)} triples"
          + (f"; {len(failed)} graph(s) do not match" if failed else "; counts verified"))
    return EXIT_CHECK_FAILED if failed else EXIT_OK


# ------------------------------------------------------------------------------------------ reasoning


def cmd_reason(args: argparse.Namespace) -> int:
    """kg reason."""
    from kg.reasoning import reason, render_json, render_text

    report = reason(_settings(args).dataset_file, args.reasoner, args.max_conflicts)
    sys.stdout.write(render_json(report) if args.format == "json" else render_text(report))
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


# ------------------------------------------------------------------------------------------ checks, export


def cmd_validate(args: argparse.Namespace) -> int:
    """kg validate [PATH]."""
    import pyoxigraph as ox

    from kg.export import read_quads
    from kg.validate import check_all

    settings = _settings(args)
    path = Path(args.path) if args.path else settings.dataset_file
    quads = read_quads(path)
    store = ox.Store()
    store.extend(quads)
    report = check_all(store, quads, settings.ontology_dir, settings.queries_dir)
    print(report.summary() if not report.ok else f"{path}: {len(quads)} quads; SHACL conforms; "
          f"{len(report.violations)} quality checks passed")
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def cmd_export(args: argparse.Namespace) -> int:
    """kg export --format F [--out PATH]."""
    from kg.atomic import write_atomically
    from kg.export import read_quads, serialise

    settings = _settings(args)
    data = serialise(read_quads(settings.dataset_file), args.format)
    if args.out:
        write_atomically(Path(args.out), data)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


# ------------------------------------------------------------------------------------------ map, docs, site


def cmd_diagram(args: argparse.Namespace) -> int:
    """kg diagram [--format svg|png] [--out PATH]."""
    from kg.diagram import draw, format_for
    from kg.network import load_network
    from kg.store import open_oxigraph

    settings = _settings(args)
    out = Path(args.out) if args.out else None
    fmt = format_for(out, args.format)
    network = load_network(open_oxigraph(settings.dataset_file), settings.queries_dir)
    if network.empty:
        _err(f"kg diagram: warning: the graph records no arrangement or obligation of {network.state.label}; "
             "the map is empty")
    data = draw(network, fmt)
    if out:
        from kg.atomic import write_atomically

        write_atomically(out, data)
        print(f"wrote {out} ({fmt}, {len(network.partners)} partners, {len(network.arrangements)} arrangements)",
              file=sys.stderr)
    elif fmt == "png" and sys.stdout.isatty():
        raise InputError("refusing to write PNG to a terminal; use --out PATH or redirect the output")
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    """kg docs [--out DIR]."""
    from kg.docs import write_docs

    outputs = write_docs(_settings(args), Path(args.out) if args.out else None)
    for path in (outputs.ontology_page, outputs.context, outputs.void):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    """kg site [--out DIR]."""
    from kg.site import generate_site

    started = time.perf_counter()
    report = generate_site(_settings(args), Path(args.out) if args.out else None)
    for warning in report.warnings:
        _err(f"kg site: warning: {warning}")
    print(f"wrote {report.out_dir} ({report.pages} pages: {report.partners} partners, {report.queries} queries, "
          f"{report.sources} sources) in {time.perf_counter() - started:.2f} s")
    print(f"open {report.out_dir / 'index.html'}")
    return EXIT_OK


# ------------------------------------------------------------------------------------------ parser


class _VersionAction(argparse.Action):
    """--version, reading the installed metadata only when asked (it costs ~20 ms at start-up)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from kg.version import software_version

        print(f"{parser.prog} {software_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI)."""
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Japan security knowledge graph: build it, query it, check it.",
        epilog="Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 a remote endpoint failed "
               "(nothing was written; try again later).",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, data: bool = False, build: bool = True) -> None:
        if data:
            p.add_argument("--data", help="data directory (default: data/)")
            p.add_argument("--texts", help="search path for source texts, os.pathsep-separated "
                           "(default: $KG_TEXTS, else ../shared/sources:../shared/reference)")
            p.add_argument("--add-source", action="append", metavar="DIR",
                           help="an extra source directory (source.yaml + facts.yaml); repeatable")
        if build:
            p.add_argument("--build", help="build directory (default: build/)")

    p = sub.add_parser("build", help="build the graph into build/ (checked; atomic)")
    common(p, data=True)
    p.add_argument("--no-validate", action="store_true", help="skip SHACL and the quality checks")
    p.add_argument("--infer", action="store_true",
                   help="add the OWL 2 RL entailments (subclass, inverse, property chains) as graph/inferred")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("ground", help="locate every quote in its source text and record anchors.json")
    common(p, data=True, build=False)
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="source ids (default: all)")
    p.set_defaults(func=cmd_ground)

    p = sub.add_parser("coverage", help="report the sentences of each source that no fact quotes")
    common(p, data=True, build=False)
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="source ids (default: every source that is not a reference file)")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("link", help="check the Wikidata links; --report lists every entity's link or why it has none")
    common(p, data=True, build=False)
    p.add_argument("--report", action="store_true",
                   help="list every entity with its link, or the reason it has none")
    p.add_argument("--format", choices=("table", "json", "tsv"), default="table", help="format of --report")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("wikidata", help="make the Wikidata snapshot (data/wikidata/): refresh it live, or seed it")
    wikidata = p.add_subparsers(dest="wikidata_command", required=True, metavar="ACTION")
    p = wikidata.add_parser("refresh", help="fetch the snapshot live from a SPARQL endpoint (atomic: a failure "
                            "leaves the old snapshot)")
    common(p, data=True)
    from kg.vocab import WIKIDATA_QUERY_SERVICE

    p.add_argument("--endpoint", default=WIKIDATA_QUERY_SERVICE, help="SPARQL endpoint (default: %(default)s)")
    p.add_argument("--contact", help="your e-mail or URL, sent in the User-Agent (required by the Wikidata "
                   "Query Service; default: $KG_WIKIDATA_CONTACT)")
    p.add_argument("--languages", default="en,ja", help="label languages, comma-separated (default: %(default)s)")
    p.add_argument("--timeout", type=int, default=60, help="seconds without data before a request fails "
                   "(default: %(default)s)")
    p.add_argument("--retries", type=int, default=3, help="retries after a 429 or 503 (default: %(default)s)")
    p.add_argument("--max-wait", type=float, default=120.0, help="longest Retry-After honoured, in seconds "
                   "(default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=50, help="items per VALUES batch (default: %(default)s)")
    p.add_argument("--cache", metavar="DIR", help="cache of checked answers (default: BUILD/wikidata-cache)")
    p.add_argument("--cache-max-age", type=float, default=86400.0, help="reuse cached answers younger than this "
                   "many seconds (default: %(default)s; 0: always ask)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on standard error (default: when it is a terminal)")
    p.set_defaults(func=cmd_wikidata_refresh)
    p = wikidata.add_parser("seed", help="write the offline snapshot from the reference (English labels only)")
    common(p, data=True, build=False)
    p.set_defaults(func=cmd_wikidata_seed)

    p = sub.add_parser("queries", help="list the stored queries with their summaries")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("query", help="run a stored query")
    common(p)
    p.add_argument("name", help="stored query name (see 'kg queries')")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="bind a parameter; repeatable")
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
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("sparql", help="run a SPARQL SELECT from a file or standard input")
    common(p)
    p.add_argument("file", help="query file, or - for standard input")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph")
    p.add_argument("--endpoint", metavar="URL", help="run on a remote SPARQL 1.1 endpoint instead")
    p.set_defaults(func=cmd_sparql)

    p = sub.add_parser("serve", help="a read-only SPARQL 1.1 endpoint over the build, until Ctrl-C")
    common(p)
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7878, help="port (default 7878)")
    p.add_argument("--timeout", type=int, default=30, metavar="SECONDS", help="per-query timeout (default 30)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("push", help="upload every named graph to a triplestore (Graph Store Protocol, PUT)")
    common(p)
    p.add_argument("--endpoint", required=True, metavar="URL", help="the server's SPARQL query endpoint")
    p.add_argument("--graph-store", metavar="URL", help="its Graph Store endpoint (default: Oxigraph's …/store)")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("evidence", help="every fact about an entity, with its quote and offsets")
    common(p)
    p.add_argument("entity", help="entity id (e.g. state/united-kingdom) or IRI")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser("reason", help="OWL DL consistency and classification; explain contradictions (exit 1)")
    common(p)
    p.add_argument("--reasoner", choices=("hermit", "pellet"), default="hermit")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--max-conflicts", type=int, default=3, metavar="N",
                   help="how many distinct contradictions to explain at most (default 3)")
    p.set_defaults(func=cmd_reason)

    p = sub.add_parser("validate", help="SHACL and quality checks of the build (or of an RDF file)")
    common(p)
    p.add_argument("path", nargs="?", help="RDF file to check (default: build/dataset.nq)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export", help="write the built graph as TriG, N-Quads, Turtle or JSON-LD")
    common(p)
    p.add_argument("--format", choices=("trig", "nq", "ttl", "jsonld"), required=True)
    p.add_argument("--out", help="output file (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("diagram", help="draw the partnership map from the graph (Graphviz)")
    common(p)
    p.add_argument("--format", choices=("svg", "png"),
                   help="svg or png (default: from --out's extension, else svg)")
    p.add_argument("--out", help="output file (default: standard output)")
    p.set_defaults(func=cmd_diagram)

    p = sub.add_parser("docs", help="ontology documentation (pyLODE), JSON-LD context and VoID description")
    common(p)
    p.add_argument("--out", help="directory for ontology.html and context.jsonld (default: build/docs); "
                   "void.ttl goes beside the dataset")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("site", help="generate the static site: map, partner pages, queries, ontology docs")
    common(p)
    p.add_argument("--out", help="output directory (default: build/site); replaced as a whole")
    p.set_defaults(func=cmd_site)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return args.func(args)
    except CheckFailed as exc:
        _err(f"kg {args.command}: check failed\n{exc}")
        return EXIT_CHECK_FAILED
    except InputError as exc:
        _err(f"kg {args.command}: error\n{exc}")
        return EXIT_INPUT_ERROR
    except RemoteError as exc:
        _err(f"kg {args.command}: the remote endpoint failed\n{exc}")
        return EXIT_REMOTE_FAILED
    except KgError as exc:  # pragma: no cover - all KgErrors are one of the above
        _err(str(exc))
        return exc.exit_code
    except BrokenPipeError:  # e.g. `kg export ... | head`
        return EXIT_OK
