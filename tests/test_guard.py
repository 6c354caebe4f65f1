"""The query guard's tokenizer (kg.query.guard): what it counts, on names beyond ASCII."""

from __future__ import annotations

import pytest

from kg.query.guard import measure
from kg.query.table import display_width


@pytest.mark.parametrize("name", ["x", "名", "é", "a\u00b7b", "\U0001d4b3", "x-y.z"])
def test_a_name_of_any_sparql_letters_is_one_token_so_a_keyword_inside_it_is_not_a_clause(name):
    """A variable or prefixed name ending in a keyword is one name: U+00B7, U+00C0 and up (the astral
    planes too) are name characters, as in SPARQL's grammar. Were one of them not, the keyword after
    it would count as a clause."""
    plain = measure("SELECT * WHERE { ?s ?p ?o }")
    for query in (f"SELECT * WHERE {{ ?s ?p ?{name.replace('-', '').replace('.', '')}UNION }}",
                  f"SELECT * WHERE {{ ?s ex:{name}FILTER ?o }}",
                  f"SELECT * WHERE {{ ?s ?p {name}:OPTIONAL }}"):
        assert measure(query).clauses == plain.clauses, query
    # and the keywords themselves are still counted
    assert measure("SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }").clauses == plain.clauses + 1


def test_display_width_counts_wide_characters_twice_and_ascii_once():
    assert display_width("Japan") == 5
    assert display_width("日本") == 4
    assert display_width("Japan 日本") == 10
    assert display_width("") == 0
