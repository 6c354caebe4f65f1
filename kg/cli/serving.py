"""kg serve, kg push: the graph over HTTP, here or on another triplestore."""

from __future__ import annotations

import argparse

from kg.cli.common import Command, err, settings_of
from kg.errors import EXIT_CHECK_FAILED, EXIT_OK


def serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another address "
                   "is warned about)")
    p.add_argument("--port", type=int, default=7878, help="port (default 7878)")
    p.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                   help="per-query limit; a query past it is stopped (default 30)")
    p.add_argument("--workers", type=int, default=2, help="query worker processes (default 2)")
    p.add_argument("--max-query-bytes", type=int, default=100_000, metavar="N",
                   help="longest query accepted (default 100000)")
    p.add_argument("--max-result-bytes", type=int, default=64 * 1024 * 1024, metavar="N",
                   help="largest result sent (default 64 MiB)")
    p.add_argument("--max-memory", type=int, default=2048, metavar="MIB",
                   help="memory per worker; a query needing more fails (default 2048)")
    p.add_argument("--allow-service", action="store_true",
                   help="allow SERVICE (federated queries make the server send requests to other hosts)")


def run_serve(args: argparse.Namespace) -> int:
    """kg serve."""
    from kg.query.serve import Limits, serve

    settings = settings_of(args)
    assert settings.build_dir is not None
    limits = Limits(timeout_s=args.timeout, max_query_bytes=args.max_query_bytes,
                    max_result_bytes=args.max_result_bytes, max_memory_mb=args.max_memory, workers=args.workers,
                    allow_service=args.allow_service)
    return serve(settings.build_dir, args.bind, args.port, limits)


def push_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", required=True, metavar="URL", help="the server's SPARQL query endpoint")
    p.add_argument("--update", metavar="URL", help="its SPARQL Update endpoint (default: …/update beside …/query)")


def run_push(args: argparse.Namespace) -> int:
    """kg push."""
    from kg.graph.export import read_quads
    from kg.query.remote import push

    settings = settings_of(args)
    report = push(read_quads(settings.dataset_file), args.endpoint, args.update)
    for graph in report.graphs:
        mark = "ok" if graph.ok else "MISMATCH"
        print(f"{mark:8} {graph.local:8d} sent {graph.remote:8d} on server  {graph.graph}")
    for graph in report.removed:
        print(f"removed  {graph} (not in this build)")
    for graph in report.stale_left:
        print(f"STALE    {graph} (not in this build, still on the server)")
    if report.note:
        err(f"kg push: {report.note}")
    failed = [g for g in report.graphs if not g.ok]
    print(f"pushed {len(report.graphs)} graphs, {sum(g.local for g in report.graphs)} triples in one update"
          + (f"; removed {len(report.removed)} stale graph(s)" if report.removed else "")
          + (f"; {len(failed) + len(report.stale_left)} graph(s) do not match" if not report.ok
             else "; counts verified"))
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


SERVE = Command("serve", "a read-only SPARQL 1.1 endpoint over the build, until Ctrl-C", run_serve, serve_arguments)
PUSH = Command("push", "replace this project's graphs on a triplestore in one SPARQL Update (atomic where the "
               "server is transactional)", run_push, push_arguments, extra="serve")
