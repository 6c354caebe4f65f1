"""Score the proposals for a text against the curated source of the same text.

The matching rule (docs/propose.md explains it with examples). Both sides are read as nodes (a subject
and everything its facts say of it) and compared after aligning the proposal's ids with the curator's:

* entities: the same id, or, for an entity the proposal introduces, the same name (case, accents and
  punctuation ignored; a person's given and family names in either order);
* arrangements: the same id; else the same parties and the same kind; else the same parties and quotes
  that overlap;
* lifecycle events: the same (aligned) arrangement and event class; status observations: the same
  arrangement and status; obligations and stated absences: the same obligor, beneficiary and kind;
  holdings: the same holder (and position, when both give one); statements and characterisations:
  quotes that overlap in the text.

A **fact type**'s precision is the share of proposed nodes of that type that align with a curated one,
its recall the share of curated nodes that a proposal aligns with. A **slot** is a set of tuples on
each side, scored the same way: entity (every actor or place a fact refers to), kind (arrangement,
class), party (arrangement, party), event (arrangement, event class), date (arrangement, event class,
time: two times match when they overlap and the wider is at most 14 days wider than the narrower),
status (arrangement, status, from an observation or the status an event leads to), obligor and
beneficiary (obligation or absence, actor, kind), speaker (statement, speaker). The **target** pools
the arrangement nodes and the event, date and party tuples.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from kg import vocab
from kg.propose.dates import bounds
from kg.propose.model import Extraction, Proposal
from kg.propose.registry import ARRANGEMENT_CLASSES, LIFECYCLE_CLASSES, fold
from kg.sources.grounding import read_anchors
from kg.sources.model import Corpus, EntityRef, Source, TermRef, Text, TimeSpec


def _listed(name: str) -> tuple[str, ...]:
    """The source ids of a list file of kg/propose (one per line, # comments)."""
    from importlib import resources

    lines = resources.files("kg.propose").joinpath(name).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


KEPT_ASIDE = _listed("kept-aside.txt")  # no rule written from them; chosen before any rule
WRITTEN_FROM = _listed("written-from.txt")  # the texts the rules were written from
# A text in neither list came after the rules (e.g. ATOP's coding sheets): scored as unseen, pooled apart.
FACT_TYPES = ("arrangement", "event", "observation", "obligation", "absence", "statement", "characterisation",
              "holding")
SLOTS = ("entity", "kind", "party", "event", "date", "status", "obligor", "beneficiary", "speaker")
TARGET = {"precision": 0.8, "recall": 0.6}
STATEMENT_CLASSES = {"Statement", "Quotation", "ReportedStatement", "Endorsement", "Criticism", "Assessment"}
RESULTING = {"Announcement": "Planned", "NegotiationLaunch": "UnderNegotiation", "AgreementInPrinciple":
             "AgreedInPrinciple", "Adoption": "Agreed", "Signing": "Signed", "Ratification": "Approved",
             "ExchangeOfNotes": "Approved", "EntryIntoForce": "InForce", "Suspension": "Suspended",
             "Termination": "Terminated", "Supersession": "Superseded"}
ENTITY_KINDS = ("state/", "person/", "org/", "group/", "place/")
DATE_SLACK_DAYS = 14


@dataclass
class Node:
    """A subject and what one side's facts say of it."""

    subject: str
    types: set[str] = field(default_factory=set)
    values: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    spans: list[tuple[int, int]] = field(default_factory=list)
    label: str | None = None

    @property
    def fact_type(self) -> str | None:
        if self.types & ARRANGEMENT_CLASSES:
            return "arrangement"
        if self.types & LIFECYCLE_CLASSES:
            return "event"
        for cls, kind in (("StatusObservation", "observation"), ("Obligation", "obligation"),
                          ("StatedAbsenceOfObligation", "absence"), ("Characterisation", "characterisation"),
                          ("PositionHolding", "holding")):
            if cls in self.types:
                return kind
        if self.types & STATEMENT_CLASSES:
            return "statement"
        return None


@dataclass
class Score:
    """True positives and the sizes of both sides, for one fact type or slot."""

    matched_proposed: int = 0
    proposed: int = 0
    matched_curated: int = 0
    curated: int = 0

    def add(self, other: Score) -> None:
        self.matched_proposed += other.matched_proposed
        self.proposed += other.proposed
        self.matched_curated += other.matched_curated
        self.curated += other.curated

    @property
    def precision(self) -> float | None:
        return self.matched_proposed / self.proposed if self.proposed else None

    @property
    def recall(self) -> float | None:
        return self.matched_curated / self.curated if self.curated else None

    def as_dict(self) -> dict:
        return {"precision": _round(self.precision), "recall": _round(self.recall), "proposed": self.proposed,
                "matched_proposed": self.matched_proposed, "curated": self.curated,
                "matched_curated": self.matched_curated}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


@dataclass
class Evaluation:
    """The scores of one text (or of several, pooled)."""

    source_id: str
    kept_aside: bool
    fact_types: dict[str, Score] = field(default_factory=lambda: {t: Score() for t in FACT_TYPES})
    slots: dict[str, Score] = field(default_factory=lambda: {s: Score() for s in SLOTS})
    target: Score = field(default_factory=Score)
    proposals: int = 0
    pooled_after_rules: bool | None = None  # for a pooled row: whether it pools the texts added after the rules
    # per target part: what was proposed and not curated, and what was curated and not proposed
    misses: dict[str, tuple[list, list]] = field(default_factory=dict)

    def add(self, other: Evaluation) -> None:
        for name, score in other.fact_types.items():
            self.fact_types[name].add(score)
        for name, score in other.slots.items():
            self.slots[name].add(score)
        self.target.add(other.target)
        self.proposals += other.proposals

    @property
    def unseen(self) -> bool:
        """Added after the rules were written, and not kept aside: never tuned on either."""
        if self.pooled_after_rules is not None:
            return self.pooled_after_rules
        return not self.kept_aside and self.source_id not in WRITTEN_FROM

    @property
    def mark(self) -> str:
        return "* " if self.kept_aside else "+ " if self.unseen else "  "

    def as_dict(self) -> dict:
        return {"source": self.source_id, "kept_aside": self.kept_aside, "unseen": self.unseen,
                "proposals": self.proposals,
                "target": {**self.target.as_dict(), "met": self.target_met()},
                "fact_types": {k: v.as_dict() for k, v in self.fact_types.items()},
                "slots": {k: v.as_dict() for k, v in self.slots.items()}}

    def target_met(self) -> bool | None:
        p, r = self.target.precision, self.target.recall
        if p is None or r is None:
            return None
        return p >= TARGET["precision"] and r >= TARGET["recall"]


# ------------------------------------------------------------------------------------------------
# The two sides as nodes
# ------------------------------------------------------------------------------------------------


def curated_nodes(source: Source, corpus: Corpus) -> dict[str, Node]:
    """The curated source's facts, one node per subject; classes the source leaves out come from the corpus."""
    anchors = read_anchors(source) or {}
    nodes: dict[str, Node] = {}
    for fact in source.facts:
        node = nodes.setdefault(fact.subject, Node(fact.subject))
        node.types.update(_local(t) for t in fact.types)
        if fact.label and not node.label:
            node.label = fact.label
        anchor = anchors.get(fact.fact_id)
        if anchor:
            node.spans.append((anchor.start, anchor.end))
        for assertion in fact.assertions:
            name = _local(assertion.predicate)
            value = assertion.value
            if isinstance(value, EntityRef):
                node.values[name].append(value.entity_id)
            elif isinstance(value, TermRef):
                node.values[name].append(_local(value.iri))
            elif isinstance(value, TimeSpec):
                node.values[name].append((value.earliest, value.latest))
            elif isinstance(value, Text):
                node.values[name].append(value.value)
    # a subject typed by another source (the arrangement this source only gives parties of)
    for node in nodes.values():
        if not node.types:
            for other in corpus.sources:
                for fact in other.facts:
                    if fact.subject == node.subject:
                        node.types.update(_local(t) for t in fact.types)
            entity = corpus.entities.get(node.subject)
            if entity:
                node.types.update(_local(t) for t in entity.types)
    return nodes


def proposed_nodes(extraction: Extraction, registry_types: dict[str, set[str]]) -> dict[str, Node]:
    """The proposals, one node per subject (a known subject's classes from the registry)."""
    nodes: dict[str, Node] = {}
    for p in extraction.proposals:
        node = nodes.setdefault(p.subject, Node(p.subject))
        node.types.update(p.types or registry_types.get(p.subject, set()))
        node.label = node.label or p.label
        node.spans.append((p.start, p.end))
        for name, value in p.values.items():
            name = name.removeprefix("kgo:")
            for v in value if isinstance(value, list) else [value]:
                node.values[name].append(bounds(v) if isinstance(v, dict) else v)
    return nodes


def _local(iri: str) -> str:
    return vocab.shorten(iri).removeprefix("kgo:")


# ------------------------------------------------------------------------------------------------
# Alignment and scoring
# ------------------------------------------------------------------------------------------------


def evaluate(extraction: Extraction, source: Source, corpus: Corpus, registry_types: dict[str, set[str]],
             labels: dict[str, str]) -> Evaluation:
    """Score one text's proposals against its curated source."""
    curated = curated_nodes(source, corpus)
    proposed = proposed_nodes(extraction, registry_types)
    new_labels = {p.subject: p.label for p in extraction.proposals if p.label}
    id_map = _entity_map(extraction, proposed, curated, labels, new_labels)
    arrangement_map = _align_arrangements(proposed, curated, id_map)
    id_map.update(arrangement_map)

    def m(x):
        return id_map.get(x, x) if isinstance(x, str) else x

    result = Evaluation(source.source_id, source.source_id in KEPT_ASIDE, proposals=len(extraction.proposals))
    keys_p, keys_c = _keys(proposed, m), _keys(curated, lambda x: x)
    # statements and characterisations align by overlapping quotes
    for kind in ("statement", "characterisation"):
        pairs = _align_by_span(proposed, curated, kind)
        keys_p[kind] = {pairs.get(s, s) for s in keys_p[kind]}
        id_map.update(pairs)
    for kind in FACT_TYPES:
        result.fact_types[kind] = _score(keys_p[kind], keys_c[kind])
    for slot in SLOTS:
        if slot == "date":
            result.slots[slot] = _score_dates(_dates(proposed, m), _dates(curated, lambda x: x))
        else:
            result.slots[slot] = _score(_slot(slot, proposed, m), _slot(slot, curated, lambda x: x))
    for part in (result.fact_types["arrangement"], result.slots["event"], result.slots["date"], result.slots["party"]):
        result.target.add(part)
    result.misses = {
        "arrangement": _unmatched(keys_p["arrangement"], keys_c["arrangement"]),
        "event": _unmatched(_slot("event", proposed, m), _slot("event", curated, lambda x: x)),
        "party": _unmatched(_slot("party", proposed, m), _slot("party", curated, lambda x: x)),
        "date": _unmatched_dates(_dates(proposed, m), _dates(curated, lambda x: x)),
    }
    return result


def _unmatched(proposed: set, curated: set) -> tuple[list, list]:
    return sorted(proposed - curated, key=repr), sorted(curated - proposed, key=repr)


def _unmatched_dates(proposed: list[tuple], curated: list[tuple]) -> tuple[list, list]:
    def hit(x, others):
        return any(x[0] == y[0] and x[1] == y[1] and _dates_match(x[2], y[2]) for y in others)

    return ([p for p in proposed if not hit(p, curated)], [c for c in curated if not hit(c, proposed)])


def misses_report(evaluations: list[Evaluation]) -> str:
    """What each text's proposals got wrong in the target parts: proposed but not curated (a false
    positive, "+") and curated but not proposed (a miss, "-"). For writing rules from the texts open to it;
    kg propose refuses to show it for a kept-aside text."""
    lines = []
    for e in evaluations:
        lines.append(f"{e.source_id}:")
        for part, (extra, missing) in e.misses.items():
            for x in extra:
                lines.append(f"  + {part}: {_show(x)}")
            for x in missing:
                lines.append(f"  - {part}: {_show(x)}")
        if not any(a or b for a, b in e.misses.values()):
            lines.append("  (nothing missed)")
    return "\n".join(lines)


def _show(x) -> str:
    if isinstance(x, tuple):
        return " ".join(_show(v) for v in x)
    if isinstance(x, date):
        return x.isoformat()
    return "?" if x is None else str(x)


def _entity_map(extraction: Extraction, proposed: dict[str, Node], curated: dict[str, Node], labels: dict[str, str],
                new_labels: dict[str, str]) -> dict[str, str]:
    """A new entity of the proposal -> the curated entity of the same name."""
    curated_ids = set()
    for node in curated.values():
        curated_ids.add(node.subject)
        for values in node.values.values():
            curated_ids.update(v for v in values if isinstance(v, str) and "/" in v)
    by_name: dict[str, str] = {}
    for entity_id in curated_ids:
        label = labels.get(entity_id) or (curated[entity_id].label if entity_id in curated else None)
        if label:
            by_name.setdefault(_name_key(label), entity_id)
    out = {}
    for entity_id, label in new_labels.items():
        if entity_id not in curated_ids and entity_id.startswith((*ENTITY_KINDS, "position/")):
            match = by_name.get(_name_key(label))
            if match:
                out[entity_id] = match
    return out


def _name_key(label: str) -> str:
    return " ".join(sorted(fold(label).split()))


def _align_arrangements(proposed: dict[str, Node], curated: dict[str, Node], id_map: dict[str, str]) -> dict[str, str]:
    """A proposed arrangement -> the curated one it is about."""
    out: dict[str, str] = {}
    cur = {k: n for k, n in curated.items() if n.fact_type == "arrangement"}
    used: set[str] = set()
    props = [n for n in proposed.values() if n.fact_type == "arrangement"]
    for test in ("id", "parties-kind", "parties-span"):
        for node in props:
            if node.subject in out:
                continue
            parties = {id_map.get(p, p) for p in node.values.get("party", [])}
            for key, c in cur.items():
                if key in used:
                    continue
                same_parties = bool(parties) and parties == set(c.values.get("party", [])) if c.values.get("party") \
                    else False
                ok = (test == "id" and key == node.subject) or (
                    test == "parties-kind" and same_parties and bool(node.types & c.types & ARRANGEMENT_CLASSES)) or (
                    test == "parties-span" and same_parties and _overlap(node.spans, c.spans))
                if ok:
                    out[node.subject] = key
                    used.add(key)
                    break
    return {k: v for k, v in out.items() if k != v}


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _align_by_span(proposed: dict[str, Node], curated: dict[str, Node], kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    ofkind = [n for n in proposed.values() if n.fact_type == kind]
    for node in sorted(ofkind, key=lambda n: n.spans[0] if n.spans else (0, 0)):
        best, best_overlap = None, 0
        for key, c in curated.items():
            if c.fact_type != kind or key in used:
                continue
            overlap = max((min(e1, e2) - max(s1, s2) for s1, e1 in node.spans for s2, e2 in c.spans), default=0)
            if overlap > best_overlap:
                best, best_overlap = key, overlap
        if best:
            out[node.subject] = best
            used.add(best)
    return out


def _keys(nodes: dict[str, Node], m) -> dict[str, set]:
    """Each node's identity for the fact-type scores."""
    keys: dict[str, set] = {t: set() for t in FACT_TYPES}
    for node in nodes.values():
        kind = node.fact_type
        if kind is None:
            continue
        v = node.values
        if kind == "arrangement":
            keys[kind].add(m(node.subject))
        elif kind == "event":
            for arrangement in v.get("ofArrangement", []):
                for cls in node.types & LIFECYCLE_CLASSES:
                    keys[kind].add((m(arrangement), cls))
        elif kind == "observation":
            for arrangement in v.get("ofArrangement", []):
                for status in v.get("observedStatus", []):
                    keys[kind].add((m(arrangement), status))
        elif kind in {"obligation", "absence"}:
            for o in v.get("obligor", []):
                for b in v.get("beneficiary", []):
                    for k in v.get("obligationKind", []):
                        keys[kind].add((m(o), m(b), k))
        elif kind == "holding":
            keys[kind].add(m(v["holder"][0]) if v.get("holder") else node.subject)
        else:
            keys[kind].add(node.subject)
    return keys


def _slot(slot: str, nodes: dict[str, Node], m) -> set:
    out: set = set()
    for node in nodes.values():
        kind = node.fact_type
        v = node.values
        if slot == "entity":
            if node.subject.startswith(ENTITY_KINDS) and kind is None:
                out.add(m(node.subject))
            for values in v.values():
                out.update(m(x) for x in values if isinstance(x, str) and x.startswith(ENTITY_KINDS))
        elif kind == "arrangement" and slot == "kind":
            out.update((m(node.subject), c) for c in node.types & ARRANGEMENT_CLASSES)
        elif kind == "arrangement" and slot == "party":
            out.update((m(node.subject), m(p)) for p in v.get("party", []))
        elif kind == "event" and slot in {"event", "status"}:
            for arrangement in v.get("ofArrangement", []):
                for cls in node.types & LIFECYCLE_CLASSES:
                    out.add((m(arrangement), cls if slot == "event" else RESULTING[cls]))
        elif kind == "observation" and slot == "status":
            out.update((m(a), s) for a in v.get("ofArrangement", []) for s in v.get("observedStatus", []))
        elif kind in {"obligation", "absence"} and slot in {"obligor", "beneficiary"}:
            out.update((kind, m(x), k) for x in v.get(slot, []) for k in v.get("obligationKind", []))
        elif kind == "statement" and slot == "speaker":
            out.update((m(node.subject), m(s)) for s in v.get("speaker", []))
    return out


def _dates(nodes: dict[str, Node], m) -> list[tuple]:
    out = []
    for node in nodes.values():
        if node.fact_type != "event":
            continue
        for arrangement in node.values.get("ofArrangement", []):
            for cls in node.types & LIFECYCLE_CLASSES:
                for time in [*node.values.get("time:hasTime", []), *node.values.get("scheduledAt", [])]:
                    if isinstance(time, tuple) and (time[0] or time[1]):
                        out.append((m(arrangement), cls, time))
    return out


def _dates_match(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    lo, hi = date.min, date.max
    a0, a1, b0, b1 = a[0] or lo, a[1] or hi, b[0] or lo, b[1] or hi
    if not (a0 <= b1 and b0 <= a1):
        return False
    if None in a or None in b:
        return a == b
    width_a, width_b = (a1 - a0).days, (b1 - b0).days
    contains = (a0 <= b0 and b1 <= a1) or (b0 <= a0 and a1 <= b1)
    return contains and abs(width_a - width_b) <= DATE_SLACK_DAYS


def _score(proposed: set, curated: set) -> Score:
    matched = proposed & curated
    return Score(len(matched), len(proposed), len(matched), len(curated))


def _score_dates(proposed: list[tuple], curated: list[tuple]) -> Score:
    def hit(x, others):
        return any(x[0] == y[0] and x[1] == y[1] and _dates_match(x[2], y[2]) for y in others)

    return Score(sum(hit(p, curated) for p in proposed), len(proposed), sum(hit(c, proposed) for c in curated),
                 len(curated))


# ------------------------------------------------------------------------------------------------
# Reports
# ------------------------------------------------------------------------------------------------


def pooled(evaluations: list[Evaluation], name: str, kept_aside: bool) -> Evaluation:
    """Several texts' scores summed (micro-averaged)."""
    total = Evaluation(name, kept_aside)
    for e in evaluations:
        total.add(e)
    return total


def _cell(score: Score) -> str:
    p, r = score.precision, score.recall
    if p is None and r is None:
        return "—"
    return f"{'–' if p is None else f'{p:.2f}'}/{'–' if r is None else f'{r:.2f}'}"


def table(evaluations: list[Evaluation]) -> str:
    """Two plain-text tables (precision/recall per slot, then per fact type), one row per text; kept-aside
    texts marked *, and the pooled rows at the end."""
    rows = [*evaluations, *_pooled_rows(evaluations)]
    width = max(len(e.source_id) for e in rows) + 2
    lines = ["precision/recall per slot (— : nothing on either side; * : kept aside, no rule written from it; "
             "+ : added after the rules)"]
    header = f"{'text':<{width}} {'target':>10} {'met':>4} " + " ".join(f"{s:>10}" for s in SLOTS)
    lines += [header, "-" * len(header)]
    for e in rows:
        met = {True: "yes", False: "no", None: "—"}[e.target_met()]
        name = e.mark + e.source_id
        lines.append(f"{name:<{width}} {_cell(e.target):>10} {met:>4} "
                     + " ".join(f"{_cell(e.slots[s]):>10}" for s in SLOTS))
    lines += ["", "precision/recall per fact type"]
    header = f"{'text':<{width}} {'proposals':>9} " + " ".join(f"{t[:10]:>10}" for t in FACT_TYPES)
    lines += [header, "-" * len(header)]
    for e in rows:
        name = e.mark + e.source_id
        cells = " ".join(f"{_cell(e.fact_types[t]):>10}" for t in FACT_TYPES)
        lines.append(f"{name:<{width}} {e.proposals:>9} {cells}")
    lines.append("")
    lines.append(f"target: precision >= {TARGET['precision']} and recall >= {TARGET['recall']} over the arrangement "
                 "nodes and the event, date and party slots, on the kept-aside texts")
    return "\n".join(lines)


def _pooled_rows(evaluations: list[Evaluation]) -> list[Evaluation]:
    """The pooled rows of the texts rules were written from, of the kept-aside texts and of those added
    after the rules, each when it has any."""
    groups = [([e for e in evaluations if not e.kept_aside and not e.unseen], "all texts rules were written from",
               False),
              ([e for e in evaluations if e.kept_aside], "all kept-aside texts", True),
              ([e for e in evaluations if e.unseen], "all texts added after the rules", False)]
    rows = []
    for members, name, aside in groups:
        if members:
            rows.append(pooled(members, name, aside))
            rows[-1].pooled_after_rules = name == "all texts added after the rules"
    return rows


def report_json(evaluations: list[Evaluation]) -> str:
    """The scores as JSON: each text, and the pooled scores of the texts rules were written from, of the
    kept-aside ones and of those added after the rules."""
    dev = [e for e in evaluations if not e.kept_aside and not e.unseen]
    aside = [e for e in evaluations if e.kept_aside]
    unseen = [e for e in evaluations if e.unseen]
    document = {"matching_rule": "docs/propose.md#how-proposals-are-scored", "kept_aside": list(KEPT_ASIDE),
                "written_from": list(WRITTEN_FROM), "target": TARGET, "texts": [e.as_dict() for e in evaluations],
                "pooled": {"rules_written_from": pooled(dev, "dev", False).as_dict() if dev else None,
                           "kept_aside": pooled(aside, "kept-aside", True).as_dict() if aside else None,
                           "added_after_the_rules": pooled(unseen, "unseen", False).as_dict() if unseen else None}}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def proposals_of_type(extraction: Extraction, fact_type: str) -> list[Proposal]:
    """The proposals of one fact type (for the review and the tests)."""
    return [p for p in extraction.proposals if p.fact_type == fact_type]
