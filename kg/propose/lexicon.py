"""The rule extractor's word lists (``lexicon.yaml`` beside this module), read once and compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml


def _compile(cues: list[str]) -> re.Pattern:
    """One case-insensitive pattern matching any cue on word boundaries."""
    return re.compile("|".join(rf"(?<![\w-])(?:{c})(?!\w)" for c in cues), re.IGNORECASE)


@dataclass(frozen=True)
class StateEntry:
    """A state: its id, label, other names, demonyms and capitals."""

    entity_id: str
    label: str
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    capitals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cued:
    """A class (or kind, or status) and the pattern of its cues."""

    name: str
    pattern: re.Pattern
    extra: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Lexicon:
    """Everything in lexicon.yaml, ready to match."""

    states: list[StateEntry]
    titles: dict[str, str | None]  # the title as written -> its office (None: a vague title)
    honorifics: set[str]
    postnominals: set[str]
    organisation_heads: set[str]
    arrangement_kinds: list[Cued]
    arrangement_anaphora: re.Pattern
    lifecycle: list[Cued]
    observations: list[Cued]
    future: re.Pattern
    obligations: list[Cued]
    negations: re.Pattern
    speech: dict[str, str]  # verb -> statement class
    characterisations: re.Pattern
    contingency: re.Pattern


@cache
def lexicon() -> Lexicon:
    """The lexicon, read and compiled once per process."""
    document = yaml.safe_load(resources.files("kg.propose").joinpath("lexicon.yaml").read_text(encoding="utf-8"))
    titles: dict[str, str | None] = {}
    for entry in document["titles"]:
        for variant in entry["variants"]:
            titles[variant] = None if entry.get("vague") else entry["office"]
    speech = {verb: cls for cls, verbs in document["speech"].items() for verb in verbs}
    return Lexicon(
        states=[StateEntry(s["id"], s["label"], tuple(s.get("aliases", ())), tuple(s.get("demonyms", ())),
                           tuple(s.get("capitals", ()))) for s in document["states"]],
        titles=titles,
        honorifics=set(document["honorifics"]),
        postnominals=set(document["postnominals"]),
        organisation_heads=set(document["organisation_heads"]),
        arrangement_kinds=[Cued(k["class"], _compile(k["cues"]), {"name": k["name"]})
                           for k in document["arrangement_kinds"]],
        arrangement_anaphora=_compile(document["arrangement_anaphora"]),
        lifecycle=[Cued(e["class"], _compile(e["cues"]), {"political": e.get("political")})
                   for e in document["lifecycle"]],
        observations=[Cued(o["status"], _compile(o["cues"])) for o in document["observations"]],
        future=_compile(document["future"]),
        obligations=[Cued(o["kind"], _compile(o["cues"]), {"mutual": bool(o.get("mutual"))})
                     for o in document["obligations"]],
        negations=_compile(document["negations"]),
        speech=speech,
        characterisations=_compile(document["characterisations"]),
        contingency=_compile(document["contingency"]),
    )
