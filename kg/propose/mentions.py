"""Entity mentions: find the names in a text and resolve each to the registry, or to a new entity.

spaCy's PhraseMatcher finds every registry label and alternative label, the lexicon's state names,
capitals and demonyms, and office titles; person names after a title, in an apposition ("Euan Graham,
a senior fellow ... at the IISS") or in a speech attribution ("said Kyoko Hatakeyama") are read token
by token. A capital stands for its state's government ("Ties with Canberra") unless a preposition of
place comes before it ("in Washington"); a surname alone refers to the person named in full before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from kg.propose.lexicon import lexicon
from kg.propose.model import Mention, NewEntity
from kg.propose.registry import Registry, fold, slug
from kg.propose.text import Document, nlp

LOCATIVE = {"in", "at", "to", "visits", "visit", "visiting", "visited", "near", "around", "into", "of", "across"}
NAMED_KINDS = {"state", "person", "organisation", "group", "place", "arrangement", "scenario", "policy"}
DESCRIPTOR_HEADS = ("professor", "fellow", "director", "spokesperson", "spokesman", "spokeswoman", "analyst",
                    "researcher", "lecturer", "adviser", "advisor", "official", "chief", "head", "expert",
                    "scholar", "chair", "president", "minister", "secretary", "ambassador", "member")
SPEECH_BEFORE_NAME = {"said", "says", "according", "added", "told", "warned", "wrote"}
NOT_NAMES = {"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "We", "I", "This", "That", "But", "And",
             "Still", "Yet", "However", "Article", "Advertisement", "Prime", "Minister", "Secretary", "President",
             "Foreign", "Defence", "Defense", "Japan", "Japanese", "Government", "Ministry", "Department",
             "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
             "Today", "Both", "Two", "Mr", "Ms", "Dr", "His", "Her", "Their", "Our", "Its", "For", "With", "After",
             "Before", "Until", "Closer", "Unlike", "None", "Pressure", "Concerns", "Ties", "Eagerness", "Last",
             "Next", "Also", "Then", "First", "Second", "Group", "Seven", "G7", "G-7", "NATO", "Agreement",
             "Statement", "Joint", "Leaders", "Programme", "Program", "Security", "Strategy", "Cooperation"}


@dataclass
class Person:
    """A person the text names: the entity, and the titles and affiliations it gives them."""

    entity_id: str
    label: str
    titles: list[Title] = field(default_factory=list)


@dataclass
class Title:
    """A title given to a person at one place in the text ("UK premier" before a name)."""

    start: int
    end: int
    person: str
    title: str  # as worded
    office: str | None = None  # "Prime Minister", when the title names an office
    state: str | None = None  # the state whose office it is, or the affiliation's state
    organisation: str | None = None
    based_in: str | None = None


@dataclass
class Resolved:
    """Everything the mentions step found."""

    mentions: list[Mention] = field(default_factory=list)
    persons: dict[str, Person] = field(default_factory=dict)
    titles: list[Title] = field(default_factory=list)
    new_entities: dict[str, NewEntity] = field(default_factory=dict)

    def at(self, start: int, end: int, kind: str | None = None) -> list[Mention]:
        """Mentions inside a span (of one kind, when given)."""
        return [m for m in self.mentions if start <= m.start and m.end <= end and (kind is None or m.kind == kind)]

    def title_of(self, person: str, before: int | None = None) -> Title | None:
        """The title the text gives a person (the last one before an offset, else the first)."""
        titles = [t for t in self.titles if t.person == person]
        earlier = [t for t in titles if before is None or t.start <= before]
        return (earlier or titles or [None])[-1 if earlier else 0]


@dataclass(frozen=True)
class _Candidate:
    entity_id: str
    how: str
    kind: str
    confidence: float


@cache
def _state_names() -> dict[str, list[_Candidate]]:
    names: dict[str, list[_Candidate]] = {}
    for state in lexicon().states:
        for surface, how, conf in ([(state.label, "label", 0.95)] + [(a, "alias", 0.9) for a in state.aliases]
                                   + [(c, "metonym", 0.75) for c in state.capitals]
                                   + [(d, "demonym", 0.7) for d in state.demonyms]):
            names.setdefault(surface, []).append(_Candidate(state.entity_id, how, "state", conf))
    return names


class _Gazetteer:
    """One PhraseMatcher over every name the registry and the lexicon know."""

    def __init__(self, registry: Registry):
        from spacy.matcher import PhraseMatcher

        self.candidates: dict[str, list[_Candidate]] = {}
        for surface, found in _state_names().items():
            self.candidates.setdefault(surface, []).extend(found)
        for known in registry.entities.values():
            if known.kind not in NAMED_KINDS or not known.label:
                continue
            confidence = 0.95 if known.kind != "arrangement" else 0.9
            surfaces = [(known.label, "label", confidence)] + [(a, "alias", confidence - 0.05)
                                                               for a in known.alt_labels if len(a) > 1]
            if known.kind == "person":
                words = known.label.split()
                if len(words) >= 2:
                    surfaces += [(words[-1], "surname", 0.8), (f"{words[-1]} {' '.join(words[:-1])}", "alias", 0.9),
                                 (f"{words[-1].upper()} {' '.join(words[:-1])}", "alias", 0.9)]
            for surface, how, conf in surfaces:
                self.candidates.setdefault(surface.translate(_FOLD), []).append(
                    _Candidate(known.entity_id, how, known.kind, conf))
        self.titles = dict(lexicon().titles)
        self.matcher = PhraseMatcher(nlp().vocab, attr="ORTH")
        make = nlp().make_doc
        self.matcher.add("NAME", [make(s) for s in self.candidates])
        self.matcher.add("TITLE", [make(t) for t in self.titles])


_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def resolve_mentions(document: Document, registry: Registry, gazetteer: _Gazetteer | None = None) -> Resolved:
    """Find and resolve every entity mention of the text."""
    gazetteer = gazetteer or _Gazetteer(registry)
    resolver = _Resolver(document, registry, gazetteer)
    return resolver.run()


def gazetteer_for(registry: Registry) -> _Gazetteer:
    """The phrase matcher for a registry (build once, reuse over many texts)."""
    return _Gazetteer(registry)


class _Resolver:
    def __init__(self, document: Document, registry: Registry, gazetteer: _Gazetteer):
        self.d = document
        self.doc = document.doc
        self.registry = registry
        self.g = gazetteer
        self.out = Resolved()
        self.taken: list[tuple[int, int]] = []  # token spans already resolved

    # ------------------------------------------------------------------ the steps
    def run(self) -> Resolved:
        names, titles = [], []
        for match_id, start, end in self.g.matcher(self.doc):
            (titles if self.doc.vocab.strings[match_id] == "TITLE" else names).append((start, end))
        for start, end in _longest_first(names):
            self._name(start, end)
        done: list[tuple[int, int]] = []
        for start, end in _longest_first(titles):
            if all(end <= s or e <= start for s, e in done):
                done.append((start, end))
        for start, end in sorted(done):
            self._title(start, end)
        self._appositions()
        self._speech_names()
        self._surnames()
        self.out.mentions.sort(key=lambda m: (m.start, -m.end))
        return self.out

    def _free(self, start: int, end: int) -> bool:
        return all(end <= s or e <= start for s, e in self.taken)

    def _add(self, start: int, end: int, entity_id: str, how: str, kind: str, confidence: float) -> Mention:
        span = self.doc[start:end]
        mention = Mention(span.start_char, span.end_char, self.d.text[span.start_char:span.end_char], entity_id,
                          how, round(confidence, 2), kind)
        self.out.mentions.append(mention)
        self.taken.append((start, end))
        return mention

    def _name(self, start: int, end: int) -> None:
        if not self._free(start, end):
            return
        surface = self.doc[start:end].text
        candidates = self.g.candidates.get(surface, [])
        if not candidates:
            return
        registry_hits = [c for c in candidates if c.how != "metonym"]
        metonyms = [c for c in candidates if c.how == "metonym"]
        if metonyms:
            if self._locative(start, end):
                place = self._place_for(surface, candidates)
                self._add(start, end, place, "label", "place", 0.8)
            else:
                chosen = metonyms[0]
                self._add(start, end, self._state(chosen.entity_id), "metonym", "state", chosen.confidence)
            return
        best = sorted(registry_hits, key=lambda c: -c.confidence)[0]
        if best.how == "surname" and not (self.doc[start].text[:1].isupper()):
            return
        entity = self._state(best.entity_id) if best.kind == "state" else best.entity_id
        self._add(start, end, entity, best.how, best.kind, best.confidence)
        if best.kind == "person" and entity not in self.out.persons:
            self.out.persons[entity] = Person(entity, self.registry.label(entity))

    def _locative(self, start: int, end: int) -> bool:
        before = self.doc[start - 1].lower_ if start > 0 else ""
        after = self.doc[end:end + 2].text.replace(" ", "") if end < len(self.doc) else ""
        return before in LOCATIVE or after.startswith("-based")

    def _place_for(self, surface: str, candidates: list[_Candidate]) -> str:
        places = [c.entity_id for c in candidates if c.kind == "place"]
        if places:
            return places[0]
        for known in self.registry.of_kind("place"):
            if known.label.split(",")[0] == surface:
                return known.entity_id
        return self._new(f"place/{slug(surface)}", surface, "City")

    def _state(self, entity_id: str) -> str:
        """A state of the lexicon: the registry's, or a new entity."""
        if self.registry.get(entity_id):
            return entity_id
        entry = next(s for s in lexicon().states if s.entity_id == entity_id)
        return self._new(entity_id, entry.label, "State")

    def _new(self, entity_id: str, label: str, type_: str, alt: list[str] | None = None, **values) -> str:
        known = self.registry.named(label)
        if known:
            return known[0]
        if type_ == "Organisation":  # "Strategic & Defence Studies Centre": the ANU's, as the registry names it
            ending = [k.entity_id for k in self.registry.of_kind("organisation") if fold(k.label).endswith(fold(label))]
            if len(ending) == 1:
                return ending[0]
        if self.registry.get(entity_id):
            return entity_id
        entity = self.out.new_entities.setdefault(entity_id, NewEntity(entity_id, label, type_))
        for a in alt or []:
            if a not in entity.alt_labels and a != label:
                entity.alt_labels.append(a)
        entity.values.update(values)
        return entity_id

    # ------------------------------------------------------------------ persons and titles
    def _title(self, start: int, end: int) -> None:
        """A title: find the person it belongs to (after it, or in an apposition) and the state."""
        title_text = self.doc[start:end].text
        office = self.g.titles.get(title_text)
        if office is None and title_text in {"Minister", "Secretary", "minister"} and end < len(self.doc) \
                and self.doc[end].text in {"of", "for"}:
            return
        first = start
        state = None
        # "Japanese Prime Minister", "UK premier", "Canada's Minister of Foreign Affairs"
        left = [m for m in self.out.mentions if m.kind == "state" and m.end <= self.doc[start].idx
                and self.doc[start].idx - m.end <= 4]
        if left:
            state = left[-1].entity_id
            first = self.doc.char_span(left[-1].start, left[-1].end, alignment_mode="expand").start
        # "... of Japan"
        right_end = end
        if end + 1 < len(self.doc) and self.doc[end].text == "of":
            after = [m for m in self.out.mentions if (m.kind == "state" and m.start == self.doc[end + 1].idx)
                     or (m.kind == "state" and end + 2 < len(self.doc) and self.doc[end + 1].lower_ == "the"
                         and m.start == self.doc[end + 2].idx)]
            if after:
                state = after[0].entity_id
                right_end = self.doc.char_span(after[0].start, after[0].end, alignment_mode="expand").end
        person, name_end = self._person_after(right_end)
        name_start = right_end
        if person is None and right_end < len(self.doc) - 1 and self.doc[right_end].text == ",":
            person, name_end = self._person_after(right_end + 1)
            name_start = right_end + 1
        if person is None:
            person, name_start = self._person_before(first)
            if person is None:
                return
            span_start, span_end = name_start, right_end
        else:
            span_start, span_end = first, name_end
        if state is None and office:
            state = self._state_of_person(person)
        worded = self.d.text[self.doc[first].idx:self.doc[right_end - 1].idx + len(self.doc[right_end - 1].text)]
        title = Title(self.doc[span_start].idx, self.doc[span_end - 1].idx + len(self.doc[span_end - 1].text),
                      person, worded, office, state)
        self._keep_title(title)

    def _keep_title(self, title: Title) -> None:
        if any(t.start == title.start and t.person == title.person for t in self.out.titles):
            return
        self.out.titles.append(title)
        self.out.persons[title.person].titles.append(title)

    def _state_of_person(self, person: str) -> str | None:
        for holding in self.registry.holdings_of(person):
            affiliation = holding.first("affiliation")
            if affiliation and affiliation.startswith("state/"):
                return affiliation
        return None

    def _name_tokens(self, i: int) -> int:
        """How many tokens from ``i`` make a person's name (0: none)."""
        n = 0
        while i + n < len(self.doc) and n < 6:
            token = self.doc[i + n]
            text = token.text
            if text == "-" and n and i + n + 1 < len(self.doc) and token.whitespace_ == "" \
                    and self.doc[i + n - 1].whitespace_ == "":
                n += 1
                continue
            if not (text[:1].isupper() and text.replace(".", "").isalpha()) or text in NOT_NAMES \
                    or text in lexicon().honorifics or text.rstrip(".") in {"Mr", "Ms", "Mrs", "Dr"} \
                    or text in self.g.titles or any(text == s.label for s in lexicon().states) \
                    or text in lexicon().organisation_heads or (len(text) <= 2 and text.isupper()):
                break
            n += 1
        while n and self.doc[i + n - 1].text == "-":
            n -= 1
        return n

    def _person_after(self, i: int) -> tuple[str | None, int]:
        while i < len(self.doc) and (self.doc[i].text in lexicon().honorifics or self.doc[i].text in {"Rt", "Hon"}):
            i += 1
        at = self.doc[i].idx if i < len(self.doc) else -1
        known = [m for m in self.out.mentions if m.kind == "person" and m.start == at]
        if known:
            end = self.doc.char_span(known[0].start, known[0].end, alignment_mode="expand").end
            return known[0].entity_id, end
        n = self._name_tokens(i)
        if n == 0 or (n == 1 and not self._known_surname(self.doc[i].text)):
            if n == 1:
                return None, i
            return None, i
        return self._person(i, i + n), i + n

    def _person_before(self, first: int) -> tuple[str | None, int]:
        """'Mr. HAYASHI Yoshimasa, Minister for Foreign Affairs': the name before ', <title>'."""
        if first < 2 or self.doc[first - 1].text != ",":
            return None, first
        end = first - 1
        for m in self.out.mentions:
            if m.kind == "person" and m.end == self.doc[end - 1].idx + len(self.doc[end - 1].text):
                return m.entity_id, self.doc.char_span(m.start, m.end, alignment_mode="expand").start
        start = end
        while start > 0 and end - start < 4 and self._name_tokens(start - 1) >= end - start + 1:
            start -= 1
        while start < end and self.doc[start].text in lexicon().postnominals:
            start += 1
        if end - start >= 2:
            while end - 1 > start and self.doc[end - 1].text in lexicon().postnominals:
                end -= 1
            return self._person(start, end), start
        return None, first

    def _known_surname(self, word: str) -> bool:
        return any(p.label.split()[-1] == word for p in self.out.persons.values()) or bool(
            [c for c in self.g.candidates.get(word, []) if c.kind == "person"])

    def _person(self, start: int, end: int) -> str:
        """The person named by tokens start..end: a known one, or a new entity."""
        if not self._free(start, end):
            for m in self.out.mentions:
                if m.kind == "person" and m.start <= self.doc[start].idx < m.end:
                    return m.entity_id
        words = [t.text for t in self.doc[start:end]]
        surface = self.doc[start:end].text
        if end - start == 1:
            for p in self.out.persons.values():
                if p.label.split()[-1] == words[0]:
                    self._add(start, end, p.entity_id, "surname", "person", 0.8)
                    return p.entity_id
            found = [c for c in self.g.candidates.get(words[0], []) if c.kind == "person"]
            self._add(start, end, found[0].entity_id, "surname", "person", 0.8)
            self.out.persons.setdefault(found[0].entity_id, Person(found[0].entity_id,
                                                                    self.registry.label(found[0].entity_id)))
            return found[0].entity_id
        if words[0].isupper() and len(words[0]) > 1 and not words[-1].isupper():
            label = " ".join([*words[1:], words[0].capitalize()])  # "HAYASHI Yoshimasa": family name first
            alt = [surface]
        else:
            label, alt = " ".join(w.capitalize() if w.isupper() and len(w) > 2 else w for w in words), []
            label = label.replace(" - ", "-")
        known = self.registry.named(label, "person") or self.registry.named(surface, "person")
        if not known:  # "Minister Le Drian" after "Jean-Yves Le Drian": the same person
            known = [p.entity_id for p in self.out.persons.values() if p.label.endswith(" " + label)]
        entity = known[0] if known else self._new(f"person/{slug(label)}", label, "Person", alt)
        self._add(start, end, entity, "label" if known else "new", "person", 0.9 if known else 0.7)
        self.out.persons.setdefault(entity, Person(entity, self.registry.label(entity) if known else label))
        return entity

    def _appositions(self) -> None:
        """'Euan Graham, a Singapore-based senior fellow for ... at the International Institute for
        Strategic Studies': the descriptor is the title, what follows 'at'/'of'/'for' the affiliation."""
        for m in list(self.out.mentions):
            if m.kind != "person":
                continue
            i = self.doc.char_span(m.start, m.end, alignment_mode="expand").end
            if i + 2 >= len(self.doc) or self.doc[i].text != ",":
                continue
            j = i + 1
            if self.doc[j].lower_ in {"a", "an", "the"}:
                j += 1
            k = j
            while k < len(self.doc) and k - j < 14 and self.doc[k].text not in {",", ".", ";"} \
                    and self.doc[k].lower_ not in {"at", "said", "who"}:
                k += 1
            words = self.doc[j:k]
            if not any(w.lower_.startswith(DESCRIPTOR_HEADS) for w in words):
                continue
            based_in = None
            title_start = j
            if k > j + 2 and self.doc[j + 1].text == "-" and self.doc[j + 2].lower_ == "based":
                place = [x for x in self.out.mentions if x.start == self.doc[j].idx]
                if place:
                    based_in = place[0].entity_id
                    if place[0].kind == "place":  # "Singapore-based": the state of that name
                        states = self.registry.named(place[0].text, "state")
                        based_in = states[0] if states else based_in
                title_start = j + 3
            organisation = None
            end = k
            if k < len(self.doc) and self.doc[k].lower_ == "at":
                organisation, end = self._organisation_at(k + 1)
            else:  # "a spokesperson for the German defence ministry", "professor of ... at ..."
                for p in range(j, k):
                    if self.doc[p].lower_ in {"for", "of"}:
                        org, org_end = self._organisation_at(p + 1)
                        if org and org_end >= k:
                            organisation, end, k = org, org_end, p
                            break
            title_text = self.d.text[self.doc[title_start].idx:self.doc[k - 1].idx + len(self.doc[k - 1].text)]
            state = None
            for x in self.out.mentions:
                if x.kind == "state" and self.doc[j].idx <= x.start < self.doc[k - 1].idx + 1 and x.how == "demonym":
                    state = x.entity_id
            span_end = self.doc[end - 1].idx + len(self.doc[end - 1].text)
            self._keep_title(Title(m.start, span_end, m.entity_id, title_text, None, state, organisation, based_in))

    def _organisation_at(self, i: int) -> tuple[str | None, int]:
        """An organisation named from token i: a known one, or capitalised words around a head word
        ("University of Niigata Prefecture", "the German defence ministry")."""
        while i < len(self.doc) and self.doc[i].lower_ == "the":
            i += 1
        if i >= len(self.doc):
            return None, i
        for m in self.out.mentions:
            if m.kind == "organisation" and m.start == self.doc[i].idx:
                end = self.doc.char_span(m.start, m.end, alignment_mode="expand").end
                # "the Australian National University's Strategic & Defence Studies Centre"
                if end + 1 < len(self.doc) and self.doc[end].text == "'s":
                    sub, sub_end = self._new_organisation(end + 1)
                    if sub:
                        return sub, sub_end
                return m.entity_id, end
        return self._new_organisation(i)

    def _new_organisation(self, i: int) -> tuple[str | None, int]:
        heads = {h.lower() for h in lexicon().organisation_heads} | {"ministry", "centre", "center"}
        k = i
        last_head = None
        while k < len(self.doc) and k - i < 10:
            token = self.doc[k]
            if token.lower_ in heads:
                last_head = k
            elif not (token.text[:1].isupper() or token.text in {"of", "for", "and", "&", "'s"}
                      or (token.is_lower and last_head is None and token.is_alpha and k - i < 3)):
                break
            k += 1
        if last_head is None:
            return None, i
        end = last_head + 1
        while end < k and (self.doc[end].text in {"of", "for", "and", "&"} or self.doc[end].text[:1].isupper()):
            end += 1
        while end > last_head + 1 and self.doc[end - 1].text in {"of", "for", "and", "&"}:
            end -= 1
        label = self.doc[i:end].text
        if self.doc[i].is_lower:
            return None, i
        entity = self._new(f"org/{slug(label)}", label, "Organisation")
        self._add(i, end, entity, "new" if entity in self.out.new_entities else "label", "organisation", 0.6)
        return entity, end

    def _speech_names(self) -> None:
        """'said Euan Graham', 'according to Amy King', 'Donald Trump ... said': names around speech verbs."""
        for token in self.doc:
            if token.lower_ in SPEECH_BEFORE_NAME and token.i + 1 < len(self.doc):
                i = token.i + 1
                if token.lower_ == "according" and i + 1 < len(self.doc) and self.doc[i].lower_ == "to":
                    i += 1
                n = self._name_tokens(i)
                if n >= 2 and self._free(i, i + n):
                    self._person(i, i + n)

    def _surnames(self) -> None:
        """A surname alone, after the person was named in full: the same person."""
        by_surname = {p.label.split()[-1]: p.entity_id for p in self.out.persons.values() if len(p.label.split()) > 1}
        for new in self.out.new_entities.values():
            if new.type == "Person":
                by_surname.setdefault(new.label.split()[-1], new.entity_id)
                for alt in new.alt_labels:
                    by_surname.setdefault(alt.split()[0].capitalize(), new.entity_id)
        for token in self.doc:
            entity = by_surname.get(token.text) or by_surname.get(token.text.capitalize() if token.text.isupper()
                                                                   else "")
            if entity and self._free(token.i, token.i + 1) and token.text[:1].isupper():
                self._add(token.i, token.i + 1, entity, "surname", "person", 0.8)


def _longest_first(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans longest first, then leftmost (a resolver keeps the first that does not overlap)."""
    return sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0]))
