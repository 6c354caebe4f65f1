"""Checks of a dataset: SHACL shapes (pySHACL, core constraints only) and the SPARQL quality checks.

SHACL runs over the union of all graphs (ontology included, so class hierarchies are visible to
``sh:targetClass``); the quality checks (``queries/qc/*-violation.rq``) run on pyoxigraph, and
any row they return is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.ontology import SHAPES_FILE
from kg.query.catalogue import quality_checks
from kg.query.store import Results, collect, select_oxigraph


@dataclass
class Report:
    """Outcome of all checks."""

    shacl_conforms: bool = True
    shacl_text: str = ""
    violations: dict[str, Results] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when SHACL conforms and no quality check returned a row."""
        return self.shacl_conforms and not any(r.rows for r in self.violations.values())

    def summary(self) -> str:
        """Human-readable account of every failed check."""
        from kg.query.table import render

        lines = []
        if not self.shacl_conforms:
            lines.append("SHACL validation failed:\n" + self.shacl_text)
        for name, results in self.violations.items():
            if results.rows:
                lines.append(f"quality check {name}: {len(results.rows)} violation(s)\n" + render(results))
        return "\n".join(lines) if lines else "all checks passed"


def shacl(quads: list[ox.Quad], ontology_dir: Path) -> tuple[bool, str]:
    """Validate the union of all graphs against ontology/shapes.ttl with pySHACL."""
    import pyshacl
    import rdflib

    from kg.terms import rdflib_graph

    data = rdflib_graph(q.triple for q in quads)
    shapes = rdflib.Graph().parse(ontology_dir / SHAPES_FILE, format="turtle")
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                            allow_warnings=True, advanced=False)
    return bool(conforms), summarise_shacl(results)


def summarise_shacl(results, examples: int = 3) -> str:
    """One line per (path, message) with its count and a few focus nodes, instead of pySHACL's
    full report (hundreds of lines when one rule fails everywhere)."""
    from collections import defaultdict

    from rdflib import Namespace

    from kg.vocab import SH, shorten

    sh = Namespace(SH)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for result in results.subjects(sh.resultSeverity, None):
        path = results.value(result, sh.resultPath)
        message = results.value(result, sh.resultMessage) or results.value(
            result, sh.sourceConstraintComponent)
        focus = results.value(result, sh.focusNode)
        value = results.value(result, sh.value)
        key = (shorten(str(path)) if path is not None else "(node)", str(message))
        groups[key].append(shorten(str(focus)) + (f" (value {value})" if value is not None else ""))
    lines = []
    for (path, message), foci in sorted(groups.items()):
        shown = "; ".join(sorted(foci)[:examples]) + (f"; and {len(foci) - examples} more"
                                                      if len(foci) > examples else "")
        lines.append(f"  {path}: {message} [{len(foci)}x] e.g. {shown}")
    return "\n".join(lines)


def run_quality_checks(store: ox.Store, queries_dir: Path) -> dict[str, Results]:
    """Run every qc/*-violation.rq; returns its rows by check name."""
    return {name: collect(select_oxigraph(store, q.text, {}))
            for name, q in quality_checks(queries_dir).items()}


def check_all(store: ox.Store, quads: list[ox.Quad], ontology_dir: Path, queries_dir: Path) -> Report:
    """SHACL plus the quality checks."""
    conforms, text = shacl(quads, ontology_dir)
    return Report(conforms, text, run_quality_checks(store, queries_dir))


def check_file(path: Path, ontology_dir: Path, queries_dir: Path) -> tuple[Report, int]:
    """``kg validate PATH``: SHACL and the quality checks of an RDF dataset file (N-Quads, TriG, …);
    the report and the number of quads checked."""
    from kg.graph.export import read_quads

    quads = read_quads(path)
    store = ox.Store()
    store.extend(quads)
    return check_all(store, quads, ontology_dir, queries_dir), len(quads)
