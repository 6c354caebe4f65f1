"""Build throughput and stored-query latency at 10^4, 10^5 and 10^6 triples, embedded engine vs rdflib.

    make bench            # = .venv/bin/python benchmarks/bench.py --out benchmarks/results.md

For each size, the real data plus synthetic sources of the same shape (benchmarks/synthetic.py) are
built from their facts files to the persistent store (`kg build --no-validate`; the checks are timed
apart where they finish), then every stored query runs with its default parameters:

* embedded: pyoxigraph on the persistent store, opened read-only once; median of --runs runs after a
  warm-up (a query whose warm-up takes more than --slow seconds is reported by its warm-up, "(1 run)");
* rdflib: its own SPARQL engine over an rdflib Dataset of the same quads, each query in a forked
  child killed at --cap seconds (reported as "> cap"); median of up to 3 runs when they are quick.

Results go to stdout and, with --out, to a Markdown file that the README quotes.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cli_timing import median_seconds  # noqa: E402

QUADS_PER_RECORD = 310  # measured: 1000 synthetic records give 310,241 quads


def prepare(size: int, work: Path) -> tuple[Path, list[Path]]:
    """Real data + synthetic sources for about ``size`` quads; returns the data dir and text path."""
    import yaml
    from synthetic import generate

    from kg.config import default_text_path

    records = max(1, (size - 12_000) // QUADS_PER_RECORD)
    generate(work, records)
    for source in (ROOT / "data" / "sources").iterdir():
        # the data tables (ATOP, DCAD, COW: 4 million quads) are left out: the sizes here are synthetic
        # growth of the curated sources; benchmarks/real_graph.py measures the graph with the tables
        if "table" not in yaml.safe_load((source / "source.yaml").read_text(encoding="utf-8")):
            shutil.copytree(source, work / "data" / "sources" / source.name)
    for entry in (ROOT / "data").iterdir():  # the rest of data/ (the Wikidata snapshot, the COW crosswalk, ...)
        target = work / "data" / entry.name
        if not target.exists():
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, target)
    return work / "data", [*default_text_path(ROOT), work / "texts"]


def time_build(data: Path, texts: list[Path], build_dir: Path, runs: int, validate: bool = False) -> tuple[float, int]:
    from kg.build import build
    from kg.config import Settings

    times, quads = [], 0
    for _ in range(runs):
        settings = Settings(root=ROOT, data_dir=data, build_dir=build_dir, text_path=texts)
        start = time.perf_counter()
        result = build(settings, validate=validate)
        times.append(time.perf_counter() - start)
        quads = result.quad_count
    return statistics.median(times), quads


def embedded_latencies(build_dir: Path, runs: int, slow: float = 10.0,
                       only: set[str] | None = None) -> tuple[dict[str, float], set[str]]:
    """Each stored query's median over ``runs`` runs after a timed warm-up; a query whose warm-up took more
    than ``slow`` seconds is not repeated: its warm-up is reported, and its name is in the returned set."""
    import pyoxigraph as ox

    from kg.query.binding import bind_parameters
    from kg.query.catalogue import bind, catalogue
    from kg.query.store import STORE_DIR, reads_union

    store = ox.Store.read_only(str(build_dir / STORE_DIR))
    union = reads_union(store)  # a build's store holds the merge in its default graph (kg.query.store)
    out, once = {}, set()
    for name, query in catalogue(ROOT / "queries").items():
        if only and name not in only:
            continue
        text = bind_parameters(query.text, bind(query, {}))
        started = time.perf_counter()
        list(store.query(text, use_default_graph_as_union=union))  # warm-up
        warm_up = time.perf_counter() - started
        if warm_up > slow:
            out[name] = warm_up
            once.add(name)
            continue
        out[name] = median_seconds(lambda text=text: list(store.query(text, use_default_graph_as_union=union)), runs)
    return out, once


def rdflib_latencies(build_dir: Path, cap: float,
                     only: set[str] | None = None) -> tuple[dict[str, float | None], float]:
    """Median seconds per query on rdflib (None: over the cap), and the time rdflib took to load."""
    import rdflib

    from kg.query.binding import bind_parameters
    from kg.query.catalogue import bind, catalogue

    start = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(str(build_dir / "dataset.nq"), format="nquads")
    load_seconds = time.perf_counter() - start
    out: dict[str, float | None] = {}
    for name, query in catalogue(ROOT / "queries").items():
        if only and name not in only:
            continue
        bindings = bind(query, {})
        text = bind_parameters(query.text, bindings)
        times = []
        for _ in range(3):
            seconds = _in_child(lambda text=text: list(dataset.query(text)), cap)
            if seconds is None:
                times = []
                break
            times.append(seconds)
            if seconds > 5:
                break
        out[name] = statistics.median(times) if times else None
    return out, load_seconds


def _in_child(work, cap: float) -> float | None:
    """Run ``work`` in a forked child (sharing the loaded graph); its seconds, or None past ``cap``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        start = time.perf_counter()
        work()
        os.write(write, f"{time.perf_counter() - start}".encode())
        os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], cap)
    if not ready:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(read)
        return None
    value = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    return float(value) if value else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5, help="runs per embedded query (median)")
    parser.add_argument("--build-runs", type=int, default=3)
    parser.add_argument("--cap", type=float, default=60.0, help="seconds after which an rdflib query is stopped")
    parser.add_argument("--slow", type=float, default=10.0,
                        help="seconds after which an embedded query's warm-up is reported alone, not repeated")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--queries", help="only these stored queries (comma-separated names; default: all)")
    args = parser.parse_args()
    only = set(args.queries.split(",")) if args.queries else None
    lines = ["| size | quads | build (facts -> store) | throughput | build with SHACL + checks |",
             "| --- | ---: | ---: | ---: | ---: |"]
    query_rows: dict[str, list[str]] = {}
    headers = []
    for size in (int(float(s)) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            data, texts = prepare(size, work / "input")
            runs = args.build_runs if size <= 200_000 else 1
            seconds, quads = time_build(data, texts, work / "build", runs)
            checked = time_build(data, texts, work / "checked", 1, validate=True)[0] if size <= 200_000 else None
            lines.append(f"| 10^{len(str(size)) - 1} | {quads:,} | {seconds:.2f} s | {quads / seconds:,.0f} quads/s | "
                         + (f"{checked:.2f} s |" if checked else "not run (pySHACL) |"))
            print(lines[-1], flush=True)
            fast, once = embedded_latencies(work / "build", args.runs, args.slow, only)
            slow, load = rdflib_latencies(work / "build", args.cap, only)
            headers.append(f"10^{len(str(size)) - 1} ({quads:,} quads; rdflib load {load:.0f} s)")
            for name in fast:
                cell_fast = f"{fast[name] * 1000:.1f} ms" + (" (1 run)" if name in once else "")
                cell_slow = f"{slow[name]:.2f} s" if slow[name] is not None else f"> {args.cap:.0f} s"
                ratio = (f"{slow[name] / fast[name]:,.0f}x" if slow[name] is not None
                         else f"> {args.cap / fast[name]:,.0f}x")
                query_rows.setdefault(name, []).append(f"{cell_fast} / {cell_slow} ({ratio})")
                print(f"  {name}: {cell_fast} embedded, {cell_slow} rdflib", flush=True)
    table = ["| stored query | " + " | ".join(headers) + " |", "| --- |" + " ---: |" * len(headers)]
    table += [f"| `{name}` | " + " | ".join(cells) + " |" for name, cells in query_rows.items()]
    report = ("### Build\n\n" + "\n".join(lines) + "\n\n### Stored queries: embedded (pyoxigraph, persistent store) "
              "/ rdflib, median\n\n" + "\n".join(table) + "\n")
    print(report)
    if args.out:
        args.out.write_text(f"<!-- written by benchmarks/bench.py on {time.strftime('%Y-%m-%d')}; "
                            f"{os.cpu_count()} cores -->\n\n" + report, encoding="utf-8")


if __name__ == "__main__":
    main()
