"""Explain a contradiction as the smallest set of facts that cannot all hold.

The search is QuickXplain (Junker 2004) over units of evidence (facts of sources, registry
entries): it returns a minimal set — remove any one member and the rest is consistent — in
O(k log(n/k)) consistency checks for a conflict of k facts among n.

Each check by a DL reasoner costs about a second (a Java process), so the search is guided by
OWL 2 RL where it can see the conflict (disjoint classes, disjoint properties, negative property
assertions, functional properties over different individuals: milliseconds per check, see
:mod:`kg.checks.owl2rl`), and the DL reasoner then confirms that the set is inconsistent and that every
proper subset is consistent, refining it if not. Where RL cannot see the conflict, the DL reasoner
runs the whole search. Further conflicts are found by dropping one member of each conflict
found and searching again (a hitting-set tree of depth one per conflict), up to a limit.

OWL cannot compare two data values, so "a period that ends before it begins" is checked by a
rule over the dates (:func:`temporal_conflicts`) and reported in the same form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox

from kg import vocab
from kg.checks import owl2rl
from kg.checks.owl_view import ReasoningInput, UnitKey
from kg.checks.reasoners import is_consistent, spec

Oracle = Callable[[frozenset[UnitKey]], bool]  # True when the units are INconsistent


@dataclass
class Conflict:
    """A minimal set of units that cannot all hold, and how it was found."""

    units: list[UnitKey]
    found_by: str
    rule: str | None = None


def quickxplain(candidates: Sequence[UnitKey], inconsistent: Oracle) -> list[UnitKey]:
    """A minimal inconsistent subset of ``candidates`` (which must be inconsistent as a whole)."""

    def qx(background: list[UnitKey], has_delta: bool, items: list[UnitKey]) -> list[UnitKey]:
        if has_delta and inconsistent(frozenset(background)):
            return []
        if len(items) == 1:
            return items
        half = len(items) // 2
        first, second = items[:half], items[half:]
        delta2 = qx(background + first, bool(first), second)
        delta1 = qx(background + delta2, bool(delta2), first)
        return delta1 + delta2

    return sorted(qx([], False, list(candidates)))


class _Oracles:
    """Memoised consistency checks: DL (the reasoner) and RL (the fast guide)."""

    def __init__(self, data: ReasoningInput, reasoner: str, java) -> None:
        self.data, self.reasoner, self.java = data, reasoner, java
        self._dl: dict[frozenset[UnitKey], bool] = {}
        self._rl: dict[frozenset[UnitKey], list[owl2rl.RuleViolation]] = {}
        self._rl_reasoner: owl2rl.Reasoner | None = None  # made on the first RL check, reused by the rest
        self.dl_calls = 0

    def dl(self, keys: frozenset[UnitKey]) -> bool:
        """DL-inconsistent? The RL rules used are sound, so an RL contradiction settles it without Java."""
        if keys not in self._dl:
            if self.rl(keys):
                self._dl[keys] = True
            else:
                self.dl_calls += 1
                self._dl[keys] = not is_consistent(self.data.ntriples(keys), self.reasoner, self.java)
        return self._dl[keys]

    def known_inconsistent(self, keys: frozenset[UnitKey]) -> None:
        """Record a result already known (the classification run found the whole input inconsistent)."""
        self._dl[keys] = True

    def rl_violations(self, keys: frozenset[UnitKey]) -> list[owl2rl.RuleViolation]:
        if keys not in self._rl:
            self._rl[keys] = self._reasoner().violations(self.data.abox(keys))
        return self._rl[keys]

    def _reasoner(self) -> owl2rl.Reasoner:
        if self._rl_reasoner is None:
            self._rl_reasoner = owl2rl.Reasoner(self.data.tbox)
        return self._rl_reasoner

    def rl(self, keys: frozenset[UnitKey]) -> bool:
        return bool(self.rl_violations(keys))


def _mentions(data: ReasoningInput, keys: frozenset[UnitKey], iris: set[str]) -> frozenset[UnitKey]:
    """The units among ``keys`` whose triples mention any of ``iris``."""
    return frozenset(k for k in keys if any(
        (isinstance(t.subject, ox.NamedNode) and t.subject.value in iris)
        or (isinstance(t.object, ox.NamedNode) and t.object.value in iris) for t in data.units[k]))


def _relevant(keys: frozenset[UnitKey], oracles: _Oracles) -> frozenset[UnitKey]:
    """A smaller RL-inconsistent subset to search in: the units around the individuals the violated
    rule names, widened one hop at a time until the contradiction is inside (at worst: all units).
    Any minimal conflict found inside is a minimal conflict of the whole."""
    violation = oracles.rl_violations(keys)[0]
    seeds = {violation.terms[0]}
    if violation.rule.startswith("eq-diff"):
        seeds.add(violation.terms[-1])
    candidates = _mentions(oracles.data, keys, seeds)
    while candidates != keys:
        if oracles.rl(candidates):
            return candidates
        iris = {t.value for k in candidates for t in _terms(oracles.data, k) if t.value.startswith(vocab.ID)}
        wider = _mentions(oracles.data, keys, iris) | candidates
        if wider == candidates:
            return keys
        candidates = wider
    return keys


def _terms(data: ReasoningInput, key: UnitKey):
    for t in data.units[key]:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                yield term


def minimal_conflict(keys: frozenset[UnitKey], oracles: _Oracles) -> Conflict:
    """One minimal conflict among ``keys`` (known DL-inconsistent), confirmed by the DL reasoner."""
    name = spec(oracles.reasoner).name
    if oracles.rl(keys):
        units = quickxplain(sorted(_relevant(keys, oracles)), oracles.rl)
        rule = oracles.rl_violations(frozenset(units))[0].rule
        # RL-inconsistent implies DL-inconsistent; minimality must still hold for the DL reasoner.
        if not any(oracles.dl(frozenset(u for u in units if u != drop)) for drop in units):
            return Conflict(units, f"{name} (search guided by OWL 2 RL rule {rule})", rule)
        return Conflict(quickxplain(units, oracles.dl), name, rule)
    return Conflict(quickxplain(sorted(keys), oracles.dl), name)


def find_conflicts(data: ReasoningInput, reasoner: str, java, limit: int = 3) -> tuple[list[Conflict], int]:
    """Up to ``limit`` distinct minimal conflicts, and how many DL checks the search made."""
    oracles = _Oracles(data, reasoner, java)
    oracles.known_inconsistent(frozenset(data.units))
    conflicts: list[Conflict] = []
    queue = [frozenset(data.units)]
    seen: set[frozenset[UnitKey]] = set()
    while queue and len(conflicts) < limit:
        keys = queue.pop(0)
        if keys in seen:
            continue
        seen.add(keys)
        if not oracles.dl(keys):
            continue
        conflict = minimal_conflict(keys, oracles)
        if all(set(conflict.units) != set(c.units) for c in conflicts):
            conflicts.append(conflict)
        queue.extend(keys - {unit} for unit in conflict.units)
    return conflicts, oracles.dl_calls


def temporal_conflicts(data: ReasoningInput) -> list[Conflict]:
    """Periods whose end (kgo:endedAt) is dated before their start (kgo:startedAt), with the facts saying so."""
    started_at, ended_at = vocab.KGO + "startedAt", vocab.KGO + "endedAt"
    earliest, latest = vocab.KGO + "earliestDate", vocab.KGO + "latestDate"
    edges: dict[tuple[str, str], list[tuple[str, UnitKey]]] = {}
    bounds: dict[tuple[str, str], str] = {}
    for key, triples in data.units.items():
        for t in triples:
            predicate = t.predicate.value
            if predicate in (started_at, ended_at) and isinstance(t.object, ox.NamedNode):
                edges.setdefault((t.subject.value, predicate), []).append((t.object.value, key))
            elif predicate in (earliest, latest) and isinstance(t.object, ox.Literal):
                bounds[(t.subject.value, predicate)] = t.object.value
    conflicts = []
    for (subject, predicate), starts in sorted(edges.items()):
        if predicate != started_at:
            continue
        for start_node, start_unit in starts:
            for end_node, end_unit in edges.get((subject, ended_at), []):
                begins, ends = bounds.get((start_node, earliest)), bounds.get((end_node, latest))
                if begins and ends and _day(ends) < _day(begins):
                    conflicts.append(Conflict(sorted({start_unit, end_unit}),
                                              "date rule: a period cannot end before it begins (OWL 2 cannot "
                                              "compare two dates)", f"ends {ends[:10]} before it begins {begins[:10]}"))
    return conflicts


def _day(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")[:19])
