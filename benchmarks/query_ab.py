"""A stored query as it is now against the same query at another git revision, on one store.

    .venv/bin/python benchmarks/query_ab.py --build /tmp/b5/build --against 8522a2b agreements-with-partner timeline

For a rewrite of a query: both texts are bound with their default parameters, run once each to warm
up, then interleaved (old, new, old, new, ...) --runs times on the embedded engine over one read-only
store, in one process, so both see the same caches and the same machine load. Prints the medians, the
ratio, and whether both texts give the same rows (in order), which a rewrite must keep.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def query_text_at(revision: str, name: str) -> str:
    """The text of ``queries/NAME.rq`` at a git revision of this project."""
    completed = subprocess.run(["git", "show", f"{revision}:queries/{name}.rq"], cwd=ROOT, capture_output=True,
                               text=True)
    if completed.returncode != 0:
        raise SystemExit(f"query_ab: queries/{name}.rq not found at {revision}: {completed.stderr.strip()}")
    return completed.stdout


def compare(store, old_text: str, new_text: str, runs: int) -> tuple[float, float, bool, int]:
    """(old median s, new median s, same rows in the same order, rows of the new text)."""
    from kg.query.store import reads_union

    def rows(text: str) -> list[tuple]:
        return [tuple(str(v) if v is not None else None for v in solution)
                for solution in store.query(text, use_default_graph_as_union=reads_union(store))]

    old_rows, new_rows = rows(old_text), rows(new_text)  # warm-up, and the rows compared
    times: dict[str, list[float]] = {"old": [], "new": []}
    for _ in range(runs):
        for key, text in (("old", old_text), ("new", new_text)):
            started = time.perf_counter()
            list(store.query(text, use_default_graph_as_union=reads_union(store)))
            times[key].append(time.perf_counter() - started)
    return statistics.median(times["old"]), statistics.median(times["new"]), old_rows == new_rows, len(new_rows)


def main() -> None:
    import pyoxigraph as ox

    from kg.query.binding import bind_parameters
    from kg.query.catalogue import bind, catalogue, parse_query_file
    from kg.query.store import STORE_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queries", nargs="+", help="stored query names")
    parser.add_argument("--build", type=Path, default=ROOT / "build", help="a build directory (kg build)")
    parser.add_argument("--against", default="HEAD", help="the git revision of the old text (default HEAD)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    store = ox.Store.read_only(str(args.build / STORE_DIR))
    stored = catalogue(ROOT / "queries")
    for name in args.queries:
        if name not in stored:
            raise SystemExit(f"query_ab: no stored query named {name!r}")
        with tempfile.TemporaryDirectory() as tmp:
            old_file = Path(tmp) / f"{name}.rq"
            old_file.write_text(query_text_at(args.against, name), encoding="utf-8")
            old = parse_query_file(old_file)
        new = stored[name]
        old_median, new_median, same, count = compare(store, bind_parameters(old.text, bind(old, {})),
                                                      bind_parameters(new.text, bind(new, {})), args.runs)
        print(f"{name}: {args.against} {old_median * 1000:.1f} ms, now {new_median * 1000:.1f} ms "
              f"({old_median / new_median:.1f}x); {count} rows, "
              + ("the same rows" if same else "DIFFERENT ROWS"), flush=True)


if __name__ == "__main__":
    main()
