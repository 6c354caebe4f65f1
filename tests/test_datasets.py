"""The published datasets (ATOP 5.1, DCAD 1.0, the COW state list) and ATOP's coding sheets, built whole.

One build of everything in data/ with ../shared/datasets on the search path, made once per session
(``dataset_build``: about two minutes on two cores, unloaded; the other tests leave the datasets out,
tests/conftest.py). What the graph must say is computed here from the CSV files themselves, never
written in: the rows each source reads, Japan's alliances on 1 January 1941 as ATOP's member rows give
them, ATOP's coding of the 1960 US–Japan treaty. The tables are never committed (copyright): without
them these tests are skipped, and fail where KG_REQUIRE_TEXTS is set (CI).
"""

from __future__ import annotations

import calendar
import csv
import os
from datetime import date
from pathlib import Path

import pytest

from kg import vocab
from kg.build import build
from kg.config import Settings
from kg.query.catalogue import bind
from kg.query.store import open_oxigraph

from .conftest import FIXTURE_TEXTS, ROOT, rows_of, run_query, shared_text_path
from .expected_rows import QUERIES

KINDS = {"defense": "defence", "offense": "offence", "neutral": "neutrality", "nonagg": "non-aggression",
         "consul": "consultation"}
TABLES = {"atop-5-1-members": "atop-5.1/atop5_1m.csv", "atop-5-1-alliances": "atop-5.1/atop5_1a.csv",
          "atop-5-1-phases": "atop-5.1/atop5_1aph.csv", "dcad-1-0": "dcad-1.0/DCAD-v1.0-main.csv",
          "cow-states-2016": "cow-states-2016/states2016.csv"}
CODING_SHEETS = ("atop-codesheet-1415-1", "atop-codesheet-3220", "atop-codesheet-3375", "atop-codesheet-3815")


def datasets_dir() -> Path:
    """../shared/datasets beside the project; skip (or fail in CI) when it is not there."""
    directory = ROOT.parent / "shared" / "datasets"
    if all((directory / t).is_file() for t in TABLES.values()):
        return directory
    message = f"needs the published datasets (never committed): {directory} lacks {', '.join(TABLES.values())}"
    if os.environ.get("KG_REQUIRE_TEXTS"):
        pytest.fail(message)
    pytest.skip(message)


def read_table(name: str) -> list[dict[str, str]]:
    with (datasets_dir() / TABLES[name]).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def dataset_build(tmp_path_factory) -> Settings:
    """Everything in data/, the datasets included, built once: without the OWL 2 RL entailments (which
    cover the curated sources only, and are tested on them) and without SHACL and the quality checks
    (which `kg build` runs on the whole graph, benchmarks/real_graph.py; here they would double the
    build's two minutes)."""
    directory = datasets_dir()
    settings = Settings(root=ROOT, build_dir=tmp_path_factory.mktemp("datasets"),
                        text_path=[*shared_text_path(), directory, FIXTURE_TEXTS])
    build(settings, validate=False)
    return settings


@pytest.fixture(scope="session")
def dataset_store(dataset_build):
    return open_oxigraph(dataset_build.dataset_file)


def run_stored(store, name: str, **params: str):
    query = QUERIES[name]
    return run_query(store, query.text, bind(query, params))


# ------------------------------------------------------------------------------ what was read


def test_the_build_reads_every_dataset_and_the_coding_sheets(dataset_build):
    import json

    info = json.loads(dataset_build.build_info_file.read_text(encoding="utf-8"))
    assert info["skipped_sources"] == {}
    for source_id in TABLES:
        read = info["sources"][source_id]
        ignored = read.get("rows_describing_nothing", {}).get("count", 0)
        assert read["facts"] + ignored == len(read_table(source_id)), source_id
        assert read["asserted_triples"] > 0
    for sheet in CODING_SHEETS:
        assert info["sources"][sheet]["quotes"] == "verified against the text"
    # what a row makes nothing of is what the mappings say: ATOP's phase 0 rows (the alliance itself) ...
    phases = read_table("atop-5-1-phases")
    assert info["sources"]["atop-5-1-phases"]["facts"] == sum(r["phase"] != "0" for r in phases)
    # ... and DCAD's rows that name one state as both parties
    dcad = read_table("dcad-1-0")
    assert info["sources"]["dcad-1-0"]["facts"] == sum(r["ccode1"] != r["ccode2"] for r in dcad)


# ------------------------------------------------------------------------------ alliances-of, from the rows


def _day(year: str, month: str, day: str, latest: bool) -> date:
    y, m = int(year), int(month) if month not in ("", "0") else 0
    if not m:
        return date(y, 12, 31) if latest else date(y, 1, 1)
    if day in ("", "0"):
        return date(y, m, calendar.monthrange(y, m)[1]) if latest else date(y, m, 1)
    return date(y, m, int(day))


def _since(row: dict[str, str]) -> str:
    """The entry as the queries show a start: a day, or the first..last day of its month or year."""
    first = _day(row["yrent"], row["moent"], row["dayent"], latest=False)
    last = _day(row["yrent"], row["moent"], row["dayent"], latest=True)
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def atop_alliances_of(member: str, on: date) -> set[tuple[str, str, str, str, str, str]]:
    """(atopid, member code, kind, yes/no, certainty, since) from ATOP's member rows: every alliance in
    which ``member``'s row may hold on ``on``, every member whose row may hold then, each of the five
    kinds as the row codes it (1 promised, 0 not). A row holds from its entry to its exit (none when
    the alliance is in effect); "certainly" when the entry must have come and the exit cannot have."""
    rows = read_table("atop-5-1-members")

    def possibly(r) -> bool:
        if _day(r["yrent"], r["moent"], r["dayent"], latest=False) > on:
            return False
        return r["ineffect"] == "1" or _day(r["yrexit"], r["moexit"], r["dayexit"], latest=True) > on

    def certainly(r) -> bool:
        return _day(r["yrent"], r["moent"], r["dayent"], latest=True) <= on and (
            r["ineffect"] == "1" or _day(r["yrexit"], r["moexit"], r["dayexit"], latest=False) > on)

    alliances = {r["atopid"] for r in rows if r["member"] == member and possibly(r)}
    return {(r["atopid"], r["member"], kind, "yes" if r[column] == "1" else "no",
             "certainly" if certainly(r) else "possibly", _since(r))
            for r in rows if r["atopid"] in alliances and possibly(r)
            for column, kind in KINDS.items() if r[column] in ("0", "1")}


def test_alliances_of_japan_on_1_january_1941_are_atops_rows_for_that_date(dataset_store):
    """The issue's question: who had pledged to defend Japan, and under which alliances, on 1941-01-01."""
    want = atop_alliances_of("740", date(1941, 1, 1))
    got = {(r[2], r[5], r[6], r[7], r[8], r[9])
           for r in rows_of(run_stored(dataset_store, "alliances-of", state="state/japan", asOf="1941-01-01"))}
    assert got == want
    assert {("2515", "255", "defence", "yes")} <= {w[:4] for w in want}  # the Tripartite Pact: Germany's pledge


@pytest.mark.parametrize("on", ["1960-06-30", "1902-06-01", "2018-12-31"])
def test_alliances_of_japan_match_atop_on_other_dates(dataset_store, on):
    """The same comparison on the day the 1960 treaty came into force, under the Anglo-Japanese alliance,
    and on the last day ATOP 5.1 covers."""
    want = atop_alliances_of("740", date.fromisoformat(on))
    got = {(r[2], r[5], r[6], r[7], r[8], r[9])
           for r in rows_of(run_stored(dataset_store, "alliances-of", state="state/japan", asOf=on))}
    assert got == want and want


# ------------------------------------------------------------------------------ the 1960 treaty as ATOP codes it


def test_the_1960_treaty_as_atop_codes_it(dataset_store):
    """ATOP 3375: the United States owes Japan defence; Japan's row codes no defence obligation, which the
    graph holds as a stated absence scoped to the alliance (ATOP's 0)."""
    rows = {r["member"]: r for r in read_table("atop-5-1-members") if r["atopid"] == "3375"}
    assert (rows["2"]["defense"], rows["740"]["defense"]) == ("1", "0")
    got = {(r[5], r[6], r[7]) for r in rows_of(run_stored(dataset_store, "alliances-of", state="state/japan",
                                                               asOf="2000-01-01")) if r[2] == "3375"}
    assert ("2", "defence", "yes") in got and ("740", "defence", "no") in got
    assert ("740", "defence", "yes") not in got


def test_the_us_defence_obligation_has_the_article_atops_row_and_article_v_as_evidence(dataset_store):
    results = run_stored(dataset_store, "evidence-for", entity="obligation/us-defence-pledge-to-japan")
    quotes = {}
    for row in rows_of(results):
        record = dict(zip(results.variables, row, strict=True))
        quotes.setdefault(record["source"], set()).add(record["quote"])
    us_row = next(r for r in read_table("atop-5-1-members") if r["atopid"] == "3375" and r["member"] == "2")
    atop_text = (datasets_dir() / TABLES["atop-5-1-members"]).read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(atop_text, 1) if text.startswith("3375,") and
                next(csv.reader([text])) == list(us_row.values()))
    assert quotes["atop-5-1-members"] == {atop_text[line - 1]}
    assert any(q.startswith("Defense. Article V:") and "act to meet the common danger" in q  # cells: spaces folded
               for q in quotes["atop-codesheet-3375"])
    assert any("treaty pledges to help defend Japan" in q
               for q in quotes["bloomberg-2023-01-japan-looks-beyond-us-alliance"])


# ------------------------------------------------------------------------------ states


def test_cow_codes_resolve_to_the_registrys_states(dataset_store):
    rows = dict(rows_of(run_query(dataset_store, """
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        SELECT ?code ?state WHERE { ?s kgo:cowCode ?code BIND(STRAFTER(STR(?s), "/id/") AS ?state) }""")))
    assert (rows["740"], rows["2"], rows["200"]) == ("state/japan", "state/united-states", "state/united-kingdom")
    cow_codes = {r["ccode"] for r in read_table("cow-states-2016")}
    assert cow_codes <= set(rows)  # one entity per COW code
    assert len(set(rows.values())) == len(rows)  # and never two codes for one entity
    members = {r["member"] for r in read_table("atop-5-1-members")}
    assert members - cow_codes == {"8152"}  # ATOP's Annam (codebook 2.6, note 18): a registry state
    assert rows.get("8152") is None or rows["8152"].startswith("state/")


# ------------------------------------------------------------------------------ the timeline chart


def test_the_committed_timeline_chart_is_drawn_from_this_graph(dataset_store):
    """docs/timeline.svg (in the README) records the digest of the data it was drawn from: `make regen`
    redraws it from a build with the datasets."""
    from kg.publish.timeline import load_timeline, recorded_digest

    chart = load_timeline(dataset_store)
    assert recorded_digest((ROOT / "docs" / "timeline.svg").read_bytes()) == chart.digest(), \
        "docs/timeline.svg is out of date with the graph: run `make regen` (with ../shared/datasets) and commit it"
    # every state ATOP or DCAD records in an arrangement with Japan is a row, Japan's first alliance first
    partners = {r.label for r in chart.rows}
    assert {"United Kingdom", "United States", "Germany", "Australia"} <= partners
    assert chart.years()[0] <= 1902


def test_the_committed_map_is_drawn_from_this_graph(dataset_build, dataset_store):
    """docs/partnership-map.svg records the digest of the DOT it was drawn from: `make regen` redraws it
    from a build of every source of data/, the datasets included (tests/test_diagram.py checks how the
    map is drawn, on the curated sources)."""
    from kg.publish.diagram import dot_source, recorded_digest
    from kg.publish.network import load_network

    network = load_network(dataset_store, dataset_build.queries_dir)
    assert recorded_digest((ROOT / "docs" / "partnership-map.svg").read_bytes()) == \
        recorded_digest(dot_source(network)), \
        "docs/partnership-map.svg is out of date with the graph: run `make regen` (with ../shared/datasets), commit it"


def test_the_map_and_the_site_cover_every_state_with_an_arrangement_with_japan(dataset_build, dataset_store):
    """The site's partner pages and the map are the network's partners (kg/publish/network.py): every
    state that is a party to an arrangement with Japan, from any source, is one."""
    from kg.publish.network import load_network
    from kg.publish.timeline import load_timeline

    parties = {r[0] for r in rows_of(run_query(dataset_store, """
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        SELECT DISTINCT ?state WHERE {
          ?arrangement kgo:party <https://w3id.org/japan-security-kg/id/state/japan> , ?state .
          ?arrangement a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* kgo:SecurityArrangement .
          ?state a kgo:State .
          FILTER(?state != <https://w3id.org/japan-security-kg/id/state/japan>)
        }"""))}
    network = load_network(dataset_store, dataset_build.queries_dir)
    assert {vocab.shorten(p.iri) for p in network.partners} == parties and len(parties) > 30
    assert {vocab.shorten(r.iri) for r in load_timeline(dataset_store).rows} == parties
