"""What the graph already knows, as the extractor looks it up: names, kinds, arrangements, events, holdings.

Built from a checked corpus (the registry file, every source's declared entities, and what every
source's facts say of their subjects), optionally *without* one source: to score the proposals for a
curated text fairly, nothing that only that text's curation introduced may help resolve its mentions.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg import vocab
from kg.sources.model import Corpus, EntityRef, TermRef, Text

ARRANGEMENT_CLASSES = {"SecurityArrangement", "TreatyAlliance", "ReciprocalAccessAgreement",
                       "InformationSecurityAgreement", "DefenceCooperationAgreement", "JointDevelopmentProgramme",
                       "ActionPlan", "StrategicPartnership", "SecurityTalks"}
LIFECYCLE_CLASSES = {"Announcement", "NegotiationLaunch", "AgreementInPrinciple", "Adoption", "Signing",
                     "Ratification", "ExchangeOfNotes", "EntryIntoForce", "Suspension", "Termination", "Supersession"}
# The kind of an entity, from its id's prefix (the registry's convention: kind/slug).
KIND_OF_PREFIX = {"state": "state", "person": "person", "org": "organisation", "group": "group", "place": "place",
                  "agreement": "arrangement", "position": "position", "scenario": "scenario", "policy": "policy",
                  "event": "event", "holding": "holding"}


@dataclass
class Known:
    """An entity the graph knows: its label, classes, other names and what facts say of it."""

    entity_id: str
    label: str = ""
    types: set[str] = field(default_factory=set)
    alt_labels: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def kind(self) -> str:
        """state, person, organisation, place, arrangement, ... (from the id's prefix)."""
        return KIND_OF_PREFIX.get(self.entity_id.split("/", 1)[0], "other")

    def first(self, name: str) -> str | None:
        """The first value of a property, or None."""
        found = self.values.get(name)
        return found[0] if found else None


def fold(text: str) -> str:
    """A name as compared: typographic quotes and dashes folded, accents dropped, case and spacing ignored."""
    text = text.translate(_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w&+]+", " ", text.lower()).split())


_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def slug(text: str) -> str:
    """An id's slug from a name: lower case ASCII words joined by hyphens."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text.translate(_FOLD)) if not unicodedata.combining(c))
    return "-".join(re.findall(r"[a-z0-9]+", text.lower().replace("'s ", "s ").replace("&", " and "))) or "x"


class Registry:
    """Every known entity, and the look-ups the extractor needs."""

    def __init__(self, entities: dict[str, Known]):
        self.entities = entities
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for known in entities.values():
            for name in (known.label, *known.alt_labels):
                if name:
                    self.by_name[fold(name)].add(known.entity_id)
        self._of_kind: dict[str, list[Known]] = {}

    def get(self, entity_id: str) -> Known | None:
        """The entity with this id, or None."""
        return self.entities.get(entity_id)

    def label(self, entity_id: str) -> str:
        """An entity's label (its id when it has none)."""
        known = self.entities.get(entity_id)
        return known.label if known and known.label else entity_id

    def of_kind(self, kind: str) -> list[Known]:
        """The entities of one kind, in id order."""
        if kind not in self._of_kind:  # the registry does not change once built
            self._of_kind[kind] = [k for _, k in sorted(self.entities.items()) if k.kind == kind]
        return self._of_kind[kind]

    def named(self, name: str, kind: str | None = None) -> list[str]:
        """Ids of the entities with this label or alternative label (of one kind, when given)."""
        ids = sorted(self.by_name.get(fold(name), ()))
        return [i for i in ids if kind is None or self.entities[i].kind == kind]

    def arrangement(self, cls: str, parties: set[str]) -> str | None:
        """The one known arrangement of this class between exactly these parties, if there is one; of
        several, the one no other of them superseded (the 1960 treaty, not the 1951 one it replaced)."""
        found = [k.entity_id for k in self.of_kind("arrangement")
                 if cls in k.types and set(k.values.get("party", ())) == parties]
        if len(found) > 1:
            found = [a for a in found if not set(self.entities[a].values.get("supersededBy", ())) & set(found)]
        return found[0] if len(found) == 1 else None

    def event(self, cls: str, arrangement: str) -> str | None:
        """The known lifecycle event of this class of an arrangement, if there is one."""
        found = [k.entity_id for k in self.of_kind("event")
                 if cls in k.types and arrangement in k.values.get("ofArrangement", ())]
        return found[0] if len(found) == 1 else None

    def holding(self, holder: str, position: str | None) -> str | None:
        """The known holding of a person (of this position, when given)."""
        found = [k.entity_id for k in self.of_kind("holding") if holder in k.values.get("holder", ())
                 and (position is None or position in k.values.get("position", ()))]
        return found[0] if len(found) == 1 else None

    def holdings_of(self, holder: str) -> list[Known]:
        """Every known holding of a person."""
        return [k for k in self.of_kind("holding") if holder in k.values.get("holder", ())]

    def position(self, office: str, state: str) -> str | None:
        """The known position of this office in this state ("Prime Minister", state/japan)."""
        office_folded = fold(office)
        for known in self.of_kind("position"):
            names = [known.label, *known.alt_labels]
            if state in known.values.get("ofState", ()) and any(fold(n).startswith(office_folded) for n in names):
                return known.entity_id
        return None

    def members(self, group: str) -> set[str]:
        """The states a source says are members of a group (kgo:memberOf)."""
        return {k.entity_id for k in self.entities.values() if group in k.values.get("memberOf", ())}


def registry_of(corpus: Corpus, without: str | None = None) -> Registry:
    """The registry as the extractor sees it: everything the corpus knows, less what only the source
    ``without`` says or declares."""
    excluded_dir = next((s.directory for s in corpus.sources if s.source_id == without), None)
    declared_elsewhere = {e.entity_id for s in corpus.sources if s.source_id != without for e in s.entities}
    entities: dict[str, Known] = {}
    for entity in corpus.entities.values():
        file = entity.where.file if entity.where else None
        if (excluded_dir is not None and file is not None and _inside(file, excluded_dir)
                and entity.entity_id not in declared_elsewhere):
            continue
        known = entities.setdefault(entity.entity_id, Known(entity.entity_id))
        known.label = entity.label
        known.types.update(_local(t) for t in entity.types)
        known.alt_labels.extend(t.value for t in entity.alt_labels)
        _add_assertions(known, entity.assertions)
    for source in corpus.sources:
        if source.source_id == without:
            continue
        for fact in source.facts:
            known = entities.setdefault(fact.subject, Known(fact.subject))
            if fact.label and not known.label:
                known.label = fact.label
            known.types.update(_local(t) for t in fact.types)
            _add_assertions(known, fact.assertions)
    # a subject that only the excluded source typed or described is unknown (another source may name it)
    return Registry({k: v for k, v in entities.items() if v.label or v.types})


def _add_assertions(known: Known, assertions) -> None:
    for assertion in assertions:
        name = vocab.shorten(assertion.predicate).removeprefix("kgo:")
        value = assertion.value
        if name == "skos:altLabel" and isinstance(value, Text):
            known.alt_labels.append(value.value)
        elif isinstance(value, EntityRef):
            known.values[name].append(value.entity_id)
        elif isinstance(value, TermRef):
            known.values[name].append(_local(value.iri))
        elif isinstance(value, Text):
            known.values[name].append(value.value)


def _local(iri: str) -> str:
    return vocab.shorten(iri).removeprefix("kgo:")


def _inside(file: Path, directory: Path) -> bool:
    try:
        file.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True
