"""Median wall time of 'kg wikidata refresh' and the federated query against a local Oxigraph
server loaded with the Wikidata-shaped test fixture, each in a fresh process, against baselines
measured in the same run.

    .venv/bin/python benchmarks/wikidata_timing.py [--runs 5]

Baselines: a bare interpreter start (``python -c pass``) and one trivial SELECT sent through
SPARQLWrapper to the same server (a cold process), so the ratios say how much of a refresh is the
refresh itself. No internet: the server runs on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli_timing import KG, wall  # noqa: E402

from tests.servers import oxigraph_server  # noqa: E402

TRIVIAL = """
import sys
from SPARQLWrapper import JSON, POST, SPARQLWrapper
s = SPARQLWrapper(sys.argv[1], agent="japan-security-kg benchmark")
s.setMethod(POST); s.setReturnFormat(JSON); s.setQuery("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
s.query().convert()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, oxigraph_server() as endpoint:
        data = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", data)
        build = Path(tmp) / "build"
        subprocess.run([*KG, "build", "--build", str(build)], cwd=ROOT, check=True, capture_output=True)
        refresh = [*KG, "wikidata", "refresh", "--data", str(data), "--endpoint", endpoint, "--no-progress"]
        cases = {
            "baseline: python -c pass": [sys.executable, "-c", "pass"],
            "baseline: one trivial SELECT via SPARQLWrapper": [sys.executable, "-c", TRIVIAL, endpoint],
            "kg wikidata refresh (no cache)": [*refresh, "--no-cache"],
            "kg wikidata refresh (all answers cached)": [*refresh, "--cache", str(Path(tmp) / "cache")],
            "kg query partner-labels (local)": [*KG, "query", "partner-labels", "--build", str(build)],
            "kg query g7-nato-members-live (federated)": [*KG, "query", "g7-nato-members-live", "--param",
                                                          f"endpoint={endpoint}", "--build", str(build)],
        }
        results = {name: statistics.median(wall(argv, args.runs)) for name, argv in cases.items()}
        out = subprocess.run([*refresh, "--no-cache"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    base = results["baseline: python -c pass"]
    print(f"medians of {args.runs} fresh processes (after one warm-up), local Oxigraph server on 127.0.0.1")
    for name, seconds in results.items():
        print(f"  {name:45s} {seconds * 1000:8.0f} ms  {seconds / base:5.1f}x python -c pass")
    print("last refresh: " + out.splitlines()[0])


if __name__ == "__main__":
    main()
