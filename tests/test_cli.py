"""The command line: every command, its output formats and its exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pyoxigraph as ox
import pytest

from kg.query.catalogue import catalogue

from .conftest import ARTICLE, ROOT
from .corpora import ARTICLE_SOURCE_ARGS

QUERY_NAMES = sorted(catalogue(ROOT / "queries"))


def test_queries_lists_every_stored_query_with_its_summary(cli):
    code, out, _ = cli("queries")
    assert code == 0
    for name in QUERY_NAMES:
        assert name in out
    assert "kg query agreements-with-partner --param partner=state/united-kingdom" in out


def test_query_table_is_readable(cli, built):
    code, out, _ = cli("query", "reciprocal-access-partners", "--build", str(built.build_dir))
    assert code == 0
    assert "| United Kingdom" in out and "1 row; not shown: partner," in out
    assert all(len(line) <= 200 for line in out.splitlines())


@pytest.mark.parametrize("fmt, parse_format", [("json", ox.QueryResultsFormat.JSON),
                                               ("csv", ox.QueryResultsFormat.CSV),
                                               ("tsv", ox.QueryResultsFormat.TSV)])
def test_w3c_result_formats_parse_back(built, capsysbinary, fmt, parse_format):
    from kg.cli import main

    capsysbinary.readouterr()
    assert main(["query", "partners-without-defence-pledge", "--format", fmt,
                 "--build", str(built.build_dir)]) == 0
    raw = capsysbinary.readouterr().out
    if fmt == "csv":  # lossy by design (no term types), so read it as plain RFC 4180 CSV
        import csv

        solutions = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))[1:]
    else:
        solutions = list(ox.parse_query_results(raw, format=parse_format))
    assert len(solutions) == 7
    if fmt == "json":
        document = json.loads(raw)
        assert document["head"]["vars"][:3] == ["partner", "partnerLabel", "pledgeStatus"]
    if fmt == "csv":
        assert raw.startswith(b"partner,partnerLabel,pledgeStatus,")
        assert b"\r\n" in raw  # RFC 4180 line ends, as the W3C CSV results format requires


def test_query_with_parameter_and_rdflib_engine(cli, built, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one line per row, so cells are not wrapped
    args = ["query", "agreements-with-partner", "--param", "partner=state/australia", "--build", str(built.build_dir)]
    fast = cli(*args)
    slow = cli(*args, "--engine", "rdflib")
    assert fast[0] == slow[0] == 0
    assert fast[1] == slow[1]
    assert "Japan–Australia defence agreement (2022)" in fast[1]


def test_evidence_command(cli, built):
    code, out, _ = cli("evidence", "state/philippines", "--build", str(built.build_dir), "--format", "tsv")
    assert code == 0
    assert "Closer to home, talks are also under way with the Philippines" in out


def test_sparql_from_standard_input_adds_known_prefixes(cli, built, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT (COUNT(*) AS ?n) WHERE { ?s a kgo:TourStop }"))
    code, out, _ = cli("sparql", "-", "--build", str(built.build_dir), "--format", "csv")
    assert code == 0
    assert out.splitlines()[1] == "5"


@pytest.mark.parametrize("fmt, rdf_format", [("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG),
                                             ("jsonld", ox.RdfFormat.JSON_LD), ("ttl", ox.RdfFormat.TURTLE),
                                             ("nt", ox.RdfFormat.N_TRIPLES),
                                             ("jsonld-expanded", ox.RdfFormat.JSON_LD)])
def test_export_round_trips(cli, built, tmp_path, fmt, rdf_format):
    out = tmp_path / f"graph.{fmt}"
    code, _, err = cli("export", "--format", fmt, "--out", str(out), "--build", str(built.build_dir))
    assert code == 0, err
    parsed = list(ox.parse(path=str(out), format=rdf_format))
    original = list(ox.parse(path=str(built.dataset_file), format=ox.RdfFormat.N_QUADS))
    if fmt in ("ttl", "nt"):  # Turtle and N-Triples have no graphs: the union of all graphs
        assert len({q.triple for q in parsed}) == len({q.triple for q in original})
    else:
        assert len(parsed) == len(original)
    second = tmp_path / f"again.{fmt}"
    cli("export", "--format", fmt, "--out", str(second), "--build", str(built.build_dir))
    assert second.read_bytes() == out.read_bytes(), "exports are deterministic"


def test_exit_codes_for_usage_and_input_errors(cli, built, tmp_path):
    assert cli("no-such-command")[0] == 2
    assert cli("query")[0] == 2
    code, _, err = cli("query", "partners-without-pledge", "--build", str(built.build_dir))
    assert code == 2 and "Did you mean 'partners-without-defence-pledge'?" in err
    code, _, err = cli("query", "agreements-with-partner", "--param", "partner", "--build", str(built.build_dir))
    assert code == 2 and "--param takes NAME=VALUE" in err
    code, _, err = cli("query", "evidence-for", "--param", "entity=state/atlantis", "--build", str(built.build_dir))
    assert code == 2 and "no entity 'state/atlantis' in the graph" in err
    code, _, err = cli("query", "evidence-for", "--param", "entity=state/atlantis", "--engine", "rdflib",
                       "--build", str(built.build_dir))
    assert code == 2 and "no entity 'state/atlantis' in the graph" in err  # not 0 rows on the reference engine
    code, _, err = cli("query", "tour-stops", "--build", str(tmp_path / "empty"))
    assert code == 2 and "run 'kg build' first" in err
    code, out, err = cli("query", "tour-stops", "--format", "csv", "--columns", "city", "--build",
                         str(built.build_dir))
    assert code == 2 and not out and "--columns: no column city (columns: date, countryLabel, cityLabel" in err
    code, _, err = cli("sparql", str(tmp_path / "missing.rq"), "--build", str(built.build_dir))
    assert code == 2 and "no such query file" in err


def test_sparql_syntax_error_is_an_input_error(cli, built, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT WHERE {", encoding="utf-8")
    code, _, err = cli("sparql", str(bad), "--build", str(built.build_dir))
    assert code == 2 and "SPARQL syntax error" in err


def test_console_script_and_python_module_entry_points(built):
    kg = ROOT / ".venv" / "bin" / "kg"
    exe = str(kg) if kg.exists() else "kg"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("kg 0.")
    module = subprocess.run([sys.executable, "-m", "kg", "query", "tour-stops", "--format", "csv",
                             "--build", str(built.build_dir)], capture_output=True, text=True, cwd=ROOT)
    assert module.returncode == 0, module.stderr
    assert "2023-01-12,Canada,Ottawa,Justin Trudeau" in module.stdout


def test_build_reports_what_it_did(cli, tmp_path):
    code, out, _ = cli("build", "--build", str(tmp_path))
    assert code == 0
    assert f"{ARTICLE}: {article_facts()} facts" in out
    assert "checks: SHACL and quality checks passed" in out


def test_columns_select_and_order_table_columns(cli, built, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = cli("query", "tour-stops", "--columns", "countryLabel,date", "--build", str(built.build_dir))
    assert code == 0
    assert out.splitlines()[1].split("|")[1:3] == [" countryLabel   ", " date       "]
    code, _, err = cli("query", "tour-stops", "--columns", "nope", "--build", str(built.build_dir))
    assert code == 2 and "no column nope" in err


def test_a_query_that_needs_entailments_refuses_a_build_without_them(cli, tmp_path):
    assert cli("build", "--build", str(tmp_path), *ARTICLE_SOURCE_ARGS)[0] == 0
    code, _, err = cli("query", "entailed-partnerships", "--build", str(tmp_path))
    assert code == 2 and "build with 'kg build --infer' first" in err


def test_renamed_queries_answer_to_their_former_names(cli, built):
    """One spelling (defence) across query names; the old names still work, with the same rows."""
    for old, new in (("partners-without-defense-pledge", "partners-without-defence-pledge"),
                     ("defense-pledges-to-japan", "defence-pledges-to-japan")):
        before = cli("query", old, "--format", "json", "--build", str(built.build_dir))
        after = cli("query", new, "--format", "json", "--build", str(built.build_dir))
        assert before[0] == after[0] == 0 and before[1] == after[1] and after[1]


def test_an_alias_may_not_shadow_a_query(tmp_path):
    from kg.errors import InputError
    from kg.query.catalogue import all_queries

    (tmp_path / "a.rq").write_text("#+ aliases: [b]\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (tmp_path / "b.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(InputError, match="b"):
        all_queries(tmp_path)


def article_facts() -> int:
    """How many facts the article's facts file holds (counted, not written in)."""
    import yaml

    path = ROOT / "data" / "sources" / ARTICLE / "facts.yaml"
    return len(yaml.safe_load(path.read_text(encoding="utf-8"))["facts"])


def test_a_build_caches_the_query_headers_and_an_edited_header_is_read_again(built, tmp_path):
    """kg build writes every stored query's parsed header (a cold kg query then skips PyYAML); a header is
    found by the SHA-256 of its text, so a query edited after the build is read from its file."""
    from kg.query.catalogue import header_cache, parse_query_file, read_header_cache

    cache = read_header_cache(built.query_headers_file)
    assert cache and cache == header_cache(ROOT / "queries")
    assert {h.get("summary") for h in cache.values()} >= {q.summary for q in catalogue(ROOT / "queries").values()}
    query = tmp_path / "q.rq"
    query.write_text("#+ summary: as written\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (key,) = header_cache(tmp_path)
    assert parse_query_file(query, {key: {"summary": "from the cache"}}).summary == "from the cache"
    query.write_text("#+ summary: edited\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert parse_query_file(query, {key: {"summary": "from the cache"}}).summary == "edited"


def test_a_missing_or_damaged_header_cache_is_ignored(tmp_path):
    from kg.query.catalogue import header_cache, read_header_cache, write_header_cache

    assert read_header_cache(tmp_path / "absent.json") == {}
    damaged = tmp_path / "damaged.json"
    for text in ("{not json", "[1, 2]", '{"k": 3}', '{"format": 0, "headers": {"k": {"summary": "x"}}}',
                 '{"k": {"summary": "a cache of before its format was written"}}', "[" * 100_000):
        damaged.write_text(text, encoding="utf-8")
        assert read_header_cache(damaged) == {}
    queries = tmp_path / "queries"
    (queries / "qc").mkdir(parents=True)
    (queries / "good.rq").write_text("#+ summary: good\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (queries / "bad-date.rq").write_text("#+ since: 2024-13-01\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (queries / "qc" / "not-utf8.rq").write_bytes(b"#+ summary: \xff\nSELECT * WHERE { ?s ?p ?o }\n")
    assert [h["summary"] for h in header_cache(queries).values()] == ["good"]  # the others never fail a build
    write_header_cache(queries, tmp_path / "cache.json")
    assert read_header_cache(tmp_path / "cache.json") == header_cache(queries)


@pytest.mark.parametrize("argv", [["query", "tour-stops"], ["evidence", "state/japan"]])
def test_the_cold_query_path_does_not_import_yaml(built, argv):
    """With the build's header cache, `kg query` and `kg evidence` import no PyYAML (about 17 ms of a cold start)."""
    code = ("import sys; from kg.cli import main; main(sys.argv[1:]); "
            "print('YAML', 'yaml' in sys.modules, file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code, *argv, "--format", "csv",
                          "--build", str(built.build_dir)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "YAML False" in run.stderr


def test_only_the_command_that_runs_is_parsed_and_others_are_still_reported(cli, built):
    """kg builds the parser of the command it runs; without a command, or with an unknown one, the whole
    parser answers (with every command's name)."""
    from kg.cli import build_parser

    assert build_parser("query")._subparsers._group_actions[0].choices.keys() == {"query"}
    code, _, err = cli("--debug", "query", "tour-stops", "--format", "csv", "--build", str(built.build_dir))
    assert code == 0
    code, _, err = cli("no-such-command")
    assert code == 2 and "'query'" in err and "'build'" in err
    code, _, err = cli("--debug")
    assert code == 2 and "COMMAND" in err
    code, out, _ = cli("-h", "query")  # help before the command: every command's
    assert code == 0 and "build" in out and "sparql" in out
