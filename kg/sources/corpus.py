"""A checked corpus: every source read and resolved against the ontology, every quote grounded.

The sources layer's entry points for the stages above it: :func:`load_checked_corpus` (read and
check), :func:`ground_corpus` (locate each quote in its text, or fall back on recorded anchors)
and :func:`record_anchors` (``kg ground``: write each source's ``anchors.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg.atomic import write_all_atomically
from kg.config import Settings
from kg.errors import InputError
from kg.ontology import index_of, read_ontology
from kg.sources.coverage import CoverageReport, sentence_coverage
from kg.sources.curated import load_corpus, require_corpus_sources
from kg.sources.grounding import (
    Anchor,
    anchors_document,
    anchors_without_text,
    check_recorded,
    find_text,
    ground_source,
    read_anchors,
    read_text,
)
from kg.sources.model import Corpus


@dataclass
class Grounding:
    """Anchors per source, and for each source the text it was verified against (None: recorded only)."""

    anchors: dict[str, dict[str, Anchor]] = field(default_factory=dict)
    verified_against: dict[str, Path | None] = field(default_factory=dict)


def load_checked_corpus(settings: Settings, ontology: list | None = None) -> Corpus:
    """The checked corpus, its facts resolved against the ontology's terms (``ontology``: the
    triples of :func:`kg.ontology.read_ontology`, when the caller has read them already)."""
    index = index_of(ontology if ontology is not None else read_ontology(settings.ontology_dir))
    corpus = load_corpus(settings.data_dir, index, settings.extra_sources, settings.only_sources,
                         settings.text_path or [])
    require_corpus_sources(corpus)
    return corpus


def ground_corpus(corpus: Corpus, text_path: list[Path]) -> Grounding:
    """Verify every quote against its text where the text is available, else use recorded anchors."""
    from kg.sources.tabular import find_table

    grounding = Grounding()
    for source in corpus.sources:
        if source.is_tabular:  # a table's rows are located as it is read, in the file whose hash was checked
            grounding.anchors[source.source_id] = dict(source.table_anchors or {})
            grounding.verified_against[source.source_id] = find_table(source.text_file, text_path)
            continue
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
    corpus = load_checked_corpus(settings)
    # a table's rows need no recorded anchors: they are located whenever the table is read
    wanted = [s for s in corpus.sources if (not source_ids or s.source_id in source_ids) and not s.is_tabular]
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


def coverage_reports(settings: Settings, source_ids: list[str] | None = None
                     ) -> list[tuple[str, CoverageReport | None]]:
    """``kg coverage``: for each source asked for (default: every source that is not a reference
    file), the sentences its facts quote and those they do not; None where the text is missing."""
    corpus = load_checked_corpus(settings)
    grounding = ground_corpus(corpus, settings.text_path or [])
    reports: list[tuple[str, CoverageReport | None]] = []
    for source in corpus.sources:
        quoted_selectively = source.kind in ("reference", "coding-sheet")
        if source.is_tabular or (source_ids and source.source_id not in source_ids) or (
                not source_ids and quoted_selectively):
            continue
        text = find_text(source, settings.text_path or [])
        report = None if text is None else sentence_coverage(
            read_text(text), source.coverage_exclude, grounding.anchors[source.source_id].values())
        reports.append((source.source_id, report))
    return reports
