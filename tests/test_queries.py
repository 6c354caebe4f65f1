"""Every stored query returns exactly its expected rows, on pyoxigraph and on rdflib alike.

The expected rows belong to fixture corpora (tests/corpora.py; tests/expected/<corpus>/<query>[@case].json,
reviewed by hand against the sources; ``python -m tests.regen_expected`` rewrites them for review), so
a source added to data/ changes none of them; the headline question's answer is also spelled out
here, in code.
"""

from __future__ import annotations

import pytest

from kg.query.catalogue import bind, find, iri_term
from kg.query.store import open_oxigraph, select_rdflib
from kg.query.table import cell_text

from .conftest import ARTICLE, ROOT, rows_of, run_query
from .corpora import CORPORA, EXPECTED
from .expected_rows import QUERIES, all_cases, pinned_parameters

CASES = all_cases()
NO_TREATY_PLEDGES = "Unlike the US, other G-7 partners have made no treaty pledges to help defend Japan."
NONE_OBLIGES = ("None of this obliges any of Japan’s partners to come to its aid in the event of a conflict "
                "over Taiwan, or the East China Sea islands")


def run_stored(store, name: str, **params: str):
    query = QUERIES[name]
    return run_query(store, query.text, bind(query, pinned_parameters(query, params)))


def test_every_stored_query_has_expected_rows_on_the_article_corpus():
    local = {name for name, q in QUERIES.items() if not q.federated}
    assert local == {c.query for c in CASES if c.corpus == "article" and not c.name}


def test_expected_files_name_their_query_and_corpus_and_pin_their_dates():
    assert CASES
    for case in CASES:
        document = case.load()
        assert (document["query"], document["corpus"]) == (case.query, case.corpus), case.path
        assert case.corpus in CORPORA and case.query in QUERIES, case.path
        assert "today" not in document["parameters"].values(), case.path
        assert document["parameters"] == pinned_parameters(QUERIES[case.query], document["parameters"]), case.path
    assert {p.name for p in EXPECTED.iterdir() if p.is_dir()} >= set(CORPORA)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_stored_query_returns_exactly_the_expected_rows(corpus_build, case):
    want = case.load()
    query = QUERIES[case.query]
    store = open_oxigraph(corpus_build(case.corpus).dataset_file)
    results = run_query(store, query.text, bind(query, want["parameters"]))
    assert results.variables == want["variables"]
    assert [list(r) for r in rows_of(results)] == want["rows"]


ARTICLE_DEFAULTS = [c for c in CASES if c.corpus == "article" and not c.name]
TIME_CASES = [c for c in CASES if c.name and "asOf" in c.load()["parameters"]]


@pytest.mark.parametrize("case", ARTICLE_DEFAULTS + TIME_CASES, ids=[c.id for c in ARTICLE_DEFAULTS + TIME_CASES])
def test_rdflib_reference_engine_gives_the_same_rows(corpus_build, case):
    query = QUERIES[case.query]
    settings = corpus_build(case.corpus)
    bindings = bind(query, case.load()["parameters"])
    reference = select_rdflib(settings.dataset_file, query.text, bindings)
    fast = run_query(open_oxigraph(settings.dataset_file), query.text, bindings)
    assert reference.variables == fast.variables
    # Compared as readable values: Oxigraph's store normalises derived datatypes
    # (xsd:nonNegativeInteger -> xsd:integer, oxigraph issue #526) and returns the union default
    # graph as a bag, rdflib as a set; the stored queries use DISTINCT so rows agree.
    assert sorted(rows_of(reference)) == sorted(rows_of(fast))


def test_headline_answer(store):
    """As of today: the US pledged; the G7 partners and Australia and the Philippines stated none."""
    rows = {r[0]: r for r in rows_of(run_stored(store, "partners-without-defence-pledge"))}
    assert rows["state/united-states"][2:7] == ("pledged", "certainly", "US treaty pledge to help defend Japan",
                                                "US–Japan alliance", NO_TREATY_PLEDGES)
    for partner in ("state/united-kingdom", "state/france", "state/italy", "state/canada"):
        assert rows[partner][2:4] == ("stated: no pledge", "certainly")
        assert rows[partner][6] == NO_TREATY_PLEDGES
    for partner in ("state/australia", "state/philippines"):
        assert rows[partner][2:4] == ("stated: no pledge", "certainly")
        assert rows[partner][6] == NONE_OBLIGES
    assert set(rows) == {"state/united-states", "state/united-kingdom", "state/france", "state/italy",
                         "state/canada", "state/australia", "state/philippines"}
    assert {r[7] for r in rows.values()} == {ARTICLE}


def test_headline_before_the_article_knows_only_what_was_dated_then(store):
    """On 2023-01-12 the article's statements of no pledge (published 14-20 January) do not hold yet;
    the partners are those of arrangements concluded by then, and the US pledge dates from 1960."""
    rows = {r[0]: r[2:4] for r in rows_of(run_stored(store, "partners-without-defence-pledge", asOf="2023-01-12"))}
    assert rows == {"state/united-states": ("pledged", "certainly"),
                    "state/australia": ("not recorded", "certainly"), "state/canada": ("not recorded", "certainly"),
                    "state/italy": ("not recorded", "certainly"),
                    "state/united-kingdom": ("not recorded", "certainly")}
    assert rows_of(run_stored(store, "partners-without-defence-pledge", asOf="1941-01-01")) == []


def test_headline_offsets_point_at_the_quote(store, require_texts):
    text = next(d / "japan-looks-beyond-us-alliance.txt" for d in require_texts
                if (d / "japan-looks-beyond-us-alliance.txt").is_file()).read_text(encoding="utf-8")
    for row in rows_of(run_stored(store, "partners-without-defence-pledge")):
        quote, start, end = row[6], int(row[8]), int(row[9])
        assert text[start:end] == quote


def test_agreements_with_another_partner(store):
    rows = rows_of(run_stored(store, "agreements-with-partner", partner="state/australia"))
    assert [r[:6] + r[8:] for r in rows] == [(
        "agreement/japan-australia-defence-agreement-2022", "Japan–Australia defence agreement (2022)",
        "defence cooperation agreement", "signed", "certainly", "2022-01-01/2022-12-31", ARTICLE)]
    rows = rows_of(run_stored(store, "agreements-with-partner", partner="state/philippines"))
    assert [r[:6] for r in rows] == [(
        "agreement/japan-philippines-defence-talks", "Japan–Philippines talks on deepening defence ties",
        "security talks", "under negotiation", "certainly", "2023-01-14/2023-01-20")]


def test_evidence_for_an_iri_parameter(store):
    iri = "https://w3id.org/japan-security-kg/id/place/senkaku-islands"
    rows = rows_of(run_stored(store, "evidence-for", entity=iri))
    predicates = {r[1] for r in rows}
    assert {"location", "disputed territory", "concerns place"} <= predicates
    assert ("Senkaku Islands", "http://www.w3.org/2004/02/skos/core#altLabel", "Senkaku",
            "known as Senkaku in Japanese and Diaoyu in Chinese", ARTICLE) in {r[:5] for r in rows}


def test_parameters_are_bound_not_pasted(store):
    query = find(ROOT / "queries", "evidence-for")
    hostile = 'x" } } DELETE WHERE { ?s ?p ?o } #'
    with pytest.raises(Exception, match="neither an entity id"):
        bind(query, {"entity": hostile})
    with pytest.raises(Exception, match="not a valid IRI"):
        iri_term("http://example.org/> } DROP ALL #", "entity")


def test_unknown_parameter_and_missing_value_are_usage_errors():
    query = find(ROOT / "queries", "agreements-with-partner")
    with pytest.raises(Exception, match="has no parameter colour"):
        bind(query, {"colour": "red"})
    stripped = type(query)(**{**query.__dict__, "params": [p.__class__(p.name, p.variable, p.kind, None)
                                                          for p in query.params]})
    with pytest.raises(Exception, match="needs --param"):
        bind(stripped, {})


def test_query_headers_have_summary_description_and_tags():
    for query in QUERIES.values():
        assert query.summary, query.name
        assert query.description, query.name
        assert query.tags, query.name


def test_cell_text_shortens_iris_and_keeps_literals():
    import pyoxigraph as ox

    assert cell_text(ox.NamedNode("https://w3id.org/japan-security-kg/id/state/japan")) == "state/japan"
    assert cell_text(ox.NamedNode("https://w3id.org/japan-security-kg/ontology#Signed")) == "kgo:Signed"
    assert cell_text(ox.Literal("a\n b")) == "a b"
    assert cell_text(None) == ""


def test_parameters_become_constants_only_where_they_are_variables():
    import pyoxigraph as ox

    from kg.query.binding import bind_parameters

    query = '''# ?_x in a comment stays
SELECT ?a ?_x WHERE {
  { SELECT ?a WHERE { ?a <http://p> ?_x } GROUP BY ?a ?_x }
  FILTER(STR(?a) != "?_x" && ?_xy = 1)
  SERVICE ?_x { ?s ?p ?o }
}'''
    bound = bind_parameters(query, {"_x": ox.NamedNode("http://example.org/e")})
    assert "# ?_x in a comment stays" in bound
    assert "SELECT ?a (<http://example.org/e> AS ?_x) WHERE" in bound
    assert "?a <http://p> <http://example.org/e> }" in bound
    assert "GROUP BY ?a  }" in bound  # grouping by a constant is dropped
    assert '"?_x"' in bound and "?_xy" in bound  # strings and other variables untouched
    assert "SERVICE <http://example.org/e>" in bound
    literal = bind_parameters("SELECT * WHERE { ?s ?p ?_v }", {"_v": ox.Literal('a" } DROP ALL #')})
    assert literal == 'SELECT * WHERE { ?s ?p "a\\" } DROP ALL #" }'
    with pytest.raises(Exception, match="assigned in the query"):
        bind_parameters("SELECT * WHERE { BIND(1 AS ?_v) }", {"_v": ox.Literal("1")})


def test_find_reads_one_file_and_refuses_paths_and_clashes(tmp_path):
    (tmp_path / "federated").mkdir()
    (tmp_path / "alpha.rq").write_text("#+ summary: a\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (tmp_path / "federated" / "beta.rq").write_text("#+ summary: b\nSELECT * WHERE { ?s ?p ?o }\n",
                                                      encoding="utf-8")
    assert find(tmp_path, "alpha").summary == "a"
    assert find(tmp_path, "beta").federated
    (tmp_path / "secret.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"no stored query named '\.\./secret'"):
        find(tmp_path / "federated", "../secret")
    (tmp_path / "federated" / "alpha.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(Exception, match="used both in"):
        find(tmp_path, "alpha")
