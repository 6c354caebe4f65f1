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

KGO = vocab.KGO
SOURCES = (ARTICLE, "reference-notes", "reference-tour-2023-01", "reference-wikidata-ids", "reference-memberships")
ARTICLE_SOURCES = [arg for source in SOURCES for arg in ("--source", source)]  # the article corpus, on the CLI


def test_build_info_counts(built):
    import yaml

    info = json.loads((built.build_dir / "build-info.json").read_text(encoding="utf-8"))
    assert {s: v["facts"] for s, v in info["sources"].items()} == {
        s: len(yaml.safe_load((ROOT / "data" / "sources" / s / "facts.yaml").read_text(encoding="utf-8"))["facts"])
        for s in SOURCES}
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
        *(vocab.source_graph(s) for s in SOURCES),
        *(vocab.provenance_graph(s) for s in SOURCES),
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


def test_builds_are_deterministic(built, tmp_path):
    again = make_settings(tmp_path)
    build(again, infer=True)
    assert again.dataset_file.read_bytes() == built.dataset_file.read_bytes()
    assert (tmp_path / "build-info.json").read_bytes() == (built.build_dir / "build-info.json").read_bytes()


def test_offsets_keep_their_w3c_datatype_in_the_file(built):
    starts = [q.object for q in read_quads(built.dataset_file) if q.predicate.value == vocab.OA + "start"]
    assert starts and all(o.datatype.value == vocab.XSD + "nonNegativeInteger" for o in starts)


def test_a_failed_write_leaves_the_previous_build_intact(built, tmp_path, monkeypatch):
    settings = make_settings(tmp_path)
    build(settings)

    def snapshot():
        files = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
        return files

    before = snapshot()
    import kg.atomic

    real_fdopen = kg.atomic.os.fdopen
    calls = {"n": 0}

    def failing_fdopen(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_fdopen(*args, **kwargs)

    monkeypatch.setattr(kg.atomic.os, "fdopen", failing_fdopen)
    with pytest.raises(OSError, match="No space left"):
        build(settings)
    assert snapshot() == before, "previous files and store intact, no temporary file or store left behind"


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
    code, _, err = cli("build", "--add-source", str(source), "--build", str(out_dir), *ARTICLE_SOURCES)
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
