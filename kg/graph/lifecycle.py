"""Time derived from dated facts: each arrangement's status periods, each obligation's validity.

The sources assert events with their own times (a signing on 2023-01-11, an adoption "last year"),
status observations ("talks are under way", as of a publication date) and obligations with or
without dates of their own. This module derives, once per build, what every "as of" question needs,
into the named graph ``graph/derived/lifecycle``:

* **status periods**: an arrangement's candidates (its lifecycle events, whose class names the
  status that follows, and its status observations) ordered by their earliest day, then their
  latest day, then the usual order of stages; consecutive candidates of one status make one period,
  started by the first and confirmed by the others, which lasts until the next candidate. An event
  known only by the time announced for it (``kgo:scheduledAt``) counts from that time. The times
  several sources give one event are combined by intersection where they overlap (two sources that
  agree narrow the date); where they do not, by their hull, and ``source-disagreements`` shows the
  conflict. A candidate with no bound at all is
  undated and starts no period.
* **validity periods**: an obligation (and a stated absence, and a membership) holds over its own
  ``kgo:startedAt``/``kgo:endedAt`` where a source gives them (ATOP: a member's entry and exit); else
  an obligation holds from its arrangement's entry into force where an event records it (a treaty
  binds from then), otherwise from its first period of a concluded status (agreed, signed, approved,
  in force: a political arrangement has no entry into force), to the next period of an ended one
  (suspended, terminated, superseded). A stated absence without dates of its own holds from its own
  time, by default its source's publication window, until an obligation it denies begins after it.

Every period keeps the earliest and latest day of its start and of its end; a bound nothing fixes is
left out. The rule for a date D (``docs/time-model.md``): a period *possibly* holds on D if it can
have started by D (start earliest <= D, or unknown) and can not yet have ended (end latest > D, or
unknown); it *certainly* holds if it must have started (start latest <= D) and cannot have ended
(end earliest > D, or no end).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from kg import vocab

GRAPH_LIFECYCLE = vocab.GRAPH + "derived/lifecycle"
CONCLUDED = {vocab.KGO + s for s in ("Agreed", "Signed", "Approved", "InForce")}
ENDED = {vocab.KGO + s for s in ("Suspended", "Terminated", "Superseded")}

_RDF_TYPE = vocab.RDF + "type"
_DIRECTION = {vocab.KGO + "obligor": "obligor", vocab.KGO + "beneficiary": "beneficiary",
              vocab.KGO + "obligationKind": "kind"}
_K = vocab.KGO
_LOW, _HIGH = date.min, date.max


@dataclass
class Bounds:
    """The earliest and latest day something can fall on; None where nothing fixes it."""

    earliest: date | None = None
    latest: date | None = None

    @property
    def dated(self) -> bool:
        """Whether anything fixes it in time."""
        return self.earliest is not None or self.latest is not None

    def overlaps(self, other: Bounds) -> bool:
        """Whether both can be true: their ranges of days meet."""
        return ((self.earliest or _LOW) <= (other.latest or _HIGH)
                and (other.earliest or _LOW) <= (self.latest or _HIGH))

    def combined(self, other: Bounds) -> Bounds:
        """Both sources' information: the intersection where they overlap, else the hull."""
        if self.overlaps(other):
            return Bounds(_max(self.earliest, other.earliest), _min(self.latest, other.latest))
        return Bounds(min(self.earliest or _LOW, other.earliest or _LOW),
                      max(self.latest or _HIGH, other.latest or _HIGH))


@dataclass
class Candidate:
    """A dated fact that sets an arrangement's status: a lifecycle event or a status observation."""

    basis: str
    status: str
    order: int
    bounds: Bounds

    def key(self) -> tuple:
        return (self.bounds.earliest or _LOW, self.bounds.latest or _HIGH, self.order, self.basis)


@dataclass
class Period:
    """A derived period: what it is of, its status (for status periods) and its start and end."""

    of: str
    kind: str  # kgo:StatusPeriod or kgo:ValidityPeriod
    start: Bounds
    started_by: list[str]
    status: str | None = None
    confirmed_by: list[str] = field(default_factory=list)
    end: Bounds = field(default_factory=Bounds)
    ended_by: list[str] = field(default_factory=list)


@dataclass
class _Facts:
    """The triples the derivation reads, indexed."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    of_arrangement: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    observed: dict[str, str] = field(default_factory=dict)
    times: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # x -> (time, graph)
    scheduled: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # event -> announced times
    started_at: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ended_at: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    created_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # obligation or absence -> its obligor, beneficiary and kind
    direction: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    earliest: dict[str, date] = field(default_factory=dict)
    latest: dict[str, date] = field(default_factory=dict)
    resulting_status: dict[str, str] = field(default_factory=dict)  # event class -> status
    stage_order: dict[str, int] = field(default_factory=dict)
    typed_in: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # subject -> graphs


def derive_periods(quads: Iterable[ox.Quad], published: Mapping[str, Bounds]) -> list[Period]:
    """Status periods of every arrangement and validity periods of every obligation and stated absence.

    ``quads``: the ontology and the asserted source graphs; ``published``: each source graph's
    publication window (the default time of a stated absence without one).
    """
    facts = _index(quads)
    periods: list[Period] = []
    status_periods: dict[str, list[Period]] = {}
    for arrangement, candidates in sorted(_candidates(facts).items()):
        status_periods[arrangement] = _status_periods(arrangement, candidates)
        periods += status_periods[arrangement]
    obligations: list[Period] = []
    for obligation in sorted(s for s, types in facts.types.items() if _K + "Obligation" in types):
        period = _obligation_validity(obligation, facts, status_periods)
        if period is not None:
            obligations.append(period)
    periods += obligations
    by_direction: dict[tuple, list[Period]] = defaultdict(list)  # obligations by (obligor, beneficiary, kind)
    for period in obligations:
        if direction := facts.direction.get(period.of):
            by_direction[_direction_key(direction)].append(period)
    for absence in sorted(s for s, types in facts.types.items() if _K + "StatedAbsenceOfObligation" in types):
        own = _own_period(absence, facts)
        if own is not None:  # dated by its source (ATOP: the member's entry and exit)
            periods.append(own)
            continue
        period = _absence_validity(absence, facts, published)
        if period is not None:
            _end_at_next_obligation(period, facts, by_direction)
            periods.append(period)
    memberships = {_K + "Membership", _K + "AllianceMembership", _K + "StateSystemMembership"}
    for membership in sorted(s for s, types in facts.types.items() if types & memberships):
        own = _own_period(membership, facts)
        if own is not None:
            periods.append(own)
    return periods


def _own_period(subject: str, facts: _Facts) -> Period | None:
    """The validity period a source gives something directly, by its kgo:startedAt and kgo:endedAt."""
    own_start = _bounds_of(facts.started_at.get(subject, []), facts)
    own_end = _bounds_of(facts.ended_at.get(subject, []), facts)
    if not (own_start.dated or own_end.dated):
        return None
    return Period(subject, _K + "ValidityPeriod", own_start, [subject], end=own_end,
                  ended_by=[subject] if own_end.dated else [])


def _direction_key(direction: Mapping[str, str]) -> tuple:
    return tuple(sorted(direction.items()))


def _end_at_next_obligation(absence: Period, facts: _Facts, by_direction: Mapping[tuple, list[Period]]) -> None:
    """A stated absence holds, as an observation does, until an obligation of the same direction and
    kind begins after it (certainly after its start): the later pledge ends it, it does not contradict it.
    ``by_direction``: the obligations' validity periods by their direction (:func:`_direction_key`)."""
    direction = facts.direction.get(absence.of)
    if not direction or absence.start.latest is None:
        return
    later = [o for o in by_direction.get(_direction_key(direction), ()) if o.start.earliest is not None
             and o.start.earliest > absence.start.latest]
    if later:
        first = min(later, key=lambda o: (o.start.earliest, o.start.latest or _HIGH, o.of))
        absence.end, absence.ended_by = first.start, [first.of]


def _index(quads: Iterable[ox.Quad]) -> _Facts:
    facts = _Facts()
    for quad in quads:
        s, p, o = quad.subject.value, quad.predicate.value, quad.object
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        if p == _RDF_TYPE:
            facts.types[s].add(o.value)
            facts.typed_in[s].add(graph)
        elif p == _K + "ofArrangement":
            facts.of_arrangement[s].add(o.value)
        elif p == _K + "observedStatus":
            facts.observed[s] = o.value
        elif p == vocab.TIME + "hasTime":
            facts.times[s].append((o.value, graph))
        elif p == _K + "scheduledAt":
            facts.scheduled[s].append(o.value)
        elif p == _K + "startedAt":
            facts.started_at[s].append(o.value)
        elif p == _K + "endedAt":
            facts.ended_at[s].append(o.value)
        elif p == _K + "createdBy":
            facts.created_by[s].add(o.value)
        elif p in _DIRECTION:
            facts.direction[s][_DIRECTION[p]] = o.value
        elif p == _K + "earliestDate":
            facts.earliest[s] = _day(o.value)
        elif p == _K + "latestDate":
            facts.latest[s] = _day(o.value)
        elif p == _K + "resultingStatus":
            facts.resulting_status[s] = o.value
        elif p == _K + "stageOrder":
            facts.stage_order[s] = int(o.value)
    return facts


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _max(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _min(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def _bounds_of(times: Iterable[str], facts: _Facts) -> Bounds:
    """The combined bounds of one thing's times (several sources may date it)."""
    combined: Bounds | None = None
    for time in times:
        bounds = Bounds(facts.earliest.get(time), facts.latest.get(time))
        if not bounds.dated:
            continue
        combined = bounds if combined is None else combined.combined(bounds)
    return combined or Bounds()


def _candidates(facts: _Facts) -> dict[str, list[Candidate]]:
    found: dict[str, list[Candidate]] = defaultdict(list)
    for subject, arrangements in facts.of_arrangement.items():
        status = facts.observed.get(subject) or next(
            (facts.resulting_status[c] for c in sorted(facts.types.get(subject, ())) if c in facts.resulting_status),
            None)
        if status is None:
            continue
        bounds = _bounds_of((t for t, _ in facts.times.get(subject, [])), facts)
        if not bounds.dated:  # known only by its schedule: counts from the announced time
            bounds = _bounds_of(facts.scheduled.get(subject, []), facts)
        if not bounds.dated:
            continue  # undated: listed in the arrangement's history, but it places no period
        for arrangement in arrangements:
            found[arrangement].append(Candidate(subject, status, facts.stage_order.get(status, 0), bounds))
    return found


def _status_periods(arrangement: str, candidates: list[Candidate]) -> list[Period]:
    periods: list[Period] = []
    for candidate in sorted(candidates, key=Candidate.key):
        if periods and periods[-1].status == candidate.status:
            periods[-1].confirmed_by.append(candidate.basis)
            continue
        if periods:
            periods[-1].end = candidate.bounds
            periods[-1].ended_by = [candidate.basis]
        periods.append(Period(arrangement, _K + "StatusPeriod", candidate.bounds, [candidate.basis],
                              status=candidate.status))
    return periods


def _obligation_validity(obligation: str, facts: _Facts, status_periods: dict[str, list[Period]]
                         ) -> Period | None:
    own = _own_period(obligation, facts)
    if own is not None:
        return own
    for arrangement in sorted(facts.created_by.get(obligation, ())):
        periods = status_periods.get(arrangement, [])
        in_force_by_event = next((i for i, p in enumerate(periods) if p.status == _K + "InForce" and any(
            _K + "EntryIntoForce" in facts.types.get(basis, ()) for basis in p.started_by)), None)
        first = in_force_by_event if in_force_by_event is not None else next(
            (i for i, p in enumerate(periods) if p.status in CONCLUDED), None)
        if first is None:
            continue
        validity = Period(obligation, _K + "ValidityPeriod", periods[first].start, list(periods[first].started_by))
        ending = next((p for p in periods[first + 1:] if p.status in ENDED), None)
        if ending is not None:
            validity.end, validity.ended_by = ending.start, list(ending.started_by)
        return validity
    return None


def _absence_validity(absence: str, facts: _Facts, published: Mapping[str, Bounds]) -> Period | None:
    times = facts.times.get(absence, [])
    bounds = _bounds_of((t for t, _ in times), facts)
    if not bounds.dated:
        graphs = sorted({g for _, g in times} or facts.typed_in.get(absence, set()))
        for graph in graphs:
            window = published.get(graph)
            if window is not None and window.dated:
                bounds = window if not bounds.dated else bounds.combined(window)
    if not bounds.dated:
        return None
    return Period(absence, _K + "ValidityPeriod", bounds, [absence])


def lifecycle_quads(quads: list[ox.Quad], published: Mapping[str, Bounds]) -> list[ox.Quad]:
    """``graph/derived/lifecycle``: the derived periods as quads, and its provenance."""
    inputs = [q for q in quads if _is_input(q)]
    periods = derive_periods(inputs, published)
    graph = ox.NamedNode(GRAPH_LIFECYCLE)
    out = [ox.Quad(s, p, o, graph) for s, p, o in _period_triples(periods)]
    return out + _provenance(sorted({q.graph_name.value for q in inputs
                                     if q.graph_name.value.startswith(vocab.GRAPH + "source/")}))


def _is_input(quad: ox.Quad) -> bool:
    graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
    return graph == vocab.GRAPH_ONTOLOGY or graph.startswith(vocab.GRAPH + "source/")


def _period_triples(periods: list[Period]) -> Iterable[tuple]:
    def node(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def when(day: date) -> ox.Literal:
        return ox.Literal(f"{day.isoformat()}T00:00:00", datatype=node(vocab.XSD + "dateTime"))

    counters: dict[str, int] = defaultdict(int)
    for period in periods:
        slug = (vocab.entity_id_of(period.of) or hashlib.sha256(period.of.encode()).hexdigest()[:16])
        counters[period.of] += 1
        kind = "status" if period.kind == _K + "StatusPeriod" else "validity"
        subject = node(f"{vocab.ID}period/{kind}/{slug}/{counters[period.of]}")
        yield subject, node(_RDF_TYPE), node(period.kind)
        yield subject, node(_K + "periodOf"), node(period.of)
        if period.status:
            yield subject, node(_K + "periodStatus"), node(period.status)
        for basis in period.started_by:
            yield subject, node(_K + "startedBy"), node(basis)
        for basis in period.confirmed_by:
            yield subject, node(_K + "confirmedBy"), node(basis)
        for basis in period.ended_by:
            yield subject, node(_K + "endedBy"), node(basis)
        for name, day in (("startEarliest", period.start.earliest), ("startLatest", period.start.latest),
                          ("endEarliest", period.end.earliest), ("endLatest", period.end.latest)):
            if day is not None:
                yield subject, node(_K + name), when(day)
        yield subject, node(_K + "periodSpan"), ox.Literal(f"{_endpoint(period.start)}/{_endpoint(period.end)}")


def _endpoint(bounds: Bounds) -> str:
    """A start or an end as it reads: its day, or first..last day, or '..' where nothing fixes it."""
    if not bounds.dated:
        return ".."
    first = bounds.earliest.isoformat() if bounds.earliest else ""
    last = bounds.latest.isoformat() if bounds.latest else ""
    return first if first == last else f"{first}..{last}"


def _provenance(inputs: list[str]) -> list[ox.Quad]:
    from kg.version import software_version

    def node(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    graph, provenance = node(GRAPH_LIFECYCLE), node(vocab.provenance_graph("derived-lifecycle"))
    activity = node(vocab.ID + "activity/derive-lifecycle")
    agent_iri, agent_label = vocab.software_agent(software_version())
    triples = [
        (graph, node(_RDF_TYPE), node(vocab.PROV + "Bundle")),
        (graph, node(vocab.PROV + "wasGeneratedBy"), activity),
        *((graph, node(vocab.PROV + "wasDerivedFrom"), node(g)) for g in [vocab.GRAPH_ONTOLOGY, *inputs]),
        (activity, node(_RDF_TYPE), node(vocab.PROV + "Activity")),
        (activity, node(vocab.RDFS + "label"), ox.Literal(
            "kg build: status periods of arrangements and validity periods of obligations, derived from their "
            "dated events, observations and dates (docs/time-model.md)", language="en")),
        (activity, node(vocab.PROV + "wasAssociatedWith"), node(agent_iri)),
        (node(agent_iri), node(_RDF_TYPE), node(vocab.PROV + "SoftwareAgent")),
        (node(agent_iri), node(vocab.RDFS + "label"), ox.Literal(agent_label, language="en")),
    ]
    return [ox.Quad(s, p, o, provenance) for s, p, o in triples]
