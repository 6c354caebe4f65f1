"""The rule extractor: cue phrases and resolved mentions, sentence by sentence, into proposed facts.

For each sentence: the arrangements it names (a registry name, or a cue of the lexicon giving the
kind) and their parties (a hyphenated pair before the name, else the states of its clause, Japan
added where the text names only the partner); the lifecycle events and status observations its cues
report, dated by the nearest temporal expression; the obligations its cues state and, after a
negation cue, the stated absences; the statements its quotation marks and speech verbs report, with
their speakers; the characterisations of the lexicon, with their authors. Titles found with the
mentions give position holdings. Every proposal keeps the rule and the cue that made it and a
confidence (the rule's, lowered by each uncertain resolution it rests on); its quote is its sentence
or, for a long one, the clauses around the cue.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date

from kg.propose import dates
from kg.propose.lexicon import lexicon
from kg.propose.mentions import Resolved, Title, gazetteer_for, resolve_mentions
from kg.propose.model import Extraction, Mention, NewEntity, Proposal, TextInfo
from kg.propose.registry import ARRANGEMENT_CLASSES, Registry, fold, slug
from kg.propose.text import Document, Sentence

POLITICAL = {"ActionPlan", "StrategicPartnership", "JointDevelopmentProgramme", "SecurityTalks"}
STAGE_SLUG = {"Announcement": "announcement", "NegotiationLaunch": "negotiation-launch",
              "AgreementInPrinciple": "agreement-in-principle", "Adoption": "adoption", "Signing": "signing",
              "Ratification": "ratification", "ExchangeOfNotes": "exchange-of-notes",
              "EntryIntoForce": "entry-into-force", "Suspension": "suspension", "Termination": "termination",
              "Supersession": "supersession"}
STAGE_LABEL = {"NegotiationLaunch": "Launch of negotiations on", "AgreementInPrinciple": "Agreement in principle on",
               "Adoption": "Adoption of", "Signing": "Signing of", "Ratification": "Ratification of",
               "ExchangeOfNotes": "Exchange of notes on", "EntryIntoForce": "Entry into force of",
               "Suspension": "Suspension of", "Termination": "Termination of", "Announcement": "Announcement of",
               "Supersession": "Supersession of"}
RESULTING_STATUS = {"Announcement": "Planned", "NegotiationLaunch": "UnderNegotiation",
                    "AgreementInPrinciple": "AgreedInPrinciple", "Adoption": "Agreed", "Signing": "Signed",
                    "Ratification": "Approved", "ExchangeOfNotes": "Approved", "EntryIntoForce": "InForce",
                    "Suspension": "Suspended", "Termination": "Terminated", "Supersession": "Superseded"}
STATUS_LABEL = {"Planned": "planned", "UnderNegotiation": "under negotiation",
                "AgreedInPrinciple": "agreed in principle",
                "Agreed": "agreed", "Signed": "signed", "Approved": "approved", "InForce": "in force",
                "Suspended": "suspended", "Terminated": "terminated", "Superseded": "superseded"}
KIND_PHRASE = {"kindDefence": "help defend", "kindExtendedNuclearDeterrence": "extend nuclear deterrence to",
               "kindAccess": "grant access to the forces of", "kindInteroperability": "increase interoperability with",
               "kindInformationSecurity": "protect classified information from", "kindConsultation": "consult"}
KIND_SLUG = {"kindDefence": "defence", "kindExtendedNuclearDeterrence": "nuclear-umbrella", "kindAccess": "access",
             "kindInteroperability": "interoperability", "kindInformationSecurity": "information-security",
             "kindConsultation": "consultation"}
# Base confidence of each rule (docs/propose.md explains them); resolutions lower it.
CONFIDENCE = {"arrangement-name": 0.9, "arrangement-cue": 0.8, "lifecycle-cue": 0.8, "status-cue": 0.6,
              "undated-event": 0.6, "obligation-cue": 0.7, "absence-cue": 0.7, "quotation": 0.85,
              "speech-verb": 0.7, "characterisation-cue": 0.65, "title": 0.85, "new-entity": 0.6}
GROUP_WORDS = re.compile(r"\b(?:the two (?:ministers|leaders|countries|governments|sides)|both (?:leaders|ministers|"
                         r"countries|sides)|the leaders|the ministers|the three (?:ministers|leaders|countries))\b",
                         re.IGNORECASE)
CLAUSE_SPLIT = re.compile(r"(?:,? and |; )(?=(?:also |then |later )?[a-z]+(?:ed|ged|ned)\b)|, (?:while|but|whereas) ")
EXCLUDING = re.compile(r"\b(?:unlike|rather than(?: with)?|instead of|except(?: for)?|other than)(?:\s+the)?\s*$",
                       re.IGNORECASE)
ADVERSARY = re.compile(r"\b(?:deter|against|blamed|blame|threats? from|confront|counter|invasion of)(?:\s+the)?\s*$",
                       re.IGNORECASE)
NOT_THE_EVENT = re.compile(r"\b(?:for|towards?|aimed at|early)\s+(?:an?\s+|the\s+|its\s+)?(?:early\s+)?$")
PRONOUN_START = re.compile(r"^(?:He|She|They|It|The two|Both)\b")


@dataclass
class Arrangement:
    """An arrangement the text names, as the draft will record it."""

    cls: str
    parties: list[str]
    entity_id: str
    label: str | None  # None: a known arrangement (its label is the registry's)
    existing: bool
    confidence: float
    rule: str
    cue: str
    first: tuple[int, int, Sentence]
    mentions: list[tuple[int, int]] = field(default_factory=list)
    chosen_over: list[str] = field(default_factory=list)
    part_of: str | None = None


class RuleExtractor:
    """Text in, proposals with quotes out: the hand-written rules of this module (no model)."""

    name = "rules"

    def __init__(self, registry: Registry):
        self.registry = registry
        self.gazetteer = gazetteer_for(registry)

    def extract(self, text: str, info: TextInfo) -> Extraction:
        """Propose the facts of one text."""
        document = Document(text)
        resolved = resolve_mentions(document, self.registry, self.gazetteer)
        run = _Run(document, resolved, info, self.registry)
        return run.extract()


class _Run:
    """One text's extraction: its state as the rules go through the sentences."""

    def __init__(self, document: Document, resolved: Resolved, info: TextInfo, registry: Registry):
        self.d = document
        self.r = resolved
        self.info = info
        self.registry = registry
        self.lex = lexicon()
        self.proposals: list[Proposal] = []
        self.arrangements: dict[str, Arrangement] = {}
        self.last_arrangement: Arrangement | None = None
        self.new: dict[str, NewEntity] = dict(resolved.new_entities)
        self.statements: list[tuple[int, int, list[str]]] = []  # spans of statements and their speakers
        self.holdings: dict[str, str] = {}  # person -> holding id proposed
        self.window = (info.published_earliest, info.published_latest)

    # ------------------------------------------------------------------ driver
    def extract(self) -> Extraction:
        self._holdings()
        for sentence in self.d.sentences:
            found = self._arrangements_in(sentence)
            self._events(sentence, found)
            self._observations(sentence, found)
        for sentence in self.d.sentences:
            self._statements(sentence)
        for negated in (False, True):  # pledges first: a stated absence never covers an obligor the text pledges
            for sentence in self.d.sentences:
                self._obligations(sentence, negated)
        for sentence in self.d.sentences:
            self._characterisations(sentence)
        self._arrangement_facts()
        self._entity_facts()
        return Extraction(self._finish(), list(self.r.mentions), self.new)

    # ------------------------------------------------------------------ helpers
    def _mentions(self, start: int, end: int, kind: str | None = None) -> list[Mention]:
        return self.r.at(start, end, kind)

    def _quote(self, sentence: Sentence, focus: tuple[int, int]) -> tuple[int, int]:
        return self.d.quote_span(sentence, focus)

    def _propose(self, fact_type: str, subject: str, sentence: Sentence, focus: tuple[int, int], confidence: float,
                 rule: str, cue: str, types: list[str] | None = None, label: str | None = None,
                 values: dict | None = None, note: str | None = None, span: tuple[int, int] | None = None) -> Proposal:
        start, end = span or self._quote(sentence, focus)
        proposal = Proposal(fact_type, subject, start, end, self.d.text[start:end], round(min(confidence, 0.99), 2),
                            rule, cue, types or [], label, values or {}, note)
        self.proposals.append(proposal)
        return proposal

    def _short(self, entity_id: str) -> str:
        label = self._label(entity_id)
        return {"United Kingdom": "UK", "United States": "US", "People's Republic of China": "China"}.get(label, label)

    def _label(self, entity_id: str) -> str:
        if entity_id in self.new:
            return self.new[entity_id].label
        if entity_id in self.arrangements and self.arrangements[entity_id].label:
            return self.arrangements[entity_id].label or entity_id
        return self.registry.label(entity_id)

    def _clause(self, sentence: Sentence, at: int) -> tuple[int, int]:
        """The clause of a sentence around an offset (split at a coordinated verb: ", and agreed ...")."""
        splits = [sentence.start + m.start() for m in CLAUSE_SPLIT.finditer(sentence.text)]
        cuts = [sentence.start, *splits, sentence.end]
        for left, right in itertools.pairwise(cuts):
            if left <= at < right:
                return left, right
        return sentence.start, sentence.end

    def _states(self, start: int, end: int) -> list[str]:
        """The states named in a span (a person's state through their title), in order, once each,
        without those after 'unlike' or 'rather than'."""
        out: list[str] = []
        for m in self._mentions(start, end):
            entity = None
            if m.kind == "state":
                entity = m.entity_id
            elif m.kind == "person":
                title = self.r.title_of(m.entity_id, m.start)
                entity = title.state if title else None
            if entity and entity not in out and not EXCLUDING.search(self.d.text[max(start, m.start - 30):m.start]):
                out.append(entity)
        return out

    def _excluded(self, start: int, end: int) -> list[str]:
        return [m.entity_id for m in self._mentions(start, end, "state")
                if EXCLUDING.search(self.d.text[max(start, m.start - 30):m.start])]

    def _time(self, sentence: Sentence, focus: tuple[int, int], future: bool,
              others: list[tuple[int, int]] | None = None) -> tuple[dict | None, str]:
        """The nearest temporal expression of the clause, resolved; and the words it was."""
        left, right = self._clause(sentence, focus[0])
        found = [e for e in dates.find_expressions(self.d.text, left, right)
                 if not re.match(r"(?:since|until|by)\b", e.text, re.IGNORECASE)]
        if not found:
            found = [e for e in dates.find_expressions(self.d.text, sentence.start, sentence.end)
                     if not re.match(r"(?:since|until|by)\b", e.text, re.IGNORECASE)]
        def distance(e, cue):
            return min(abs(e.start - cue[1]), abs(cue[0] - e.end))

        # an expression belongs to the cue nearest to it ("will exchange notes, and it will enter into force on X")
        found = [e for e in found if all(distance(e, focus) <= distance(e, o) for o in others or [])]
        if not found and PRONOUN_START.match(sentence.text):
            index = self.d.sentences.index(sentence)
            if index:
                previous = self.d.sentences[index - 1]
                found = [e for e in dates.find_expressions(self.d.text, previous.start, previous.end)
                         if not re.match(r"(?:since|until|by)\b", e.text, re.IGNORECASE)]
        if not found:
            return None, ""
        nearest = min(found, key=lambda e: min(abs(e.start - focus[1]), abs(focus[0] - e.end)))
        time = dates.resolve(nearest.text, *self.window, prefer="future" if future else "past")
        return time, nearest.text

    def _future(self, sentence: Sentence, cue_start: int) -> bool:
        before = self.d.text[max(sentence.start, cue_start - 30):cue_start]
        return bool(self.lex.future.search(before)) and not re.search(r"\bwould\b", before)

    def _heading_or_today(self, sentence: Sentence) -> bool:
        """A sentence that reports something as of the text's own date: its title line, 'today', 'just
        now', 'this afternoon', or the present perfect ('have exchanged')."""
        first_lines = self.d.sentences[:3]
        lowered = sentence.text.lower()
        return (sentence in first_lines and not sentence.text.endswith(".")) or bool(
            re.search(r"\b(?:today|just now|this afternoon|this morning|have (?:\w+ed|signed|exchanged))\b", lowered))

    # ------------------------------------------------------------------ holdings
    def _holdings(self) -> None:
        for title in self.r.titles:
            self._holding(title)

    def _holding(self, title: Title) -> str | None:
        person = title.person
        position = None
        if title.office and title.state:
            position = self.registry.position(title.office, title.state)
            if position is None:
                state_label = self._label(title.state)
                the = "the " if state_label.startswith(("United ", "Philippines", "Netherlands")) else ""
                label = f"{title.office} of {the}{state_label}"
                position = f"position/{slug(label)}"
                if position not in self.new and not self.registry.get(position):
                    self.new[position] = NewEntity(position, label, "Position", values={"ofState": title.state})
        holding = self.registry.holding(person, position) if position else None
        if holding is None and not position:
            known = [h for h in self.registry.holdings_of(person)
                     if h.first("title") == title.title or (title.organisation and
                                                            h.first("affiliation") == title.organisation)]
            holding = known[0].entity_id if len(known) == 1 else None
        if holding is None:
            tail = position.split("/", 1)[1] if position else slug(self._label(title.organisation)) \
                if title.organisation else slug(title.title)
            holding = f"holding/{person.split('/', 1)[1]}-{tail}"[:90].rstrip("-")
        if any(p.subject == holding for p in self.proposals):
            self.holdings.setdefault(person, holding)
            return holding
        existing = self.registry.get(holding) is not None
        what = self._label(position) if position else (
            f"{title.title}, {self._label(title.organisation)}" if title.organisation else title.title)
        values: dict = {"holder": person}
        if position:
            values["position"] = position
        affiliation = title.organisation or title.state
        if affiliation:
            values["affiliation"] = affiliation
        values["title"] = title.title
        if title.based_in:
            values["basedIn"] = title.based_in
        sentence = self.d.sentence_at(title.start)
        if sentence is None:
            return None
        confidence = CONFIDENCE["title"] * (1 if title.office or title.organisation else 0.85)
        self._propose("holding", holding, sentence, (title.start, title.end), confidence, "title",
                      self.d.text[title.start:title.end], [] if existing else ["PositionHolding"],
                      None if existing else f"{self._label(person)}, {what}", values,
                      span=self.d.trim(title.start, title.end))
        self.holdings.setdefault(person, holding)
        return holding

    def _role(self, person: str) -> str | None:
        return self.holdings.get(person)

    # ------------------------------------------------------------------ arrangements
    def _arrangements_in(self, sentence: Sentence) -> list[tuple[int, int, Arrangement]]:
        """The arrangements a sentence names, with the span of each mention."""
        found: list[tuple[int, int, Arrangement]] = []
        taken: list[tuple[int, int]] = []
        for m in self._mentions(sentence.start, sentence.end, "arrangement"):
            known = self.registry.get(m.entity_id)
            if known is None or self._named_for_others(known, sentence):
                continue
            cls = next((t for t in known.types if t in ARRANGEMENT_CLASSES and t != "SecurityArrangement"),
                       "SecurityArrangement")
            parties = list(dict.fromkeys(known.values.get("party", [])))  # several sources name the same parties
            arrangement = self._record(m.entity_id, cls, parties, None, True,
                                       m.confidence, "arrangement-name", m.text, (m.start, m.end, sentence))
            found.append((m.start, m.end, arrangement))
            taken.append((m.start, m.end))
        cues = []
        for kind in self.lex.arrangement_kinds:
            for match in kind.pattern.finditer(self.d.text, sentence.start, sentence.end):
                cues.append((match.start(), match.end(), kind))
        for start, end, kind in sorted(cues, key=lambda c: (c[0], -(c[1] - c[0]))):
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            arrangement = self._from_cue(sentence, start, end, kind.name, kind.extra["name"], found)
            if arrangement:
                found.append((start, end, arrangement))
        found.sort(key=lambda f: f[0])
        if found:
            self.last_arrangement = found[-1][2]
        elif self.lex.arrangement_anaphora.search(sentence.text) and self.last_arrangement:
            match = self.lex.arrangement_anaphora.search(sentence.text)
            assert match is not None
            found.append((sentence.start + match.start(), sentence.start + match.end(), self.last_arrangement))
        return found

    def _named_for_others(self, known, sentence: Sentence) -> bool:
        """A known arrangement's name ("2+2", "RAA") in a sentence that names a state not among its parties
        and at most one of them: the same kind of arrangement with someone else ("the Japan-France 2+2" is
        not the Japan-US one)."""
        parties = set(known.values.get("party", ()))
        if not parties:
            return False
        named = set(self._states(sentence.start, sentence.end))
        return bool(named - parties) and len(named & parties) < 2

    def _from_cue(self, sentence: Sentence, start: int, end: int, cls: str, kind_name: str,
                  found: list[tuple[int, int, Arrangement]]) -> Arrangement | None:
        """An arrangement named by a cue of its kind; its parties from the words around it."""
        confidence = CONFIDENCE["arrangement-cue"]
        # the same kind already named in this sentence by a registry name ("GCAP ... combat aircraft")
        for _, _, known in found:
            if known.cls == cls:
                return known
        parties = self._hyphen_pair(start)
        rule_note = "hyphenated pair"
        if not parties:
            parties = self._parties_near(sentence, start, end)
            rule_note = "states around the name"
            protagonist = self._protagonist()
            if len(parties) < 2 and protagonist and protagonist not in parties and parties:
                parties = [protagonist, *parties]
                confidence *= 0.85
                rule_note = "the partner named, and the state the text is about"
        if len(parties) < 2:
            same_kind = [a for a in self.arrangements.values() if a.cls == cls]
            if len(same_kind) == 1:
                return same_kind[0]
            if self.last_arrangement and self.last_arrangement.cls == cls:
                return self.last_arrangement
            doc_pair = self._text_pair()
            if len(doc_pair) < 2:
                return None
            parties = doc_pair
            confidence *= 0.6
            rule_note = "the pair of states the text is about"
        parties = ["state/japan", *[p for p in parties if p != "state/japan"]] if "state/japan" in parties else parties
        existing = self.registry.arrangement(cls, set(parties))
        name = self._proper_name(start, end)
        if existing:
            entity_id, label = existing, None
        else:
            base = name or kind_name
            names = "–".join(self._short(p) for p in parties)
            label = f"{names} {base}"
            entity_id = f"agreement/{slug(label)}"[:100].rstrip("-")
        arrangement = self._record(entity_id, cls, parties, label, bool(existing), confidence, "arrangement-cue",
                                   self.d.text[start:end], (start, end, sentence), rule_note)
        arrangement.chosen_over.extend(e for e in self._excluded(*self._clause(sentence, start))
                                       if e not in arrangement.chosen_over and e not in parties)
        left, right = self._clause(sentence, start)
        if re.search(r"\bas part of\b", self.d.text[end:right]) is None and re.search(
                r"\bas part of\b", self.d.text[left:start]):
            pass
        return arrangement

    def _parties_near(self, sentence: Sentence, start: int, end: int) -> list[str]:
        """The parties of an arrangement named at start..end: the states before it in its clause ('Japan
        and Germany signed an ...', 'Japan's alliance'), and those of a 'with'/'between' phrase after it
        ('... with Canada as part of'), never one after 'unlike', 'rather than' or 'deter'."""
        left, right = self._clause(sentence, start)
        out: list[str] = []
        segments = [(left, start)]
        with_only = False
        after = re.search(r"\b(?:with|between|among)\s+", self.d.text[end:min(right, end + 80)])
        if after:
            seg_start = end + after.end()
            stop = re.search(r"[,;.]|\s(?:to|as|on|in|for|rather|which|that|and agreed)\s",
                             self.d.text[seg_start:right])
            segments.append((seg_start, seg_start + stop.start() if stop else right))
        for n, (seg_start, seg_end) in enumerate(segments):
            if n == 1 and not out:
                with_only = True
            for state in self._states(seg_start, seg_end):
                m_before = [m for m in self._mentions(seg_start, seg_end) if m.entity_id == state]
                if m_before and ADVERSARY.search(self.d.text[max(left, m_before[0].start - 30):m_before[0].start]):
                    continue
                if state not in out:
                    out.append(state)
        protagonist = self._protagonist()
        if with_only and protagonist and protagonist not in out:  # "a decision to work on ... with the UK and Italy"
            out.insert(0, protagonist)
        return out

    def _protagonist(self) -> str | None:
        """The state the text is most about (the one it names most): Japan, in this corpus."""
        counts: dict[str, int] = {}
        for m in self.r.mentions:
            if m.kind == "state":
                counts[m.entity_id] = counts.get(m.entity_id, 0) + 1
        return max(sorted(counts), key=lambda e: counts[e]) if counts else None

    def _record(self, entity_id: str, cls: str, parties: list[str], label: str | None, existing: bool,
                confidence: float, rule: str, cue: str, first: tuple[int, int, Sentence],
                note: str = "") -> Arrangement:
        known = self.arrangements.get(entity_id)
        if known is None:
            known = Arrangement(cls, parties, entity_id, label, existing, confidence, rule,
                                cue + (f" (parties: {note})" if note else ""), first)
            self.arrangements[entity_id] = known
        known.mentions.append(first[:2])
        return known

    def _hyphen_pair(self, start: int) -> list[str]:
        """'Japan-UK RAA', 'US-Japan alliance', 'Canada-Japan shared priorities': states joined by
        hyphens right before the name."""
        states: list[str] = []
        at = start
        while True:
            before = [m for m in self.r.mentions if m.kind == "state" and m.end <= at and at - m.end <= 2]
            if not before:
                break
            m = before[-1]
            gap = self.d.text[m.end:at]
            if states and gap not in {"-", "–", "—"}:
                break
            if not states and gap.strip() not in {"", "the"} and gap not in {" "}:
                break
            states.insert(0, m.entity_id)
            at = m.start
            if len(states) == 3:
                break
        # the states must be joined: "Japan-UK", not a lone "UK"
        return states if len(states) >= 2 else []

    def _text_pair(self) -> list[str]:
        """The states the text is about: those of its first hyphenated pair, else its two most named states."""
        for sentence in self.d.sentences[:4]:
            for m in self._mentions(sentence.start, sentence.end, "state"):
                pair = self._hyphen_pair(m.end + 1) if self.d.text[m.end:m.end + 1] in "-–" else []
                if len(pair) >= 2:
                    return pair
        counts: dict[str, int] = {}
        for m in self.r.mentions:
            if m.kind == "state" and m.how != "demonym":
                counts[m.entity_id] = counts.get(m.entity_id, 0) + 1
        ranked = sorted(counts, key=lambda e: (-counts[e], e))
        if "state/japan" in ranked[:3]:
            ranked = ["state/japan", *[r for r in ranked if r != "state/japan"]]
        return ranked[:2]

    def _proper_name(self, start: int, end: int) -> str | None:
        """The instrument's own name when the text writes it in title case ("Joint Declaration on Security
        Cooperation", "Acquisition and Cross Servicing Agreement"): the cue's words, with the title-case
        words right before them that name no state ("Special Strategic Partnership")."""
        text = self.d.text[start:end]
        if not text[:1].isupper() or len(text.split()) < 2 or text.isupper():
            return None
        words = text
        before = self.d.text[max(0, start - 40):start]
        adjacent = re.search(r"((?:[A-Z][a-z]+ )+)$", before)
        if adjacent:
            extra = [w for w in adjacent.group(1).split() if not self.registry.named(w, "state")
                     and w not in {s for st in self.lex.states for s in (st.label, *st.demonyms, *st.aliases)}]
            if extra and len(extra) == len(adjacent.group(1).split()):
                words = " ".join(extra) + " " + words
        return words

    def _arrangement_facts(self) -> None:
        for arrangement in self.arrangements.values():
            if len(arrangement.parties) < 2:
                continue
            start, end, sentence = arrangement.first
            values: dict = {"party": list(arrangement.parties)}
            if arrangement.chosen_over:
                values["chosenOver"] = list(arrangement.chosen_over)
            known_cls = None
            if arrangement.existing:
                known = self.registry.get(arrangement.entity_id)
                known_cls = known.types if known else set()
            types = [] if arrangement.existing and arrangement.cls not in (known_cls or set()) \
                else [arrangement.cls]
            if arrangement.existing and arrangement.cls in (known_cls or set()):
                types = [arrangement.cls]
            self._propose("arrangement", arrangement.entity_id, sentence, (start, end), arrangement.confidence,
                          arrangement.rule, arrangement.cue, types, arrangement.label, values)

    # ------------------------------------------------------------------ events and observations
    def _target(self, found: list[tuple[int, int, Arrangement]], start: int, end: int,
                sentence: Sentence) -> Arrangement | None:
        """The arrangement a cue is about: the nearest one named in its clause, else in its sentence."""
        if not found:
            return None
        left, right = self._clause(sentence, start)
        near = [f for f in found if left <= f[0] < right] or found
        return min(near, key=lambda f: min(abs(f[0] - end), abs(start - f[1])))[2]

    def _events(self, sentence: Sentence, found: list[tuple[int, int, Arrangement]]) -> None:
        taken: list[tuple[int, int]] = []
        cues: list[tuple[int, int, str, Arrangement, str]] = []
        for cued in self.lex.lifecycle:
            for match in cued.pattern.finditer(self.d.text, sentence.start, sentence.end):
                start, end = match.start(), match.end()
                if any(start < e and s < end for s, e in taken):
                    continue
                arrangement = self._target(found, start, end, sentence)
                if arrangement is None:
                    continue
                cls = cued.name
                if arrangement.cls in POLITICAL:
                    if cls == "Signing":
                        cls = "Adoption"
                    elif cls not in {"Adoption", "NegotiationLaunch", "Termination", "Suspension"}:
                        continue
                elif cls == "Adoption":
                    continue
                if cls == "EntryIntoForce" and NOT_THE_EVENT.search(self.d.text[max(sentence.start, start - 20):start]):
                    continue  # "notes for entry into force", "an early entry into force": not the event itself
                if cls == "AgreementInPrinciple" and arrangement.cls in POLITICAL:
                    continue
                taken.append((start, end))
                cues.append((start, end, cls, arrangement, match.group(0)))
        for start, end, cls, arrangement, cue in cues:
            others = [(s, e) for s, e, *_ in cues if (s, e) != (start, end)]
            self._event(sentence, arrangement, cls, start, end, cue, others)

    def _event(self, sentence: Sentence, arrangement: Arrangement, cls: str, start: int, end: int, cue: str,
               others: list[tuple[int, int]]) -> None:
        future = self._future(sentence, start)
        time, words = self._time(sentence, (start, end), future, others)
        confidence = CONFIDENCE["lifecycle-cue"]
        if time is None and self._heading_or_today(sentence) and self.window[0] and self.window[0] == self.window[1]:
            day = self.window[0]
            assert day is not None
            time = {"date": day.isoformat(), "expression": "the text's date"}
            words = "the text's date"
            confidence *= 0.85
        latest = dates.bounds(time)[1] if time else None
        if time and not future and latest and self.window[1] and latest > self.window[1]:
            time = None  # a past event dated after its text: a misreading, not a fact
        if future and time is None:
            if cls in {"NegotiationLaunch", "Signing"}:
                self._observation(sentence, arrangement, "Planned", start, end, cue, 0.5, "announced-event")
            return
        if time is None:
            # reported without a date: the status it leads to held when the text appeared
            status = RESULTING_STATUS[cls]
            self._observation(sentence, arrangement, status, start, end, cue, CONFIDENCE["undated-event"],
                              "undated-event")
            return
        event_id = self.registry.event(cls, arrangement.entity_id) or \
            f"event/{arrangement.entity_id.split('/', 1)[1]}-{STAGE_SLUG[cls]}"
        if any(p.subject == event_id for p in self.proposals):
            return
        existing = self.registry.get(event_id) is not None
        values: dict = {"ofArrangement": arrangement.entity_id}
        values["kgo:scheduledAt" if future else "time:hasTime"] = time
        if cls == "Signing":
            holdings = []
            for m in self._mentions(*self._clause(sentence, start), kind="person"):
                holding = self._role(m.entity_id)
                if holding and holding not in holdings:
                    holdings.append(holding)
            if re.match(r"\s*(?:He|She)\b", sentence.text) and self._subject_person(sentence):
                holding = self._role(self._subject_person(sentence) or "")
                if holding and holding not in holdings:
                    holdings.insert(0, holding)
            if holdings:
                values["signatory"] = holdings
        places = [m for m in self._mentions(*self._clause(sentence, start), kind="place")
                  if self.d.text[max(0, m.start - 3):m.start].strip().lower() == "in"]
        if places and cls in {"Signing", "ExchangeOfNotes"}:
            values["location"] = places[0].entity_id
        label = None if existing else f"{STAGE_LABEL[cls]} the {self._label_of(arrangement)}"
        self._propose("event", event_id, sentence, (start, end), confidence * arrangement.confidence / 0.9,
                      "lifecycle-cue" + ("-announced" if future else ""), f"{cue}; time: {words}",
                      [] if existing else [cls], label, values)

    def _label_of(self, arrangement: Arrangement) -> str:
        return arrangement.label or self.registry.label(arrangement.entity_id)

    def _subject_person(self, sentence: Sentence) -> str | None:
        """Who 'he' or 'she' at the start of a sentence is: the first person of the last sentence naming one."""
        index = self.d.sentences.index(sentence)
        for earlier in reversed(self.d.sentences[max(0, index - 3):index]):
            persons = self._mentions(earlier.start, earlier.end, "person")
            if persons:
                return persons[0].entity_id
        return None

    def _observations(self, sentence: Sentence, found: list[tuple[int, int, Arrangement]]) -> None:
        for cued in self.lex.observations:
            for match in cued.pattern.finditer(self.d.text, sentence.start, sentence.end):
                arrangement = self._target(found, match.start(), match.end(), sentence)
                if arrangement is None:
                    continue
                if cued.name == "UnderNegotiation" and not re.search(r"\b(?:talks|negotiat\w*)\b", sentence.text,
                                                                    re.IGNORECASE):
                    continue
                self._observation(sentence, arrangement, cued.name, match.start(), match.end(), match.group(0),
                                  CONFIDENCE["status-cue"], "status-cue")

    def _observation(self, sentence: Sentence, arrangement: Arrangement, status: str, start: int, end: int, cue: str,
                     confidence: float, rule: str) -> None:
        time = dates.publication_window(*self.window)
        if time is None:
            return
        stamp = (self.window[1] or self.window[0] or date.min).strftime("%Y-%m")
        subject = f"observation/{arrangement.entity_id.split('/', 1)[1]}-{slug(STATUS_LABEL[status])}-{stamp}"
        if any(p.subject == subject for p in self.proposals):
            return
        if status == "Planned" and any(p.fact_type == "event" and arrangement.entity_id in p.value_list("ofArrangement")
                                       for p in self.proposals):
            return
        label = f"{self._label_of(arrangement)} {STATUS_LABEL[status]} ({stamp})"
        self._propose("observation", subject, sentence, (start, end), confidence * arrangement.confidence / 0.9, rule,
                      cue, ["StatusObservation"], label,
                      {"ofArrangement": arrangement.entity_id, "observedStatus": status, "time:hasTime": time})

    # ------------------------------------------------------------------ obligations and absences
    def _obligations(self, sentence: Sentence, negated: bool) -> None:
        taken: list[tuple[int, int]] = []
        for cued in self.lex.obligations:
            for match in cued.pattern.finditer(self.d.text, sentence.start, sentence.end):
                if any(match.start() < e and s < match.end() for s, e in taken):
                    continue
                taken.append((match.start(), match.end()))
                before = self.d.text[sentence.start:match.end()]
                negation = None
                for neg in self.lex.negations.finditer(before):
                    negation = neg
                if negation is not None and not negated:
                    self._contrast(sentence, cued.name, match.start(), match.end(), match.group(0))
                if (negation is not None) == negated:
                    self._obligation(sentence, cued.name, cued.extra["mutual"], match.start(), match.end(),
                                     match.group(0), negation)

    def _obligation(self, sentence: Sentence, kind: str, mutual: bool, start: int, end: int, cue: str,
                    negation: re.Match | None) -> None:
        absent = negation is not None
        found = self._arrangements_near(sentence, start)
        arrangement = found[0] if found else None
        pairs: list[tuple[str, str]] = []
        left, right = self._clause(sentence, start)
        text_after = self.d.text[end:right]
        subject_span = (left, start)
        if re.search(r"\b(?:its|their)\s+aid\b|\bdefend\s+(?:the other|each other)", self.d.text[start:right]) is None:
            beneficiaries = self._states(end, right)[:1]
        else:
            beneficiaries = []
        mutual_words = re.search(r"\b(?:the two countries|each other|either country|both countries|their forces|mutual|"
                                 r"reciprocal|the other)\b", self.d.text[sentence.start:sentence.end], re.IGNORECASE)
        if (mutual or (mutual_words and not beneficiaries)) and arrangement and len(arrangement.parties) == 2:
            a, b = arrangement.parties
            pairs = [(a, b), (b, a)]
        elif kind == "kindExtendedNuclearDeterrence":
            demonym = [m for m in self._mentions(max(sentence.start, start - 25), start, "state")]
            if demonym:
                obligor = demonym[-1].entity_id
            elif arrangement:
                obligor = next((p for p in arrangement.parties if p != "state/japan"), "")
            else:
                return
            beneficiary = "state/japan" if obligor != "state/japan" else ""
            if obligor and beneficiary:
                pairs = [(obligor, beneficiary)]
        else:
            beneficiary = beneficiaries[0] if beneficiaries else None
            if beneficiary is None and re.search(r"\b(?:its|their) aid\b", self.d.text[start:right]):
                owners = [m.entity_id for m in self._mentions(subject_span[0], subject_span[1], "state")]
                beneficiary = owners[-1] if owners else self._protagonist()
            beneficiary = beneficiary or self._protagonist() or ""
            del text_after
            obligors = self._obligors(sentence, subject_span, beneficiary, kind, absent)
            pairs = [(o, beneficiary) for o in obligors if o != beneficiary]
        if not pairs:
            return
        for obligor, beneficiary in pairs:
            self._one_obligation(sentence, start, end, cue if not negation else f"{negation.group(0)} … {cue}", kind,
                                 obligor, beneficiary, absent, arrangement, "")

    def _contrast(self, sentence: Sentence, kind: str, start: int, end: int, cue: str) -> None:
        """'Unlike the US, other G-7 partners have made no treaty pledges to help defend Japan': the state
        set against the denial has the pledge."""
        _left, right = self._clause(sentence, start)
        beneficiaries = self._states(end, right)[:1] or [self._protagonist() or ""]
        found = self._arrangements_near(sentence, start)
        for unlike in self._excluded(sentence.start, start):
            contrasted = re.search(r"\bunlike\b", self.d.text[sentence.start:start], re.IGNORECASE)
            if unlike != beneficiaries[0] and contrasted:
                self._one_obligation(sentence, start, end, cue, kind, unlike, beneficiaries[0], False,
                                     found[0] if found else None, "contrast ('unlike')")

    def _arrangements_near(self, sentence: Sentence, start: int) -> list[Arrangement]:
        """Arrangements this sentence names, nearest to an offset first; else the last one named before."""
        named = [(a, s) for a in self.arrangements.values() for s, e in a.mentions
                 if sentence.start <= s < sentence.end]
        if named:
            named.sort(key=lambda x: abs(x[1] - start))
            return [a for a, _ in named]
        earlier = [(a, s) for a in self.arrangements.values() for s, e in a.mentions if s < sentence.start]
        if earlier and re.search(r"\b(?:the agreement|the deal|this|which|it)\b", sentence.text, re.IGNORECASE):
            return [max(earlier, key=lambda x: x[1])[0]]
        return []

    def _obligors(self, sentence: Sentence, span: tuple[int, int], beneficiary: str, kind: str,
                  absent: bool) -> list[str]:
        """Who is (or is not) bound: the states before the cue; or a group the text describes ('other G-7
        partners', 'any of Japan's partners')."""
        words = self.d.text[span[0]:span[1]]
        group = re.search(r"\b(?:other\s+)?(G-?7|NATO)\s+(?:partners|members|countries)\b", words)
        partners = re.search(r"\b(?:any of|all of|none of)?\s*(?:Japan['’]s|its)\s+partners\b|\bpartners\b", words)
        excluded = set(self._excluded(sentence.start, span[1]))
        if group or partners:
            candidates = self._partners(beneficiary)
            if group:
                organisation = self.registry.named(group.group(1), "organisation")
                members = self.registry.members(organisation[0]) if organisation else set()
                candidates = [c for c in candidates if c in members]
            pledged = {p.values.get("obligor") for p in self.proposals if p.fact_type == "obligation"
                       and p.values.get("beneficiary") == beneficiary and p.values.get("obligationKind") == kind}
            return [c for c in candidates if c not in excluded and c != beneficiary and c not in pledged]
        return [s for s in self._states(span[0], span[1]) if s not in excluded]

    def _partners(self, beneficiary: str) -> list[str]:
        """The states the text presents as partners of a state: parties with it to an arrangement, or
        whose representatives it met or addressed."""
        out: list[str] = []
        for arrangement in self.arrangements.values():
            if beneficiary in arrangement.parties:
                out.extend(p for p in arrangement.parties if p not in out and p != beneficiary)
        for title in self.r.titles:
            if title.state and title.state != beneficiary and title.state not in out and title.office:
                out.append(title.state)
        return out

    def _one_obligation(self, sentence: Sentence, start: int, end: int, cue: str, kind: str, obligor: str,
                        beneficiary: str, absent: bool, arrangement: Arrangement | None, how: str) -> None:
        if not (obligor.startswith(("state/", "org/")) and beneficiary.startswith(("state/", "org/"))):
            return
        if arrangement is None or not {obligor, beneficiary} <= set(arrangement.parties):
            # the arrangement between the two the text names elsewhere (a treaty alliance for a defence pledge)
            between = [a for a in self.arrangements.values() if {obligor, beneficiary} <= set(a.parties)]
            between.sort(key=lambda a: (a.cls != "TreatyAlliance" if kind == "kindDefence" else 0, len(a.parties)))
            arrangement = between[0] if between else (arrangement if absent else None)
        fact_type = "absence" if absent else "obligation"
        prefix = "absence" if absent else "obligation"
        subject = f"{prefix}/{slug(self._short(obligor))}-{KIND_SLUG[kind]}-{slug(self._short(beneficiary))}"
        existing = self._known_obligation(obligor, beneficiary, kind, arrangement, absent)
        subject = existing or subject
        if any(p.subject == subject for p in self.proposals):
            return
        values: dict = {"obligor": obligor, "beneficiary": beneficiary, "obligationKind": kind}
        confidence = CONFIDENCE["absence-cue" if absent else "obligation-cue"]
        if absent:
            if arrangement and re.search(r"\b(?:agreement|deal|pact|treaty)\b.*\b(?:does|do|did) not\b", sentence.text,
                                         re.IGNORECASE):
                values["notCreatedBy"] = arrangement.entity_id
            scenarios = self._scenarios(sentence, end)
            if scenarios:
                values["scope"] = scenarios
            values["qualifier"] = cue
        else:
            if arrangement is None:
                return  # an obligation needs the arrangement that creates it
            values["createdBy"] = arrangement.entity_id
            confidence *= arrangement.confidence / 0.9
        if how:
            confidence *= 0.85
        o, b = self._short(obligor), self._short(beneficiary)
        phrase = KIND_PHRASE[kind]
        label = (f"{o} is not committed to {phrase} {b}" if absent else f"{o} commits to {phrase} {b}")
        self._propose(fact_type, subject, sentence, (start, end), confidence, "absence-cue" if absent else
                      "obligation-cue", cue + (f" ({how})" if how else ""),
                      [] if existing else ["StatedAbsenceOfObligation" if absent else "Obligation"],
                      None if existing else label, values)

    def _known_obligation(self, obligor: str, beneficiary: str, kind: str, arrangement: Arrangement | None,
                          absent: bool) -> str | None:
        cls = "StatedAbsenceOfObligation" if absent else "Obligation"
        for known in self.registry.entities.values():
            if cls in known.types and obligor in known.values.get("obligor", ()) \
                    and beneficiary in known.values.get("beneficiary", ()) \
                    and kind in known.values.get("obligationKind", ()) \
                    and (absent or (arrangement and arrangement.entity_id in known.values.get("createdBy", ()))):
                return known.entity_id
        return None

    def _scenarios(self, sentence: Sentence, after: int) -> list[str]:
        """'in the event of a conflict over Taiwan': the contingency scenarios a stated absence is scoped to."""
        match = self.lex.contingency.search(self.d.text, after, sentence.end)
        if not match:
            return []
        out = []
        for m in self._mentions(match.end(), sentence.end):
            if m.kind == "place" and len(out) < 2:
                scenario = f"scenario/{m.entity_id.split('/', 1)[1]}-contingency"
                if not self.registry.get(scenario) and scenario not in self.new:
                    self.new[scenario] = NewEntity(scenario, f"{self._label(m.entity_id)} contingency",
                                                   "ContingencyScenario", values={"concernsPlace": m.entity_id})
                if scenario not in out:
                    out.append(scenario)
        return out

    # ------------------------------------------------------------------ statements
    def _statements(self, sentence: Sentence) -> None:
        if self._quotation(sentence):
            return
        self._reported(sentence)

    def _quotation(self, sentence: Sentence) -> bool:
        folded = self.d.folded
        spans = [(m.start(), m.end()) for m in re.finditer(r'"[^"\n]{3,}?"', folded[sentence.start:sentence.end])]
        text = sentence.text
        opened = text.startswith(("“", '"'))
        # a quotation that runs over several sentences of one paragraph ("… you. I don't think …")
        if not spans and opened:
            line_end = self.d.text.find("\n", sentence.start)
            line_end = len(self.d.text) if line_end == -1 else line_end
            close = folded.find('"', sentence.start + 1, line_end)
            if close != -1:
                spans = [(0, close + 1 - sentence.start)]
        for s, e in spans:
            inner = self.d.text[sentence.start + s + 1:sentence.start + e - 1]
            if len(inner.split()) < 4:
                continue
            q_start, q_end = sentence.start + s, sentence.start + e
            after = self.d.text[q_end:min(sentence.end, q_end + 120)]
            speaker = None
            attribution_end = q_end
            said = re.match(r"\s*,?\s*(?:(?P<pre>said|says|added|wrote)\s+(?P<name>[^,.]+)|(?P<who>[^,.“”\"]{1,60}?)\s+"
                            r"(?:said|says|added|wrote))", after)
            if said:
                span_start = q_end + said.start("name" if said.group("name") else "who")
                span_end = q_end + said.end("name" if said.group("name") else "who")
                speaker = self._speaker_in(span_start, span_end, sentence)
                attribution_end = sentence.end
            if speaker is None and opened and s == 0:
                speaker = self._previous_quotation_speaker(sentence)
                attribution_end = sentence.end if not said else attribution_end
            if speaker is None:
                continue
            quote_end = attribution_end if attribution_end - q_start <= 320 else q_end
            line_end = self.d.text.find("\n", q_start)
            quote_end = max(min(quote_end, line_end if line_end != -1 else len(self.d.text)), q_end)
            start, end = self.d.trim(q_start, quote_end)
            if end - start > 320 or self.d.crosses_paragraph(start, end):
                continue
            speakers = [speaker]
            values: dict = {"speaker": speaker, "quotedText": inner.strip().rstrip(",")}
            role = self._role(speaker)
            if role:
                values["speakerRole"] = role
            label = f"{self._label(speaker)}: {self._gist(inner)}"
            subject = f"statement/{slug(self._label(speaker).split()[-1])}-{slug(' '.join(inner.split()[:6]))}"[:100]
            self._propose("statement", subject.rstrip("-"), sentence, (q_start, q_end), CONFIDENCE["quotation"],
                          "quotation", self.d.text[q_end:attribution_end].strip()[:60] or "quotation marks",
                          ["Quotation"], label, values, span=(start, end))
            self.statements.append((start, end, speakers))
        return any(st[0] >= sentence.start and st[1] <= sentence.end + 1 for st in self.statements[-3:])

    def _gist(self, words: str) -> str:
        words = " ".join(words.split()).strip(" ,.\"“”")
        return words if len(words) <= 90 else words[:87].rsplit(" ", 1)[0] + " …"

    def _speaker_in(self, start: int, end: int, sentence: Sentence) -> str | None:
        persons = self._mentions(start, end, "person")
        if persons:
            return persons[0].entity_id
        words = self.d.text[start:end].strip().lower()
        if words in {"he", "she"}:
            return self._last_speaker(sentence) or self._subject_person(sentence)
        return None

    def _last_speaker(self, sentence: Sentence) -> str | None:
        earlier = [st for st in self.statements if st[1] <= sentence.start]
        return earlier[-1][2][0] if earlier else None

    def _previous_quotation_speaker(self, sentence: Sentence) -> str | None:
        """A quotation standing alone after another's: the same speaker (within two paragraphs)."""
        earlier = [st for st in self.statements if st[1] <= sentence.start and sentence.start - st[1] < 400]
        return earlier[-1][2][0] if earlier else None

    def _reported(self, sentence: Sentence) -> None:
        verbs = sorted(self.lex.speech, key=len, reverse=True)
        pattern = re.compile(r"\b(" + "|".join(re.escape(v) for v in verbs) + r")\b")
        matches = list(pattern.finditer(self.d.text, sentence.start, sentence.end))
        taken_until = sentence.start
        for n, match in enumerate(matches):
            verb = match.group(1)
            if match.start() < taken_until:
                continue
            if verb == "agreed" and re.match(r"\s+(?:with\b[^,.]*\s)?to\s+(?:upgrade|establish|launch|develop)",
                                             self.d.text[match.end():match.end() + 80]):
                continue
            if verb == "announced" and re.match(r"\s+(?:an?|the)\s", self.d.text[match.end():match.end() + 5]):
                continue
            speakers, speaker_span = self._reporters(sentence, match)
            if not speakers:
                continue
            following = matches[n + 1].start() if n + 1 < len(matches) else sentence.end
            clause_end = sentence.end
            for later in matches[n + 1:]:
                between = self.d.text[match.end():later.start()]
                if re.search(r",?\s+and\s+(?:also\s+)?$", between) or re.search(r"\.\s*$", between):
                    clause_end = later.start()
                    break
            del following
            if speaker_span[0] > match.end():  # "…, said Euan Graham": the content came first
                start, content_start, content_end = sentence.start, sentence.start, match.start()
                end = speaker_span[1]
            else:
                start = min(speaker_span[0], match.start())
                content_start, content_end, end = match.end(), clause_end, clause_end
            content = self.d.text[content_start:content_end].strip(" ,.;")
            addressee = None
            if verb == "told":
                that = re.search(r"\bthat\s+", content)
                listener = self._mentions(content_start, content_start + (that.start() if that else 0), "person")
                addressee = listener[0].entity_id if listener else None
                content = content[that.end():] if that else content
            content = re.sub(r"^(?:that|to)\s+", "", content)
            if len(content.split()) < 3:
                continue
            start, end = self.d.trim(start, end)
            end = end - 1 if self.d.text[end - 1] in ",;" else end
            if end - start > 320:
                start, end = self._quote(sentence, (match.start(), match.end()))
            cls = self.lex.speech[verb]
            values: dict = {"speaker": speakers if len(speakers) > 1 else speakers[0], "content": content}
            if addressee:
                values["addressee"] = addressee
            roles = [r for r in (self._role(s) for s in speakers) if r]
            if roles:
                values["speakerRole"] = roles if len(roles) > 1 else roles[0]
            who = " and ".join(self._label(s).split()[-1] for s in speakers)
            subject = f"statement/{slug(who)}-{slug(' '.join(content.split()[:6]))}"[:100].rstrip("-")
            confidence = CONFIDENCE["speech-verb"] * (0.85 if len(speakers) > 1 else 1)
            self._propose("statement", subject, sentence, (match.start(), match.end()), confidence, "speech-verb", verb,
                          [cls], f"{who}: {self._gist(content)}", values, span=(start, end))
            self.statements.append((start, end, speakers))
            taken_until = end

    def _reporters(self, sentence: Sentence, match: re.Match) -> tuple[list[str], tuple[int, int]]:
        """Who a speech verb reports: a person (or group of them) before it in its clause, or named right
        after it ('said Euan Graham', 'according to Amy King')."""
        verb_start, verb_end = match.start(), match.end()
        after = self._mentions(verb_end, min(sentence.end, verb_end + 40), "person")
        if after and self.d.text[verb_end:after[0].start].strip() in {"", "to", "by"}:
            return [after[0].entity_id], (after[0].start, after[0].end)
        left = max(sentence.start, self._clause(sentence, verb_start)[0])
        window = self.d.text[left:verb_start]
        group = None
        for g in GROUP_WORDS.finditer(window):
            group = g
        if group:
            persons = self._named_persons(sentence)
            if len(persons) >= 2:
                size = 3 if "three" in group.group(0).lower() else 2
                return persons[:size], (left + group.start(), left + group.end())
        before = self._mentions(left, verb_start, "person")
        if before:
            m = before[-1]
            between = self.d.text[m.end:verb_start]
            if len(between.split()) <= 8 and not re.search(r"\b(?:that|which|who)\b", between):
                return [m.entity_id], (m.start, m.end)
        pronoun = re.search(r"\b(?:he|she)\s+$", window, re.IGNORECASE)
        if pronoun:
            person = self._last_speaker(sentence) or self._subject_person(sentence)
            if person:
                return [person], (left + pronoun.start(), left + pronoun.end())
        return [], (0, 0)

    def _named_persons(self, sentence: Sentence) -> list[str]:
        """The persons with titles the text has named up to a sentence, most recent first."""
        out: list[str] = []
        for title in sorted(self.r.titles, key=lambda t: -t.start):
            if title.start < sentence.end and title.person not in out:
                out.append(title.person)
        return out

    # ------------------------------------------------------------------ characterisations
    def _characterisations(self, sentence: Sentence) -> None:
        for match in self.lex.characterisations.finditer(self.d.text, sentence.start, sentence.end):
            start, end = match.start(), match.end()
            label = match.group(0).strip()
            author = None
            for s, e, speakers in self.statements:
                if s <= start and end <= e:
                    author = speakers if len(speakers) > 1 else speakers[0]
            dubbing = re.search(r"(\w+)['’]s\s+(?:dubbing|calling|description) of\s*$",
                                self.d.text[sentence.start:start].split(" a ")[0] + " ")
            characterised, relation = self._characterised(sentence, start, end)
            before = self.d.text[max(sentence.start, start - 60):start]
            dub = re.search(r"(?P<author>\w+)['’]s\s+(?:dubbing|calling) of\s+(?P<who>[\w ]+?)\s+an?\s+[“\"]?$", before)
            if dub:
                who = self._mentions(start - len(before) + dub.start("who"), start - len(before) + dub.end("who"))
                by = self._mentions(start - len(before) + dub.start("author"), start - len(before) + dub.end("author"))
                if who:
                    characterised = [who[0].entity_id]
                if by:
                    author = by[0].entity_id
            del dubbing
            if author is None:
                author = self.info.publisher
            if not characterised or not author:
                continue
            values: dict = {"author": author, "characterised": characterised if len(characterised) > 1
                            else characterised[0], "characterisationLabel": label}
            if relation:
                values["inRelationTo"] = relation
            names = " and ".join(self._short(c) for c in characterised)
            subject = f"characterisation/{slug(names)}-{slug(label)}"[:100].rstrip("-")
            self._propose("characterisation", subject, sentence, (start, end), CONFIDENCE["characterisation-cue"],
                          "characterisation-cue", label, ["Characterisation"], f"{names}: {label}", values)

    def _characterised(self, sentence: Sentence, start: int, end: int) -> tuple[list[str], str | None]:
        """What a label is applied to: 'X is/are [each other's] <label>', or the arrangement it qualifies
        ('the ground-breaking Reciprocal Access Agreement'); and in relation to whom ('Japan's closest …')."""
        after = [(s, e, a) for a in self.arrangements.values() for s, e in a.mentions if end <= s <= end + 3]
        if after:
            return [after[0][2].entity_id], None
        left = self._clause(sentence, start)[0]
        window = self.d.text[left:start]
        relation = None
        possessive = re.search(r"(\w+)['’]s\s+(?:[a-z-]+\s+)?$", window)
        if possessive:
            owner = self._mentions(left + possessive.start(1), left + possessive.end(1), "state")
            relation = owner[0].entity_id if owner else None
            window_end = left + possessive.start()
        else:
            window_end = start
            if re.search(r"\bour\s+$", window):
                speakers = [sp for s, e, sp in self.statements if s <= start <= e]
                if speakers:
                    title = self.r.title_of(speakers[0][0])
                    relation = title.state if title else None
        copula = re.search(r"\b(?:is|are|was|were|as|remains)\b(?:\s+\w+){0,3}\s*$", self.d.text[left:window_end])
        if not copula:
            if re.search(r"\bit\s+was\s+an?\s+$", window) and self.last_arrangement:
                return [self.last_arrangement.entity_id], relation
            return [], relation
        subject_end = left + copula.start()
        mentions = [m for m in self._mentions(left, subject_end) if m.kind in {"state", "arrangement", "organisation"}]
        arrangements = [a for a in self.arrangements.values() for s, e in a.mentions if left <= s < subject_end]
        if arrangements:
            return [arrangements[-1].entity_id], relation
        if not mentions:
            return [], relation
        plural = copula.group(0).split()[0] in {"are", "were"}
        if (plural and len(mentions) > 1) or "each other" in self.d.text[start - 15:end]:
            states = []
            for m in mentions:
                if m.entity_id not in states and m.kind == "state":
                    states.append(m.entity_id)
            return states[:3], relation
        return [mentions[-1].entity_id], relation

    # ------------------------------------------------------------------ new entities and the result
    def _entity_facts(self) -> None:
        """A fact introducing each new entity a proposal refers to, quoting where the text names it."""
        referenced = set()
        for p in self.proposals:
            for value in p.values.values():
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str) and v in self.new:
                        referenced.add(v)
        # a new position or scenario refers to other entities in turn
        for entity_id in list(referenced):
            for v in self.new[entity_id].values.values():
                if isinstance(v, str) and v in self.new:
                    referenced.add(v)
        for entity_id in sorted(referenced):
            entity = self.new[entity_id]
            mention = next((m for m in self.r.mentions if m.entity_id == entity_id), None)
            span = (mention.start, mention.end) if mention else self._evidence_of(entity_id)
            if span is None:
                continue
            sentence = self.d.sentence_at(span[0])
            if sentence is None:
                continue
            values = dict(entity.values)
            if entity.alt_labels:
                values["skos:altLabel"] = entity.alt_labels
            self._propose("entity", entity_id, sentence, span, CONFIDENCE["new-entity"], "new-entity",
                          mention.how if mention else "named by a title", [entity.type], entity.label, values,
                          span=self.d.trim(*span))

    def _evidence_of(self, entity_id: str) -> tuple[int, int] | None:
        """Where the text says what a new position or scenario is: the proposal that refers to it."""
        for p in self.proposals:
            if any(entity_id in (v if isinstance(v, list) else [v]) for v in p.values.values()):
                return p.start, p.end
        return None

    def _finish(self) -> list[Proposal]:
        """Drop what would not load: a quote over a paragraph break, one longer than a quote may be."""
        kept = []
        for p in self.proposals:
            if p.end - p.start > 320 or p.end - p.start < 3 or self.d.crosses_paragraph(p.start, p.end):
                continue
            kept.append(p)
        return kept


def _unused(*_: object) -> None:
    """Placeholder so that linters keep helper imports used only in type positions."""


_unused(fold)
