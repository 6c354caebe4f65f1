"""The full real graph (all ATOP 5.1, all DCAD 1.0, the COW list, the coding sheets, the article and the
official texts): build, size, throughput, peak memory, every stored query, and a cold `kg query`.

    .venv/bin/python benchmarks/real_graph.py [--runs 5] [--build-runs 1] [--rdflib] [--out FILE]

Each build is `kg build --infer` (what `make build` runs: SHACL, quality checks, consistency, OWL 2 RL)
in a fresh process; peak memory is that process tree's largest resident set (wait4's ru_maxrss: the
build's forked workers are smaller than the parent). Baselines, measured in the same run: the build of
the article corpus alone (the same command with ``--source`` for its five sources), a bare interpreter
start for the cold CLI, and the queries' latencies on the article corpus. Stored queries run with their
defaults on the persistent store (pyoxigraph, read-only), each run in a forked child stopped after
``--cap`` seconds, the median of ``--runs`` after a warm-up; with
``--rdflib``, the same queries on rdflib beside them (loading 4 million quads into rdflib takes several
minutes and about 10 GB; a query is stopped after ``--cap`` seconds). Needs ../shared/datasets.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import _in_child, embedded_latencies, rdflib_latencies
from cli_timing import precompile, wall

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "kg"]
ARTICLE_SOURCES = ["bloomberg-2023-01-japan-looks-beyond-us-alliance", "reference-memberships", "reference-notes",
                   "reference-tour-2023-01", "reference-wikidata-ids"]


def timed_build(build_dir: Path, extra: list[str]) -> tuple[float, int, dict]:
    """Seconds, peak RSS (kB) and build-info of one `kg build --infer` in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "KG_SKIP_DATASETS"}
    start = time.perf_counter()
    pid = os.spawnve(os.P_NOWAIT, sys.executable, [*KG, "build", "--infer", "--build", str(build_dir), *extra],
                     {**env, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kg build {' '.join(extra)} failed (exit {os.waitstatus_to_exitcode(status)})")
    info = json.loads((build_dir / "build-info.json").read_text(encoding="utf-8"))
    return seconds, usage.ru_maxrss, info


def capped_latencies(build_dir: Path, runs: int, cap: float) -> dict[str, float | None]:
    """Median seconds of each stored query (defaults) on the persistent store, each run in a forked child
    (None: the warm-up ran past ``cap``, and the query is not run again)."""
    import pyoxigraph as ox

    from kg.query.binding import bind_parameters
    from kg.query.catalogue import bind, catalogue
    from kg.query.store import STORE_DIR, reads_union

    store = ox.Store.read_only(str(build_dir / STORE_DIR))
    out: dict[str, float | None] = {}
    for name, query in catalogue(ROOT / "queries").items():
        text = bind_parameters(query.text, bind(query, {}))

        def work(text: str = text) -> list:
            return list(store.query(text, use_default_graph_as_union=reads_union(store)))

        if _in_child(work, cap) is None:
            out[name] = None
            continue
        times = [_in_child(work, cap) for _ in range(runs)]
        out[name] = None if None in times else statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per query and per cold CLI command (median)")
    parser.add_argument("--build-runs", type=int, default=1, help="builds of each graph (median)")
    parser.add_argument("--rdflib", action="store_true", help="also run every stored query on rdflib")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds after which an rdflib query is stopped")
    parser.add_argument("--build", type=Path, help="reuse this build of the full graph (skip the build timing)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        base_dir, full_dir = Path(tmp) / "article", args.build or Path(tmp) / "full"
        base_runs = [timed_build(base_dir, [a for s in ARTICLE_SOURCES for a in ("--source", s)])
                     for _ in range(args.build_runs)]
        base_seconds = statistics.median(r[0] for r in base_runs)
        base_quads = base_runs[0][2]["quads"]
        lines += ["### Build (`kg build --infer`, fresh process)", "",
                  "| graph | quads | build | throughput | peak memory |", "| --- | ---: | ---: | ---: | ---: |",
                  f"| baseline: article corpus | {base_quads:,} | {base_seconds:.2f} s | "
                  f"{base_quads / base_seconds:,.0f} quads/s | {max(r[1] for r in base_runs) / 1024:,.0f} MB |"]
        print(lines[-1], flush=True)
        if not args.build:
            runs = [timed_build(full_dir, []) for _ in range(args.build_runs)]
            seconds = statistics.median(r[0] for r in runs)
            info = runs[0][2]
            if info["skipped_sources"]:
                raise SystemExit(f"the full build skipped {sorted(info['skipped_sources'])}: ../shared/datasets?")
            lines.append(f"| full real graph ({len(info['sources'])} sources) | {info['quads']:,} | {seconds:.1f} s "
                         f"({seconds / base_seconds:.0f}x) | {info['quads'] / seconds:,.0f} quads/s | "
                         f"{max(r[1] for r in runs) / 1024:,.0f} MB |")
            print(lines[-1], flush=True)
        else:
            info = json.loads((full_dir / "build-info.json").read_text(encoding="utf-8"))

        fast = capped_latencies(full_dir, args.runs, args.cap)
        base, _ = embedded_latencies(base_dir, args.runs)
        slow: dict[str, float | None] = {}
        if args.rdflib:
            slow, load = rdflib_latencies(full_dir, args.cap)
        lines += ["", f"### Stored queries on the full real graph ({info['quads']:,} quads), defaults, median of "
                  f"{args.runs}", "", "| stored query | embedded (pyoxigraph) | article corpus (baseline) | "
                  + ("rdflib |" if args.rdflib else "") + " ≤ 100 ms |",
                  "| --- | ---: | ---: |" + (" ---: |" if args.rdflib else "") + " :---: |"]
        for name in sorted(fast):
            cells = [f"{fast[name] * 1000:.1f} ms" if fast[name] is not None else f"> {args.cap:.0f} s",
                     f"{base[name] * 1000:.1f} ms"]
            if args.rdflib:
                cells.append(f"{slow[name]:.2f} s" if slow.get(name) is not None else f"> {args.cap:.0f} s")
            met = fast[name] is not None and fast[name] <= 0.1
            lines.append(f"| `{name}` | " + " | ".join(cells) + f" | {'yes' if met else '**no**'} |")
            print(lines[-1], flush=True)
        if args.rdflib:
            lines.append(f"\nrdflib took {load:.0f} s to load the dataset.")

        precompile(ROOT)
        cold = {"baseline: python -c pass": [sys.executable, "-c", "pass"]}
        for name in ("partners-without-defence-pledge", "alliances-of"):
            cold[f"kg query {name} (cold)"] = [*KG, "query", name, "--build", str(full_dir)]
        results = {label: wall(argv, args.runs) for label, argv in cold.items()}
        start_base = statistics.median(results["baseline: python -c pass"])
        lines += ["", f"### Cold `kg query` on the full real graph (fresh process, median of {args.runs})", "",
                  "| command | median | x baseline |", "| --- | ---: | ---: |"]
        for label, times in results.items():
            median = statistics.median(times)
            lines.append(f"| {label} | {median * 1000:.0f} ms | {median / start_base:.1f}x |")
            print(lines[-1], flush=True)
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(f"<!-- written by benchmarks/real_graph.py on {time.strftime('%Y-%m-%d')}; "
                            f"{os.cpu_count()} cores, shared -->\n\n" + report, encoding="utf-8")


if __name__ == "__main__":
    main()
