"""The build pipeline: data files -> checked facts -> grounded quotes -> RDF -> checks -> build/.

Nothing is written unless every step succeeds, and then all outputs are switched in at once by one
rename (:mod:`kg.builds`): a failed or killed build leaves the previous build intact, and two builds
at once write one after the other.

The sources' graphs are built by worker processes, slice by slice (:mod:`kg.graph.chunks`); as each
slice arrives it is appended to the staging ``dataset.nq`` and handed to a thread that bulk-loads it into
the staging store (Oxigraph's loader runs without the GIL), so building and loading overlap. The steps
that need every asserted triple (the derived periods, the consistency check, the OWL 2 RL entailments)
then run on the asserted triples alone, never on the millions of evidence quads.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import builds, vocab
from kg.config import BUILD_INFO_FILE, DATASET_FILE, QUERY_HEADERS_FILE, STORE_DIR, Settings
from kg.errors import CheckFailed, InputError
from kg.ontology import read_ontology
from kg.query.catalogue import write_header_cache
from kg.query.store import load_merged
from kg.sources.corpus import Grounding, ground_corpus, load_checked_corpus
from kg.sources.model import Corpus
from kg.terms import triples_of

_NQ = ox.RdfFormat.N_QUADS
# Bytes of N-Quads one bulk load may take (_Writer._batch): it bounds the copy a batch is joined into; larger
# loads are no faster (benchmarks/loader.py)
LOAD_BATCH = 16 * 2**20
_TAKE = object()  # _Writer._batch: nothing ended the batch but its size or an empty queue; take the next item


@dataclass
class BuildResult:
    """What a build produced."""

    corpus: Corpus
    grounding: Grounding
    quad_count: int
    outputs: list[Path]
    info: dict


def build(settings: Settings, validate: bool = True, infer: bool = False,
          allow_contradictions: bool = False, workers: int | None = None) -> BuildResult:
    """Run the whole pipeline and write build/dataset.nq, build/build-info.json and build/store.

    With ``infer``, the OWL 2 RL entailments of the registry and the curated sources go into their own named
    graph (``graph/inferred``), never into the asserted graphs. A graph that contradicts itself is refused
    (:func:`refuse_contradictions`) unless ``allow_contradictions``, which writes it with the contradictions
    listed in build-info, so that ``kg reason`` can explain them with OWL DL. ``workers``: processes that
    build the sources' graphs (default ``KG_BUILD_WORKERS``, else the cores available).
    """
    import shutil

    assert settings.build_dir is not None
    builds.check_build_dir(settings.build_dir)  # before the work; again under the lock
    ontology = read_ontology(settings.ontology_dir)
    corpus = load_checked_corpus(settings, ontology)
    grounding = ground_corpus(corpus, settings.text_path or [])
    fresh = not settings.build_dir.exists() or not any(settings.build_dir.iterdir())
    try:
        return _build_locked(settings, corpus, grounding, ontology, validate, infer, allow_contradictions, workers)
    except BaseException:
        if fresh:  # a first build that failed leaves nothing behind, not even an empty build directory
            shutil.rmtree(settings.build_dir, ignore_errors=True)
        raise


def _build_locked(settings: Settings, corpus: Corpus, grounding: Grounding, ontology: list, validate: bool,
                  infer: bool, allow_contradictions: bool, workers: int | None) -> BuildResult:

    assert settings.build_dir is not None
    with builds.build_lock(settings.build_dir):
        staging = builds.start(settings.build_dir)
        try:
            result = _build_into(staging, settings, corpus, grounding, ontology, validate, infer,
                                 allow_contradictions, workers)
            for path in staging.iterdir():  # the build is meant to be read, whatever mkdtemp's defaults
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
            builds.publish(settings.build_dir, staging)
        except OSError as exc:
            _discard(staging, exc)
            raise InputError(f"cannot write the build into {settings.build_dir}: {exc.strerror or exc}; "
                             "the previous build is intact") from None
        except BaseException as exc:
            _discard(staging, exc)
            raise
    settings.refresh_build()
    return result


def _discard(staging: Path, exc: BaseException) -> None:
    """Remove a failed build's staging directory. Its store must be closed first: the failed frames still
    hold it (through the exception's traceback), and RocksDB's background threads kept writing table files
    into the directory while it was being removed (a staging store left behind, seen once in a full-disk
    test)."""
    import gc
    import shutil
    import time
    import traceback

    traceback.clear_frames(exc.__traceback__)
    gc.collect()
    for attempt in range(3):
        shutil.rmtree(staging, ignore_errors=True)
        if not staging.exists():
            return
        time.sleep(0.2 * (attempt + 1))


class _Writer:
    """Appends N-Quads to the staging dataset and bulk-loads the same bytes (and their merge, the store's
    default graph: kg.query.store.load_merged) into the staging store from a thread of its own, counting
    the quads of each graph.

    Up to ``backlog`` bytes wait for the loader, so that the build goes on (the lifecycle, the
    contradiction check) while the store still loads: the loader is the build's longest single task
    (docs/performance.md)."""

    def __init__(self, staging: Path, backlog: int = 256 * 2**20) -> None:
        self.dataset = (staging / DATASET_FILE).open("wb")
        self.store = ox.Store(str(staging / STORE_DIR))
        self.counts: Counter[str] = Counter()
        self._queue: queue.Queue[tuple[bytes, bytes | None] | None] = queue.Queue()
        self._room = threading.Condition()
        self._waiting = 0  # bytes queued and not yet loaded
        self._backlog = backlog
        self._thread: threading.Thread | None = None
        self._pending: list[tuple[bytes, bytes | None]] = []
        self._error: BaseException | None = None

    def start(self) -> None:
        """Start loading (after the worker processes are forked: a fork must not copy a running thread)."""
        if self._thread is not None:
            return
        for item in self._pending:  # queued first, so that the loader finds them all waiting
            self._queue.put(item)
        self._pending = []
        self._thread = threading.Thread(target=self._load, name="kg-store-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        item = self._queue.get()
        while item is not None:
            batch, item = self._batch(item)
            data = b"".join(part for part, _ in batch)
            if self._error is None:
                try:  # and the merge, in the default graph (load_merged makes that of blank nodes itself)
                    triples = None if b"_:" in data else b"".join(triples_of(part) if merged is None else merged
                                                                  for part, merged in batch)
                    load_merged(self.store, data, triples)
                except BaseException as exc:  # reported by finish()
                    self._error = exc
            with self._room:
                self._waiting -= len(data)
                self._room.notify_all()
            if item is _TAKE:
                item = self._queue.get()

    def _batch(self, first: tuple[bytes, bytes | None]) -> tuple[list[tuple[bytes, bytes | None]], object]:
        """``first`` and what waits behind it, up to LOAD_BATCH bytes, for one bulk load (each of Oxigraph's costs
        about 20 ms however small: a build of data/ made 32 of them, 2.6 of its 4 s), and the item that ended
        the batch: the end (None), a slice with blank nodes (the ontology's: loaded alone, since load_merged
        makes the merge of such a load again itself), or _TAKE."""
        batch, size = [first], len(first[0])
        if b"_:" in first[0]:
            return batch, _TAKE
        while size < LOAD_BATCH:
            try:
                following = self._queue.get_nowait()
            except queue.Empty:
                break
            if following is None or b"_:" in following[0]:
                return batch, following
            batch.append(following)
            size += len(following[0])
        return batch, _TAKE

    def write(self, data: bytes, counts: Counter[str], merged: bytes | None = None) -> None:
        """Append ``data`` (N-Quads) to the dataset and queue it for the store; ``merged`` is its triples
        (kg.terms.triples_of), when the caller has them."""
        if not data:
            return
        self.dataset.write(data)
        self.counts.update(counts)
        if self._thread is None:
            self._pending.append((data, merged))
            self._waiting += len(data)  # counted as waiting, as the loader counts it off when it is loaded
            return
        with self._room:
            self._room.wait_for(lambda: self._waiting < self._backlog or self._error is not None)
            self._waiting += len(data)
        self._queue.put((data, merged))

    def write_quads(self, quads: list[ox.Quad]) -> None:
        self.write(ox.serialize(quads, format=_NQ),
                   Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)))

    def finish(self) -> ox.Store:
        self.dataset.close()
        self.start()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error
        self.store.flush()
        # Compact what the bulk loads wrote (RocksDB's table files of each load overlap): every index
        # lookup reads fewer files after. 4.7 s on the real graph; its stored queries ~30% faster, those of
        # the 10^6-quad synthetic graph 2-2.7x (96 table files became 14; docs/performance.md)
        self.store.optimize()
        return self.store

    def abandon(self) -> None:
        self.dataset.close()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self.store = None  # closes the store (see _discard)


def _build_into(staging: Path, settings: Settings, corpus: Corpus, grounding: Grounding, ontology: list,
                validate: bool, infer: bool, allow_contradictions: bool, workers: int | None) -> BuildResult:
    from kg.graph.chunks import source_chunks
    from kg.graph.export import canonical_quads
    from kg.graph.lifecycle import Bounds, lifecycle_quads
    from kg.graph.loader import ontology_quads, registry_quads
    from kg.graph.mappings import add_mappings
    from kg.graph.snapshot import add_snapshot
    from kg.terms import quads_of_rdflib_dataset
    from kg.version import software_version

    writer = _Writer(staging)
    try:
        # The ontology, the registry, the SSSOM mappings and the Wikidata snapshot (small; the last two are
        # read with rdflib, constant size). Blank nodes (the ontology's restrictions and lists) are
        # relabelled by RDFC-1.0 here, the only part of the dataset that has any.
        import rdflib

        extra = rdflib.Dataset()
        add_mappings(extra, settings.ontology_dir)
        assert settings.data_dir is not None
        snapshot = add_snapshot(extra, settings.data_dir)
        header = canonical_quads(ontology_quads(ontology) + registry_quads(corpus) + quads_of_rdflib_dataset(extra))
        writer.write_quads(header)
        asserted_bytes, curated_bytes = [], []
        tabular = {s.source_id for s in corpus.sources if s.is_tabular}
        for chunk in source_chunks(corpus, grounding.anchors, workers):
            writer.start()  # the workers are forked by now
            writer.write(chunk.nquads, chunk.counts, chunk.merged)
            asserted_bytes.append(chunk.asserted)
            if chunk.source_id not in tabular:
                curated_bytes.append(chunk.nquads)
        asserted = list(ox.parse(input=b"".join(asserted_bytes), format=_NQ)) if asserted_bytes else []
        del asserted_bytes
        writer.dataset.flush()
        published = {vocab.source_graph(s.source_id): Bounds(s.published_earliest, s.published_latest)
                     for s in corpus.sources}
        derived = lifecycle_quads(header + asserted, published)
        writer.write_quads(derived)
        writer.dataset.flush()
        contradictions = refuse_contradictions(header + asserted + derived, allow=allow_contradictions,
                                               evidence=lambda: _read_dataset(staging))
        if infer:
            from kg.checks.owl2rl import materialise

            curated = {vocab.source_graph(s.source_id) for s in corpus.sources if not s.is_tabular}
            writer.write_quads(canonical_quads(materialise(
                header + [q for q in asserted if q.graph_name.value in curated])))
        store = writer.finish()
    except BaseException:
        writer.abandon()
        raise
    if validate:
        from kg.checks.validate import check_all

        curated = list(ox.parse(input=b"".join(curated_bytes), format=_NQ)) if curated_bytes else []
        report = check_all(store, _shacl_input(header, curated, asserted, derived, corpus),
                           settings.ontology_dir, settings.queries_dir)
        if not report.ok:
            raise CheckFailed("the built graph fails its checks; nothing was written\n" + report.summary())
    del store
    info = build_info(corpus, grounding, writer.counts, software_version())
    info["wikidata_snapshot"] = snapshot.describe() if snapshot else None
    info["contradictions"] = contradictions
    (staging / BUILD_INFO_FILE).write_bytes((json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
    write_header_cache(settings.queries_dir, staging / QUERY_HEADERS_FILE)
    outputs = [settings.build_dir / name for name in (DATASET_FILE, BUILD_INFO_FILE, STORE_DIR)]
    return BuildResult(corpus, grounding, info["quads"], outputs, info)


def _read_dataset(staging: Path) -> list[ox.Quad]:
    """Every quad written so far (the evidence a contradiction is explained with: read only then)."""
    return list(ox.parse(path=str(staging / DATASET_FILE), format=_NQ))


def _shacl_input(header: list[ox.Quad], curated: list[ox.Quad], asserted: list[ox.Quad], derived: list[ox.Quad],
                 corpus: Corpus) -> list[ox.Quad]:
    """What SHACL validates: the ontology, the registry, the mappings, every curated source with its evidence,
    and the types of what they refer to. The tabular sources' rows have the shapes their mapping gives every
    row (tests/test_tabular.py validates each mapping's output); what depends on their data is checked by the
    quality-check queries and the consistency check, which read the whole graph (docs/sources.md)."""
    tabular = {vocab.source_graph(s.source_id) for s in corpus.sources if s.is_tabular}
    if not tabular:
        return [*header, *curated, *derived]
    mentioned = {term.value for q in [*header, *curated] for term in (q.subject, q.object)
                 if isinstance(term, ox.NamedNode)}
    rdf_type = vocab.RDF + "type"
    types = [q for q in asserted if q.graph_name.value in tabular and q.predicate.value == rdf_type
             and q.subject.value in mentioned]
    return [*header, *curated, *types]


def refuse_contradictions(quads: list[ox.Quad], allow: bool = False, evidence=None) -> str:
    """The consistency check of every build (OWL 2 RL contradiction rules and the date and scope rules,
    :mod:`kg.checks.consistency`): a graph that contradicts itself is refused, with the facts that
    conflict and their quotes. ``kg reason`` is the full OWL DL check. ``quads``: the ontology, the registry,
    the asserted and the derived graphs; ``evidence()``: every quad, read only to explain a contradiction."""
    from kg.checks.consistency import find_contradictions
    from kg.checks.report import render_conflicts

    # a graph written anyway is explained by kg reason: here the contradictions are confirmed, not minimised
    data, conflicts = find_contradictions(quads, evidence=evidence, minimise=not allow)
    if conflicts and not allow:
        raise CheckFailed("the graph contradicts itself; nothing was written. To explain it with OWL DL, build it "
                          "anyway (kg build --allow-contradictions) and run kg reason.\n"
                          + render_conflicts(data, conflicts))
    return render_conflicts(data, conflicts)


def build_info(corpus: Corpus, grounding: Grounding, per_graph: Counter[str], version: str) -> dict:
    """Counts that describe a build (deterministic: no timestamps)."""
    return {
        "software_version": version,
        "quads": sum(per_graph.values()),
        "triples_per_graph": {vocab.shorten(g).replace(vocab.GRAPH, "graph/"): n
                              for g, n in sorted(per_graph.items())},
        "entities_in_registry": len(corpus.entities),
        "inferred_triples": per_graph.get(vocab.GRAPH_INFERRED, 0),
        "sources": {
            s.source_id: {
                "facts": len(s.fact_ids()),
                "asserted_triples": per_graph.get(vocab.source_graph(s.source_id), 0),
                "quotes": "rows of the table, its sha256 checked" if s.is_tabular
                else "verified against the text" if grounding.verified_against[s.source_id]
                else "recorded anchors (text not available, not re-verified)",
                "text_sha256": s.sha256,
                **({"rows_describing_nothing": {"count": len(s.table_silent_rows),
                                                "first_lines": s.table_silent_rows[:10]}}
                   if s.table_silent_rows else {}),
            }
            for s in corpus.sources
        },
        "skipped_sources": dict(sorted(corpus.skipped.items())),
    }
