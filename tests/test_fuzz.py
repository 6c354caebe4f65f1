"""Property-based fuzzing (Hypothesis) of the loader, the binder and ``kg sparql`` (issue 12).

Generated facts files and mappings go through ``kg build``; generated parameter values through the
stored queries' binding and the engine; generated SPARQL through ``kg sparql``. The only acceptable
outcomes are a clean refusal (exit 2; for a build, exit 1 when the graph checks fail) or a good
result — never a traceback, an internal error (exit 4), or a build that holds wrong data.

Bounded in time for ``make test``: a fixed number of examples per property, derandomized so a run is
reproducible (``KG_FUZZ_EXAMPLES=N`` asks for more, for a longer hunt).
"""

from __future__ import annotations

import io
import os
import shutil
import sys

import pyoxigraph as ox
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from .conftest import FIXTURE_TEXTS, ROOT

SCALE = int(os.environ.get("KG_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=SCALE or 60, deadline=None, derandomize=not SCALE, database=None,
                suppress_health_check=list(HealthCheck))
TEXT = (FIXTURE_TEXTS / "invalid-fixture.txt").read_text(encoding="utf-8")
SHA = "7ae26d4b09b27582e250b571696efa4523ed5ab353d8dd2b60ccb332dc41e4af"
PROPERTIES = ["party", "lifecycleStatus", "concludedAt", "obligor", "beneficiary", "obligationKind", "createdBy",
              "skos:altLabel", "owl:sameAs", "skos:closeMatch", "factId", "time:inXSDgYear", "time:inXSDDate",
              "time:hasTime", "quotedText", "speaker", "scope", "qualifier", "partOfFramework", "unknownThing"]
ENTITIES = ["state/japan", "state/canada", "state/canadaa", "agreement/x", "Signed", "kindDefence", "wd:Q17",
            "http://example.org/a>b", "", "state/", "/", "kgo:Signed"]


def _odd_text(max_size: int = 30):
    return st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=max_size)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.sampled_from(ENTITIES), st.sampled_from(["2023-02-07", "2023-W05-2", "20230207", "2023-02-30",
                                                                "2023", "2023-13", "not-a-date", "-0001"]),
                    _odd_text())
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(["text", "lang", "date", "month", "year", "from", "to", "expression",
                                     "precision", "note", "x"]), children, max_size=4)), max_leaves=12)
fact = st.fixed_dictionaries({
    "id": st.one_of(st.just("deeper-ties"), st.from_regex(r"[a-z0-9-]{0,12}", fullmatch=True)),
    "quote": st.one_of(st.just("Japan and Canada agreed on Tuesday to deepen defence ties"),
                       st.sampled_from([TEXT[:40], TEXT[10:70], "ties. This sentence", "x"]), _odd_text(80)),
    "about": st.one_of(st.just("agreement/japan-canada-deeper-ties"), st.sampled_from(ENTITIES), _odd_text(20)),
}, optional={
    "a": st.one_of(st.sampled_from(["SecurityTalks", "State", "time:Instant", "Obligation", "Nope"]),
                   st.lists(st.sampled_from(["SecurityTalks", "ActionPlan"]), max_size=3), values),
    "label": st.one_of(_odd_text(), values),
    "set": st.one_of(st.dictionaries(st.sampled_from(PROPERTIES), values, max_size=5), values),
    "occurrence": st.one_of(st.integers(-2, 3), values),
    "note": values,
})
VALID_FACT = {"id": "deeper-ties", "quote": "Japan and Canada agreed on Tuesday to deepen defence ties",
              "about": "agreement/japan-canada-deeper-ties", "a": "SecurityTalks", "label": "Japan–Canada deeper ties",
              "set": {"party": ["state/japan", "state/canada"], "lifecycleStatus": "Agreed"}}
GOOD_VALUES = {
    "lifecycleStatus": st.sampled_from(["Agreed", "Signed", "Planned", "Nope"]),
    "concludedAt": st.one_of(st.fixed_dictionaries({"date": st.sampled_from(["2023-02-07", "2023-01-31"])},
                                                   optional={"expression": _odd_text(12)}),
                             st.fixed_dictionaries({"year": st.integers(1990, 2023)}),
                             st.fixed_dictionaries({"month": st.sampled_from(["2023-01", "2022-12"])})),
    "skos:altLabel": st.one_of(_odd_text(20).filter(bool), st.fixed_dictionaries({
        "text": _odd_text(12).filter(bool), "lang": st.sampled_from(["ja", "en-GB", "zh-Latn", "fr"])})),
    "owl:sameAs": st.sampled_from(["wd:Q17", "https://example.org/x", "http://www.wikidata.org/entity/Q16"]),
    "note": _odd_text(40),
}


def _near_valid(draw_field: tuple[str, object]) -> dict:
    """The valid fact with one property set to a drawn value (most are valid: builds run to the end)."""
    name, value = draw_field
    fact = {**VALID_FACT, "set": dict(VALID_FACT["set"])}
    if name == "note":
        fact["note"] = value
    elif name == "label":
        fact["label"] = value
    else:
        fact["set"][name] = value
    return fact


near_valid = st.one_of(*(st.tuples(st.just(k), v) for k, v in GOOD_VALUES.items()),
                       st.tuples(st.just("label"), _odd_text(30).filter(str.strip))).map(_near_valid)
meta_extra = st.fixed_dictionaries({}, optional={
    "language": st.one_of(st.sampled_from(["en", "ja", "", "en us", "x" * 9]), _odd_text(6)),
    "url": st.one_of(st.sampled_from(["https://example.org/a", "ftp://x", "http://x/a b", "javascript:alert(1)"]),
                     _odd_text(10)),
    "coverage": st.fixed_dictionaries({"exclude": st.lists(st.one_of(st.sampled_from(["^(x", "[", "a{2,1}", "^ok$"]),
                                                                     _odd_text(8)), max_size=3)}),
    "text": st.fixed_dictionaries({"file": st.sampled_from(["invalid-fixture.txt", "../invalid-fixture.txt",
                                                            "/etc/hostname", "nope.txt", "texts/../x"]),
                                   "sha256": st.sampled_from([SHA, "0" * 64, "xyz"])}),
})
MUTATIONS = ["&a ", "*a", "[", "{", "? ", ": ", "\t", "- ", "!!python/object:os.system ", "%", "\\u007B", "'", '"',
             "<<: *a", "\r\n", "\x00", "\ufeff"]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """A data directory with the real registry and no sources: each example adds its own."""
    data = tmp_path_factory.mktemp("fuzz-data")
    (data / "sources").mkdir()
    shutil.copy(ROOT / "data" / "entities.yaml", data / "entities.yaml")
    return data


def _run(argv: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    """The CLI in-process, its output captured; a traceback or an exception escaping it is a failure."""
    from contextlib import redirect_stderr, redirect_stdout

    from kg.cli import main

    raw = io.BytesIO()
    out, err = io.TextIOWrapper(raw, encoding="utf-8"), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin) if stdin is not None else saved
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
        out.flush()
    finally:
        sys.stdin = saved
    return code, raw.getvalue().decode("utf-8", "replace"), err.getvalue()


def _check_good_build(build_dir) -> None:
    """A build that exits 0 holds well-formed, well-typed data, and its quotes are where it says."""
    from kg import vocab
    from kg.sources.lexical import is_language_tag, literal_problem

    quads = list(ox.parse(path=str(build_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    assert quads
    for quad in quads:
        term = quad.object
        if isinstance(term, ox.Literal):
            if term.language is not None:
                assert is_language_tag(term.language) and term.language, term
            else:
                assert literal_problem(term.value, term.datatype.value) is None, term
    by_subject: dict[str, dict[str, str]] = {}
    for quad in quads:
        if quad.predicate.value in (vocab.OA + "start", vocab.OA + "end", vocab.OA + "exact"):
            by_subject.setdefault(quad.subject.value.rsplit("#", 1)[0], {})[quad.predicate.value] = quad.object.value
    for fields in by_subject.values():
        if len(fields) == 3 and fields[vocab.OA + "exact"] in TEXT:
            start, end = int(fields[vocab.OA + "start"]), int(fields[vocab.OA + "end"])
            assert TEXT[start:end] == fields[vocab.OA + "exact"]


@FUZZ
@given(facts=st.one_of(st.lists(near_valid, min_size=1, max_size=1), st.lists(st.one_of(near_valid, fact), min_size=1,
                                                                             max_size=3)),
       meta=st.one_of(st.just({}), meta_extra), entities=st.one_of(st.none(), st.none(), values),
       mutation=st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 10_000), st.sampled_from(MUTATIONS))))
def test_generated_facts_files_build_or_are_refused_cleanly(facts, meta, entities, mutation, small_data,
                                                            tmp_path_factory):
    directory = tmp_path_factory.mktemp("src") / "fuzz-source"
    directory.mkdir()
    source = {"id": "fuzz-source", "title": "fuzzed", "kind": "test-fixture",
              "text": {"file": "invalid-fixture.txt", "sha256": SHA},
              "published": {"earliest": "2023-02-01", "latest": "2023-02-10"}, **meta}
    document = {"source": "fuzz-source", "facts": facts}
    if entities is not None:
        document["entities"] = entities
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if mutation is not None:
        at = mutation[0] % (len(text) + 1)
        text = text[:at] + mutation[1] + text[at:]
    (directory / "source.yaml").write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    (directory / "facts.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    build_dir = tmp_path_factory.mktemp("build")
    code, _, err = _run(["ground", "--data", str(small_data), "--add-source", str(directory), "--texts",
                         str(FIXTURE_TEXTS), "fuzz-source"])
    event(f"kg ground exit {code}")
    assert code in (0, 2) and "Traceback" not in err and "internal error" not in err, err
    code, _, err = _run(["build", "--data", str(small_data), "--add-source", str(directory), "--texts",
                         str(FIXTURE_TEXTS), "--build", str(build_dir)])
    event(f"kg build exit {code}")
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 0:
        _check_good_build(build_dir)
    else:
        assert not (build_dir / "dataset.nq").exists(), "a refused build writes nothing"


# ------------------------------------------------------------------------------------------ the binder


@FUZZ
@given(value=st.one_of(_odd_text(60), st.sampled_from(['"', "'", "\\", '" } ; DROP ALL ; #', "> . ?s ?p ?o <",
                                                       "\n} UNION { ?s ?p ?o }", "state/japan", "http://x/ y",
                                                       "https://w3id.org/japan-security-kg/id/state/japan"])),
       name=st.sampled_from(["partners-without-defence-pledge", "agreements-with-partner", "evidence-for",
                             "partner-labels"]))
def test_generated_parameters_are_bound_as_values_or_refused(value, name, built):
    """A parameter is a value, whatever its text: the query's structure never changes (the literal comes
    back unchanged), and a value that is not a valid id or IRI is refused with exit 2."""
    from kg.errors import InputError
    from kg.query.binding import bind_parameters
    from kg.query.catalogue import bind, find
    from kg.query.run import run_select
    from kg.query.store import collect

    store = ox.Store()
    echoed = collect(store.query(bind_parameters("SELECT ?_v WHERE { }", {"_v": ox.Literal(value)})))
    assert [row["_v"].value for row in echoed.rows] == [value]
    query = find(built.queries_dir, name)
    param = query.params[0].name
    try:
        bindings = bind(query, {param: value})
    except InputError:
        return
    try:
        solutions = run_select(built.dataset_file, query.text, bindings)
    except InputError:
        return
    assert collect(solutions).variables


# ------------------------------------------------------------------------------------------ kg sparql


TOKENS = ["SELECT", "*", "?s", "?p", "?o", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",", "FILTER", "OPTIONAL",
          "UNION", "MINUS", "GRAPH", "BIND", "AS", "VALUES", "SERVICE", "FROM", "NAMED", "<urn:g>", "<urn:a(>",
          "'}}}'", '"{"', "# {{{\n", "\\u007B", "\\u007D", "COUNT", "DISTINCT", "ORDER", "BY", "LIMIT", "1", "+", "/",
          "|", "^", "!", "&&", "||", "=", "<", ">", "ASK", "CONSTRUCT", "DESCRIBE", "a", "kgo:State", "rdfs:label",
          "PREFIX", "x:", "<http://x/>", "GROUP", "HAVING", "SUM", "\n", "EXISTS", "NOT", "IN"]


def _nested(depth: int, inner: str) -> str:
    return "SELECT * WHERE " + "{ " * depth + inner + " }" * depth


sparql = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join),
    st.builds(_nested, st.integers(0, 3000), st.sampled_from(["?s ?p ?o", "", "FILTER(((1)))", "?s ?p ?o ."])),
    st.builds(lambda n, op: "SELECT * WHERE { FILTER(" + op.join(["1"] * n) + ") }", st.integers(1, 3000),
              st.sampled_from(["+", "||", "&&", "*"])),
    st.builds(lambda n: "SELECT * WHERE { " + " ".join(f"OPTIONAL {{ ?s ?p ?o{i} }}" for i in range(n)) + " }",
              st.integers(0, 400)),
    st.builds(lambda n: "SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * n) + " ?o }", st.integers(1, 2000)),
    st.builds(lambda n: "SELECT * WHERE { ?s ?p ?o0 " + " ".join(f"; ?p ?o{i}" for i in range(n)) + " }",
              st.integers(0, 400)),
    st.builds(lambda n: "SELECT * WHERE " + "\\u007B" * n + "\\u007D" * n, st.integers(0, 3000)),
    _odd_text(200),
)


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory):
    """A build directory holding a small dataset: generated queries stay cheap."""
    build_dir = tmp_path_factory.mktemp("tiny")
    lines = [f"<urn:s{i}> <urn:p{i % 3}> \"{i}\" <urn:g{i % 2}> ." for i in range(30)]
    (build_dir / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return build_dir


class _Isolated:
    """``kg sparql`` in a fresh interpreter (spawned, never forked: the test process may hold a JVM and
    native thread pools, and a forked child deadlocked on their locks), kept for the module and replaced
    after a crash. A query that kills the process (a native crash) fails the test naming the query,
    instead of taking the test worker down with it (pytest-xdist then loses the file's results)."""

    def __init__(self) -> None:
        self.pool = None

    def run(self, argv: list[str], stdin: str) -> tuple[int, str, str]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None:
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return self.pool.submit(_run, argv, stdin).result(timeout=120)
        except BrokenProcessPool:
            self.close()
            pytest.fail(f"kg {' '.join(argv)} killed the process on this query ({len(stdin):,} chars): "
                        f"{stdin[:300]!r}")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


@pytest.fixture(scope="module")
def isolated():
    runner = _Isolated()
    yield runner
    runner.close()


@FUZZ
@given(query=sparql, fmt=st.sampled_from(["table", "json", "csv"]))
def test_generated_sparql_answers_or_is_refused_cleanly(query, fmt, tiny_build, isolated):
    """Never a crash (5,000 nested braces once killed the process), never a traceback: exit 0 or 2. Each
    query runs in a child interpreter: a crash fails the test with the query rather than killing the worker."""
    code, _, err = isolated.run(["sparql", "-", "--format", fmt, "--build", str(tiny_build)], query)
    event(f"kg sparql exit {code}")
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
