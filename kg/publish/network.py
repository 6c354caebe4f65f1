"""The partnership network of a state, read from the graph by SPARQL: the model the map and the site draw.

Partners and their pledge status come from the stored headline query
(``queries/partners-without-defence-pledge.rq``), so the map, the site and ``kg query`` always give
the same three-valued answer. Arrangements, obligations and stated absences come from the
queries in ``kg/publish/sparql/`` (package data). Two kinds of statement are shown only when the graph
holds them: Wikidata identities (``owl:sameAs`` / ``skos:exactMatch`` to a Wikidata item) and the
triples a reasoner added in the graph named ``graph/inferred``.

No rendering here: :mod:`kg.publish.diagram` draws the model, :mod:`kg.publish.site` writes pages from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from kg import vocab
from kg.query.store import Results, collect, select_oxigraph

JAPAN = vocab.entity_iri("state/japan")
# Where `kg build --infer` puts what the reasoner derived (see the reasoning issue); absent otherwise.
INFERRED_GRAPH = vocab.GRAPH_INFERRED

# Lifecycle statuses in the usual order of an arrangement's life (kgo:stageOrder). The map draws each
# arrangement at its current status: that of its last status period (graph/derived/lifecycle), the one
# with no end; where that is uncertain between periods, the latest stage among them.
LIFECYCLE = tuple(vocab.KGO + s for s in ("Planned", "UnderNegotiation", "AgreedInPrinciple", "Agreed", "Signed",
                                           "Approved", "InForce", "Suspended", "Terminated", "Superseded"))
NOT_YET_CONCLUDED = frozenset(LIFECYCLE[:3])
# Obligation kinds of ATOP's "defense" category: what the map draws as a defence pledge.
DEFENCE_KINDS = frozenset({vocab.KGO + "kindDefence", vocab.KGO + "kindExtendedNuclearDeterrence"})
SECURITY_ARRANGEMENT = vocab.KGO + "SecurityArrangement"

PLEDGED, STATED_NONE, NOT_RECORDED = "pledged", "stated: no pledge", "not recorded"
PLEDGE_STATUSES = (PLEDGED, STATED_NONE, NOT_RECORDED)


@dataclass(frozen=True)
class Term:
    """An IRI with its English label (the IRI's short form when the graph has no label)."""

    iri: str
    label: str


@dataclass
class Arrangement:
    """A security arrangement the state is party to: an edge of the map (a hub when multilateral)."""

    iri: str
    label: str
    kind: Term
    classes: list[Term] = field(default_factory=list)
    statuses: list[Term] = field(default_factory=list)
    parties: list[Term] = field(default_factory=list)

    @property
    def status(self) -> Term | None:
        """The arrangement's current status (None when nothing dates its life)."""
        known = [s for s in self.statuses if s.iri in LIFECYCLE]
        if known:
            return max(known, key=lambda s: LIFECYCLE.index(s.iri))
        return self.statuses[0] if self.statuses else None

    @property
    def concluded(self) -> bool:
        """False while the arrangement is only planned or under negotiation."""
        status = self.status
        return status is None or status.iri not in NOT_YET_CONCLUDED

    def partners_of(self, state: str) -> list[Term]:
        """Parties other than ``state``."""
        return [p for p in self.parties if p.iri != state]


@dataclass
class Commitment:
    """A directed obligation, or a source's explicit statement that there is none (a stated absence)."""

    iri: str
    label: str
    absence: bool
    obligor: Term
    beneficiary: Term
    kind: Term
    atop_category: str | None = None
    created_by: str | None = None
    scopes: list[Term] = field(default_factory=list)
    qualifier: str | None = None

    @property
    def defence_pledge(self) -> bool:
        """An obligation (not an absence) of ATOP's defence category: a defence pledge or a nuclear umbrella."""
        return not self.absence and self.kind.iri in DEFENCE_KINDS


@dataclass(frozen=True)
class Decision:
    """One row of the headline query for a partner: what decides its pledge status, and the quote."""

    basis: str
    arrangement: str
    quote: str
    source: str
    start: int | None
    end: int | None


@dataclass
class Partner:
    """A partner of the state, with its three-valued pledge status and what decides it."""

    term: Term
    pledge_status: str
    decisions: list[Decision] = field(default_factory=list)

    @property
    def iri(self) -> str:
        """The partner's IRI."""
        return self.term.iri

    @property
    def label(self) -> str:
        """The partner's label."""
        return self.term.label


@dataclass
class Network:
    """Everything the map shows about one state's partnerships."""

    state: Term
    partners: list[Partner]
    arrangements: list[Arrangement]
    commitments: list[Commitment]
    wikidata: dict[str, list[str]] = field(default_factory=dict)
    inferred: dict[str, list[tuple[Term, Term | str]]] = field(default_factory=dict)

    def partner(self, iri: str) -> Partner | None:
        """The partner with this IRI, if it is one."""
        return next((p for p in self.partners if p.iri == iri), None)

    def arrangements_with(self, iri: str) -> list[Arrangement]:
        """Arrangements to which both the state and ``iri`` are parties."""
        return [a for a in self.arrangements if any(p.iri == iri for p in a.parties)]

    def commitments_with(self, iri: str) -> list[Commitment]:
        """Obligations and stated absences between the state and ``iri`` (either direction)."""
        return [c for c in self.commitments if iri in (c.obligor.iri, c.beneficiary.iri)]

    @property
    def empty(self) -> bool:
        """True when the graph records no arrangement and no commitment of the state: nothing to draw."""
        return not self.arrangements and not self.commitments


# ------------------------------------------------------------------------------------------ queries


@cache
def packaged_query(name: str) -> str:
    """The text of ``kg/publish/sparql/<name>.rq`` (package data)."""
    return resources.files("kg.publish").joinpath("sparql", f"{name}.rq").read_text(encoding="utf-8")


def run_packaged(store: ox.Store, name: str, **bindings: ox.NamedNode | ox.Literal) -> Results:
    """Run a packaged query on the store, binding parameters with VALUES (never pasted)."""
    return collect(select_oxigraph(store, packaged_query(name), bindings))


def _value(row: dict, name: str) -> str | None:
    term = row.get(name)
    return None if term is None else term.value


def _term(row: dict, name: str, label_name: str | None = None) -> Term:
    iri = _value(row, name) or ""
    label = _value(row, label_name) if label_name else None
    return Term(iri, label or vocab.shorten(iri))


def _int(row: dict, name: str) -> int | None:
    value = _value(row, name)
    return int(value) if value is not None else None


# ------------------------------------------------------------------------------------------ loading


def load_network(store: ox.Store, queries_dir: Path, state: str = JAPAN) -> Network:
    """Read the partnership network of ``state`` (an IRI) from a store over the built dataset."""
    from kg.query.catalogue import bind, find

    state_node = ox.NamedNode(state)
    headline = find(queries_dir, "partners-without-defence-pledge")
    rows = collect(select_oxigraph(store, headline.text, bind(headline, {"state": state}))).rows
    partners: dict[str, Partner] = {}
    for row in rows:
        term = _term(row, "partner", "partnerLabel")
        partner = partners.setdefault(term.iri, Partner(term, _value(row, "pledgeStatus") or NOT_RECORDED))
        if row.get("quote") is not None:
            decision = Decision(_value(row, "basisLabel") or "", _value(row, "arrangementLabel") or "",
                                _value(row, "quote") or "", _value(row, "source") or "",
                                _int(row, "start"), _int(row, "end"))
            if decision not in partner.decisions:
                partner.decisions.append(decision)
    return Network(
        state=Term(state, _label(store, state)),
        partners=sorted(partners.values(), key=lambda p: (PLEDGE_STATUSES.index(p.pledge_status), p.label)),
        arrangements=_arrangements(store, state_node),
        commitments=_commitments(store, state_node),
        wikidata=wikidata_links(store),
        inferred=inferred_statements(store),
    )


def _label(store: ox.Store, iri: str) -> str:
    query = "SELECT ?label WHERE { ?_s_iri <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
    rows = collect(select_oxigraph(store, query, {"_s_iri": ox.NamedNode(iri)})).rows
    return rows[0]["label"].value if rows else vocab.shorten(iri)


def _arrangements(store: ox.Store, state: ox.NamedNode) -> list[Arrangement]:
    hierarchy = run_packaged(store, "network-class-hierarchy").rows
    supers: dict[str, set[str]] = {}
    for row in hierarchy:
        supers.setdefault(row["sub"].value, set()).add(row["super"].value)
    found: dict[str, Arrangement] = {}
    for row in run_packaged(store, "network-arrangements", _state_iri=state).rows:
        iri = row["arrangement"].value
        arrangement = found.setdefault(iri, Arrangement(iri, _value(row, "arrangementLabel") or vocab.shorten(iri),
                                                        Term(SECURITY_ARRANGEMENT, "security arrangement")))
        for term, bucket in ((_term(row, "class", "classLabel"), arrangement.classes),
                             (_term(row, "party", "partyLabel"), arrangement.parties)):
            if term not in bucket:
                bucket.append(term)
        if row.get("status") is not None:
            status = _term(row, "status", "statusLabel")
            if status not in arrangement.statuses:
                arrangement.statuses.append(status)
    for arrangement in found.values():
        arrangement.kind = most_specific(arrangement.classes, supers)
    return sorted(found.values(), key=lambda a: (a.label, a.iri))


def most_specific(classes: list[Term], supers: dict[str, set[str]]) -> Term:
    """The class no other of ``classes`` is a subclass of (alphabetically first on a tie)."""
    candidates = [c for c in classes
                  if not any(c.iri in supers.get(other.iri, set()) for other in classes if other.iri != c.iri)]
    pool = candidates or classes
    return sorted(pool, key=lambda c: (c.iri == SECURITY_ARRANGEMENT, c.label, c.iri))[0]


def _commitments(store: ox.Store, state: ox.NamedNode) -> list[Commitment]:
    found: dict[str, Commitment] = {}
    for row in run_packaged(store, "network-obligations", _state_iri=state).rows:
        iri = row["node"].value
        commitment = found.get(iri)
        if commitment is None:
            commitment = found[iri] = Commitment(
                iri=iri, label=_value(row, "nodeLabel") or vocab.shorten(iri),
                absence=row["class"].value == vocab.KGO + "StatedAbsenceOfObligation",
                obligor=_term(row, "obligor", "obligorLabel"),
                beneficiary=_term(row, "beneficiary", "beneficiaryLabel"),
                kind=_term(row, "kind", "kindLabel"), atop_category=_value(row, "atopCategory"),
                created_by=_value(row, "createdBy"), qualifier=_value(row, "qualifier"))
        if row.get("scope") is not None:
            scope = _term(row, "scope", "scopeLabel")
            if scope not in commitment.scopes:
                commitment.scopes.append(scope)
    return sorted(found.values(), key=lambda c: (c.absence, c.obligor.label, c.kind.label, c.iri))


def wikidata_links(store: ox.Store) -> dict[str, list[str]]:
    """Wikidata item IRIs by entity IRI (empty when no link step has run)."""
    links: dict[str, list[str]] = {}
    for row in run_packaged(store, "wikidata-links").rows:
        items = links.setdefault(row["entity"].value, [])
        if row["item"].value not in items:
            items.append(row["item"].value)
    return links


def inferred_statements(store: ox.Store) -> dict[str, list[tuple[Term, Term | str]]]:
    """Triples of the ``graph/inferred`` graph by subject IRI: (predicate, object) pairs, labelled."""
    found: dict[str, list[tuple[Term, Term | str]]] = {}
    for row in run_packaged(store, "inferred", _graph_iri=ox.NamedNode(INFERRED_GRAPH)).rows:
        subject = row["s"]
        if not isinstance(subject, ox.NamedNode):
            continue
        obj = row["o"]
        value: Term | str = _term(row, "o", "oLabel") if isinstance(obj, ox.NamedNode) else obj.value
        pair = (_term(row, "p", "pLabel"), value)
        if pair not in found.setdefault(subject.value, []):
            found[subject.value].append(pair)
    return found
