"""Printing results: terminal tables, W3C SPARQL result formats, plain tables of strings."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import write_bytes
from kg.errors import InputError


def refuse_columns_outside_table(args: argparse.Namespace) -> None:
    """--columns trims the table only; the W3C formats are written whole, so say so instead of ignoring it."""
    if getattr(args, "columns", None) and args.format != "table":
        raise InputError(f"--columns applies to --format table only; --format {args.format} writes every "
                         "column, as the W3C result format defines")


def print_results(args: argparse.Namespace, solutions_or_results) -> None:
    """Results as a terminal table (--columns applied) or, from pyoxigraph solutions, a W3C format."""
    from kg.query.store import Results, collect
    from kg.query.table import render

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
    write_bytes(solutions_or_results.serialize(format=w3c_format(args.format)))


def w3c_format(name: str):
    """The pyoxigraph W3C SPARQL results format for a --format value (json, csv, tsv)."""
    import pyoxigraph as ox

    return {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}[name]


def print_plain_table(fmt: str, columns: list[str], rows: list[list[str]]) -> None:
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

        from kg.query.store import Results
        from kg.query.table import render

        sys.stdout.write(render(Results(columns, [{c: ox.Literal(v) for c, v in zip(columns, row, strict=True) if v}
                                                  for row in rows])))
