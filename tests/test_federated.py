"""Federated queries (queries/federated/*.rq): SERVICE with the endpoint as a parameter, run against
a real SPARQL server on 127.0.0.1 loaded with Wikidata-shaped fixture data, and the ways the
remote side can fail. rdflib cannot run them (no variable SERVICE endpoint), so they have their
own expected rows here instead of the two-engine test of test_queries.py."""

from __future__ import annotations

import json
import time

import pytest

from kg.query.catalogue import all_queries, bind, federated_catalogue

from .conftest import ROOT, rows_of

FEDERATED = federated_catalogue(ROOT / "queries")
EXPECTED = ROOT / "tests" / "expected" / "federated"
ENDPOINT = "<endpoint>"  # the expected files' stand-in for the test server's URL (its port varies)


def test_every_federated_query_has_expected_rows_and_a_parameter_endpoint():
    assert sorted(FEDERATED) == sorted(p.stem for p in EXPECTED.glob("*.json")) and FEDERATED
    for query in FEDERATED.values():
        assert query.federated and query.service_variables == ["_endpoint_iri"]
        assert {p.name for p in query.params} >= {"endpoint"}
        assert "federated" in query.tags


def test_names_are_unique_across_stored_and_federated_queries():
    assert set(FEDERATED) <= set(all_queries(ROOT / "queries"))


@pytest.mark.parametrize("name", sorted(FEDERATED))
def test_federated_query_returns_exactly_the_expected_rows(name, built, wikidata_fixture_endpoint):
    from kg.query.federation import run_federated
    from kg.query.store import collect, open_oxigraph

    query = FEDERATED[name]
    want = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    bindings = bind(query, {"endpoint": wikidata_fixture_endpoint})
    results = run_federated(open_oxigraph(built.dataset_file), query.text, bindings, query.service_variables,
                            30, collect)
    assert results.variables == want["variables"]
    rows = [[ENDPOINT if cell == wikidata_fixture_endpoint else cell for cell in row] for row in rows_of(results)]
    assert rows == want["rows"]


def test_kg_query_runs_it_and_lists_it(cli, built, wikidata_fixture_endpoint, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    code, out, _ = cli("queries")
    assert code == 0 and "g7-nato-members-live [wikidata, federated, memberships]" in out
    code, out, err = cli("query", "g7-nato-members-live", "--param", f"endpoint={wikidata_fixture_endpoint}",
                         "--build", str(built.build_dir), "--columns", "organisation,memberLabel,state,inReference")
    assert code == 0, err
    assert "| org/nato     | Fixture member state     |                      | not in this graph |" in out
    assert out.rstrip().endswith("14 rows")
    code, out, err = cli("query", "g7-nato-members-live", "--param", f"endpoint={wikidata_fixture_endpoint}",
                         "--build", str(built.build_dir), "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["results"]["bindings"]) == 14


def test_usage_errors(cli, built):
    code, _, err = cli("query", "g7-nato-members-live", "--engine", "rdflib", "--build", str(built.build_dir))
    assert code == 2 and "only the oxigraph engine runs" in err
    code, _, err = cli("query", "g7-nato-members-live", "--param", "endpoint=state/japan",
                       "--build", str(built.build_dir))
    assert code == 2 and "must be the http(s) URL of a SPARQL endpoint" in err


@pytest.mark.parametrize("fault, words", [
    # pyoxigraph's own words: a text/plain 200 is read as (lossy) CSV results and refused
    ("policy", "failed: CSV SPARQL results syntax is lossy"),
    ("policy-as-json", "failed: Parser error at line 1 column 1: Unexpected char: 'P'"),
    ("truncated", "failed: Parser error at line 1 column 142: Unexpected end of file"),
    ("too-many", "failed: Error 429 Too Many Requests returned by"),  # no retry: use the snapshot
])
def test_remote_failures_exit_3(fault, words, cli, built, fault_server):
    fault_server.faults["/sparql"] = (fault, 100)
    code, out, err = cli("query", "g7-nato-members-live", "--param", f"endpoint={fault_server.base}/sparql",
                         "--build", str(built.build_dir))
    assert code == 3, (out, err)
    assert err.startswith("kg query: the remote endpoint failed\nthe SERVICE call to ") and words in err


def test_a_hanging_endpoint_is_abandoned_after_the_timeout(cli, built, fault_server):
    fault_server.faults["/sparql"] = ("hang", 100)
    started = time.monotonic()
    code, _, err = cli("query", "g7-nato-members-live", "--param", f"endpoint={fault_server.base}/sparql",
                       "--build", str(built.build_dir), "--timeout", "1")
    assert code == 3 and "within 1 s (--timeout); the query was abandoned" in err
    assert time.monotonic() - started < 4


def test_connection_refused(cli, built):
    from .servers import free_port

    code, _, err = cli("query", "g7-nato-members-live", "--param", f"endpoint=http://127.0.0.1:{free_port()}/sparql",
                       "--build", str(built.build_dir))
    assert code == 3 and "Connection refused" in err


def test_the_query_path_imports_neither_rdflib_nor_sparqlwrapper(built, wikidata_fixture_endpoint):
    """kg query, local or federated, stays on pyoxigraph: a cold process must not import the heavy
    libraries (rdflib ~190 ms, SPARQLWrapper imports rdflib too)."""
    import subprocess
    import sys

    probe = ("import sys; from kg.cli import main; code = main(sys.argv[1:]); "
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'SPARQLWrapper', 'tqdm')); "
             "print(code, heavy)")
    for args in (["query", "partner-labels"],
                 ["query", "g7-nato-members-live", "--param", f"endpoint={wikidata_fixture_endpoint}"]):
        out = subprocess.run([sys.executable, "-c", probe, *args, "--build", str(built.build_dir)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        assert out.splitlines()[-1] == "0 []", out[-300:]
