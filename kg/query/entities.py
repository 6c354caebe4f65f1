"""Finding entities: by id, label, alternative label, or a close spelling of any of them.

Every entity the graph names with an ``rdfs:label`` in the data namespace (the registry's states,
people and organisations, and what facts introduce: arrangements, obligations, events, statements,
time spans) is indexed with its ``skos:altLabel`` aliases and its asserted classes. The index serves
``kg entities SEARCH``, the "did you mean" of every "no entity" error, and entity parameters given
as a label (``--param partner="United Kingdom"``), which resolve only when exactly one entity bears it.

Matching is case- and space-insensitive; "fuzzy" is :mod:`difflib`'s similarity ratio (the
standard library's Ratcliff/Obershelp matcher) against the id, its slug and every name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError
from kg.query.store import reads_union

# Provenance machinery has ids too, but nobody looks it up by name; time spans are named after the facts
# that date things (their ids repeat the fact's), so they are searched only when asked for by --kind.
HIDDEN_KINDS = frozenset({"activity", "software"})
ON_REQUEST_KINDS = frozenset({"time"})
FUZZY_CUTOFF = 0.6

INDEX_QUERY = f"""
PREFIX rdfs: <{vocab.RDFS}>
PREFIX skos: <{vocab.SKOS}>
SELECT DISTINCT ?entity ?label ?alias ?class WHERE {{
  ?entity rdfs:label ?label .
  FILTER(STRSTARTS(STR(?entity), "{vocab.ID}"))
  OPTIONAL {{ ?entity skos:altLabel ?alias }}
  OPTIONAL {{ GRAPH ?g {{ ?entity a ?class }} FILTER(?g != <{vocab.GRAPH_INFERRED}>) }}
}}
"""


@dataclass
class Entity:
    """One entity: its id (``state/japan``), English label, aliases and asserted classes (CURIEs)."""

    entity_id: str
    label: str
    aliases: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The first segment of the id: ``state``, ``person``, ``agreement`` …"""
        return self.entity_id.split("/", 1)[0]

    @property
    def names(self) -> list[str]:
        """The label and the aliases."""
        return [self.label, *self.aliases]


@dataclass(frozen=True)
class Match:
    """An entity found by a search, and how: ``id``, ``label``, ``alias`` (exact or contained) or ``fuzzy``."""

    entity: Entity
    matched_by: str
    score: float


def entity_index(select: Callable[[str], list[dict]]) -> dict[str, Entity]:
    """Every labelled entity, by id; ``select(query)`` runs a SELECT where the graph is and returns its
    rows (variable -> pyoxigraph term)."""
    entities: dict[str, Entity] = {}
    for row in select(INDEX_QUERY):
        entity_id = vocab.entity_id_of(row["entity"].value)
        if entity_id is None or entity_id.split("/", 1)[0] in HIDDEN_KINDS:
            continue
        entity = entities.setdefault(entity_id, Entity(entity_id, row["label"].value))
        alias = row.get("alias")
        if alias is not None and alias.value not in entity.aliases and alias.value != entity.label:
            entity.aliases.append(alias.value)
        cls = row.get("class")
        if isinstance(cls, ox.NamedNode) and vocab.shorten(cls.value) not in entity.classes:
            entity.classes.append(vocab.shorten(cls.value))
    for entity in entities.values():
        entity.aliases.sort(key=str.casefold)
        entity.classes.sort()
    return dict(sorted(entities.items()))


def store_index(store: ox.Store) -> dict[str, Entity]:
    """The entity index of an embedded store (default graph: the union of the named graphs)."""
    def select(query: str) -> list[dict]:
        solutions = store.query(query, use_default_graph_as_union=reads_union(store))
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in solutions]

    return entity_index(select)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def search(entities: dict[str, Entity], text: str, kind: str | None = None) -> list[Match]:
    """Entities whose id, label or an alias is ``text``; if none, those whose id, label or an alias contains
    it; if none, those whose id or a name is spelled closely (fuzzy). Optionally of one ``kind``."""
    wanted = _key(text)
    pool = [e for e in entities.values() if e.kind == kind or (kind is None and e.kind not in ON_REQUEST_KINDS)]
    exact = [Match(e, how, 2.0) for e in pool for how in [_exact(e, wanted)] if how]
    if exact:
        return sorted(exact, key=lambda m: m.entity.entity_id)
    found: list[Match] = []
    for entity in pool:
        if wanted in entity.entity_id.casefold():
            found.append(Match(entity, "id", 1.0))
        elif wanted in _key(entity.label):
            found.append(Match(entity, "label", 1.0))
        elif any(wanted in _key(a) for a in entity.aliases):
            found.append(Match(entity, "alias", 1.0))
    if not found:
        found = [m for m in (_fuzzy(entity, wanted) for entity in pool) if m.score >= FUZZY_CUTOFF]
    return sorted(found, key=lambda m: (-m.score, m.entity.entity_id))


def _exact(entity: Entity, wanted: str) -> str | None:
    if wanted == entity.entity_id.casefold():
        return "id"
    if wanted == _key(entity.label):
        return "label"
    if any(wanted == _key(a) for a in entity.aliases):
        return "alias"
    return None


def _fuzzy(entity: Entity, wanted: str) -> Match:
    candidates = [entity.entity_id, entity.entity_id.split("/", 1)[-1], *entity.names]
    best = max(difflib.SequenceMatcher(None, wanted, _key(c)).ratio() for c in candidates)
    return Match(entity, "fuzzy", best)


def closest(entities: dict[str, Entity], text: str, n: int = 3, kind: str | None = None) -> list[Entity]:
    """The ``n`` entities whose id or names are nearest to ``text`` (for "did you mean"), of ``kind`` first."""
    wanted = _key(text)
    for pool_kind in ([kind] if kind else []) + [None]:
        contained = [m.entity for m in search(entities, text, pool_kind)]
        if contained:
            return contained[:n]
    pool = [e for e in entities.values() if e.kind not in ON_REQUEST_KINDS]
    scored = sorted((-_fuzzy(e, wanted).score, e.entity_id) for e in pool)
    return [entities[eid] for _, eid in scored[:n]]


def suggestion(entities: dict[str, Entity], text: str, kind: str | None = None) -> str:
    """"did you mean …?" with the closest ids and their labels, and how to search."""
    near = closest(entities, text, kind=kind)
    listed = ", ".join(f"{e.entity_id} ({e.label})" for e in near)
    hint = f"; did you mean {listed}?" if listed else ""
    return f"{hint} ('kg entities TEXT' searches ids, labels and aliases)"


def missing_entity_error(entities: dict[str, Entity], entity_id: str) -> InputError:
    """The error for an id the graph does not hold, with the closest ids."""
    kind, _, slug = entity_id.rpartition("/")
    return InputError(f"no entity {entity_id!r} in the graph{suggestion(entities, slug, kind.split('/')[0] or None)}")


def resolve_label(entities: dict[str, Entity], text: str, what: str) -> str:
    """The id of the one entity whose label or alias is ``text`` (case- and space-insensitive); an
    InputError when none or several bear it."""
    wanted = _key(text)
    bearing = sorted((e for e in entities.values() if any(wanted == _key(n) for n in e.names)),
                     key=lambda e: e.entity_id)
    if len(bearing) == 1:
        return bearing[0].entity_id
    if bearing:
        listed = ", ".join(f"{e.entity_id} ({e.label})" for e in bearing)
        raise InputError(f"{what}: {text!r} names {len(bearing)} entities: {listed}; give the id")
    raise InputError(f"{what}: no entity is labelled {text!r}{suggestion(entities, text)}")
