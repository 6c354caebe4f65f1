"""``kg reason``: OWL DL consistency and classification of the built graph, contradictions explained.

The input is the ontology plus the asserted facts and the registry (:mod:`kg.checks.owl_view`); the
reasoner is HermiT or Pellet through owlready2 (:mod:`kg.checks.reasoners`); contradictions are reduced
to minimal sets of facts, each shown with its source and quote (:mod:`kg.checks.explain`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg import vocab
from kg.checks.explain import Conflict, find_conflicts, temporal_conflicts
from kg.checks.java import JavaRuntime
from kg.checks.owl_view import ReasoningInput, build_input
from kg.checks.reasoners import DLResult, classify, java_for
from kg.checks.report import says, unit_lines
from kg.graph.export import read_quads


@dataclass
class Report:
    """Everything ``kg reason`` found."""

    reasoner: str
    java: JavaRuntime
    data: ReasoningInput
    dl: DLResult
    conflicts: list[Conflict] = field(default_factory=list)
    dl_checks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Consistent and free of date contradictions."""
        return self.dl.consistent and not self.conflicts


def reason(dataset_file: Path, reasoner: str = "hermit", max_conflicts: int = 3) -> Report:
    """Reason over a built dataset; explain any contradiction."""
    started = time.perf_counter()
    data = build_input(read_quads(dataset_file))
    java = java_for(reasoner)
    dl = classify(data.ntriples(), reasoner, java)
    conflicts, checks = ([], 0) if dl.consistent else find_conflicts(data, reasoner, java, max_conflicts)
    conflicts += temporal_conflicts(data)
    return Report(reasoner, java, data, dl, conflicts, checks, time.perf_counter() - started)


# ------------------------------------------------------------------------------------------ rendering


def render_text(report: Report) -> str:
    """The human-readable report."""
    data, dl = report.data, report.dl
    facts = sum(1 for k in data.units if k.kind == "fact")
    sources = len({k.source for k in data.units if k.kind == "fact"})
    out = [
        f"Reasoner: {dl.reasoner} via owlready2, on {report.java.describe()}",
        f"Input: ontology ({len(data.tbox)} triples) + {sum(len(u) for u in data.units.values())} asserted "
        f"triples in {facts} facts of {sources} sources and {len(data.units) - facts} registry entries "
        f"(provenance excluded)",
        f"Consistent: {'yes' if dl.consistent else 'NO'}   ({dl.seconds:.1f} s; whole run {report.seconds:.1f} s"
        + (f", {report.dl_checks} consistency checks to explain" if report.dl_checks else "") + ")",
    ]
    if dl.consistent:
        out.append("Unsatisfiable classes: " + (", ".join(vocab.shorten(c) for c in dl.unsatisfiable) or "none"))
        out.append("")
        out.append("Inferred types (not given by the asserted types):")
        for iri in sorted(dl.inferred_types, key=lambda i: data.label(i)):
            classes = ", ".join(vocab.shorten(c).removeprefix("kgo:") for c in dl.inferred_types[iri])
            out.append(f"  {data.label(iri)} [{vocab.shorten(iri)}]: {classes}")
        if dl.inferred_values:
            out.append("")
            out.append("Inferred property values:")
            for s, p, o in dl.inferred_values:
                out.append(f"  {data.label(s)} — {data.label(p)} — {data.label(o)}")
    for number, conflict in enumerate(report.conflicts, 1):
        out.append("")
        out.append(f"Contradiction {number}, found by {conflict.found_by}:")
        out.append("  these facts cannot all be true —")
        for unit in conflict.units:
            lines = unit_lines(report.data, unit)
            out.append(f"  - {lines[0]}")
            out.extend(f"  {line}" for line in lines[1:])
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    """The machine-readable report."""
    data, dl = report.data, report.dl
    document = {
        "reasoner": dl.reasoner,
        "java": {"version": report.java.version, "origin": report.java.origin, "path": report.java.path},
        "consistent": dl.consistent,
        "seconds": round(report.seconds, 3),
        "unsatisfiable_classes": dl.unsatisfiable,
        "inferred_types": dl.inferred_types,
        "inferred_property_values": [list(v) for v in dl.inferred_values],
        "contradictions": [
            {"found_by": c.found_by, "rule": c.rule, "facts": [
                {"source": u.source, "fact": u.ident, "kind": u.kind,
                 "quote": data.evidence[u].quote if u in data.evidence else None,
                 "start": data.evidence[u].start if u in data.evidence else None,
                 "end": data.evidence[u].end if u in data.evidence else None,
                 "says": says(data, u, limit=50)}
                for u in c.units]}
            for c in report.conflicts],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
