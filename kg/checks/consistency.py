"""The consistency check every ``kg build`` runs: OWL 2 RL's contradiction rules and the date rules.

``kg reason`` is the full OWL DL check (a Java reasoner, seconds to minutes); this is the cheap one
that runs at every build, in milliseconds to seconds: the OWL 2 RL closure of the ontology, the
registry and the asserted facts (with each stated absence of a defence pledge as a negative property
assertion, scoped in time: :mod:`kg.checks.owl_view`), and the RL rules whose conclusion is *false*
(disjoint classes, disjoint and functional properties, negative property assertions, different
individuals: :data:`kg.checks.owl2rl.FALSE_RULES`). Rules that OWL cannot state are checked beside
them, in the same form:

* a period that ends before it begins (``kgo:startedAt`` after ``kgo:endedAt``);
* a stated absence scoped to an arrangement (``kgo:notCreatedBy``) beside an obligation that the
  same arrangement creates, of the same direction and kind.

Each contradiction is reduced to a minimal set of facts (QuickXplain over the RL rules, as
:mod:`kg.checks.explain` does for the DL reasoner), so the build can refuse with the quotes.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kg import vocab
from kg.checks import owl2rl
from kg.checks.explain import Conflict, quickxplain, temporal_conflicts
from kg.checks.owl_view import ReasoningInput, UnitKey, build_input

MAX_CONFLICTS = 5


def find_contradictions(quads: list[ox.Quad], limit: int = MAX_CONFLICTS) -> tuple[ReasoningInput, list[Conflict]]:
    """The reasoning input of ``quads`` and up to ``limit`` minimal contradictions in it (none: consistent)."""
    data = build_input(quads)
    conflicts = rl_conflicts(data, limit)
    conflicts += temporal_conflicts(data)
    conflicts += scoped_absence_conflicts(data)
    return data, conflicts[:limit] if len(conflicts) > limit else conflicts


def rl_conflicts(data: ReasoningInput, limit: int, reasoner: owl2rl.Reasoner | None = None) -> list[Conflict]:
    """Minimal sets of units that violate an OWL 2 RL contradiction rule, found one after another by
    dropping a member of each set found (a hitting-set search of depth one, as kg reason does).
    ``reasoner``: one made for ``data.tbox`` already (it closes the TBox once, for every check)."""
    cache: dict[frozenset[UnitKey], list[owl2rl.RuleViolation]] = {}
    rl = reasoner or owl2rl.Reasoner(data.tbox)

    def violations(keys: frozenset[UnitKey]) -> list[owl2rl.RuleViolation]:
        if keys not in cache:
            cache[keys] = rl.violations(data.abox(keys))
        return cache[keys]

    everything = frozenset(data.units)
    if not violations(everything):
        return []
    conflicts: list[Conflict] = []
    queue, seen = [everything], set()
    while queue and len(conflicts) < limit:
        keys = queue.pop(0)
        if keys in seen or not violations(keys):
            continue
        seen.add(keys)
        units = quickxplain(sorted(_around_violation(data, keys, violations)), lambda k: bool(violations(k)))
        rule = violations(frozenset(units))[0].rule
        if all(set(units) != set(c.units) for c in conflicts):
            conflicts.append(Conflict(units, f"OWL 2 RL rule {rule} (kg build)", rule))
        queue.extend(keys - {unit} for unit in units)
    return conflicts


def _around_violation(data: ReasoningInput, keys: frozenset[UnitKey], violations) -> frozenset[UnitKey]:
    """The units near the individuals the violated rule names, widened until the contradiction is inside
    (QuickXplain then runs on tens of units, not on every fact of the graph)."""
    violation = violations(keys)[0]
    seeds = {term for term in violation.terms if term.startswith(vocab.ID)}
    candidates = _mentioning(data, keys, seeds)
    while candidates != keys:
        if violations(candidates):
            return candidates
        iris = {term.value for key in candidates for t in data.units[key] for term in (t.subject, t.object)
                if isinstance(term, ox.NamedNode) and term.value.startswith(vocab.ID)}
        wider = _mentioning(data, keys, iris) | candidates
        if wider == candidates:
            return keys
        candidates = wider
    return keys


def _mentioning(data: ReasoningInput, keys: frozenset[UnitKey], iris: set[str]) -> frozenset[UnitKey]:
    return frozenset(k for k in keys if any(
        isinstance(term, ox.NamedNode) and term.value in iris
        for t in data.units[k] for term in (t.subject, t.object)))


def scoped_absence_conflicts(data: ReasoningInput) -> list[Conflict]:
    """An absence that an arrangement creates no obligation of a kind, beside an obligation of that kind
    and direction that the same arrangement creates."""
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    asserted_by: dict[tuple[str, str], set[UnitKey]] = defaultdict(set)
    for key, triples in data.units.items():
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode):
                values[t.subject.value][t.predicate.value].add(t.object.value)
                asserted_by[(t.subject.value, t.predicate.value)].add(key)
    k = vocab.KGO

    def direction(node: str) -> tuple:
        props = values[node]
        return tuple(sorted(props.get(k + p, set())) for p in ("obligor", "beneficiary", "obligationKind"))

    created: dict[str, list[str]] = defaultdict(list)
    for node, props in values.items():
        if k + "Obligation" in props.get(vocab.RDF + "type", ()):
            for arrangement in props.get(k + "createdBy", ()):
                created[arrangement].append(node)
    conflicts = []
    for absence, props in sorted(values.items()):
        for arrangement in sorted(props.get(k + "notCreatedBy", ())):
            for obligation in sorted(created.get(arrangement, [])):
                if direction(obligation) != direction(absence):
                    continue
                units: set[UnitKey] = set()
                for node, predicate in ((absence, "notCreatedBy"), (obligation, "createdBy"),
                                        (absence, "obligationKind"), (obligation, "obligationKind")):
                    units |= asserted_by[(node, k + predicate)]
                conflicts.append(Conflict(sorted(units), "scope rule (kg build)",
                                          "an arrangement stated not to create an obligation creates it"))
    return conflicts
