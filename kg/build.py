"""The build pipeline: data files -> checked facts -> grounded quotes -> RDF -> checks -> build/.

Nothing is written unless every step succeeds, and then all outputs are replaced at once, so a
failed build leaves the previous build intact.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import vocab
from kg.atomic import write_all_atomically
from kg.config import Settings
from kg.errors import CheckFailed
from kg.grounding import (
    Anchor,
    anchors_document,
    anchors_without_text,
    check_recorded,
    find_text,
    ground_source,
    read_anchors,
)
from kg.model import Corpus
from kg.ontology import index_of, read_ontology
from kg.sources import load_corpus, require_corpus_sources


@dataclass
class Grounding:
    """Anchors per source, and for each source the text it was verified against (None: recorded only)."""

    anchors: dict[str, dict[str, Anchor]] = field(default_factory=dict)
    verified_against: dict[str, Path | None] = field(default_factory=dict)


@dataclass
class BuildResult:
    """What a build produced."""

    corpus: Corpus
    grounding: Grounding
    quads: list[ox.Quad]
    outputs: list[Path]
    info: dict


def load_checked_corpus(settings: Settings, ontology: list | None = None) -> Corpus:
    """The checked corpus, its facts resolved against the ontology's terms (``ontology``: the
    triples of :func:`kg.ontology.read_ontology`, when the caller has read them already)."""
    index = index_of(ontology if ontology is not None else read_ontology(settings.ontology_dir))
    corpus = load_corpus(settings.data_dir, index, settings.extra_sources)
    require_corpus_sources(corpus)
    return corpus


def ground_corpus(corpus: Corpus, text_path: list[Path]) -> Grounding:
    """Verify every quote against its text where the text is available, else use recorded anchors."""
    grounding = Grounding()
    for source in corpus.sources:
        text = find_text(source, text_path)
        recorded = read_anchors(source)
        if text is not None:
            fresh = ground_source(source, text)
            check_recorded(source, recorded, fresh)
            grounding.anchors[source.source_id] = fresh
        else:
            grounding.anchors[source.source_id] = anchors_without_text(source, recorded)
        grounding.verified_against[source.source_id] = text
    return grounding


def record_anchors(settings: Settings, source_ids: list[str] | None = None) -> list[Path]:
    """``kg ground``: locate every quote in its text and write each source's anchors.json."""
    from kg.errors import InputError

    corpus = load_checked_corpus(settings)
    wanted = [s for s in corpus.sources if not source_ids or s.source_id in source_ids]
    missing = sorted(set(source_ids or []) - {s.source_id for s in corpus.sources})
    if missing:
        raise InputError(f"no source with id {', '.join(missing)}")
    files: dict[Path, bytes] = {}
    for source in wanted:
        text = find_text(source, settings.text_path or [])
        if text is None:
            searched = ", ".join(map(str, settings.text_path or []))
            raise InputError(f"{source.source_file}: text {source.text_file!r} not found on the text search "
                             f"path ({searched}); set --texts or KG_TEXTS")
        files[source.anchors_file] = anchors_document(source, ground_source(source, text)).encode("utf-8")
    write_all_atomically(files)
    return list(files)


def build(settings: Settings, validate: bool = True, infer: bool = False) -> BuildResult:
    """Run the whole pipeline and write build/dataset.nq and build/build-info.json.

    With ``infer``, the OWL 2 RL entailments go into their own named graph (``graph/inferred``),
    never into the asserted graphs.
    """
    from kg.export import canonical_quads
    from kg.loader import build_quads, ontology_quads
    from kg.mappings import add_mappings
    from kg.snapshot import add_snapshot
    from kg.terms import quads_of_rdflib_dataset
    from kg.version import software_version

    ontology = read_ontology(settings.ontology_dir)
    corpus = load_checked_corpus(settings, ontology)
    grounding = ground_corpus(corpus, settings.text_path or [])
    quads = build_quads(corpus, grounding.anchors, ontology_quads(ontology))
    # The SSSOM mappings and the Wikidata snapshot are read with rdflib (small, constant size).
    import rdflib

    extra = rdflib.Dataset()
    add_mappings(extra, settings.ontology_dir)
    assert settings.data_dir is not None
    snapshot = add_snapshot(extra, settings.data_dir)
    quads += quads_of_rdflib_dataset(extra)
    if infer:
        from kg.owl2rl import materialise

        quads += materialise(quads)
    # The quads are written as built, never read back from a Store: Oxigraph's store normalises derived
    # datatypes (xsd:nonNegativeInteger becomes xsd:integer, oxigraph issue #526).
    quads = canonical_quads(quads)
    if validate:
        from kg.validate import check_all

        store = ox.Store()
        store.extend(quads)
        report = check_all(store, quads, settings.ontology_dir, settings.queries_dir)
        if not report.ok:
            raise CheckFailed("the built graph fails its checks; nothing was written\n" + report.summary())
    info = build_info(corpus, grounding, quads, software_version())
    info["wikidata_snapshot"] = snapshot.describe() if snapshot else None
    assert settings.build_dir is not None
    outputs = {
        settings.dataset_file: ox.serialize(quads, format=ox.RdfFormat.N_QUADS),
        settings.build_info_file: (json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"),
    }
    from kg.store import discard_store, stage_store, swap_store

    staged = stage_store(settings.build_dir, quads)
    try:
        write_all_atomically(outputs)
    except BaseException:
        discard_store(staged)
        raise
    store_dir = swap_store(settings.build_dir, staged)
    return BuildResult(corpus, grounding, quads, [*outputs, store_dir], info)


def build_info(corpus: Corpus, grounding: Grounding, quads: list[ox.Quad], version: str) -> dict:
    """Counts that describe a build (deterministic: no timestamps)."""
    per_graph = Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))
    return {
        "software_version": version,
        "quads": len(quads),
        "triples_per_graph": {vocab.shorten(g).replace(vocab.GRAPH, "graph/"): n
                              for g, n in sorted(per_graph.items())},
        "entities_in_registry": len(corpus.entities),
        "inferred_triples": per_graph.get(vocab.GRAPH_INFERRED, 0),
        "sources": {
            s.source_id: {
                "facts": len(s.facts),
                "asserted_triples": per_graph.get(vocab.source_graph(s.source_id), 0),
                "quotes": "verified against the text" if grounding.verified_against[s.source_id]
                else "recorded anchors (text not available, not re-verified)",
                "text_sha256": s.sha256,
            }
            for s in corpus.sources
        },
    }
