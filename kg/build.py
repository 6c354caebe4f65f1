"""The build pipeline: data files -> checked facts -> grounded quotes -> RDF -> checks -> build/.

Nothing is written unless every step succeeds, and then all outputs are switched in at once by one
rename (:mod:`kg.builds`): a failed or killed build leaves the previous build intact, and two builds
at once write one after the other.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import builds, vocab
from kg.config import BUILD_INFO_FILE, DATASET_FILE, STORE_DIR, Settings
from kg.errors import CheckFailed, InputError
from kg.ontology import read_ontology
from kg.sources.corpus import Grounding, ground_corpus, load_checked_corpus
from kg.sources.model import Corpus


@dataclass
class BuildResult:
    """What a build produced."""

    corpus: Corpus
    grounding: Grounding
    quads: list[ox.Quad]
    outputs: list[Path]
    info: dict


def build(settings: Settings, validate: bool = True, infer: bool = False,
          allow_contradictions: bool = False) -> BuildResult:
    """Run the whole pipeline and write build/dataset.nq and build/build-info.json.

    With ``infer``, the OWL 2 RL entailments go into their own named graph (``graph/inferred``),
    never into the asserted graphs. A graph that contradicts itself is refused (:func:`refuse_contradictions`)
    unless ``allow_contradictions``, which writes it with the contradictions listed in build-info, so that
    ``kg reason`` can explain them with OWL DL.
    """
    from kg.graph.export import canonical_quads
    from kg.graph.lifecycle import Bounds, lifecycle_quads
    from kg.graph.loader import build_quads, ontology_quads
    from kg.graph.mappings import add_mappings
    from kg.graph.snapshot import add_snapshot
    from kg.terms import quads_of_rdflib_dataset
    from kg.version import software_version

    assert settings.build_dir is not None
    builds.check_build_dir(settings.build_dir)  # before the work; again under the lock
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
    quads += lifecycle_quads(quads, {vocab.source_graph(s.source_id): Bounds(s.published_earliest, s.published_latest)
                                     for s in corpus.sources})
    contradictions = refuse_contradictions(quads, allow=allow_contradictions)
    if infer:
        from kg.checks.owl2rl import materialise

        quads += materialise(quads)
    # The quads are written as built, never read back from a Store: Oxigraph's store normalises derived
    # datatypes (xsd:nonNegativeInteger becomes xsd:integer, oxigraph issue #526).
    quads = canonical_quads(quads)
    if validate:
        from kg.checks.validate import check_all

        store = ox.Store()
        store.extend(quads)
        report = check_all(store, quads, settings.ontology_dir, settings.queries_dir)
        if not report.ok:
            raise CheckFailed("the built graph fails its checks; nothing was written\n" + report.summary())
    info = build_info(corpus, grounding, quads, software_version())
    info["wikidata_snapshot"] = snapshot.describe() if snapshot else None
    info["contradictions"] = contradictions
    write_build(settings, quads, info)
    outputs = [settings.build_dir / name for name in (DATASET_FILE, BUILD_INFO_FILE, STORE_DIR)]
    return BuildResult(corpus, grounding, quads, outputs, info)


def write_build(settings: Settings, quads: list[ox.Quad], info: dict) -> Path:
    """Write the dataset, its description and the persistent store into a staging directory, then
    switch them in together (:func:`kg.builds.publish`), holding the build directory's lock. A disk
    that fills up, or any other failure, leaves the previous build as it was."""
    import shutil

    from kg.query.store import write_store

    assert settings.build_dir is not None
    with builds.build_lock(settings.build_dir):
        staging = builds.start(settings.build_dir)
        try:
            (staging / DATASET_FILE).write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
            (staging / BUILD_INFO_FILE).write_bytes((json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
            write_store(staging / STORE_DIR, quads)
            for path in staging.iterdir():  # the build is meant to be read, whatever mkdtemp's defaults
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
            final = builds.publish(settings.build_dir, staging)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise InputError(f"cannot write the build into {settings.build_dir}: {exc.strerror or exc}; "
                             "the previous build is intact") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    settings.refresh_build()
    return final


def refuse_contradictions(quads: list[ox.Quad], allow: bool = False) -> str:
    """The consistency check of every build (OWL 2 RL contradiction rules and the date and scope rules,
    :mod:`kg.checks.consistency`): a graph that contradicts itself is refused, with the facts that
    conflict and their quotes. ``kg reason`` is the full OWL DL check."""
    from kg.checks.consistency import find_contradictions
    from kg.checks.report import render_conflicts

    data, conflicts = find_contradictions(quads)
    if conflicts and not allow:
        raise CheckFailed("the graph contradicts itself; nothing was written. To explain it with OWL DL, build it "
                          "anyway (kg build --allow-contradictions) and run kg reason.\n"
                          + render_conflicts(data, conflicts))
    return render_conflicts(data, conflicts)


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
                "facts": len(s.fact_ids()),
                "asserted_triples": per_graph.get(vocab.source_graph(s.source_id), 0),
                "quotes": "rows of the table, its sha256 checked" if s.is_tabular
                else "verified against the text" if grounding.verified_against[s.source_id]
                else "recorded anchors (text not available, not re-verified)",
                "text_sha256": s.sha256,
                **({"rows_describing_nothing": s.table_silent_rows} if s.table_silent_rows else {}),
            }
            for s in corpus.sources
        },
        "skipped_sources": dict(sorted(corpus.skipped.items())),
    }
