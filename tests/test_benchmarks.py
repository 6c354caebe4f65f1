"""The benchmark scripts still run (tiny sizes, short times): `make bench` must not rot unseen."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT


def _run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_synthetic_sources_build_and_answer(tmp_path):
    completed = _run("benchmarks/synthetic.py", str(tmp_path / "syn"), "--records", "40", "--per-source", "20")
    assert completed.returncode == 0, completed.stderr
    import json

    import yaml

    counts = json.loads(completed.stdout)
    written = sum(len(yaml.safe_load(p.read_text(encoding="utf-8"))["facts"])
                  for p in (tmp_path / "syn" / "data" / "sources").glob("*/facts.yaml"))
    assert counts == {"records": 40, "facts": written, "sources": 2} and written > 40
    from kg.build import build
    from kg.config import Settings

    settings = Settings(root=ROOT, data_dir=tmp_path / "syn" / "data", build_dir=tmp_path / "build",
                        text_path=[tmp_path / "syn" / "texts"])
    result = build(settings)  # checked: the synthetic shape passes SHACL and the quality checks
    assert result.quad_count > 12_000
    assert result.info["sources"]["synthetic-00000"]["quotes"] == "verified against the text"
    # partners without a Wikidata link get no Wikidata label (a regression seen at scale)
    from kg import run_stored_query
    from kg.query.table import cell_text

    rows = run_stored_query("partner-labels", settings=settings).rows
    synthetic = [r for r in rows if cell_text(r["partner"]).startswith("state/partner-")]
    assert synthetic and all(cell_text(r.get("labelSource")) == "not linked" and "wikidata" not in r
                             for r in synthetic)


def test_bench_writes_its_table(tmp_path):
    out = tmp_path / "results.md"
    completed = _run("benchmarks/bench.py", "--sizes", "10000", "--runs", "1", "--build-runs", "1", "--cap", "0.2",
                     "--queries", "partners-without-defence-pledge,timeline", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    table = out.read_text(encoding="utf-8")
    assert "| 10^4 |" in table and "`partners-without-defence-pledge`" in table and " ms / " in table
    assert "`timeline`" in table and "`tour-stops`" not in table  # --queries picks


def test_load_test_reports_no_errors(built):
    completed = _run("benchmarks/load.py", "--clients", "2", "--seconds", "2", "--build", str(built.build_dir))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "errors: 0" in completed.stdout and "queries/s" in completed.stdout


def test_reasoning_benchmark_prints_its_table(built):
    completed = _run("benchmarks/reasoning.py", "--sizes", "1", "--runs", "1", "--build", str(built.build_dir))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "consistency of the ontology alone" in completed.stdout
    inferred = json.loads(built.build_info_file.read_text(encoding="utf-8"))["inferred_triples"]
    assert "| 1x | " in completed.stdout and f"| {inferred} |" in completed.stdout  # the graph's RL entailments


def test_query_ab_compares_a_stored_query_with_its_text_at_a_revision(built):
    completed = _run("benchmarks/query_ab.py", "--build", str(built.build_dir), "--against", "HEAD", "--runs", "1",
                     "timeline")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("timeline: HEAD ") and " ms, now " in completed.stdout
    diff = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "queries/timeline.rq"], cwd=ROOT)
    unchanged = diff.returncode == 0
    if unchanged:  # the same text at HEAD and in the tree: the same rows
        assert completed.stdout.rstrip().endswith("the same rows"), completed.stdout
    unknown = _run("benchmarks/query_ab.py", "--build", str(built.build_dir), "no-such-query")
    assert unknown.returncode != 0 and "no stored query named 'no-such-query'" in unknown.stderr


def test_loader_benchmark_times_each_way_of_loading(built):
    completed = _run("benchmarks/loader.py", "--build", str(built.current_build), "--calls", "1,3")
    assert completed.returncode == 0, completed.stderr
    assert "named graphs only" in completed.stdout and "both (load_merged), 3 bulk load(s)" in completed.stdout


def test_floors_benchmark_prints_lookup_costs_and_cold_starts(built):
    completed = _run("benchmarks/floors.py", "--build", str(built.current_build), "--runs", "1")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    lookups = [line for line in lines if line.startswith(("?c kgo:beneficiary", "+ ?c "))]
    assert len(lookups) == 4 and "(the scan)" in lookups[0] and all("µs/row" in line for line in lookups[1:])
    for command in ("python -c pass", "import pyoxigraph, open the store", "kg --help", "kg query tour-stops"):
        assert any(command in line and line.rstrip().endswith("x") for line in lines), (command, completed.stdout)


def test_floors_benchmark_names_a_build_without_a_store(tmp_path):
    completed = _run("benchmarks/floors.py", "--build", str(tmp_path))
    assert completed.returncode != 0 and f"no store in {tmp_path}" in completed.stderr
