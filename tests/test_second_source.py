"""A second, small source (written for the tests) builds with the same code: nothing is specific
to the first article."""

from __future__ import annotations

import re

import pytest

from kg.build import build
from kg.query.store import open_oxigraph

from .conftest import FIXTURES, ROOT, make_settings, rows_of, run_query

SECOND = FIXTURES / "valid" / "second-source"


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("two"), extra_sources=[SECOND])
    result = build(settings)
    return settings, result, open_oxigraph(settings.dataset_file)


def test_second_source_is_its_own_named_graph(two_sources):
    import yaml

    _, result, _ = two_sources
    written = yaml.safe_load((SECOND / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    assert result.info["sources"]["second-source"]["facts"] == len(written)
    assert "graph/source/second-source" in result.info["triples_per_graph"]
    assert result.info["sources"]["second-source"]["quotes"] == "verified against the text"


def test_a_partner_with_an_arrangement_but_no_pledge_statement_is_not_recorded(two_sources, built):
    """The second source adds Germany, "not recorded", and changes no other partner's answer."""
    from kg.query.catalogue import bind, find

    _, _, store = two_sources
    query = find(ROOT / "queries", "partners-without-defence-pledge")

    def headline(store) -> dict:
        return {r[0]: r for r in rows_of(run_query(store, query.text, bind(query, {"asOf": "2026-11-26"})))}

    rows = headline(store)
    assert rows["state/germany"][2:] == ("not recorded", "certainly", "Japan–Germany information-security agreement",
                                         "", "Japan and Germany signed an information-security agreement on Monday",
                                         "second-source", "140", "208")
    without = headline(open_oxigraph(built.dataset_file))
    assert {k: v for k, v in rows.items() if k != "state/germany"} == without


def test_source_local_entities_are_loaded(two_sources):
    _, _, store = two_sources
    rows = rows_of(run_query(store, """
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label ?title WHERE { ?h kgo:holder ?p ; kgo:title ?title . ?p rdfs:label ?label .
                                     FILTER(?label = "Anna Beispiel"@en) }"""))
    assert rows == [("Anna Beispiel", "spokesperson")]


def test_the_loader_names_no_source_of_its_own():
    """No module of kg/ mentions the article, its publisher or its people."""
    pattern = re.compile(r"bloomberg|kishida|japan-looks-beyond|sunak|g7-tour", re.IGNORECASE)
    for path in (ROOT / "kg").rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path
