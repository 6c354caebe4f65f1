"""Shared fixtures: graphs built once per session into temporary directories.

``built`` is the article corpus (the first article and the reference tables: tests/corpora.py), so
that a source added to data/ changes none of the answers the tests expect of it; each fixture corpus
is built once on demand (``corpus_build``); ``full_build`` is everything in data/, for the tests
that check what must hold of any data.

Source texts are not in the repository. Tests that verify quotes against the article's text
need it on the search path (``KG_TEXTS`` or ``../shared``); CI sets ``KG_REQUIRE_TEXTS=1`` so
that a missing text fails there instead of being skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.config import Settings, default_text_path
from kg.query.store import Results, collect, open_oxigraph, select_oxigraph
from kg.query.table import cell_text

ROOT = Path(__file__).resolve().parents[1]
# The published datasets (../shared/datasets) are left out of every build a test makes, kg subprocesses
# included, unless the test asks for them (dataset_path(), tests/test_datasets.py): a build of the whole
# datasets takes a minute, and one test session makes it once.
os.environ.setdefault("KG_SKIP_DATASETS", "1")
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_TEXTS = FIXTURES / "texts"
ARTICLE = "bloomberg-2023-01-japan-looks-beyond-us-alliance"
ARTICLE_TEXT = "japan-looks-beyond-us-alliance.txt"


# The files whose tests take longest (`pytest --durations`, fresh clone, stop 22: the whole-datasets build
# about 140 s, HermiT's explanations 95 s, the documentation's examples 80 s, the build's crash tests 60 s)
# run first: `make test` hands whole files to its two workers in collection order (--dist loadfile), so
# a long file collected last would run alone at the end while the other worker idles.
SLOW_FIRST = ("test_datasets.py", "test_reasoning.py", "test_doc_examples.py", "test_build.py", "test_time.py",
              "test_benchmarks.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the slowest files first (SLOW_FIRST), the rest in their usual order."""
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: each file's tests keep their order


def shared_text_path() -> list[Path]:
    """The configured search path for the real source texts."""
    return default_text_path(ROOT)


def texts_available() -> bool:
    """Whether the article's text is on the search path."""
    return any((d / ARTICLE_TEXT).is_file() for d in shared_text_path())


@pytest.fixture(scope="session")
def require_texts() -> list[Path]:
    """The text search path; skip (or fail in CI) when the article's text is not there."""
    if texts_available():
        return shared_text_path()
    message = (f"needs the source texts (not in the repository): {ARTICLE_TEXT} is not on "
               f"{os.pathsep.join(map(str, shared_text_path()))}; set KG_TEXTS")
    if os.environ.get("KG_REQUIRE_TEXTS"):
        pytest.fail(message)
    pytest.skip(message)


ALL_SOURCES = None  # make_settings(..., only_sources=ALL_SOURCES): every source of the data directory


def make_settings(build_dir: Path, extra_sources: list[Path] | None = None, data_dir: Path | None = None,
                  only_sources: list[str] | str | None = "article") -> Settings:
    """Settings for a build into ``build_dir``: the real texts (if present) plus the fixture texts.

    By default only the article corpus's sources of the data directory (tests/corpora.py), so that a
    source added to data/ changes nothing a test expects; ``only_sources=ALL_SOURCES`` takes them all."""
    from .corpora import ARTICLE_CORPUS

    return Settings(root=ROOT, data_dir=data_dir or ROOT / "data", build_dir=build_dir,
                    text_path=[*shared_text_path(), FIXTURE_TEXTS], extra_sources=extra_sources or [],
                    only_sources=list(ARTICLE_CORPUS) if only_sources == "article" else only_sources)


class CorpusBuilds:
    """Each fixture corpus (tests/corpora.py) built once, on first use, with its OWL 2 RL entailments."""

    def __init__(self, tmp_path_factory) -> None:
        self._factory = tmp_path_factory
        self._built: dict[str, Settings] = {}

    def __call__(self, name: str) -> Settings:
        from kg.build import build

        from .corpora import CORPORA

        if name not in self._built:
            corpus = CORPORA[name]
            settings = make_settings(self._factory.mktemp(f"corpus-{name}"), corpus.fixture_dirs,
                                     only_sources=list(corpus.sources))
            build(settings, infer=corpus.infer)
            self._built[name] = settings
        return self._built[name]


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory) -> CorpusBuilds:
    """``corpus_build("article")``: the Settings of a fixture corpus's build (built once per session)."""
    return CorpusBuilds(tmp_path_factory)


@pytest.fixture(scope="session")
def built(corpus_build) -> Settings:
    """The article corpus with its OWL 2 RL entailments, built once (quotes verified against the texts
    where they are available)."""
    return corpus_build("article")


@pytest.fixture(scope="session")
def full_build(tmp_path_factory) -> Settings:
    """Everything in data/, built once: for checks that must hold of any data (counts computed)."""
    from kg.build import build

    settings = make_settings(tmp_path_factory.mktemp("full"), only_sources=ALL_SOURCES)
    build(settings, infer=True)
    return settings


@pytest.fixture(scope="session")
def store(built) -> ox.Store:
    """A pyoxigraph store over the session build."""
    return open_oxigraph(built.dataset_file)


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    from kg.cli import main

    monkeypatch.setenv("KG_HOME", str(ROOT))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def rows_of(results: Results) -> list[tuple[str, ...]]:
    """Rows as tuples of their readable cell texts, in result order."""
    return [tuple(cell_text(row.get(v)) for v in results.variables) for row in results.rows]


def run_query(store: ox.Store, text: str, bindings: dict | None = None) -> Results:
    """Run a SELECT on the store and collect it."""
    return collect(select_oxigraph(store, text, bindings or {}))


def copy_data(tmp_path: Path) -> Path:
    """A writable copy of the data directory."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


# ------------------------------------------------------------------------------------------ site (issue 6)


def derived_build(tmp_path: Path, source: Settings, extra_nquads: str = "", keep=None) -> Settings:
    """A build directory whose dataset is ``source``'s, filtered by ``keep(line)`` and with extra N-Quads.

    For tests of what the map and the site show when the graph holds something else (Wikidata links,
    a reasoner's inferences) or less (no arrangements), without a second real build.
    """
    lines = source.dataset_file.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if keep is None or keep(line)]
    build_dir = tmp_path / "build"
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / "dataset.nq").write_text("".join(kept) + extra_nquads, encoding="utf-8")
    return make_settings(build_dir)


@pytest.fixture(scope="session")
def site(built) -> Path:
    """The static site of the session build (kg site), generated once."""
    from kg.publish.site import generate_site

    return generate_site(built).out_dir


@pytest.fixture(scope="session")
def empty_graph_build(built, tmp_path_factory) -> Settings:
    """A dataset with the ontology and the entity registry but no source: no arrangement, no obligation."""
    from kg import vocab

    keep = (f"<{vocab.GRAPH_ONTOLOGY}> .", f"<{vocab.GRAPH_ENTITIES}> .")
    return derived_build(tmp_path_factory.mktemp("empty"), built, keep=lambda line: line.rstrip().endswith(keep))


# ------------------------------------------------------------------------------------------ wikidata (issue 4)


def reference_file(name: str) -> Path:
    """A file of ../shared/reference on the text search path; skip (or fail in CI) when absent."""
    for directory in shared_text_path():
        if (directory / name).is_file():
            return directory / name
    message = (f"needs the reference files (not in the repository): {name} is not on "
               f"{os.pathsep.join(map(str, shared_text_path()))}; set KG_TEXTS")
    if os.environ.get("KG_REQUIRE_TEXTS"):
        pytest.fail(message)
    pytest.skip(message)


def verified_wikidata_ids() -> dict[str, str]:
    """Identifier -> reference row, for every row of wikidata-ids.tsv with status verified."""
    import csv

    with reference_file("wikidata-ids.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["wikidata_id"]: " ".join(row.values()) for row in csv.DictReader(handle, delimiter="\t")
                if row["status"] == "verified" and row["wikidata_id"]}


@pytest.fixture(scope="session")
def wikidata_fixture_endpoint() -> str:
    """A real Oxigraph SPARQL server on 127.0.0.1 loaded with tests/fixtures/wikidata/fixture.ttl
    (Wikidata-shaped test data, not Wikidata); its query URL. Stopped at the end of the session."""
    from .servers import oxigraph_server

    with oxigraph_server() as url:
        yield url


@pytest.fixture
def fault_server(wikidata_fixture_endpoint):
    """A misbehaving HTTP server on 127.0.0.1 that forwards good requests to the fixture endpoint."""
    from .servers import FaultServer

    with FaultServer(wikidata_fixture_endpoint) as server:
        yield server


LINK_PREDICATES = ("owl:sameAs", "skos:exactMatch", "skos:closeMatch")


@functools.cache
def curated_links() -> dict[str, int]:
    """What the facts of reference-wikidata-ids state, counted: links per predicate, 'linked' (all
    links), 'not-found' (rows that leave an entity unlinked) and 'items' (distinct Wikidata items
    linked). Tests compare the linking report and the seed with these, so a new verified link
    needs no edit to a test."""
    import yaml

    facts = yaml.safe_load((Path(__file__).parent.parent / "data" / "sources" / "reference-wikidata-ids"
                            / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    counts = dict.fromkeys(LINK_PREDICATES, 0)
    items, not_found = set(), 0
    for fact in facts:
        links = [(p, o) for p, o in (fact.get("set") or {}).items() if p in LINK_PREDICATES]
        for predicate, item in links:
            counts[predicate] += 1
            items.add(item)
        not_found += not links and "not-found" in fact["quote"]
    return {**counts, "linked": sum(counts.values()), "not-found": not_found, "items": len(items)}
