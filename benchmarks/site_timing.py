"""Median wall time of `kg site` (and of the map and docs it is made of), against baselines in the same run.

    .venv/bin/python benchmarks/site_timing.py [--runs 5]

Each command runs in a fresh process, after one warm-up run that is not counted, on a build made
first in a temporary directory. Baselines: a bare interpreter start (``python -c pass``) and
``kg build``, so the numbers can be compared across machines and with the README's table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from cli_timing import KG, ROOT, print_table, wall


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
    print_table(results, args.runs)

if __name__ == "__main__":
    main()
