"""The consistency check every ``kg build`` runs: OWL 2 RL's contradiction rules and the date and scope rules.

``kg reason`` is the full OWL DL check (a Java reasoner, seconds to minutes); this is the cheap one that
runs at every build. What OWL 2 RL can find wrong with the ontology, the registry and the asserted facts
is one of:

* an individual in two disjoint classes, the complement of a class it is in, or owl:Nothing (cax-dw,
  cax-adc, cls-com, cls-nothing2), types being inferred from subclasses, domains, ranges, defined
  classes, property chains;
* one subject with two different values of a functional property (prp-fp with the unique-name
  assumption: ids are curated, one per thing, so two ids are two things: eq-diff);
* the same pair related by two disjoint properties (prp-pdw), e.g. an obligor that is its own
  beneficiary;
* a negative property assertion and the assertion it denies (prp-npa1): a stated absence of a defence
  pledge beside a pledge of the same direction whose validity period can overlap it (OWL has no time:
  a pledge of 1902-1921 and a 2023 statement that there is none are both true, :mod:`kg.checks.owl_view`).

Rules OWL cannot state are checked beside them, in the same form: a period that ends before it begins;
a stated absence scoped to an arrangement (``kgo:notCreatedBy``) beside an obligation that arrangement
creates, of the same direction (an absence without a beneficiary covers every beneficiary) and kind, at a
time both can hold.

**Scale.** The whole graph can hold half a million asserted triples (ATOP, DCAD, COW), where the OWL 2 RL
reasoner (``reasonable``) needs gigabytes and minutes. So the check screens first and explains after:

1. *types*: the ABox is summarised — individuals with the same asserted types, the same properties in
   and out, and the same values among the ontology's own individuals (``kgo:kindDefence``, ``state/japan``)
   become one node — and the OWL 2 RL closure runs on that summary (a few thousand triples). The map to
   the summary is a homomorphism, and OWL 2 RL without equality is Datalog, whose consequences survive a
   homomorphism: if the summary has no type contradiction, the graph has none. Equality and disjoint
   properties are left out of the summary (merged individuals would share values) and checked exactly;
2. *values*: functional properties, disjoint properties, stated absences and the pledges they deny, scoped
   absences, and dates are checked exactly, by dictionaries over the asserted triples;
3. only what the screens suspect is then explained: the facts around it are grouped by their evidence
   and each contradiction reduced to a minimal set of facts (QuickXplain over the RL rules, as
   :mod:`kg.checks.explain` does for the DL reasoner), so the build refuses with the quotes. A suspicion
   the exact check does not confirm (the summary merged individuals that differ) is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from kg import vocab
from kg.checks import owl2rl
from kg.checks.explain import Conflict, quickxplain, temporal_conflicts
from kg.checks.owl_view import ReasoningInput, UnitKey, _certainly_apart, _Validity, build_input, is_link_out
from kg.graph.lifecycle import GRAPH_LIFECYCLE

MAX_CONFLICTS = 5
MAX_SUSPECTS_PER_KIND = 50  # individuals of one suspected summary node whose neighbourhood is explained
K = vocab.KGO
RDF_TYPE = vocab.RDF + "type"
_SUMMARY = "urn:kg:summary:"


def find_contradictions(quads: list[ox.Quad], limit: int = MAX_CONFLICTS,
                        evidence: Callable[[], list[ox.Quad]] | None = None,
                        minimise: bool = True) -> tuple[ReasoningInput, list[Conflict]]:
    """The reasoning input around what is suspected, and up to ``limit`` minimal contradictions (none:
    consistent). ``quads``: at least the ontology, the registry, the source graphs and the derived periods;
    ``evidence()``, when given, every quad of the dataset (the provenance graphs), read only when something
    is suspected, to group the triples by the facts that assert them. ``minimise=False``: an OWL 2 RL
    contradiction is confirmed (one closure) but not reduced to a minimal set of facts (tens of closures):
    for a build written anyway, which ``kg reason`` then explains."""
    view = AssertedView.of(quads)
    groups = view.suspect_groups()
    if not groups:
        return ReasoningInput(tbox=[], units={}), []
    data = build_input(evidence() if evidence is not None else quads, focus=set().union(*groups))
    conflicts: list[Conflict] = []
    reasoner = owl2rl.Reasoner(data.tbox)  # the TBox closed once, for every suspicion
    for group in groups:
        if len(conflicts) >= limit:
            break
        if any(group <= _named_by(data, c) for c in conflicts):
            continue  # explained already (an absence and the pledge it denies is one suspicion from each side)
        part = _around(data, group)
        rl = rl_conflicts(part, limit, reasoner) if minimise else rl_confirmed(part, reasoner)
        for found in (*rl, *temporal_conflicts(part), *scoped_absence_conflicts(part)):
            if all(set(found.units) != set(c.units) for c in conflicts):
                conflicts.append(found)
    return data, conflicts[:limit]


def _named_by(data: ReasoningInput, conflict: Conflict) -> set[str]:
    """The IRIs the facts of a conflict mention."""
    return {term.value for unit in conflict.units for t in data.units.get(unit, ())
            for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}


def _around(data: ReasoningInput, iris: set[str]) -> ReasoningInput:
    """The units that mention the suspected IRIs or their neighbours: one suspicion is explained at a time, on
    tens of facts, where the union of every suspicion's neighbourhood could be tens of thousands of triples."""
    def mentioning(targets: set[str]) -> set[UnitKey]:
        return {k for k, triples in data.units.items() if any(
            t.subject.value in targets or (isinstance(t.object, ox.NamedNode) and t.object.value in targets)
            for t in triples)}

    near = mentioning(iris)
    reached = {term.value for k in near for t in data.units[k] for term in (t.subject, t.object)
               if isinstance(term, ox.NamedNode) and term.value.startswith(vocab.ID)
               and not term.value.startswith(vocab.ID + "time/")}
    keys = near | {k for k in mentioning(reached - iris) if k.kind == "fact" and len(data.units[k]) <= 200}
    return replace(data, units={k: data.units[k] for k in keys})


# --------------------------------------------------------------------------------------------
# Screening: what could be contradictory, found without grouping triples by their evidence
# --------------------------------------------------------------------------------------------


@dataclass
class AssertedView:
    """The ontology, the asserted triples (registry and sources, without links to outside items), and the
    derived validity periods: what the screens read."""

    tbox: list[ox.Triple]
    abox: list[ox.Triple]
    validity: dict[str, _Validity] = field(default_factory=dict)

    @classmethod
    def of(cls, quads: Iterable[ox.Quad]) -> AssertedView:
        from kg.checks.owl_view import _validity_periods

        tbox, abox, derived = [], [], []
        source_prefix = vocab.GRAPH + "source/"
        for quad in quads:
            graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            if graph == vocab.GRAPH_ONTOLOGY:
                tbox.append(quad.triple)
            elif graph == vocab.GRAPH_ENTITIES or graph.startswith(source_prefix):
                if not is_link_out(quad.triple):
                    abox.append(quad.triple)
            elif graph == GRAPH_LIFECYCLE:
                derived.append(quad.triple)
        return cls(tbox, abox, _validity_periods(derived))

    def suspect_groups(self) -> list[set[str]]:
        """Each suspicion of a contradiction as the IRIs it is about (none: the graph is consistent)."""
        return self.value_suspects() + self.type_suspects()

    # ---- values, exactly

    def value_suspects(self) -> list[set[str]]:
        functional = {t.subject.value for t in self.tbox if t.predicate.value == RDF_TYPE
                      and t.object.value == vocab.OWL + "FunctionalProperty"}
        disjoint = [(t.subject.value, t.object.value) for t in self.tbox
                    if t.predicate.value == vocab.OWL + "propertyDisjointWith"]
        disjoint_predicates = {p for pair in disjoint for p in pair}
        values: dict[tuple[str, str], set[str]] = defaultdict(set)
        pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
        nodes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        dated: dict[tuple[str, str], set[str]] = defaultdict(set)
        bounds: dict[tuple[str, str], str] = {}
        watched = {K + p for p in ("obligor", "beneficiary", "obligationKind", "createdBy", "notCreatedBy", "scope")}
        for t in self.abox:
            p = t.predicate.value
            o = t.object
            if isinstance(o, ox.Literal):
                if p in (K + "earliestDate", K + "latestDate"):
                    bounds[(t.subject.value, p)] = o.value
                continue
            s, ov = t.subject.value, o.value
            if p in functional:
                values[(s, p)].add(ov)
            if p in disjoint_predicates:
                pairs[p].add((s, ov))
            if p in watched or (p == RDF_TYPE and ov in (K + "Obligation", K + "StatedAbsenceOfObligation")):
                nodes[s][p].add(ov)
            if p in (K + "startedAt", K + "endedAt"):
                dated[(s, p)].add(ov)
        found: list[set[str]] = []
        for (subject, _), objects in sorted(values.items()):
            if len(objects) > 1:  # two ids, two things: a functional property cannot have both
                found.append({subject, *objects})
        for p, q in disjoint:
            for subject, obj in sorted(pairs[p] & pairs[q]):
                found.append({subject, obj})
        for (subject, predicate), starts in dated.items():
            if predicate != K + "startedAt":
                continue
            for start in starts:
                for end in dated.get((subject, K + "endedAt"), ()):
                    begins, ends = bounds.get((start, K + "earliestDate")), bounds.get((end, K + "latestDate"))
                    if begins and ends and ends[:10] < begins[:10]:
                        found.append({subject, start, end})
        found += self._absence_suspects(nodes)
        return found

    def _absence_suspects(self, nodes: dict[str, dict[str, set[str]]]) -> list[set[str]]:
        """Stated absences beside an obligation they deny, at a time both can hold: in general (a defence
        pledge: the negative property assertion of OWL) or within one arrangement (the scope rule)."""
        obligations: dict[tuple, list[str]] = defaultdict(list)
        created: dict[tuple, list[str]] = defaultdict(list)
        for node, props in nodes.items():
            if K + "Obligation" not in props.get(RDF_TYPE, ()):
                continue
            for obligor in props.get(K + "obligor", ()):
                for kind in props.get(K + "obligationKind", ()):
                    for beneficiary in props.get(K + "beneficiary", ()) or {None}:
                        obligations[(obligor, beneficiary, kind)].append(node)
                        for arrangement in props.get(K + "createdBy", ()):
                            created[(arrangement, obligor, kind)].append(node)
        found: list[set[str]] = []
        for node, props in sorted(nodes.items()):
            if K + "StatedAbsenceOfObligation" not in props.get(RDF_TYPE, ()):
                continue
            absence = self.validity.get(node)
            for obligor in props.get(K + "obligor", ()):
                for kind in props.get(K + "obligationKind", ()):
                    beneficiaries = props.get(K + "beneficiary", set())
                    for arrangement in props.get(K + "notCreatedBy", ()):
                        for obligation in created.get((arrangement, obligor, kind), []):
                            theirs = nodes[obligation].get(K + "beneficiary", set())
                            if (not beneficiaries or beneficiaries & theirs) and not _certainly_apart(
                                    absence, self.validity.get(obligation)):
                                found.append({node, obligation})
                    if props.get(K + "notCreatedBy") or kind != K + "kindDefence":
                        continue
                    for beneficiary in beneficiaries:
                        rivals = obligations.get((obligor, beneficiary, kind), [])
                        if rivals and not all((absence is not None and pledge in absence.ended_by)
                                              or _certainly_apart(absence, self.validity.get(pledge))
                                              for pledge in rivals):
                            found.append({node, *rivals})
        return found

    # ---- types, on a summary

    def type_suspects(self) -> list[set[str]]:
        """Individuals whose summary node is in a type contradiction (see the module docstring), each alone."""
        summary, members = self.summary()
        tbox = [t for t in self.tbox if not _equality_or_disjoint_property(t)]
        found: list[set[str]] = []
        for violation in owl2rl.violations(tbox + summary):
            for term in violation.terms:
                if term.startswith(_SUMMARY):
                    found += [{m} for m in sorted(members[term])[:MAX_SUSPECTS_PER_KIND]]
                elif term.startswith(vocab.ID):
                    found.append({term})
        return found

    def summary(self) -> tuple[list[ox.Triple], dict[str, list[str]]]:
        """The ABox with every individual replaced by its summary node (same asserted types, same properties
        in and out, same values among the ontology's own individuals); the ontology's individuals stay
        themselves. One literal of each datatype per summary node and property is kept (for domains)."""
        nominals = {term.value for t in self.tbox for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}
        types: dict[str, set[str]] = defaultdict(set)
        out: dict[str, set[str]] = defaultdict(set)
        into: dict[str, set[str]] = defaultdict(set)
        named: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for t in self.abox:
            s, p, o = t.subject.value, t.predicate.value, t.object
            if p == RDF_TYPE:
                types[s].add(o.value)
                continue
            out[s].add(p)
            if isinstance(o, ox.NamedNode):
                if o.value in nominals:
                    named[s].add((p, o.value))
                else:
                    into[o.value].add(p)
        colour: dict[str, str] = {}
        keys: dict[tuple, str] = {}
        members: dict[str, list[str]] = defaultdict(list)
        for node in set(types) | set(out) | set(into):
            if node in nominals:
                colour[node] = node
                continue
            key = (frozenset(types.get(node, ())), frozenset(out.get(node, ())), frozenset(into.get(node, ())),
                   frozenset(named.get(node, ())))
            colour[node] = keys.setdefault(key, f"{_SUMMARY}{len(keys)}")
            members[colour[node]].append(node)
        edges: set[ox.Triple] = set()
        literals: dict[tuple, ox.Triple] = {}
        for t in self.abox:
            s, p, o = t.subject.value, t.predicate.value, t.object
            subject = ox.NamedNode(colour.get(s, s))
            if isinstance(o, ox.Literal):
                key = (subject.value, p, o.datatype.value if o.datatype else "", o.language or "")
                literals.setdefault(key, ox.Triple(subject, t.predicate, o))
            elif p == RDF_TYPE:
                edges.add(ox.Triple(subject, t.predicate, o))
            else:
                edges.add(ox.Triple(subject, t.predicate, ox.NamedNode(colour.get(o.value, o.value))))
        return sorted(edges, key=str) + list(literals.values()), members


def _equality_or_disjoint_property(triple: ox.Triple) -> bool:
    """Axioms checked exactly instead of on the summary, where merged individuals share their values."""
    p = triple.predicate.value
    return ((p == RDF_TYPE and triple.object.value in (vocab.OWL + "FunctionalProperty",
                                                       vocab.OWL + "InverseFunctionalProperty"))
            or p in (vocab.OWL + "propertyDisjointWith", vocab.OWL + "AllDifferent", vocab.OWL + "distinctMembers",
                     vocab.OWL + "sameAs", vocab.OWL + "differentFrom"))


# --------------------------------------------------------------------------------------------
# Explaining: minimal sets of facts, on the suspected neighbourhood
# --------------------------------------------------------------------------------------------


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
    if not everything or not violations(everything):
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


def rl_confirmed(data: ReasoningInput, reasoner: owl2rl.Reasoner) -> list[Conflict]:
    """The first OWL 2 RL contradiction rule that fires on ``data``, with what it names: confirmed, not
    reduced to facts (see :func:`find_contradictions`; the facts around a state can be hundreds of rows)."""
    found = reasoner.violations(data.abox())
    if not found:
        return []
    named = ", ".join(data.label(term) for term in found[0].terms)
    return [Conflict([], f"OWL 2 RL rule {found[0].rule}, on {named} (kg build; kg reason finds the facts)",
                     found[0].rule)]


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
    and direction that the same arrangement creates, at a time both can hold. An absence without a
    beneficiary (ATOP's 0: the member promises this to no partner) covers every beneficiary."""
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    asserted_by: dict[tuple[str, str], set[UnitKey]] = defaultdict(set)
    for key, triples in data.units.items():
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode):
                values[t.subject.value][t.predicate.value].add(t.object.value)
                asserted_by[(t.subject.value, t.predicate.value)].add(key)
    created: dict[str, list[str]] = defaultdict(list)
    for node, props in values.items():
        if K + "Obligation" in props.get(RDF_TYPE, ()):
            for arrangement in props.get(K + "createdBy", ()):
                created[arrangement].append(node)
    conflicts = []
    for absence, props in sorted(values.items()):
        for arrangement in sorted(props.get(K + "notCreatedBy", ())):
            for obligation in sorted(created.get(arrangement, [])):
                theirs = values[obligation]
                if (props.get(K + "obligor") != theirs.get(K + "obligor")
                        or props.get(K + "obligationKind") != theirs.get(K + "obligationKind")):
                    continue
                beneficiaries = props.get(K + "beneficiary", set())
                if beneficiaries and beneficiaries != theirs.get(K + "beneficiary", set()):
                    continue
                if _certainly_apart(data.validity.get(absence), data.validity.get(obligation)):
                    continue
                units: set[UnitKey] = set()
                for node, predicate in ((absence, "notCreatedBy"), (obligation, "createdBy"),
                                        (absence, "obligationKind"), (obligation, "obligationKind")):
                    units |= asserted_by[(node, K + predicate)]
                conflicts.append(Conflict(sorted(units), "scope rule (kg build)",
                                          "an arrangement stated not to create an obligation creates it"))
    return conflicts
