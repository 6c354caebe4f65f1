"""What ``kg propose``, ``kg review`` and ``kg accept`` do, for the command line to call."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from kg.config import Settings
from kg.errors import InputError, Problem
from kg.propose.draft import DraftSource, text_file_entry, text_sha256, write_draft
from kg.propose.evaluate import Evaluation, evaluate
from kg.propose.extractor import Proposer, parse_published, read_text_file
from kg.propose.model import Extraction, TextInfo
from kg.propose.text import Document
from kg.sources.corpus import load_checked_corpus
from kg.sources.grounding import find_text
from kg.sources.model import Corpus

SOURCE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TABLE_KEY = re.compile(r"^table:", re.MULTILINE)
GAZETTEER_KEY = re.compile(r"^gazetteer:\s*true\b", re.MULTILINE)


@dataclass
class Drafted:
    """One draft written: where, and what it holds."""

    directory: Path
    extraction: Extraction
    files: list[Path]
    text_found_on_path: bool


def _corpus(settings: Settings) -> Corpus:
    """The registry's corpus: every text source and the tables marked ``gazetteer: true`` (the state list).
    Other tables (ATOP's and DCAD's rows) name no entity a text would, and reading them took 8 of the 10
    seconds of a cold kg propose."""
    if settings.only_sources is None:
        settings = replace(settings, only_sources=_text_and_gazetteer_sources(settings.data_dir))
    return load_checked_corpus(settings)


def _text_and_gazetteer_sources(data_dir: Path) -> list[str]:
    """The source directories whose ``source.yaml`` has no top-level ``table:``, or says ``gazetteer: true``.
    A look at the top-level keys, not a YAML parse (a fifth of a cold run): a file this misreads is
    still read, and checked, by load_corpus."""
    wanted = []
    for meta_file in sorted((data_dir / "sources").glob("*/source.yaml")):
        try:
            text = meta_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""  # load_corpus reports it
        if not TABLE_KEY.search(text) or GAZETTEER_KEY.search(text):
            wanted.append(meta_file.parent.name)
    return wanted


def propose_text(settings: Settings, text: Path, source_id: str, out: Path | None = None, published: str | None = None,
                 kind: str = "news-article", publisher: str | None = None, title: str | None = None,
                 force: bool = False, proposer: Proposer | None = None) -> Drafted:
    """Propose the facts of one text and write the draft source directory ``out`` (default
    ``drafts/<source_id>``)."""
    if not SOURCE_ID.match(source_id):
        raise InputError(f"--source-id {source_id!r} must be lower-case words joined by hyphens "
                         "(e.g. mofa-2024-01-29-japan-germany-acsa)")
    text = locate_text(text, settings.text_path or [])
    words = read_text_file(text)
    earliest, latest, basis = parse_published(published, words)
    proposer = proposer or Proposer.for_corpus(_corpus(settings))
    if publisher and proposer.registry.get(publisher) is None:
        raise InputError(f"--publisher {publisher!r} is not an entity of the registry (kg entities SEARCH finds one)")
    first_line = next((line.strip() for line in words.splitlines() if line.strip()), source_id)
    info = TextInfo(source_id, earliest, latest, publisher, title or first_line[:200])
    extraction = proposer.propose(words, info)
    entry, directory = text_file_entry(text, settings.text_path or [])
    out = out or settings.root / "drafts" / source_id
    files = write_draft(out, DraftSource(info, entry, text_sha256(text), kind, basis), extraction, Document(words),
                        proposer.extractor.name, force)
    return Drafted(out, extraction, files, directory is not None)


def locate_text(text: Path, search_path: list[Path]) -> Path:
    """The text file: the path as given, else the same relative path on the text search path (as a
    source.yaml's ``text.file`` is found: ``corpus/some-page.txt``)."""
    if text.is_file():
        return text
    if not text.is_absolute():
        for directory in search_path:
            if (directory / text).is_file():
                return directory / text
    raise InputError(Problem(text, "not a file" if text.exists() else "no such text file (looked here and on the text "
                             "search path: --texts, KG_TEXTS, ../shared/sources)"))


def propose_directory(settings: Settings, texts: Path, out_root: Path, published: str | None = None,
                      force: bool = False) -> list[Drafted]:
    """Propose every ``*.txt`` of a directory, each into ``out_root/<its file name as an id>``, with one
    registry and one extractor for all."""
    files = sorted(p for p in texts.glob("*.txt") if p.is_file())
    if not files:
        raise InputError(Problem(texts, "no *.txt files in this directory"))
    proposer = Proposer.for_corpus(_corpus(settings))
    drafted = []
    for path in files:
        source_id = "-".join(re.findall(r"[a-z0-9]+", path.stem.lower())) or "text"
        drafted.append(propose_text(settings, path, source_id, out_root / source_id, published, force=force,
                                    proposer=proposer))
    return drafted


def evaluate_sources(settings: Settings, directories: list[Path]) -> list[Evaluation]:
    """Score proposals against each curated source directory (its text must be on the search path). Each
    text is proposed with a registry that leaves out what only its own curation introduced."""
    extra = [d for d in directories if d.resolve().parent != (settings.data_dir / "sources").resolve()]
    settings = Settings(root=settings.root, data_dir=settings.data_dir, build_dir=settings.build_dir,
                        text_path=settings.text_path, extra_sources=[*settings.extra_sources, *extra])
    corpus = _corpus(settings)
    by_dir = {s.directory.resolve(): s for s in corpus.sources}
    labels = corpus.labels()
    types: dict[str, set[str]] = {}
    from kg.propose.registry import registry_of

    full = registry_of(corpus)
    for entity_id, known in full.entities.items():
        types[entity_id] = set(known.types)
    results = []
    for directory in directories:
        source = by_dir.get(directory.resolve())
        if source is None:
            raise InputError(Problem(directory, "not a source directory (source.yaml and facts.yaml)"))
        if source.is_tabular:
            raise InputError(Problem(source.source_file, "a data table read through a mapping has no text to "
                                     "propose facts from"))
        path = find_text(source, settings.text_path or [])
        if path is None:
            raise InputError(Problem(source.source_file, f"its text {source.text_file!r} is not on the text search "
                                     "path; add its directory with --texts"))
        words = read_text_file(path)
        proposer = Proposer.for_corpus(corpus, without=source.source_id)
        info = TextInfo(source.source_id, source.published_earliest, source.published_latest, source.publisher,
                        source.title)
        extraction = proposer.propose(words, info)
        results.append(evaluate(extraction, source, corpus, types, labels))
    return results


def curated_directories(settings: Settings, fixtures: Path | None = None) -> list[Path]:
    """Every curated text: the data directory's sources that quote a text (not the reference tables),
    and the test fixtures' valid sources when given."""
    corpus = _corpus(settings)
    dirs = [s.directory for s in corpus.sources if s.kind != "reference" and not s.is_tabular]
    if fixtures and fixtures.is_dir():
        dirs += sorted(p for p in fixtures.iterdir() if (p / "source.yaml").is_file() and not _is_table_source(p))
    return dirs


def _is_table_source(directory: Path) -> bool:
    """A data table read through a mapping (its source.yaml has a ``table``): it has no text to propose from."""
    from kg.sources.yamlio import read_yaml

    meta = read_yaml(directory / "source.yaml")
    return isinstance(meta, dict) and "table" in meta
