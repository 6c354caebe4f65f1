"""The sources' graphs built in parallel worker processes, as N-Quads bytes.

Building the quads of a large source (ATOP's member rows give 2.4 million) is pure Python and takes one
core for tens of seconds; the build's other large cost, Oxigraph's bulk load, runs in Rust without the
GIL. So :func:`source_chunks` splits every source into slices, builds each slice in a forked worker
(which inherits the checked corpus: nothing is pickled but fact numbers going out and the bytes coming
back), and yields the slices in order, so that the caller writes the dataset and loads the store while
the workers build the next ones. A slice holds whole groups of facts: the facts of one row (they share
an annotation) and the facts about one subject (a triple is reified once, and its subject is the
subject of every fact that asserts it), so no quad comes from two slices and the output is the same for
any number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg import vocab
from kg.graph.loader import source_quads
from kg.sources.grounding import Anchor
from kg.sources.model import Corpus
from kg.terms import triples_of

SLICE_FACTS = 6000  # facts per slice: big enough that a slice's work dwarfs moving its bytes
_NQ = ox.RdfFormat.N_QUADS
_STATE: dict = {}  # the corpus and anchors a forked worker inherits


@dataclass
class Chunk:
    """One slice of one source's graphs: every quad, their triples (for the store's default graph, the
    merge), those of its source graph (the asserted triples), and the number of quads of each named graph."""

    source_id: str
    nquads: bytes
    merged: bytes
    asserted: bytes
    counts: Counter[str]


def slices(corpus: Corpus, size: int = SLICE_FACTS) -> list[tuple[int, list[int]]]:
    """(source index, the facts of the slice by their index) for every slice: groups of facts linked by a fact
    id or a subject, packed in order of first appearance into slices of about ``size`` facts."""
    tasks: list[tuple[int, list[int]]] = []
    for index, source in enumerate(corpus.sources):
        facts = source.facts
        if len(facts) <= size:
            tasks.append((index, list(range(len(facts)))))
            continue
        groups = _linked_groups(facts)
        current: list[int] = []
        for group in groups:  # in the order of their first fact
            current.extend(group)
            if len(current) >= size:
                tasks.append((index, sorted(current)))
                current = []
        if current or not tasks or tasks[-1][0] != index:
            tasks.append((index, sorted(current)))
    return tasks


def _linked_groups(facts: list) -> list[list[int]]:
    """The facts' indices grouped by shared fact id or subject (union-find), in order of each group's first fact."""
    parent = list(range(len(facts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[tuple[str, str], int] = {}
    for i, fact in enumerate(facts):
        for key in (("fact", fact.fact_id), ("subject", fact.subject)):
            a, b = find(i), find(first_of.setdefault(key, i))
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(facts)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _build(task: tuple[int, list[int]]) -> Chunk:
    index, numbers = task
    corpus: Corpus = _STATE["corpus"]
    source = corpus.sources[index]
    facts = [source.facts[i] for i in numbers]
    describe = not numbers or numbers[0] == 0
    quads = source_quads(source, _STATE["anchors"][source.source_id], facts, describe=describe)
    graph = ox.NamedNode(vocab.source_graph(source.source_id))
    asserted = [q for q in quads if q.graph_name == graph]
    counts = Counter(q.graph_name.value for q in quads)
    nquads = ox.serialize(quads, format=_NQ)
    return Chunk(source.source_id, nquads, triples_of(nquads), ox.serialize(asserted, format=_NQ), counts)


def worker_count() -> int:
    """Worker processes for a build: ``KG_BUILD_WORKERS``, else the cores this process may use."""
    configured = os.environ.get("KG_BUILD_WORKERS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def source_chunks(corpus: Corpus, anchors: dict[str, dict[str, Anchor]], workers: int | None = None
                  ) -> Iterator[Chunk]:
    """Every source's graphs, slice by slice, in order, without a quad twice within a source."""
    tasks = slices(corpus)
    workers = worker_count() if workers is None else workers
    _STATE.update(corpus=corpus, anchors=anchors)
    try:
        if workers <= 1 or len(tasks) <= 1 or sum(len(s.facts) for s in corpus.sources) < SLICE_FACTS:
            yield from map(_build, tasks)
            return
        # fork: the workers inherit the corpus; nothing but fact numbers and the slices' bytes cross a pipe
        with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
            yield from pool.imap(_build, tasks)
    finally:
        _STATE.clear()
