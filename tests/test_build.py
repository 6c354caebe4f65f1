"""The build: provenance for every triple, determinism, atomic outputs, and checks that can fail."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.build import build
from kg.checks.validate import check_all, run_quality_checks
from kg.errors import CheckFailed
from kg.graph.export import read_quads
from kg.graph.lifecycle import GRAPH_LIFECYCLE

from .conftest import ARTICLE, FIXTURE_TEXTS, ROOT, make_settings, rows_of, run_query
from .corpora import ARTICLE_CORPUS, ARTICLE_SOURCE_ARGS

KGO = vocab.KGO


def test_build_info_counts(built):
    import yaml

    info = json.loads((built.build_dir / "build-info.json").read_text(encoding="utf-8"))
    assert {s: v["facts"] for s, v in info["sources"].items()} == {
        s: len(yaml.safe_load((ROOT / "data" / "sources" / s / "facts.yaml").read_text(encoding="utf-8"))["facts"])
        for s in ARTICLE_CORPUS}
    assert info["quads"] == sum(info["triples_per_graph"].values())
    assert info["sources"][ARTICLE]["asserted_triples"] > 700
    assert info["sources"][ARTICLE]["text_sha256"].startswith("86eb695f")


def test_one_named_graph_per_source_plus_ontology_registry_provenance_and_inferred(store):
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {
        vocab.GRAPH_ONTOLOGY, vocab.GRAPH_ENTITIES, vocab.provenance_graph("entity-registry"),
        vocab.GRAPH_INFERRED, vocab.provenance_graph("inferred"),  # the session build uses --infer
        vocab.GRAPH_MAPPINGS, vocab.provenance_graph("mappings"),
        GRAPH_LIFECYCLE, vocab.provenance_graph("derived-lifecycle"),
        vocab.external_graph("wikidata"), vocab.provenance_graph("wikidata"),
        *(vocab.source_graph(s) for s in ARTICLE_CORPUS),
        *(vocab.provenance_graph(s) for s in ARTICLE_CORPUS),
    }


def test_no_blank_nodes_outside_the_ontology(built):
    for quad in read_quads(built.dataset_file):
        if quad.graph_name.value == vocab.GRAPH_ONTOLOGY:
            continue  # OWL restrictions and lists are blank nodes by nature
        assert not isinstance(quad.subject, ox.BlankNode) and not isinstance(quad.object, ox.BlankNode), quad


def test_a_fact_is_a_web_annotation_with_both_selectors_and_prov(store):
    rows = rows_of(run_query(store, """
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        SELECT ?exact ?prefix ?suffix ?start ?end ?sha ?activity WHERE {
          ?fact kgo:factId "uk-reciprocal-access-agreement" ; a oa:Annotation , kgo:Fact ;
                oa:motivatedBy oa:describing ; oa:hasTarget ?t ; prov:wasDerivedFrom ?doc ;
                prov:wasGeneratedBy ?activity .
          ?t oa:hasSource ?doc ; oa:hasSelector ?q , ?p .
          ?q a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
          ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
          ?doc kgo:sha256 ?sha .
        }"""))
    assert rows == [("He signed a deal on mutual troop access with UK premier Rishi Sunak",
                     "cific were indivisible.", "and agreed with Italian", "699", "766",
                     "86eb695f9ed7251e1877ef4d12ab673ab841b2699ff3fca1c5e477d576fbb96a",
                     f"activity/load/{ARTICLE}")]


def test_every_asserted_triple_is_reified_with_evidence(store):
    rows = rows_of(run_query(store, """
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        SELECT (COUNT(*) AS ?asserted) (COUNT(DISTINCT ?t) AS ?reified) WHERE {
          GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "https://w3id.org/japan-security-kg/graph/source/"))
          OPTIONAL { ?t rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kgo:assertedIn ?g }
        }"""))
    asserted, reified = rows[0]
    assert asserted == reified


def test_a_source_graph_is_named_after_the_source_its_evidence_comes_from(store):
    # timeline, obligations-between and security-history name a triple's source after the graph that
    # asserts it (graph/source/<id>), instead of reading its annotation's document
    rows = rows_of(run_query(store, """
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT (COUNT(*) AS ?facts) (SUM(IF(?id = STRAFTER(STR(?g), "/graph/source/"), 1, 0)) AS ?named) WHERE {
          ?fact oa:hasBody ?t ; prov:wasDerivedFrom ?doc . ?t kgo:assertedIn ?g . ?doc dcterms:identifier ?id
        }"""))
    facts, named = rows[0]
    assert int(facts) > 0 and named == facts


def test_builds_are_deterministic(built, tmp_path):
    again = make_settings(tmp_path)
    build(again, infer=True)
    assert again.dataset_file.read_bytes() == built.dataset_file.read_bytes()
    assert (tmp_path / "build-info.json").read_bytes() == (built.build_dir / "build-info.json").read_bytes()


def test_offsets_keep_their_w3c_datatype_in_the_file(built):
    starts = [q.object for q in read_quads(built.dataset_file) if q.predicate.value == vocab.OA + "start"]
    assert starts and all(o.datatype.value == vocab.XSD + "nonNegativeInteger" for o in starts)


def _build_files(build_dir):
    """Every file of a build directory (the store included, through its links), but the lock's pid."""
    return {p.relative_to(build_dir).as_posix(): p.read_bytes() for p in build_dir.rglob("*")
            if p.is_file() and p.name != ".lock"}


def _limited_file_size(limit: int):
    """For a child process: files larger than ``limit`` bytes cannot be written (EFBIG), as on a full disk."""
    def apply():
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_leaves_the_previous_build_intact_and_is_reported_not_a_traceback(tmp_path):
    """Issue 12: a full disk ended in a traceback. A real write failure (the kernel refuses to write past
    RLIMIT_FSIZE in the child, as it does on a full disk), at the dataset, then at the store."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, "KG_HOME": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "kg", "build", "--build", str(tmp_path)]
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    before = _build_files(tmp_path)
    for limit in (200_000, 2_500_000):  # the dataset is ~2 MB; the store's files come after it
        failed = subprocess.run(command, env=env, capture_output=True, text=True, preexec_fn=_limited_file_size(limit))
        assert failed.returncode == 2, failed.stderr
        assert "Traceback" not in failed.stderr
        assert "cannot write the build into" in failed.stderr and "the previous build is intact" in failed.stderr
        assert _build_files(tmp_path) == before, "previous build intact, no staging left behind"
    assert sorted(p.name for p in (tmp_path / "builds").iterdir()) == ["000001"]


def _write_source(directory, facts: str) -> None:
    directory.mkdir()
    (directory / "source.yaml").write_text(f"""id: {directory.name}
title: a source that parses but fails the graph checks
kind: test-fixture
text: {{file: invalid-fixture.txt, sha256: 7ae26d4b09b27582e250b571696efa4523ed5ab353d8dd2b60ccb332dc41e4af}}
""", encoding="utf-8")
    (directory / "facts.yaml").write_text(f"source: {directory.name}\nfacts:\n{facts}", encoding="utf-8")


def test_a_graph_that_fails_shacl_fails_the_build_with_exit_1_and_writes_nothing(cli, tmp_path):
    source = tmp_path / "one-party"
    _write_source(source, """  - id: lonely-agreement
    quote: Japan and Canada agreed on Tuesday to deepen defence ties
    about: agreement/lonely
    a: ActionPlan
    label: An action plan with one party
    set: {party: state/japan}
""")
    texts = str(FIXTURE_TEXTS)
    assert cli("ground", "--add-source", str(source), "--texts", texts, "one-party")[0] == 0
    out_dir = tmp_path / "build"
    code, _, err = cli("build", "--add-source", str(source), "--build", str(out_dir), *ARTICLE_SOURCE_ARGS)
    assert code == 1
    assert "a security arrangement needs at least two parties" in err
    assert "agreement-without-parties-violation: 1 violation" in err
    assert not out_dir.exists() or not any(out_dir.iterdir())


# ------------------------------------------------------------------ quality checks that can fail


def _mutated_store(built, *extra: ox.Quad) -> tuple[ox.Store, list[ox.Quad]]:
    quads = read_quads(built.dataset_file) + list(extra)
    store = ox.Store()
    store.extend(quads)
    return store, quads


def N(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


ARTICLE_GRAPH = N(vocab.source_graph(ARTICLE))


def test_quality_checks_pass_on_the_real_build(store, built):
    assert all(not r.rows for r in run_quality_checks(store, built.queries_dir).values())


@pytest.mark.parametrize("check, quads", [
    ("fact-without-evidence-violation",
     [ox.Quad(N(vocab.entity_iri("state/japan")), N(KGO + "memberOf"), N(vocab.entity_iri("org/nato")),
              ARTICLE_GRAPH)]),
    ("term-used-but-not-declared-violation",
     [ox.Quad(N(vocab.entity_iri("state/japan")), N(KGO + "allyOf"), N(vocab.entity_iri("state/france")),
              ox.NamedNode(vocab.GRAPH_ENTITIES))]),
    ("class-without-definition-violation",
     [ox.Quad(N(KGO + "Undefined"), N(vocab.RDF + "type"), N(vocab.OWL + "Class"), N(vocab.GRAPH_ONTOLOGY))]),
    ("agreement-without-parties-violation",
     [ox.Quad(N(vocab.entity_iri("agreement/lonely")), N(vocab.RDF + "type"), N(KGO + "ActionPlan"),
              ARTICLE_GRAPH)]),
    ("date-outside-source-window-violation",
     [ox.Quad(N(vocab.ID + "time/x"), N(KGO + "latestDate"),
              ox.Literal("2030-01-01T00:00:00", datatype=N(vocab.XSD + "dateTime")), ARTICLE_GRAPH)]),
])
def test_each_quality_check_detects_its_violation(built, check, quads):
    store, _ = _mutated_store(built, *quads)
    results = run_quality_checks(store, built.queries_dir)
    assert results[check].rows, f"{check} missed the violation"
    clean = [name for name, r in results.items() if not r.rows]
    assert check not in clean


def test_shacl_detects_a_missing_label_and_an_obligation_without_obligor(built):
    quads = [q for q in read_quads(built.dataset_file)
             if not (q.subject.value == vocab.entity_iri("obligation/us-defence-pledge-to-japan")
                     and q.predicate.value in (vocab.RDFS + "label", KGO + "obligor"))]
    store = ox.Store()
    store.extend(quads)
    report = check_all(store, quads, ROOT / "ontology", ROOT / "queries")
    assert not report.ok
    assert "rdfs:label: needs an rdfs:label (language-tagged)" in report.shacl_text
    assert "kgo:obligor: an obligation has exactly one obligor, an actor" in report.shacl_text


def test_check_failed_is_exit_1(built, cli, tmp_path):
    broken = tmp_path / "broken.nq"
    lines = [line for line in built.dataset_file.read_text(encoding="utf-8").splitlines()
             if "us-defence-pledge-to-japan> <https://w3id.org/japan-security-kg/ontology#obligor>" not in line]
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = cli("validate", str(broken))
    assert code == 1
    assert "an obligation has exactly one obligor" in out
    assert cli("validate", "--build", str(built.build_dir))[0] == 0


def test_check_failed_exception_type():
    assert CheckFailed("x").exit_code == 1


# ------------------------------------------------------------------ issue 12: determinism, atomic switch, lock


def _kg(*args: str, seed: str | None = None, **kwargs):
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, "KG_HOME": str(ROOT)}
    if seed is not None:
        env["PYTHONHASHSEED"] = seed
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True, **kwargs)


def test_the_build_is_byte_identical_whatever_the_hash_seed(tmp_path):
    """Issue 12: dataset.nq changed with PYTHONHASHSEED (rdflib's and the reasoner's orders); the test that
    built twice in one process could not see it."""
    for seed in ("1", "2"):
        assert _kg("build", "--infer", *ARTICLE_SOURCE_ARGS, "--build", str(tmp_path / seed), seed=seed).returncode == 0
    for name in ("dataset.nq", "build-info.json"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def _whole(build_dir) -> dict:
    """What the current build holds, checked to be one build: dataset, description and store agree."""
    import json

    info = json.loads((build_dir / "build-info.json").read_text(encoding="utf-8"))
    lines = (build_dir / "dataset.nq").read_bytes().count(b"\n")
    store = ox.Store.read_only(str(build_dir / "store"))
    in_store = sum(1 for q in store if not isinstance(q.graph_name, ox.DefaultGraph))
    merged = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert info["quads"] == lines == in_store, (info["quads"], lines, in_store)
    assert merged == {q.triple for q in store if not isinstance(q.graph_name, ox.DefaultGraph)}, \
        "the default graph is the merge of the named graphs"
    assert (build_dir / "current").is_symlink()
    return info


def test_a_killed_build_leaves_the_previous_build_whole_and_the_next_build_removes_its_staging(tmp_path):
    """Issue 12: a kill between the separate renames of dataset, build-info and store left a mix; killed
    builds' staging directories were never removed. Kill -9 at several points of the write."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from .conftest import ROOT, shared_text_path

    valid = ROOT / "tests" / "fixtures" / "valid"
    assert _kg("build", *ARTICLE_SOURCE_ARGS, "--build", str(tmp_path)).returncode == 0
    before = _whole(tmp_path)
    texts = os.pathsep.join(str(p) for p in [*shared_text_path(), FIXTURE_TEXTS])
    extra = [arg for d in sorted(valid.iterdir()) for arg in ("--add-source", str(d))]
    env = {**os.environ, "KG_HOME": str(ROOT)}
    kills = 0
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5):
        process = subprocess.Popen([sys.executable, "-m", "kg", "build", *ARTICLE_SOURCE_ARGS, "--texts", texts, *extra,
                                    "--build", str(tmp_path)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        now = _whole(tmp_path)
        assert now["quads"] in (before["quads"], _kg_quads_with(valid, tmp_path, texts, extra)), now["quads"]
    assert kills >= 3
    assert _kg("build", *ARTICLE_SOURCE_ARGS, "--build", str(tmp_path)).returncode == 0
    assert _whole(tmp_path)["quads"] == before["quads"]
    leftovers = [p.name for p in (tmp_path / "builds").iterdir()]
    assert leftovers == [os.readlink(tmp_path / "current").split("/")[-1]], leftovers


_EXTENDED: dict = {}


def _kg_quads_with(valid, tmp_path, texts, extra) -> int:
    """How many quads a completed build with the extra sources holds (built once, elsewhere)."""
    if "quads" not in _EXTENDED:
        other = tmp_path.parent / (tmp_path.name + "-extended")
        assert _kg("build", *ARTICLE_SOURCE_ARGS, "--texts", texts, *extra, "--build", str(other)).returncode == 0
        _EXTENDED["quads"] = _whole(other)["quads"]
    return _EXTENDED["quads"]


def test_two_builds_at_once_write_one_after_the_other(tmp_path):
    """Issue 12: two builds at once mixed their outputs (3 in 120), both exiting 0. The second now waits
    for the first's lock, and the build switched in last is whole."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, "KG_HOME": str(ROOT)}
    assert _kg("build", *ARTICLE_SOURCE_ARGS, "--build", str(tmp_path)).returncode == 0
    for _ in range(2):
        processes = [subprocess.Popen([sys.executable, "-m", "kg", "build", *ARTICLE_SOURCE_ARGS, *flags, "--build",
                                       str(tmp_path)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                     for flags in ([], ["--infer"])]
        errors = [p.communicate()[1] for p in processes]
        assert [p.returncode for p in processes] == [0, 0], errors
        info = _whole(tmp_path)
        assert info["inferred_triples"] in (0, info["triples_per_graph"].get("graph/inferred", 0))


def test_a_reader_keeps_its_build_while_a_new_one_switches_in(tmp_path):
    """Readers resolve `current` once and hold a lease: a rebuild does not remove what they read; the build
    after their release does."""
    first = make_settings(tmp_path)
    build(first)
    reader = make_settings(tmp_path)
    held = reader.current_build
    assert reader.dataset_file == held / "dataset.nq"
    build(first)  # a new build switches in; the reader's is kept
    assert held.is_dir() and reader.dataset_file.is_file() and reader.current_build == held
    assert first.current_build != held
    reader.refresh_build()
    build(first)
    assert not held.exists(), "an old build no one reads is removed"


def test_build_refuses_a_directory_whose_store_it_did_not_make(cli, tmp_path):
    """Issue 12: kg build --build DIR deleted a DIR/store it had not created."""
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "precious.txt").write_text("not kg's", encoding="utf-8")
    code, _, err = cli("build", "--build", str(tmp_path))
    assert code == 2 and "holds store that kg build did not make" in err
    assert (tmp_path / "store" / "precious.txt").read_text(encoding="utf-8") == "not kg's"


def test_the_states_a_kill_at_each_rename_leaves_are_read_whole_and_cleaned(tmp_path):
    """A kill between the two renames of a build (staging -> builds/N, then current -> builds/N) leaves a
    complete build that is not current; a kill before them leaves a staging directory. Readers still read
    the current build whole, and the next build removes both."""
    import os
    import shutil

    settings = make_settings(tmp_path)
    build(settings)
    current = os.readlink(tmp_path / "current")
    shutil.copytree(tmp_path / current, tmp_path / "builds" / "000009")  # killed after its first rename
    (tmp_path / "builds" / ".staging-000010-99999").mkdir()  # killed while writing
    (tmp_path / "builds" / ".staging-000010-99999" / "dataset.nq").write_text("half a dat", encoding="utf-8")
    reader = make_settings(tmp_path)
    assert reader.current_build == tmp_path / current
    assert _whole(tmp_path)["quads"] == reader.dataset_file.read_bytes().count(b"\n")
    reader.refresh_build()
    build(settings)
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [os.readlink(tmp_path / "current").split("/")[1]]
    assert _whole(tmp_path)


@pytest.mark.parametrize("batch, blank, loads", [(2**30, False, 1), (1, False, 4), (2**30, True, 3)])
def test_the_store_loader_takes_what_waits_in_one_bulk_load(tmp_path, monkeypatch, batch, blank, loads):
    """Slices that wait for the store's loader go into one bulk load (each costs ~20 ms however small), up to
    LOAD_BATCH bytes, except a slice with blank nodes, loaded alone; whatever the batching, the store holds every
    quad and, in its default graph, their merge (a blank node the same node in both)."""
    import kg.build

    calls = []
    load = kg.build.load_merged
    monkeypatch.setattr(kg.build, "load_merged",
                        lambda store, data, merged: (calls.append(data), load(store, data, merged)))
    monkeypatch.setattr(kg.build, "LOAD_BATCH", batch)
    graph = ox.NamedNode(vocab.GRAPH + "test")
    quads = [ox.Quad(ox.BlankNode(f"b{i}") if blank and i in (2, 3) else ox.NamedNode(f"{vocab.ID}s{i}"),
                     ox.NamedNode(vocab.KGO + "p"), ox.Literal(str(i % 3)), graph) for i in range(8)]
    writer = kg.build._Writer(tmp_path)
    for pair in (quads[0:2], quads[2:4], quads[4:6], quads[6:8]):  # waiting before the loader starts
        writer.write_quads(pair)
    store = writer.finish()
    assert len(calls) == loads
    assert set(store.quads_for_pattern(None, None, None, graph)) == set(quads)
    merged = set(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert merged == {ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads}
