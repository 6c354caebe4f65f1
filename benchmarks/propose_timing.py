"""How fast kg propose is: one text from a cold start, and a directory of texts.

Cold: ``kg propose`` on the article in a fresh process, the median of ``--runs`` runs, against the
baselines of the same run: a fresh ``python -c pass`` and a fresh process that only imports spaCy and makes
its blank English pipeline (the floor of any spaCy-based extractor). Directory: ``kg propose DIR`` over
every ``*.txt`` of a directory (default: the official-texts corpus) in one fresh process, as texts per
minute. The targets (issue 14): at most 2 s cold for the article, at least 20 texts a minute.

    .venv/bin/python benchmarks/propose_timing.py [--runs 5] [--texts DIR] [--article FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KG = str(Path(sys.executable).parent / "kg")


def timed(command: list[str]) -> float:
    """Wall time of one fresh process that must succeed."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--article", type=Path, default=ROOT.parent / "shared" / "sources" /
                        "japan-looks-beyond-us-alliance.txt")
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "sources" / "corpus")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="kg-propose-bench-"))
    try:
        out = scratch / "bench-article"
        cases = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "import spaCy, blank English pipeline (baseline)": [
                sys.executable, "-c", "from spacy.lang.en import English; English()"],
            "kg propose on the article (cold)": [
                KG, "propose", str(args.article), "--source-id", "bench-article", "--out", str(out),
                "--published", "2023-01-14..2023-01-20", "--force"],
        }
        medians = {}
        for name, command in cases.items():
            medians[name] = statistics.median(timed(command) for _ in range(args.runs))
        base = medians["python -c pass (baseline)"]
        print(f"| command (median of {args.runs} fresh processes) | seconds | × python -c pass |")
        print("| --- | ---: | ---: |")
        for name, seconds in medians.items():
            print(f"| {name} | {seconds:.2f} | {seconds / base:.1f}× |")
        texts = sorted(args.texts.glob("*.txt"))
        started = time.perf_counter()
        timed([KG, "propose", str(args.texts), "--out", str(scratch / "drafts"), "--force"])
        elapsed = time.perf_counter() - started
        drafted = sum(1 for p in (scratch / "drafts").iterdir() if (p / "facts.yaml").is_file())
        print()
        print(f"kg propose {args.texts.name}/: {drafted} of {len(texts)} texts drafted in {elapsed:.2f} s, one fresh "
              f"process: {60 * drafted / elapsed:.0f} texts a minute")
        article_ok = medians["kg propose on the article (cold)"] <= 2.0
        directory_ok = 60 * drafted / elapsed >= 20
        print(f"targets: article cold <= 2 s: {'met' if article_ok else 'NOT met'}; >= 20 texts a minute: "
              f"{'met' if directory_ok else 'NOT met'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "0")
    sys.exit(main())
