"""The Wikidata snapshot: the offline seed, a live refresh against a real SPARQL server on
127.0.0.1, and every way the refresh can fail leaving the old snapshot intact (no internet)."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
import rdflib

from kg import vocab
from kg.errors import InputError, RemoteError
from kg.graph.snapshot import GRAPH_WIKIDATA, PROVENANCE_FILE, SNAPSHOT_FILE, serialise
from kg.linking.wikidata import Client, RefreshOptions, check_options, parse_results, retry_after, user_agent

from .conftest import ROOT, copy_data, curated_links, make_settings, reference_file, rows_of, run_query

SNAPSHOT = ROOT / "data" / "wikidata"
WD = rdflib.Namespace(vocab.WD)
WDT = rdflib.Namespace(vocab.WDT)


def digest(data_dir) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((data_dir / "wikidata").iterdir())}


def refresh_args(data_dir, endpoint, *extra):
    return ("wikidata", "refresh", "--data", str(data_dir), "--endpoint", endpoint, "--no-cache",
            "--no-progress", *extra)


# ------------------------------------------------------------------------------------------ the committed snapshot


def test_committed_snapshot_says_what_it_is_and_reserialises_without_a_diff():
    for name in (SNAPSHOT_FILE, PROVENANCE_FILE):
        path = SNAPSHOT / name
        graph = rdflib.Graph().parse(path, format="turtle")
        assert serialise(graph) == path.read_bytes(), f"{name} is not in its canonical longturtle form"
    provenance = rdflib.Graph().parse(SNAPSHOT / PROVENANCE_FILE)
    kind = str(provenance.value(rdflib.URIRef(vocab.source_iri("wikidata-snapshot")), rdflib.DCTERMS.type))
    assert kind in ("offline seed", "live refresh")
    description = str(provenance.value(rdflib.URIRef(vocab.source_iri("wikidata-snapshot")),
                                       rdflib.DCTERMS.description))
    if kind == "offline seed":
        assert "not data retrieved from Wikidata" in description and "no Japanese" in description
    else:
        assert "What the SPARQL endpoint" in description


def test_committed_seed_is_what_kg_wikidata_seed_writes(tmp_path, cli):
    reference_file("wikidata-ids.tsv")
    provenance = (SNAPSHOT / PROVENANCE_FILE).read_text(encoding="utf-8")
    data = copy_data(tmp_path)
    code, out, err = cli("wikidata", "seed", "--data", str(data))
    assert code == 0, err
    assert f"English labels of {curated_links()['items']} linked items" in out
    if '"offline seed"' in provenance:
        assert digest(data) == digest(ROOT / "data")
    seed = rdflib.Graph().parse(data / "wikidata" / SNAPSHOT_FILE)
    assert len(seed) == curated_links()["items"]
    assert seed.value(WD.Q30, rdflib.RDFS.label) == rdflib.Literal("United States of America", lang="en")
    assert not [o for o in seed.objects(None, rdflib.RDFS.label) if o.language != "en"], "no label but English"


def test_the_build_loads_the_snapshot_into_its_own_graph(store, built):
    info = json.loads((built.build_dir / "build-info.json").read_text(encoding="utf-8"))
    items = curated_links()["items"]
    assert info["wikidata_snapshot"].startswith(f"{items} triples about {items} items (offline seed")
    rows = rows_of(run_query(store, f"""
        SELECT ?label WHERE {{ GRAPH <{GRAPH_WIKIDATA}> {{ <{vocab.WD}Q1764511> ?p ?label }} }}"""))
    assert rows == [("G7",)]


# ------------------------------------------------------------------------------------------ a live refresh


def test_refresh_from_a_real_sparql_server(tmp_path, cli, wikidata_fixture_endpoint):
    data = copy_data(tmp_path)
    code, out, err = cli(*refresh_args(data, wikidata_fixture_endpoint))
    assert code == 0, err
    assert "queries (0 from the cache, 0 retries)" in out
    snapshot = rdflib.Graph().parse(data / "wikidata" / SNAPSHOT_FILE)
    assert (WD.Q17, rdflib.RDFS.label, rdflib.Literal("日本", lang="ja")) in snapshot
    assert (WD.Q17, rdflib.RDFS.label, rdflib.Literal("Japon", lang="fr")) not in snapshot  # en,ja only
    assert set(snapshot.objects(WD.Q30, WDT.P463)) == {WD.Q7184, WD.Q1764511}
    assert (WD.Q3624078, rdflib.RDFS.label, rdflib.Literal("主権国家", lang="ja")) in snapshot  # a named class
    assert WD.Q99999 not in set(snapshot.subjects()), "only linked items and what they name"
    statement = snapshot.value(WD.Q6279, rdflib.URIRef(vocab.WDP + "P39"))
    assert snapshot.value(statement, rdflib.URIRef(vocab.WDPS + "P39")) == WD.Q11696
    assert str(snapshot.value(statement, rdflib.URIRef(vocab.WDPQ + "P582"))).startswith("2025-01-20")
    provenance = (data / "wikidata" / PROVENANCE_FILE).read_text(encoding="utf-8")
    assert '"live refresh"' in provenance and wikidata_fixture_endpoint in provenance
    assert "prov:generatedAtTime" in provenance
    for name in (SNAPSHOT_FILE, PROVENANCE_FILE):  # deterministic serialisation, here too
        path = data / "wikidata" / name
        assert serialise(rdflib.Graph().parse(path, format="turtle")) == path.read_bytes()


def test_refreshed_snapshot_builds_and_answers_in_japanese(tmp_path, cli, wikidata_fixture_endpoint):
    from kg.build import build
    from kg.query.catalogue import bind, find
    from kg.query.store import open_oxigraph

    data = copy_data(tmp_path)
    assert cli(*refresh_args(data, wikidata_fixture_endpoint))[0] == 0
    settings = make_settings(tmp_path / "build", data_dir=data)
    result = build(settings)
    assert "live refresh from http://127.0.0.1:" in result.info["wikidata_snapshot"]
    store = open_oxigraph(settings.dataset_file)
    agents = rows_of(run_query(store, f"""
        SELECT DISTINCT ?agent ?label WHERE {{ ?activity <{vocab.PROV}wasAssociatedWith> ?agent .
          ?agent <{vocab.RDFS}label> ?label }}"""))
    software = [row for row in agents if "software/japan-security-kg/" in row[0]]
    assert len(software) == 1, f"the loader and the refresh name this software alike: {software}"
    for name, expected_file, params in (("partner-labels", "partner-labels-ja", {"language": "ja"}),
                                        ("partner-memberships", "partner-memberships", {})):
        query = find(ROOT / "queries", name)
        expected = json.loads((ROOT / "tests" / "expected" / "wikidata-fixture" / f"{expected_file}.json"
                               ).read_text(encoding="utf-8"))
        results = run_query(store, query.text, bind(query, params))
        assert results.variables == expected["variables"]
        assert [list(r) for r in rows_of(results)] == expected["rows"], name


def test_the_cache_answers_when_the_endpoint_is_gone(tmp_path, cli, fault_server):
    data, cache = copy_data(tmp_path), tmp_path / "cache"
    args = ("wikidata", "refresh", "--data", str(data), "--cache", str(cache), "--no-progress")
    code, out, err = cli(*args, "--endpoint", fault_server.base + "/sparql")
    assert code == 0, err
    assert "(0 from the cache" in out and len(list(cache.iterdir())) >= 5
    first = (data / "wikidata" / SNAPSHOT_FILE).read_bytes()
    fault_server.faults["/sparql"] = ("unavailable", 100)  # the endpoint is down now
    code, out, err = cli(*args, "--endpoint", fault_server.base + "/sparql")
    assert code == 0, err
    assert "queries (" in out and "retries)" in out
    queries = int(out.split(" queries (")[0].rsplit(" ", 1)[1])
    assert f"({queries} from the cache, 0 retries)" in out
    assert (data / "wikidata" / SNAPSHOT_FILE).read_bytes() == first
    code, _, err = cli(*args, "--endpoint", fault_server.base + "/sparql", "--cache-max-age", "0",
                       "--retries", "0")
    assert code == 3 and "answered 503" in err


def test_the_user_agent_names_the_tool_and_the_contact(cli, tmp_path, fault_server):
    data = copy_data(tmp_path)
    assert cli(*refresh_args(data, fault_server.base + "/sparql", "--contact", "kg@example.org"))[0] == 0
    agents = {headers.get("User-Agent") for _, headers in fault_server.requests}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith("japan-security-kg/") and "kg@example.org" in agent and "SPARQLWrapper/" in agent
    assert agent == user_agent("kg@example.org")


# ------------------------------------------------------------------------------------------ faults


def test_429_then_success_waits_as_asked(tmp_path, cli, fault_server):
    data = copy_data(tmp_path)
    fault_server.faults["/sparql"] = ("too-many", 1)  # Retry-After: 1
    started = time.monotonic()
    code, out, err = cli(*refresh_args(data, fault_server.base + "/sparql"))
    assert code == 0, err
    assert "1 retries" in out
    assert time.monotonic() - started >= 1.0, "it waited as Retry-After asked"


FAULTS = {
    # path behaviour -> (extra arguments, words the message must contain)
    "policy": ((), "answered 200 with text/plain, not SPARQL JSON results; it begins: 'Please set a user-agent"),
    "policy-as-json": ((), "the answer is malformed JSON"),
    "truncated": ((), "the answer is truncated JSON"),
    "hang": (("--timeout", "1"), "sent no complete answer within 1 s (--timeout)"),
    # issue 12: what a refresh once trusted
    "trickle": (("--timeout", "2"), "sent no complete answer within 2 s (--timeout)"),
    "empty": ((), f"answered no label for any of the {curated_links()['items']} items asked about; "
                   "an empty answer is not a snapshot"),
    "unasked": ((), "the endpoint answered about http://www.wikidata.org/entity/Q999999, which was not asked for"),
    "literal-item": ((), "?item must be an IRI, but the endpoint answered"),
    "script-label": ((), "a label that is not a name (markup, control characters or 400+ characters)"),
    "invalid-iri": ((), "?item must be an IRI, but the endpoint answered"),
    "missing-variable": ((), "a result row lacks ?label"),
    "deep-json": ((), "the answer is JSON nested too deeply to be SPARQL results"),
    "too-many": (("--retries", "0"), "answered 429 (Too Many Requests) 1 time(s); gave up after 0 retries"),
    "too-many-for-long": ((), "asks to retry after 3600 s, more than --max-wait 120 s"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_refresh_leaves_the_old_snapshot_and_says_why(fault, tmp_path, cli, fault_server):
    data = copy_data(tmp_path)
    before = digest(data)
    fault_server.faults["/sparql"] = (fault, 100)
    extra, words = FAULTS[fault]
    started = time.monotonic()
    code, out, err = cli(*refresh_args(data, fault_server.base + "/sparql", *extra))
    assert code == 3, (out, err)
    assert err.startswith("kg wikidata: the remote endpoint failed\n")
    assert words in err
    assert digest(data) == before, "a failed refresh must leave the old snapshot intact"
    assert not [p for p in (data / "wikidata").iterdir() if p.name.startswith(".")], "no temporary files left"
    assert time.monotonic() - started < 10


def test_connection_refused(tmp_path, cli):
    from .servers import free_port

    data = copy_data(tmp_path)
    before = digest(data)
    code, _, err = cli(*refresh_args(data, f"http://127.0.0.1:{free_port()}/sparql"))
    assert code == 3
    assert "cannot reach http://127.0.0.1:" in err and "Connection refused" in err
    assert digest(data) == before


def test_usage_errors_are_exit_2_and_send_nothing(tmp_path, cli):
    data = copy_data(tmp_path)
    code, _, err = cli("wikidata", "refresh", "--data", str(data), "--no-progress")
    assert code == 2 and "pass --contact EMAIL_OR_URL or set KG_WIKIDATA_CONTACT" in err
    code, _, err = cli(*refresh_args(data, "ftp://example.org/sparql"))
    assert code == 2 and "--endpoint must be an http(s) URL" in err
    with pytest.raises(InputError, match="is not a language tag"):
        check_options(RefreshOptions(endpoint="http://127.0.0.1:1/", languages=("ja", 'x" }')))


# ------------------------------------------------------------------------------------------ units


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("7") == 7.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_client_waits_exactly_what_retry_after_asks(fault_server):
    waits: list[float] = []
    fault_server.faults["/sparql"] = ("too-many", 2)
    client = Client(RefreshOptions(endpoint=fault_server.base + "/sparql", sleep=waits.append, progress=False))
    rows = client.select("SELECT ?item ?label WHERE { <http://www.wikidata.org/entity/Q17> "
                         "<http://www.w3.org/2000/01/rdf-schema#label> ?label BIND(1 AS ?item) }", ["item", "label"])
    assert waits == [1.0, 1.0] and client.retries == 2 and len(rows) == 3


def test_backoff_without_retry_after_doubles(fault_server):
    waits: list[float] = []
    fault_server.faults["/sparql"] = ("unavailable", 3)
    client = Client(RefreshOptions(endpoint=fault_server.base + "/sparql", sleep=waits.append, backoff=0.5,
                                   retries=3))
    client.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", ["s"])
    assert waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("body, content_type, words", [
    (b"<html>Service down</html>", "text/html", "answered 200 with text/html"),
    (b'{"head": {"vars": ["x"]}}', "application/json", "not SPARQL results"),
    (b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}', "application/sparql-results+json",
     "lack the variable(s) item"),
    (b'{"head": {"vars": ["item"]}, "results": {"bindings": [{"item": "Q17"}]}}', None, "not a SPARQL JSON binding"),
    (b"\xff\xfe", None, "not UTF-8"),
])
def test_body_checks(body, content_type, words):
    with pytest.raises(RemoteError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_results(body, content_type, ["item"])


def test_an_http_error_that_is_not_worth_retrying(tmp_path, cli, wikidata_fixture_endpoint):
    data = copy_data(tmp_path)
    code, _, err = cli(*refresh_args(data, wikidata_fixture_endpoint.replace("/query", "/nowhere")))
    assert code == 3 and ("refused the query" in err or "answered 404" in err), err


def test_tables_align_japanese_labels():
    import pyoxigraph as ox

    from kg.query.store import Results
    from kg.query.table import display_width, render

    table = render(Results(["label", "x"], [{"label": ox.Literal("アメリカ合衆国"), "x": ox.Literal("1")},
                                            {"label": ox.Literal("Canada"), "x": ox.Literal("2")}]))
    lines = table.splitlines()[:-1]
    assert len({display_width(line) for line in lines}) == 1, table  # every line as wide as the rules
    assert display_width("日本") == 4 and display_width("Japan") == 5
