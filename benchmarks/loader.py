"""Oxigraph's bulk loader alone on a build's quads: what a build that did nothing but load would take.

    .venv/bin/python benchmarks/loader.py --build BUILD [--calls 1,21] [--runs 1]

Loads the build's ``dataset.nq`` (less the ontology's few lines with blank nodes) into fresh stores, nothing
else running: the named graphs alone, their merge alone (the store's default graph, docs/engine-notes.md),
and both, as the build loads them (:func:`kg.query.store.load_merged`), cut into as many bulk loads as each
number given by ``--calls`` (each bulk load has a cost of its own, about 20 ms here however small it is).
Prints each median in seconds and in source quads per second (the merge's triples are not counted, as a
build's quad count does not count them). The build's own figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed_load(load: Callable, runs: int) -> float:
    """Median seconds of ``load(store)`` into a fresh on-disk store, flushed."""
    import pyoxigraph as ox

    times = []
    for _ in range(runs):
        directory = tempfile.mkdtemp(prefix="kg-loader-")
        try:
            store = ox.Store(str(Path(directory) / "store"))
            start = time.perf_counter()
            load(store)
            store.flush()
            times.append(time.perf_counter() - start)
            del store
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    return statistics.median(times)


def slices(lines: list[bytes], calls: int) -> list[bytes]:
    """The lines cut into ``calls`` slices of about equal size."""
    size = -(-len(lines) // calls)
    return [b"".join(lines[i:i + size]) for i in range(0, len(lines), size)]


def main() -> None:
    import pyoxigraph as ox

    from kg.query.store import load_merged
    from kg.terms import triples_of

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a build directory (kg build --build DIR)")
    parser.add_argument("--calls", default="1,21", help="numbers of bulk loads to split the load into")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    dataset = args.build / "dataset.nq"
    if not dataset.is_file():
        raise SystemExit(f"no {dataset}: run kg build --build {args.build} first")
    # the ontology's few lines with blank nodes are left out: load_merged loads them apart (a build loads them in
    # a bulk load of their own), and with them in a slice it would make that slice's merge again, timed
    lines = [line for line in dataset.read_bytes().splitlines(keepends=True) if b"_:" not in line]
    quads = len(lines)
    named = b"".join(lines)
    merged = triples_of(named)
    nq, nt = ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES
    cases: dict[str, Callable] = {
        "named graphs only, one bulk load": lambda s: s.bulk_load(input=named, format=nq, lenient=True),
        "their merge only, one bulk load": lambda s: s.bulk_load(input=merged, format=nt, lenient=True),
    }
    for calls in (int(c) for c in args.calls.split(",")):
        parts = [(part, triples_of(part)) for part in slices(lines, calls)]  # the workers' share, made before
        cases[f"both (load_merged), {len(parts)} bulk load(s)"] = (
            lambda s, parts=parts: [load_merged(s, part, triples) for part, triples in parts])
    print(f"{dataset}: {quads:,} quads; median of {args.runs}")
    print(f"{'load':48} {'seconds':>8} {'quads/s':>10}")
    for label, load in cases.items():
        seconds = timed_load(load, args.runs)
        print(f"{label:48} {seconds:8.2f} {quads / seconds:10,.0f}", flush=True)


if __name__ == "__main__":
    main()
