"""The floors under a stored query's time on this machine: an index lookup's cost per row, and a cold start.

    .venv/bin/python benchmarks/floors.py --build BUILD [--runs 7] [--state state/japan] [--query tour-stops]

Two measurements, each against a baseline taken in the same run (issue 11's latency targets are judged
against them in docs/performance.md):

1. **Lookups**, in one process on the build's store (read-only, as `kg query` opens it): the obligations
   whose beneficiary is the given state, a scan of one index range; then the same pattern with one, two
   and three more triple patterns on the obligation (its label, obligor, kind), each an index lookup per
   row. Prints each median and what each added lookup costs per row (microseconds), the unit in which a
   query with thousands of evidenced rows, or a hub state's thousands of candidates, pays for its answer.
2. **The cold start**, each command in fresh processes, interleaved (median, min and max after one warm-up
   run, and the median as a multiple of the bare interpreter's, `cli_timing.print_table`): a bare interpreter;
   the interpreter importing pyoxigraph and opening the store (what any embedded query pays before it
   starts); `kg --help` (the CLI's imports); and `kg query NAME --format csv` for a small stored query
   (where the build has its dataset.nq, as `kg build` leaves it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from cli_timing import KG, ROOT, precompile, print_table, timed

sys.path.insert(0, str(ROOT))
from kg.config import DATASET_FILE, STORE_DIR
from kg.vocab import KGO, RDFS

# the scan, then one more triple pattern on each row at a time; ?c is the obligation, STATE its beneficiary
PATTERNS = ["?c kgo:beneficiary STATE", "?c rdfs:label ?label", "?c kgo:obligor ?obligor",
            "?c kgo:obligationKind ?kind"]
PREFIXES = f"PREFIX kgo: <{KGO}> PREFIX rdfs: <{RDFS}> "


def lookup_costs(store, state_iri: str, runs: int) -> list[tuple[int, int, float]]:
    """(patterns, rows, median seconds) of a COUNT over the first 1..4 patterns, in the same process."""
    import pyoxigraph as ox

    from kg.query.binding import bind_parameters
    from kg.query.store import reads_union

    union = reads_union(store)
    results = []
    for used in range(1, len(PATTERNS) + 1):
        body = " . ".join(PATTERNS[:used]).replace("STATE", "?state")
        text = bind_parameters(f"{PREFIXES}SELECT (COUNT(*) AS ?rows) WHERE {{ {body} }}",
                               {"state": ox.NamedNode(state_iri)})
        times, rows = [], 0
        for _ in range(runs + 1):  # the first run warms the caches and is not counted
            started = time.perf_counter()
            rows = int(next(iter(store.query(text, use_default_graph_as_union=union)))[0].value)
            times.append(time.perf_counter() - started)
        results.append((used, rows, statistics.median(times[1:])))
    return results


def cold_starts(build: Path, query: str, runs: int) -> dict[str, list[float]]:
    """Wall seconds of each cold command, ``runs`` fresh processes each after one warm-up run, the commands
    interleaved so that every one sees the same machine."""
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python: import pyoxigraph, open the store": [
            sys.executable, "-c", f"import pyoxigraph; pyoxigraph.Store.read_only({str(build / STORE_DIR)!r})"],
        "kg --help": [*KG, "--help"],
    }
    if (build / DATASET_FILE).is_file():  # a store made by a benchmark alone has no dataset for kg query
        cases[f"kg query {query} --format csv"] = [*KG, "query", query, "--format", "csv", "--build", str(build)]
    times: dict[str, list[float]] = {name: [] for name in cases}
    for attempt in range(runs + 1):
        for name, argv in cases.items():
            elapsed = timed(argv, None)
            if attempt:
                times[name] += elapsed
    return times


def main() -> None:
    import pyoxigraph as ox

    from kg.vocab import ID

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a build directory (kg build --build DIR)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--state", default="state/japan", help="the beneficiary whose obligations are scanned")
    parser.add_argument("--query", default="tour-stops", help="the stored query run cold")
    args = parser.parse_args()
    if not (args.build / STORE_DIR / "CURRENT").is_file():
        raise SystemExit(f"floors: no store in {args.build}: run kg build --build {args.build} first")
    precompile(ROOT)  # measure the CLI, not the bytecode compiler
    store = ox.Store.read_only(str(args.build / STORE_DIR))
    print(f"{args.build}: {len(store):,} quads in the store (the named graphs and their merge); medians of {args.runs}")
    print(f"{'lookups: the patterns, one more a row':40} {'rows':>8} {'median':>10} {'per added lookup':>17}")
    previous = None
    for used, rows, median in lookup_costs(store, ID + args.state, args.runs):
        if previous is None:
            added = f"{'(the scan)':>17}"
        else:
            added = f"{(median - previous) / rows * 1e6:12.2f} µs/row" if rows else f"{'(no rows)':>17}"
        print(f"{('+ ' if used > 1 else '') + PATTERNS[used - 1]:40} {rows:8,} {median * 1000:8.2f}ms {added}")
        previous = median
    del store
    print()
    print_table(cold_starts(args.build, args.query, args.runs), args.runs, baseline="python -c pass")


if __name__ == "__main__":
    main()
