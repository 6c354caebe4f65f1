"""Paging: a stored query whose header says ``paging: true`` takes ``limit`` and ``offset`` parameters,
appended as LIMIT/OFFSET after checking that each is a whole number (kg/query/catalogue.py, binding.py).
A page is the same rows as the slice of the whole answer, on both engines; anything else is refused."""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.query.catalogue import bind
from kg.query.store import open_oxigraph, select_rdflib

from .conftest import rows_of, run_query
from .expected_rows import QUERIES

PAGED = sorted(name for name, q in QUERIES.items() if {"limit", "offset"} <= {p.name for p in q.params})


def test_the_queries_with_large_answers_page():
    assert {"obligations-between", "security-history", "timeline", "quoted-statements", "evidence-for"} <= set(PAGED)
    unpaged = next(name for name in QUERIES if name not in PAGED)
    with pytest.raises(InputError):
        bind(QUERIES[unpaged], {"limit": "5"})


# a corpus and parameters on which each paged query has enough rows to page
CASES = {"obligations-between": ("table-source", {"partner": "state/canada"}),
         "security-history": ("article", {}),
         "timeline": ("article", {}),
         "quoted-statements": ("article", {}),
         "evidence-for": ("article", {})}


@pytest.mark.parametrize("name", PAGED)
def test_a_page_is_a_slice_of_the_whole_answer(corpus_build, name):
    corpus, params = CASES[name]
    settings = corpus_build(corpus)
    store = open_oxigraph(settings.dataset_file)
    query = QUERIES[name]
    whole = rows_of(run_query(store, query.text, bind(query, params)))
    assert len(whole) > 3, name
    for limit, offset in ((2, 0), (2, 1), (3, len(whole) - 2), (5, len(whole) + 1)):
        bindings = bind(query, {**params, "limit": str(limit), "offset": str(offset)})
        page = rows_of(run_query(store, query.text, bindings))
        assert page == whole[offset:offset + limit], (name, limit, offset)
    bindings = bind(query, {**params, "limit": "2", "offset": "1"})
    assert rows_of(select_rdflib(settings.dataset_file, query.text, bindings)) == whole[1:3]


@pytest.mark.parametrize("value", ["-1", "1.5", "ten", "1 OFFSET 2", "5; DROP ALL"])
def test_a_page_that_is_not_a_whole_number_is_refused(value):
    query = QUERIES["security-history"]
    with pytest.raises(InputError) as caught:
        bind(query, {"limit": value})
    assert "limit" in str(caught.value)


def test_cli_pages(cli, built):
    code, out, err = cli("query", "security-history", "--build", str(built.build_dir), "--param", "limit=2",
                         "--format", "csv")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 3  # the header and two rows
    code, _, err = cli("query", "security-history", "--build", str(built.build_dir), "--param", "limit=-3")
    assert code == 2 and "limit" in err
