"""Median wall time of the CLI's main commands, each in a fresh process, against a baseline.

    .venv/bin/python benchmarks/cli_timing.py [--runs 5]

Baseline: a bare interpreter start (``python -c pass``), measured in the same run, so the ratio
says how much of a command's time is the command rather than Python itself.

With ``--against DIR`` (a checkout of another revision, e.g. ``git worktree add /tmp/before HEAD~1``),
the cold query is also timed with that checkout's ``kg`` package first on ``PYTHONPATH``, the two
interleaved run by run, so a before/after comparison shares the machine's state.

The package's bytecode is compiled first (:func:`precompile`, as ``make build`` does),
so that an environment with PYTHONDONTWRITEBYTECODE set measures the CLI, not the compiler.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "kg"]


def wall(argv: list[str], runs: int, warmup: bool = True) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh processes (after one warm-up run, not counted, unless
    ``warmup`` is false); a failed run stops the benchmark with its output."""
    times = []
    for _ in range(runs + warmup):
        start = time.perf_counter()
        completed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if completed.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{completed.stdout}\n{completed.stderr}")
    return times[warmup:]


def precompile(*checkouts: Path) -> None:
    """Compile each checkout's ``kg/`` as ``make build`` does (an editable install does not; the installed
    packages a ``kg query`` imports were compiled when ``make setup`` installed them)."""
    for checkout in checkouts:
        compileall.compile_dir(checkout / "kg", quiet=1)


def median_seconds(work: Callable[[], object], runs: int) -> float:
    """Median wall-clock seconds of ``runs`` calls of ``work`` in this process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, metavar="DIR",
                        help="another checkout whose cold kg query is timed in the same run, interleaved")
    args = parser.parse_args()
    # the curated sources (data/ without the published datasets): with ../shared/datasets beside the project,
    # each `kg build` here would build the 4-million-quad graph (benchmarks/real_graph.py measures that one)
    os.environ["KG_SKIP_DATASETS"] = "1"
    precompile(ROOT, *([args.against] if args.against else []))
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "baseline: python -c pass": [sys.executable, "-c", "pass"],
            "kg build": [*KG, "build", "--build", tmp],
            "kg query partners-without-defence-pledge (cold)": [
                *KG, "query", "partners-without-defence-pledge", "--build", tmp],
            "kg query partners-without-defence-pledge --format json (cold)": [
                *KG, "query", "partners-without-defence-pledge", "--format", "json", "--build", tmp],
        }
        results = {name: wall(argv, args.runs) for name, argv in cases.items()}
        if args.against:
            results.update(interleaved(args.against, tmp, args.runs))
    print_table(results, args.runs)


def interleaved(other: Path, build_dir: str, runs: int) -> dict[str, list[float]]:
    """The cold headline query of this checkout and of ``other``, alternating run by run."""
    query = [*KG, "query", "partners-without-defence-pledge", "--build", build_dir]
    # run from the other checkout: `python -m` puts the working directory first on sys.path, so from ROOT
    # this checkout's kg would be imported whatever PYTHONPATH says (it was, before stop 24)
    env_other = {**os.environ, "PYTHONPATH": str(other.resolve())}
    this, that = [], []
    for _ in range(runs):
        this += timed(query, None)
        that += timed(query, env_other, cwd=other.resolve())
    return {"kg query (cold), this checkout, interleaved": this,
            f"kg query (cold), {other}, interleaved": that}


def timed(argv: list[str], env: dict | None, cwd: Path = ROOT) -> list[float]:
    """One fresh process's wall-clock seconds."""
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{completed.stdout}\n{completed.stderr}")
    return [elapsed]


def print_table(results: dict[str, list[float]], runs: int, baseline: str = "baseline: python -c pass") -> None:
    """Median, min and max of each command, and its median as a multiple of the baseline's."""
    base = statistics.median(results[baseline])
    width = max(len(name) for name in results) + 2
    print(f"{'command':{width}} {'median':>9} {'min':>9} {'max':>9} {'x baseline':>11}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:{width}} {median * 1000:7.1f}ms {min(times) * 1000:7.1f}ms {max(times) * 1000:7.1f}ms "
              f"{median / base:10.1f}x")
    bytecode = "PYTHONDONTWRITEBYTECODE set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "bytecode cache on"
    print(f"({runs} runs each after one warm-up; python {sys.version.split()[0]}; kg/ precompiled; {bytecode})")


if __name__ == "__main__":
    main()
