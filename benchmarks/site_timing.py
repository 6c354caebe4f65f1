"""Median wall time of `kg site` (and of the map and docs it is made of), against baselines in the same run.

    .venv/bin/python benchmarks/site_timing.py [--runs 5]

Each command runs in a fresh process, after one warm-up run that is not counted, on a build made
first in a temporary directory. Baselines: a bare interpreter start (``python -c pass``) and
``kg build``, so the numbers can be compared across machines and with the README's table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from cli_timing import KG, ROOT, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build = str(Path(tmp) / "build")
        subprocess.run([*KG, "build", "--build", build], cwd=ROOT, check=True, capture_output=True)
        cases = {
            "baseline: python -c pass": [sys.executable, "-c", "pass"],
            "baseline: kg build": [*KG, "build", "--build", str(Path(tmp) / "rebuild")],
            "kg diagram --format svg": [*KG, "diagram", "--format", "svg", "--build", build],
            "kg docs": [*KG, "docs", "--build", build],
            "kg site": [*KG, "site", "--out", str(Path(tmp) / "site"), "--build", build],
        }
        results = {name: wall(argv, args.runs) for name, argv in cases.items()}
    base = statistics.median(results["baseline: python -c pass"])
    print(f"{'command':32} {'median':>9} {'min':>9} {'max':>9} {'x python':>9}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:32} {median * 1000:7.0f}ms {min(times) * 1000:7.0f}ms {max(times) * 1000:7.0f}ms "
              f"{median / base:8.1f}x")
    print(f"({args.runs} runs each after one warm-up; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
