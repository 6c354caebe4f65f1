"""Contradictions as text: each fact of a conflict with its source, quote, offsets and what it says.

Shared by ``kg reason`` (:mod:`kg.checks.reasoning`) and the build's consistency check
(:mod:`kg.checks.consistency`).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg import vocab
from kg.checks.explain import Conflict
from kg.checks.owl_view import ReasoningInput, UnitKey

HIDDEN_PREDICATES = {vocab.RDFS + "label", vocab.KGO + "temporalExpression", vocab.KGO + "resolutionNote",
                     vocab.KGO + "earliestDate", vocab.KGO + "latestDate", vocab.KGO + "datePrecision"}


def render_conflicts(data: ReasoningInput, conflicts: list[Conflict]) -> str:
    """Every conflict, numbered, with the facts that cannot all be true."""
    out = []
    for number, conflict in enumerate(conflicts, 1):
        out.append(f"Contradiction {number}, found by {conflict.found_by}:")
        if conflict.units:
            out.append("  these facts cannot all be true —")
        for unit in conflict.units:
            lines = unit_lines(data, unit)
            out.append(f"  - {lines[0]}")
            out.extend(f"  {line}" for line in lines[1:])
    return "\n".join(out)


def unit_lines(data: ReasoningInput, unit: UnitKey) -> list[str]:
    """A unit of evidence as text: where it comes from, its quote, and what it says."""
    if unit.kind == "registry":
        head = f"entity registry (data/entities.yaml), entry {unit.ident}"
    else:
        evidence = data.evidence.get(unit)
        quote = f'"{" ".join(evidence.quote.split())}" [{evidence.start}:{evidence.end}]' if evidence else "(no quote)"
        head = f"{unit.source}, fact {unit.ident}: {quote}"
    return [head, *(f"    {line}" for line in says(data, unit))]


def says(data: ReasoningInput, unit: UnitKey, limit: int = 6) -> list[str]:
    """What a unit asserts, one readable triple a line (labels, times and blank nodes left out)."""
    lines = []
    for t in sorted(data.units[unit], key=str):
        if isinstance(t.subject, ox.BlankNode) or t.predicate.value in HIDDEN_PREDICATES:
            continue
        if t.subject.value.startswith(vocab.ID + "time/"):
            continue
        obj = data.label(t.object.value) if isinstance(t.object, ox.NamedNode) else t.object.value
        predicate = "is a" if t.predicate.value == vocab.RDF + "type" else data.label(t.predicate.value)
        lines.append(f"{data.label(t.subject.value)} — {predicate} — {obj}")
    for t in data.units[unit]:
        if t.predicate.value == vocab.OWL + "assertionProperty":
            lines.append("(so: not " + npa_text(data, unit) + ")")
            break
    return lines[:limit] + ([f"... and {len(lines) - limit} more"] if len(lines) > limit else [])


def npa_text(data: ReasoningInput, unit: UnitKey) -> str:
    parts = {t.predicate.value: t.object.value for t in data.units[unit] if isinstance(t.subject, ox.BlankNode)}
    return (f"{data.label(parts.get(vocab.OWL + 'sourceIndividual', '?'))} pledges to defend "
            f"{data.label(parts.get(vocab.OWL + 'targetIndividual', '?'))}")
