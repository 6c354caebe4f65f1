"""What an extractor proposes: facts in the project's own shape, each with its quote, confidence and rule.

The interface every extractor shares (:class:`~kg.propose.extractor.Extractor`) is plain: a text and
what is known about it go in (:class:`TextInfo`), :class:`Proposal` objects come out. A proposal is a
fact of ``facts.yaml`` (subject, class, label, property values) plus where its quote is in the text
(offsets of a sentence or less), how sure the extractor is, and which rule or cue produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class TextInfo:
    """What the extractor knows about a text besides its words: its id and publication window."""

    source_id: str
    published_earliest: date | None = None
    published_latest: date | None = None
    publisher: str | None = None  # entity id of the publisher, the author of what the text says in its own voice
    title: str | None = None


@dataclass(frozen=True)
class Mention:
    """A span of the text that names an entity, and how it was resolved."""

    start: int
    end: int
    text: str
    entity_id: str
    how: str  # label, alias, metonym, demonym, title, surname, new, anaphora
    confidence: float
    kind: str = ""  # state, person, organisation, place, arrangement, position, group, other


@dataclass
class Proposal:
    """One proposed fact: what ``facts.yaml`` would say, with its evidence and how it was found.

    ``values`` maps a property as a curator writes it (``party``, ``time:hasTime``) to a value or a
    list of values: entity ids, ontology individuals (``kindDefence``), text, or a time mapping
    (``{date: "2023-01-13", expression: on Friday}``).
    """

    fact_type: str  # arrangement, event, observation, obligation, absence, statement, characterisation,
    # holding, entity
    subject: str
    start: int
    end: int
    quote: str
    confidence: float
    rule: str
    cue: str = ""
    types: list[str] = field(default_factory=list)  # ontology local names ("Signing")
    label: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    fact_id: str = ""  # given when the draft is assembled

    def value_list(self, name: str) -> list[Any]:
        """The values of one property, as a list."""
        value = self.values.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


@dataclass
class NewEntity:
    """An entity the registry lacks, introduced by the draft (``entities:`` of facts.yaml)."""

    entity_id: str
    label: str
    type: str
    alt_labels: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Extraction:
    """An extractor's whole answer for one text: its proposals, the mentions it resolved, and the
    entities it had to introduce."""

    proposals: list[Proposal] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    new_entities: dict[str, NewEntity] = field(default_factory=dict)
