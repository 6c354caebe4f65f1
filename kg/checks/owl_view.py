"""What a reasoner sees: the ontology plus the asserted facts, grouped into units of evidence.

The reasoning input is the TBox (``graph/ontology``), the registry (``graph/entities``) and the
source graphs (``graph/source/*``); the provenance scaffolding stays out. Asserted triples are
grouped into *units* — one per curated fact (via the reified statements that point to it) and one
per registry entity — so that a contradiction can be explained as a set of facts with quotes.

Translations, all stated here so nothing is hidden:

* each stated absence of a defence pledge becomes the OWL 2 negative property assertion
  ¬(obligor kgo:pledgesToDefend beneficiary), in the unit of the fact that asserts its obligor;
* named individuals are different from one another (``owl:AllDifferent``): ids are curated, one
  per real-world thing, so the unique-name assumption holds and a functional property given two
  different values is a contradiction, not a hidden ``owl:sameAs``. It is stated for the
  individuals whose identity an axiom could merge (registry entities, values of functional
  properties, ends of ``owl:sameAs``), which keeps it small on large graphs;
* links to outside items (``owl:sameAs``/``skos:*Match`` to Wikidata) are left out: they state
  identity with things outside the graph, and merging our entities with Wikidata items would copy
  every fact onto the items without telling the reasoner anything about our data (a quality check,
  ``same-as-not-one-to-one``, guards the links themselves);
* datatypes outside the OWL 2 datatype map, which HermiT rejects, are mapped: ``xsd:date``
  becomes ``xsd:dateTime`` at midnight UTC; ``xsd:gYear``/``xsd:gYearMonth`` values are left out
  (their bounds are kept in ``kgo:earliestDate``/``kgo:latestDate``); ``rdf:langString`` ranges
  become ``rdf:PlainLiteral`` (the Pellet that owlready2 bundles predates RDF 1.1).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import vocab
from kg.graph.lifecycle import GRAPH_LIFECYCLE

RDF_TYPE = ox.NamedNode(vocab.RDF + "type")
XSD_DATE, XSD_DATETIME = vocab.XSD + "date", vocab.XSD + "dateTime"
DROPPED_DATATYPES = {vocab.XSD + "gYear", vocab.XSD + "gYearMonth"}
LANG_STRING, PLAIN_LITERAL = vocab.RDF + "langString", vocab.RDF + "PlainLiteral"


@dataclass(frozen=True, order=True)
class UnitKey:
    """A unit of evidence: a fact of a source, or a registry entry."""

    kind: str  # "fact" or "registry"
    source: str  # source id, or "entity-registry"
    ident: str  # fact id, or entity id

    def __str__(self) -> str:
        return f"{self.source}#{self.ident}"


@dataclass
class Evidence:
    """Where a fact's quote sits in its source."""

    quote: str
    start: int
    end: int


@dataclass
class ReasoningInput:
    """TBox, background axioms and the units of asserted facts."""

    tbox: list[ox.Triple]
    units: dict[UnitKey, set[ox.Triple]]
    evidence: dict[UnitKey, Evidence] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    registry: set[str] = field(default_factory=set)
    functional: set[str] = field(default_factory=set)
    validity: dict[str, _Validity] = field(default_factory=dict)  # derived validity periods, by what they are of

    def triples(self, keys: Iterable[UnitKey] | None = None) -> list[ox.Triple]:
        """TBox + the triples of the given units (all units by default) + the background axioms
        (AllDifferent) over the individuals of those units that need the unique-name assumption."""
        return [*self.tbox, *self.abox(keys)]

    def abox(self, keys: Iterable[UnitKey] | None = None) -> list[ox.Triple]:
        """:meth:`triples` without the TBox (what :class:`kg.checks.owl2rl.Reasoner` takes)."""
        chosen = self.units if keys is None else keys
        data: set[ox.Triple] = set()
        for key in chosen:
            data |= self.units[key]
        declarations = [ox.Triple(ox.NamedNode(i), RDF_TYPE, ox.NamedNode(vocab.OWL + "NamedIndividual"))
                        for i in _individuals(data)]
        return [*declarations, *_all_different(self._distinct(data)), *sorted(data, key=str)]

    def _distinct(self, data: set[ox.Triple]) -> list[str]:
        """Individuals whose identity the reasoner could otherwise merge: registry entities, values of
        functional properties, ends of owl:sameAs. (An AllDifferent over every individual would be
        quadratic in HermiT and adds nothing for the others: no axiom can make them equal.)"""
        found = {i for i in _individuals(data) if i in self.registry}
        for t in data:
            if t.predicate.value in self.functional and isinstance(t.object, ox.NamedNode):
                found.add(t.object.value)
            elif t.predicate.value == vocab.OWL + "sameAs":
                found |= {term.value for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}
        return sorted(i for i in found if i.startswith(vocab.ID))

    def ntriples(self, keys: Iterable[UnitKey] | None = None) -> bytes:
        """N-Triples of :meth:`triples`, for the Java reasoners."""
        return ox.serialize(self.triples(keys), format=ox.RdfFormat.N_TRIPLES)

    def label(self, iri: str) -> str:
        """Readable name of an IRI."""
        return self.labels.get(iri) or vocab.shorten(iri)


LINKS_OUT = {vocab.OWL + "sameAs", vocab.SKOS + "exactMatch", vocab.SKOS + "closeMatch"}


def is_link_out(triple: ox.Triple) -> bool:
    """An identity or mapping link from our data to an outside IRI (a Wikidata item)."""
    return (triple.predicate.value in LINKS_OUT and isinstance(triple.object, ox.NamedNode)
            and not triple.object.value.startswith(vocab.ID))


def _rewrite(triple: ox.Triple) -> ox.Triple | None:
    if is_link_out(triple):
        return None
    obj = triple.object
    if isinstance(obj, ox.Literal):
        if obj.datatype.value in DROPPED_DATATYPES:
            return None
        if obj.datatype.value == XSD_DATE:
            obj = ox.Literal(obj.value + "T00:00:00Z", datatype=ox.NamedNode(XSD_DATETIME))
    elif isinstance(obj, ox.NamedNode):
        if obj.value in DROPPED_DATATYPES:
            return None
        if obj.value == XSD_DATE:
            obj = ox.NamedNode(XSD_DATETIME)
        elif obj.value == LANG_STRING:
            obj = ox.NamedNode(PLAIN_LITERAL)
    return ox.Triple(triple.subject, triple.predicate, obj)


def build_input(quads: list[ox.Quad], focus: set[str] | None = None) -> ReasoningInput:
    """Group a built dataset's quads into the reasoning input.

    With ``focus`` (IRIs), only the asserted triples within two steps of them, grouped by the facts that
    assert them: the build's consistency check explains a suspected contradiction on that neighbourhood
    instead of indexing the evidence of millions of triples (:mod:`kg.checks.consistency`).
    """
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph[quad.graph_name.value].append(quad.triple)
    keep = None if focus is None else _neighbourhood(by_graph, focus, steps=2)
    tbox = [t for t in map(_rewrite, by_graph.get(vocab.GRAPH_ONTOLOGY, [])) if t]
    units: dict[UnitKey, set[ox.Triple]] = defaultdict(set)
    for triple in by_graph.get(vocab.GRAPH_ENTITIES, []):
        if keep is not None and not _touches(triple, keep):
            continue
        entity = vocab.entity_id_of(triple.subject.value) if isinstance(triple.subject, ox.NamedNode) else None
        rewritten = _rewrite(triple)
        if entity and rewritten:
            units[UnitKey("registry", "entity-registry", entity)].add(rewritten)
    selected: dict[str, list[ox.Triple]] = {}
    for graph, triples in by_graph.items():
        if graph.startswith(vocab.GRAPH + "source/"):
            selected[graph] = triples if keep is None else [t for t in triples if _touches(t, keep)]
    provenance = _provenance_index(by_graph, None if keep is None else {t for ts in selected.values() for t in ts})
    for graph, triples in selected.items():
        source = graph.removeprefix(vocab.GRAPH + "source/")
        for triple in triples:
            rewritten = _rewrite(triple)
            if rewritten is None:
                continue
            for key in provenance.units_of.get((graph, triple), [UnitKey("fact", source, "(no evidence)")]):
                units[key].add(rewritten)
    validity = _validity_periods(by_graph.get(GRAPH_LIFECYCLE, []))
    _add_negative_assertions(units, validity)
    functional = {t.subject.value for t in tbox if t.predicate == RDF_TYPE
                  and t.object.value == vocab.OWL + "FunctionalProperty" and isinstance(t.subject, ox.NamedNode)}
    registry = {vocab.entity_iri(k.ident) for k in units if k.kind == "registry"}
    return ReasoningInput(tbox=tbox, units=dict(units), evidence=provenance.evidence,
                          labels=_labels(by_graph, keep), registry=registry, functional=functional,
                          validity=validity)


def _touches(triple: ox.Triple, keep: set[str]) -> bool:
    return triple.subject.value in keep or (isinstance(triple.object, ox.NamedNode) and triple.object.value in keep)


HUB_DEGREE = 64  # an individual with more asserted triples than this (a state) is included but not stepped through


def _neighbourhood(by_graph: dict[str, list[ox.Triple]], focus: set[str], steps: int) -> set[str]:
    """The focus IRIs and the data IRIs within ``steps`` asserted triples of them. Hubs (a state that ATOP
    makes party to hundreds of obligations) are reached but not stepped through: what a contradiction
    needs of a hub is its own description, not everything else that mentions it."""
    asserted = [t for graph, triples in by_graph.items()
                if graph == vocab.GRAPH_ENTITIES or graph.startswith(vocab.GRAPH + "source/") for t in triples]
    degree: dict[str, int] = defaultdict(int)
    for t in asserted:
        degree[t.subject.value] += 1
        if isinstance(t.object, ox.NamedNode):
            degree[t.object.value] += 1
    keep = set(focus)
    frontier = {n for n in focus if degree[n] <= HUB_DEGREE}
    for _ in range(steps):
        reached = set()
        for t in asserted:
            if not isinstance(t.object, ox.NamedNode):
                continue
            s, o = t.subject.value, t.object.value
            if s in frontier and o.startswith(vocab.ID) and o not in keep:
                reached.add(o)
            elif o in frontier and s.startswith(vocab.ID) and s not in keep:
                reached.add(s)
        keep |= reached
        frontier = {n for n in reached if degree[n] <= HUB_DEGREE}
    return keep


def _individuals(triples: Iterable[ox.Triple]) -> list[str]:
    """The data's named individuals (IRIs under the id/ namespace) that ``triples`` mention."""
    found = set()
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(vocab.ID):
                found.add(term.value)
    return sorted(found)


@dataclass
class _Provenance:
    units_of: dict[tuple[str, ox.Triple], list[UnitKey]]
    evidence: dict[UnitKey, Evidence]


def _provenance_index(by_graph: dict[str, list[ox.Triple]], wanted: set[ox.Triple] | None = None) -> _Provenance:
    """Which facts assert which triple, and each fact's quote and offsets, from the provenance graphs (only
    for the ``wanted`` triples, when given: a few passes that keep only what they need)."""
    graphs = [triples for graph, triples in by_graph.items() if graph.startswith(vocab.GRAPH + "provenance/")]
    relevant: set[str] | None = None
    if wanted is not None:
        subjects = {t.subject for t in wanted}
        statements = {t.subject for triples in graphs for t in triples
                      if t.predicate.value == vocab.RDF + "subject" and t.object in subjects}
        annotations = {t.subject for triples in graphs for t in triples
                       if t.predicate.value == vocab.OA + "hasBody" and t.object in statements}
        targets = {t.object for triples in graphs for t in triples
                   if t.predicate.value == vocab.OA + "hasTarget" and t.subject in annotations}
        selectors = {t.object for triples in graphs for t in triples
                     if t.predicate.value == vocab.OA + "hasSelector" and t.subject in targets}
        relevant = {_key(n) for n in statements | annotations | targets | selectors}
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for triples in graphs:
        for t in triples:
            key = _key(t.subject)
            if relevant is None or key in relevant:
                props[key][t.predicate.value].append(t.object)
    units_of: dict[tuple[str, ox.Triple], list[UnitKey]] = defaultdict(list)
    evidence: dict[UnitKey, Evidence] = {}
    for values in list(props.values()):
        fact_ids = values.get(vocab.KGO + "factId")
        sources = values.get(vocab.PROV + "wasDerivedFrom")
        if not fact_ids or not sources:
            continue
        key = UnitKey("fact", sources[0].value.rsplit("/", 1)[-1], fact_ids[0].value)
        for body in values.get(vocab.OA + "hasBody", []):
            statement = props.get(_key(body))
            if not statement:
                continue
            triple = ox.Triple(statement[vocab.RDF + "subject"][0], statement[vocab.RDF + "predicate"][0],
                               statement[vocab.RDF + "object"][0])
            units_of[(statement[vocab.KGO + "assertedIn"][0].value, triple)].append(key)
        for target in values.get(vocab.OA + "hasTarget", []):
            selectors = [props[_key(s)] for s in props.get(_key(target), {}).get(vocab.OA + "hasSelector", [])]
            quote = next((s[vocab.OA + "exact"][0].value for s in selectors if vocab.OA + "exact" in s), "")
            position = next((s for s in selectors if vocab.OA + "start" in s), None)
            if position:
                evidence[key] = Evidence(quote, int(position[vocab.OA + "start"][0].value),
                                         int(position[vocab.OA + "end"][0].value))
    return _Provenance(units_of, evidence)


def _key(term) -> str:
    return str(term)


@dataclass
class _Validity:
    """A derived validity period (graph/derived/lifecycle): its bounds as ISO days, and what ended it."""

    start_earliest: str | None = None
    start_latest: str | None = None
    end_earliest: str | None = None
    end_latest: str | None = None
    ended_by: set[str] = field(default_factory=set)
    ends: bool = False


def _validity_periods(triples: list[ox.Triple]) -> dict[str, _Validity]:
    """Validity periods by the obligation or stated absence they are of."""
    by_node: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_node[t.subject.value][t.predicate.value].append(t.object.value)
    found = {}
    for props in by_node.values():
        if vocab.KGO + "ValidityPeriod" not in props.get(vocab.RDF + "type", []):
            continue
        day = {name: (props[vocab.KGO + name][0][:10] if props.get(vocab.KGO + name) else None)
               for name in ("startEarliest", "startLatest", "endEarliest", "endLatest")}
        ended_by = set(props.get(vocab.KGO + "endedBy", []))
        found[props[vocab.KGO + "periodOf"][0]] = _Validity(
            day["startEarliest"], day["startLatest"], day["endEarliest"], day["endLatest"], ended_by, bool(ended_by))
    return found


def _certainly_apart(a: _Validity | None, b: _Validity | None) -> bool:
    """Whether two validity periods certainly do not overlap (one certainly ends before the other starts)."""
    if a is None or b is None:
        return False
    return ((a.ends and a.end_latest is not None and b.start_earliest is not None and a.end_latest <= b.start_earliest)
            or (b.ends and b.end_latest is not None and a.start_earliest is not None
                and b.end_latest <= a.start_earliest))


def _add_negative_assertions(units: dict[UnitKey, set[ox.Triple]], validity: dict[str, _Validity]) -> None:
    """¬(obligor pledgesToDefend beneficiary) for a stated absence of a defence pledge, in the unit(s) of
    the fact(s) asserting the absence's obligor, unless it is scoped to an arrangement (kgo:notCreatedBy:
    that arrangement creates no pledge, others may) or every defence pledge of the same direction
    certainly holds at other times than the absence (OWL has no time: a pledge of 1902-1923 and a
    statement of 2023 that there is none are both true; a pledge that begins after the statement ends
    it, docs/time-model.md)."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    holders: dict[str, list[UnitKey]] = defaultdict(list)
    for key, triples in units.items():
        for t in triples:
            if isinstance(t.object, ox.NamedNode) and isinstance(t.subject, ox.NamedNode):
                values[t.subject.value].setdefault(t.predicate.value, t.object.value)
                if t.predicate.value == vocab.KGO + "obligor":
                    holders[t.subject.value].append(key)
    pledges: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for subject, props in values.items():
        if (props.get(vocab.RDF + "type") == vocab.KGO + "Obligation"
                and props.get(vocab.KGO + "obligationKind") == vocab.KGO + "kindDefence"):
            pledges[(props.get(vocab.KGO + "obligor"), props.get(vocab.KGO + "beneficiary"))].append(subject)
    for subject, props in values.items():
        if (props.get(vocab.RDF + "type") != vocab.KGO + "StatedAbsenceOfObligation"
                or props.get(vocab.KGO + "obligationKind") != vocab.KGO + "kindDefence"
                or vocab.KGO + "notCreatedBy" in props):
            continue
        obligor, beneficiary = props.get(vocab.KGO + "obligor"), props.get(vocab.KGO + "beneficiary")
        if not (obligor and beneficiary):
            continue
        absence = validity.get(subject)
        rivals = pledges.get((obligor, beneficiary), [])
        if rivals and all((absence is not None and pledge in absence.ended_by)
                          or _certainly_apart(absence, validity.get(pledge)) for pledge in rivals):
            continue
        node = ox.BlankNode("npa" + hashlib.sha1(subject.encode()).hexdigest()[:16])
        npa = {
            ox.Triple(node, RDF_TYPE, ox.NamedNode(vocab.OWL + "NegativePropertyAssertion")),
            ox.Triple(node, ox.NamedNode(vocab.OWL + "sourceIndividual"), ox.NamedNode(obligor)),
            ox.Triple(node, ox.NamedNode(vocab.OWL + "assertionProperty"), ox.NamedNode(vocab.KGO + "pledgesToDefend")),
            ox.Triple(node, ox.NamedNode(vocab.OWL + "targetIndividual"), ox.NamedNode(beneficiary)),
        }
        for holder in holders[subject]:
            units[holder] |= npa


def _all_different(individuals: list[str]) -> list[ox.Triple]:
    """One owl:AllDifferent over the given named individuals."""
    if len(individuals) < 2:
        return []
    head = ox.BlankNode("alldifferent")
    triples = [ox.Triple(head, RDF_TYPE, ox.NamedNode(vocab.OWL + "AllDifferent"))]
    cells = [ox.BlankNode(f"alldifferent{i}") for i in range(len(individuals))]
    triples.append(ox.Triple(head, ox.NamedNode(vocab.OWL + "distinctMembers"), cells[0]))
    for i, iri in enumerate(individuals):
        triples.append(ox.Triple(cells[i], ox.NamedNode(vocab.RDF + "first"), ox.NamedNode(iri)))
        rest = cells[i + 1] if i + 1 < len(cells) else ox.NamedNode(vocab.RDF + "nil")
        triples.append(ox.Triple(cells[i], ox.NamedNode(vocab.RDF + "rest"), rest))
    return triples


def _labels(by_graph: dict[str, list[ox.Triple]], keep: set[str] | None = None) -> dict[str, str]:
    labels = {}
    for graph, triples in by_graph.items():
        if graph.startswith(vocab.GRAPH + "provenance/"):
            continue
        for t in triples:
            if t.predicate.value == vocab.RDFS + "label" and isinstance(t.object, ox.Literal) and (
                    keep is None or t.subject.value in keep or not t.subject.value.startswith(vocab.ID)):
                labels.setdefault(t.subject.value, t.object.value)
    return labels
