"""Tabular sources (kg/sources/tabular.py): a small CSV of the tests' own, read through a mapping of its own.

tests/fixtures/valid/table-source maps an invented table of pacts (tests/fixtures/texts/tables/pacts.csv)
the way ATOP's member rows are mapped: members, dates of day, month and year precision, an open end,
directed obligations toward every partner whose membership overlaps, and the absence a 0 states. What
the graph must hold is computed here from the CSV by plain Python, not written in; every asserted triple
must be evidenced by its row (the row's text, its offsets in the file, the file's SHA-256). A mapping or
a table that is wrong fails with the file, the line (and the column) and what is wrong, and writes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.build import build
from kg.config import Settings
from kg.errors import InputError
from kg.query.store import open_oxigraph

from .conftest import FIXTURE_TEXTS, FIXTURES, ROOT, make_settings, rows_of, run_query, shared_text_path

TABLE_SOURCE = FIXTURES / "valid" / "table-source"
PACTS = FIXTURE_TEXTS / "tables" / "pacts.csv"
TABLE_GRAPH = ox.NamedNode(vocab.source_graph("table-source"))
KINDS = {"defends": "kindDefence", "consults": "kindConsultation"}
PREFIXES = f"""PREFIX kgo: <{vocab.KGO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


# ------------------------------------------------------------------------------ what the CSV says


def entity(entity_id: str) -> ox.NamedNode:
    return ox.NamedNode(vocab.entity_iri(entity_id))


def _bound(year: str, month: str, day: str, latest: bool) -> date:
    """The earliest (or latest) day a date of the CSV may be, its 0 or empty parts unknown."""
    y = int(year)
    m = int(month) if month not in ("", "0") else (12 if latest else 1)
    if day not in ("", "0"):
        return date(y, m, int(day))
    if not latest:
        return date(y, m, 1)
    return date(y, 12, 31) if m == 12 else date(y, m + 1, 1).fromordinal(date(y, m + 1, 1).toordinal() - 1)


def pact_rows() -> list[dict[str, str]]:
    with PACTS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_obligations() -> set[tuple[str, str, str]]:
    """(obligor, beneficiary, kind) for every member that promises a kind to a partner of its pact whose
    membership overlaps its own (an open end is open)."""
    rows = pact_rows()
    periods = [(_bound(r["signed_year"], r["signed_month"], r["signed_day"], False),
                date.max if r["in_force"] == "1" else _bound(r["left_year"], r["left_month"], r["left_day"], True))
               for r in rows]
    found = set()
    for i, a in enumerate(rows):
        for j, b in enumerate(rows):
            if i == j or a["pact"] != b["pact"]:
                continue
            if periods[i][0] <= periods[j][1] and periods[j][0] <= periods[i][1]:
                found |= {(a["member"], b["member"], kind) for column, kind in KINDS.items() if a[column] == "1"}
    return found


# ------------------------------------------------------------------------------ the build


@pytest.fixture(scope="module")
def table_build(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("table"), extra_sources=[TABLE_SOURCE])
    result = build(settings)
    return settings, result, open_oxigraph(settings.dataset_file)


def test_every_row_is_read_and_counted(table_build):
    _, result, _ = table_build
    info = result.info["sources"]["table-source"]
    assert info["facts"] == len(pact_rows())
    assert info["text_sha256"] == hashlib.sha256(PACTS.read_bytes()).hexdigest()
    assert info["quotes"] == "rows of the table, its sha256 checked"


def test_directed_obligations_are_those_of_overlapping_partners(table_build):
    _, _, store = table_build
    rows = rows_of(run_query(store, PREFIXES + """
        SELECT ?obligor ?beneficiary ?kind WHERE {
          GRAPH ?_graph { ?o a kgo:Obligation ; kgo:obligor ?a ; kgo:beneficiary ?b ; kgo:obligationKind ?k }
          BIND(STRAFTER(STR(?a), "/id/state/") AS ?obligor) BIND(STRAFTER(STR(?b), "/id/state/") AS ?beneficiary)
          BIND(STRAFTER(STR(?k), "#") AS ?kind)
        }""", {"_graph": TABLE_GRAPH}))
    want = expected_obligations()
    assert set(rows) == want
    assert len(rows) == len(want)  # one node per directed obligation
    # the negative case the fixture was written for: Canada left P2 before France joined it
    assert ("canada", "france", "kindConsultation") not in want and ("france", "canada", "kindConsultation") not in want


def test_a_zero_is_a_stated_absence_scoped_to_its_pact(table_build):
    _, _, store = table_build
    rows = rows_of(run_query(store, PREFIXES + """
        SELECT ?obligor ?pact WHERE {
          ?x a kgo:StatedAbsenceOfObligation ; kgo:obligor ?a ; kgo:obligationKind kgo:kindDefence ; kgo:notCreatedBy ?p
          BIND(STRAFTER(STR(?a), "/id/state/") AS ?obligor) BIND(STRAFTER(STR(?p), "/id/agreement/") AS ?pact)
        } ORDER BY ?obligor ?pact"""))
    want = sorted((r["member"], f"example-{r['pact'].lower()}") for r in pact_rows() if r["defends"] == "0")
    assert rows == want


def test_dates_keep_the_precision_the_row_gives(table_build):
    """P1: Japan signed in April 1999 (no day: month precision); the UK on 2 April 1999 and left in 2004 (a
    year). Japan's defence of the UK runs from the later entry (the UK's day) to the earlier exit (the UK's)."""
    _, _, store = table_build
    rows = rows_of(run_query(store, PREFIXES + """
        SELECT ?which ?label ?precision WHERE {
          { ?_m kgo:startedAt ?t BIND("japan entry" AS ?which) }
          UNION { ?_o kgo:startedAt ?t BIND("obligation start" AS ?which) }
          UNION { ?_o kgo:endedAt ?t BIND("obligation end" AS ?which) }
          ?t rdfs:label ?label ; kgo:datePrecision ?p BIND(STRAFTER(STR(?p), "#") AS ?precision)
        } ORDER BY ?which""", {"_m": entity("membership/example-p1-japan"),
                                 "_o": entity("obligation/example-p1-japan-united-kingdom-defence")}))
    assert rows == [("japan entry", "1999-04", "unitMonth"), ("obligation end", "2004", "unitYear"),
                    ("obligation start", "1999-04-02", "unitDay")]
    ends = rows_of(run_query(store, PREFIXES + "SELECT ?m WHERE { ?m a kgo:AllianceMembership ; kgo:endedAt ?t } "
                                               "ORDER BY ?m"))
    # Japan's memberships are in force (no end); the UK's ended in 2004, Canada's in 2002
    assert [m.rpartition("/")[2] for (m,) in ends] == ["example-p1-united-kingdom", "example-p2-canada"]


def test_every_asserted_triple_is_evidenced_by_its_row(table_build):
    """The row's text as the quote, at its offsets in the file; a triple of two rows (a directed
    obligation's dates) by both."""
    _, _, store = table_build
    text = PACTS.read_text(encoding="utf-8")
    lines = text.splitlines()
    evidence = rows_of(run_query(store, PREFIXES + """
        SELECT ?triple ?factId ?exact ?start ?end WHERE {
          GRAPH ?prov { ?triple kgo:assertedIn ?_graph }
          ?fact oa:hasBody ?triple ; kgo:factId ?factId ; oa:hasTarget ?target .
          ?target oa:hasSelector ?q , ?p . ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end .
        }""", {"_graph": TABLE_GRAPH}))
    asserted = run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?_graph { ?s ?p ?o } }", {"_graph": TABLE_GRAPH})
    assert len({r[0] for r in evidence}) == int(rows_of(asserted)[0][0])
    for _, fact_id, exact, start, end in evidence:
        line = int(fact_id.removeprefix("row-"))
        assert exact == lines[line - 1] == text[int(start):int(end)]


# ------------------------------------------------------------------------------ bad mappings and tables


def broken_copy(tmp_path: Path, mapping=None, table=None) -> Settings:
    """The fixture source copied, its mapping or table text changed (the table's sha256 recorded anew)."""
    source = tmp_path / "table-source"
    shutil.copytree(TABLE_SOURCE, source)
    texts = tmp_path / "texts"
    (texts / "tables").mkdir(parents=True)
    table_text = PACTS.read_text(encoding="utf-8")
    if table:
        table_text = table(table_text)
        meta = (source / "source.yaml").read_text(encoding="utf-8")
        digest = hashlib.sha256(table_text.encode("utf-8")).hexdigest()
        (source / "source.yaml").write_text(meta.replace(hashlib.sha256(PACTS.read_bytes()).hexdigest(), digest),
                                            encoding="utf-8")
    (texts / "tables" / "pacts.csv").write_text(table_text, encoding="utf-8")
    if mapping:
        path = source / "mapping.yaml"
        path.write_text(mapping(path.read_text(encoding="utf-8")), encoding="utf-8")
    settings = make_settings(tmp_path / "build", extra_sources=[source])
    settings.text_path = [texts, *settings.text_path]
    return settings


def build_problems(settings: Settings) -> str:
    with pytest.raises(InputError) as caught:
        build(settings)
    assert not settings.dataset_file.exists()  # nothing half-written
    return str(caught.value)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_unknown_column_names_the_mapping_line(tmp_path):
    settings = broken_copy(tmp_path, mapping=lambda m: m.replace("when: {defends: 1}", "when: {defend: 1}"))
    message = build_problems(settings)
    mapping = tmp_path / "table-source" / "mapping.yaml"
    assert f"{mapping}:{line_of(mapping.read_text(), 'defend: 1')}" in message
    assert "defend" in message and "defends" in message  # the column it names, and the closest real one


def test_an_unknown_term_names_the_mapping_line(tmp_path):
    settings = broken_copy(tmp_path, mapping=lambda m: m.replace("obligationKind: kindConsultation",
                                                                 "obligationKind: kindConsulting"))
    message = build_problems(settings)
    mapping = tmp_path / "table-source" / "mapping.yaml"
    assert f"{mapping}:{line_of(mapping.read_text(), 'kindConsulting')}" in message
    assert "kindConsulting" in message


def test_an_unknown_property_names_the_mapping_line(tmp_path):
    settings = broken_copy(tmp_path, mapping=lambda m: m.replace("      obligor: state/{member}\n      beneficiary",
                                                                 "      owedBy: state/{member}\n      beneficiary", 1))
    message = build_problems(settings)
    mapping = tmp_path / "table-source" / "mapping.yaml"
    assert f"{mapping}:{line_of(mapping.read_text(), 'owedBy')}" in message and "owedBy" in message


def test_a_value_that_does_not_parse_names_the_table_line_and_column(tmp_path):
    settings = broken_copy(tmp_path, table=lambda t: t.replace("P2,canada,2001,", "P2,canada,20O1,"))
    message = build_problems(settings)
    table = tmp_path / "texts" / "tables" / "pacts.csv"
    assert f"{table}:{line_of(table.read_text(), '20O1')}" in message
    assert "signed_year" in message and "20O1" in message


def test_a_code_the_mapping_does_not_list_names_the_table_line_and_column(tmp_path):
    settings = broken_copy(tmp_path, table=lambda t: t.replace("P1,united-kingdom,1999,4,2,2004,0,0,0,0,1,1,",
                                                               "P1,united-kingdom,1999,4,2,2004,0,0,0,0,1,7,"))
    message = build_problems(settings)
    table = tmp_path / "texts" / "tables" / "pacts.csv"
    assert f"{table}:{line_of(table.read_text(), ',1,7,')}" in message
    assert "consult_on_request" in message and "'7'" in message


def test_a_changed_table_is_refused_by_its_hash(tmp_path):
    settings = broken_copy(tmp_path)
    (tmp_path / "texts" / "tables" / "pacts.csv").write_text(PACTS.read_text(encoding="utf-8") + "P3,japan,2010,0,0,"
                                                            "0,0,0,1,1,1,0,Third\n", encoding="utf-8")
    message = build_problems(settings)
    assert "sha256" in message and str(tmp_path / "table-source" / "source.yaml") in message


# ------------------------------------------------------------------------------ without the table


def test_a_build_without_the_table_skips_it_and_says_so(tmp_path, monkeypatch, capsys):
    """A table not on the search path (the published datasets are never committed): the build goes on
    without it, and says which source it skipped and why, in its output and in build-info.json."""
    import json

    from kg.cli import main

    monkeypatch.setenv("KG_HOME", str(ROOT))
    monkeypatch.setenv("KG_TEXTS", "")
    source = tmp_path / "table-source"
    shutil.copytree(TABLE_SOURCE, source)
    meta = source / "source.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("tables/pacts.csv", "tables/not-here.csv"),
                    encoding="utf-8")
    out = tmp_path / "build"
    argv = ["build", "--build", str(out), "--add-source", str(source), "--no-validate"]
    for sid in ("bloomberg-2023-01-japan-looks-beyond-us-alliance", "reference-memberships", "reference-notes",
                "reference-tour-2023-01", "reference-wikidata-ids"):
        argv += ["--source", sid]
    code = main(argv)
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    said = stdout + stderr
    assert "table-source" in said and "tables/not-here.csv" in said and "skipped" in said
    info = json.loads((out / "build-info.json").read_text(encoding="utf-8"))
    assert "table-source" in info["skipped_sources"] and "table-source" not in info["sources"]
    assert info["sources"]  # the rest was built


def test_the_shared_datasets_are_skipped_when_asked(tmp_path, monkeypatch):
    """KG_SKIP_DATASETS (set for the test session) leaves ../shared/datasets off the search path, so a
    build of the data directory skips ATOP, DCAD and COW, names them and builds the rest."""
    assert not any(d.name == "datasets" for d in shared_text_path())
    settings = make_settings(tmp_path / "build", only_sources=None)
    result = build(settings, validate=False)
    skipped = result.info["skipped_sources"]
    tables = sorted(p.parent.name for p in (ROOT / "data" / "sources").glob("*/source.yaml")
                    if "table:" in p.read_text(encoding="utf-8"))
    assert tables and sorted(skipped) == tables
    assert all("not on the search path" in why for why in skipped.values())
    assert "atop-codesheet-3375" in result.info["sources"]  # the coding sheets are texts, not tables


def test_csv_reader_offsets_cover_quoted_line_breaks():
    from kg.sources.tabular import read_records

    text = 'a,b\n1,"two\nlines"\n3,x\n'
    header, records = read_records(text, ",")
    assert header == ["a", "b"]
    assert [(r.line, r.cells) for r in records] == [(2, ["1", "two\nlines"]), (4, ["3", "x"])]
    assert [text[r.start:r.end] for r in records] == ['1,"two\nlines"', "3,x"]
    assert list(csv.reader(io.StringIO(text)))[1:] == [r.cells for r in records]
