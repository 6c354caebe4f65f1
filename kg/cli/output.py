"""Printing results: terminal tables, W3C SPARQL result formats, RDF graphs, plain tables of strings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.common import err, write_bytes
from kg.errors import InputError


def wanted_columns(args: argparse.Namespace) -> list[str] | None:
    """The columns --columns asks for, in its order (None: not given)."""
    raw = getattr(args, "columns", None)
    if not raw:
        return None
    return [c.strip().lstrip("?") for c in raw.split(",") if c.strip()]


def print_results(args: argparse.Namespace, solutions_or_results, default_columns: list[str] | None = None,
                  repeats=None) -> None:
    """SELECT results as a terminal table or a W3C format (json, csv, tsv), with --columns applied to every
    format. The table shows ``default_columns`` (a stored query's) unless --columns or --wide says
    otherwise. ``repeats(count, rows)``, when given, is told how many of the rows repeat an earlier one."""
    import pyoxigraph as ox

    from kg.query.store import Results, collect, project_solutions, solutions_json
    from kg.query.table import render

    columns = wanted_columns(args)
    if args.format == "table":
        results = solutions_or_results if isinstance(solutions_or_results, Results) else collect(
            solutions_or_results)
        repeated = _repeated(tuple(str(row.get(v)) for v in results.variables) for row in results.rows)
        total = len(results.rows)
        hidden: list[str] = []
        if columns:
            results = Results(_check_columns(columns, results.variables), results.rows)
        elif default_columns and not getattr(args, "wide", False):
            shown = [c for c in default_columns if c in results.variables]
            hidden = [v for v in results.variables if v not in shown]
            results = Results(shown, results.rows)
        sys.stdout.write(render(results, wide=getattr(args, "wide", False), hidden=hidden))
        if repeats:
            sys.stdout.flush()
            repeats(repeated, total)
        return
    if isinstance(solutions_or_results, Results):
        raise InputError("W3C result formats are produced by the oxigraph engine; use --engine oxigraph")
    solutions = solutions_or_results
    if not columns and not repeats:
        write_bytes(solutions.serialize(format=w3c_format(args.format)))  # streamed, as the engine writes it
        return
    import json

    document = solutions_json(solutions)
    bindings = document["results"]["bindings"]
    repeated = _repeated(json.dumps(b, sort_keys=True) for b in bindings)
    if columns:
        document = project_solutions(document, _check_columns(columns, document["head"]["vars"]))
    parsed = ox.parse_query_results(json.dumps(document).encode("utf-8"), format=ox.QueryResultsFormat.JSON)
    write_bytes(parsed.serialize(format=w3c_format(args.format)))
    if repeats:
        repeats(repeated, len(bindings))


def _check_columns(columns: list[str], variables: list[str]) -> list[str]:
    unknown = [c for c in columns if c not in variables]
    if unknown:
        raise InputError(f"--columns: no column {', '.join(unknown)} (columns: {', '.join(variables)})")
    return columns


def _repeated(rows) -> int:
    seen: set = set()
    count = 0
    for row in rows:
        if row in seen:
            count += 1
        seen.add(row)
    return count


def w3c_format(name: str):
    """The pyoxigraph W3C SPARQL results format for a --format value (json, csv, tsv)."""
    import pyoxigraph as ox

    return {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}[name]


def print_boolean(args: argparse.Namespace, answer) -> None:
    """An ASK's answer: ``true``/``false`` on the terminal, else the W3C JSON, CSV or TSV boolean result."""
    if args.format == "table":
        print("true" if bool(answer) else "false")
        return
    write_bytes(answer.serialize(format=w3c_format(args.format)))


def print_graph(triples, fmt: str, context: Path) -> None:
    """A CONSTRUCT's or DESCRIBE's triples as Turtle, N-Triples or JSON-LD (the project's prefixes; JSON-LD
    compacted with ``context``)."""
    from kg.graph.export import serialise_triples

    write_bytes(serialise_triples(list(triples), fmt, context))


def print_plain_table(fmt: str, columns: list[str], rows: list[list[str]], wide: bool = False,
                      atomic: tuple[str, ...] = (), hidden: list[str] | None = None) -> None:
    """Rows of plain strings as a terminal table, JSON (a list of objects), CSV or TSV; in the table, the
    values of the ``atomic`` columns (ids, class names) are never cut."""
    if fmt == "json":
        import json

        print(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], ensure_ascii=False, indent=1))
    elif fmt in ("tsv", "csv"):
        import csv

        writer = csv.writer(sys.stdout, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerows([columns, *rows])
    else:
        import pyoxigraph as ox

        from kg.query.store import Results
        from kg.query.table import render

        sys.stdout.write(render(Results(columns, [{c: ox.Literal(v) for c, v in zip(columns, row, strict=True) if v}
                                                  for row in rows]), wide=wide, atomic=atomic, hidden=hidden))


def note(message: str) -> None:
    """A note on standard error (never mixed into results on standard output), wrapped to the terminal."""
    import shutil
    import textwrap

    width = max(shutil.get_terminal_size((100, 24)).columns, 40)
    err("\n".join(textwrap.wrap(f"note: {message}", width, break_on_hyphens=False)))
