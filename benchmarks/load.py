"""Load test: N concurrent clients against `kg serve` on 127.0.0.1 for a bounded time.

    .venv/bin/python benchmarks/load.py [--clients 8] [--seconds 20] [--query partners-without-defence-pledge]

Starts `kg serve` on a free port over the current build, then each client (a thread with its own
keep-alive HTTP connection) POSTs the stored query, parameters bound, as fast as the server answers,
and checks every answer is complete SPARQL JSON with the expected number of rows. Reports
throughput, p50/p99 latency and errors; 0 errors is the bar.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.query.serve import stop  # noqa: E402
from tests.servers import free_port  # noqa: E402


def client(port: int, body: bytes, expected_rows: int, deadline: float, latencies: list[float],
           errors: list[str]) -> None:
    """One client: requests until the deadline on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            connection.request("POST", "/query", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200:
                errors.append(f"HTTP {response.status}")
            elif len(json.loads(payload)["results"]["bindings"]) != expected_rows:
                errors.append("wrong number of rows")
            else:
                latencies.append(elapsed)
        except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
            errors.append(type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.close()


def run(kind: str, build: str, body: bytes, expected: int, clients: int, seconds: float) -> dict:
    """Start a server (``kg`` serve, or ``oxigraph``'s own read-only server over the same store, the
    baseline), load it, stop it; throughput, latencies, errors."""
    from kg.query.serve import server_command, wait_until_listening
    from kg.query.store import STORE_DIR

    port = free_port()
    if kind == "kg":
        server = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), "--build", build],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                  env={**os.environ, "KG_HOME": str(ROOT)})
    else:
        store = Path(os.path.realpath(Path(build) / STORE_DIR))
        server = subprocess.Popen(server_command(store, "127.0.0.1", port, 30), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
    try:
        if kind == "kg":
            banner = server.stdout.readline()  # "SPARQL endpoint: ..." once it listens
            if not banner.startswith("SPARQL endpoint:"):
                sys.exit(f"kg serve did not start: {banner}{server.stderr.read()}")
        else:
            wait_until_listening("127.0.0.1", port, server)
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[list[str]] = [[] for _ in range(clients)]
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(port, body, expected, deadline, latencies[i], errors[i]))
                   for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        stop(server)
    done = sorted(x for per_client in latencies for x in per_client)
    return {"done": done, "failed": [e for per_client in errors for e in per_client], "wall": wall}


def report(name: str, result: dict) -> None:
    done, failed, wall = result["done"], result["failed"], result["wall"]
    print(f"{name}: answered {len(done)} in {wall:.1f} s, throughput {len(done) / wall:.0f} queries/s")
    if done:
        print(f"  latency p50: {statistics.median(done) * 1000:.1f} ms  "
              f"p99: {done[min(len(done) - 1, int(len(done) * 0.99))] * 1000:.1f} ms  "
              f"max: {done[-1] * 1000:.1f} ms")
    print(f"  errors: {len(failed)}" + (f" ({', '.join(sorted(set(failed)))})" if failed else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--query", default="partners-without-defence-pledge")
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--baseline", action="store_true",
                        help="first load Oxigraph's own server over the same store, in the same run, and compare")
    args = parser.parse_args()

    from kg.query.binding import bind_parameters
    from kg.query.catalogue import bind, find
    from kg.query.store import STORE_DIR, collect, select_oxigraph

    query = find(ROOT / "queries", args.query)
    bindings = bind(query, {})
    import pyoxigraph as ox

    expected = len(collect(select_oxigraph(ox.Store.read_only(str(Path(args.build) / STORE_DIR)), query.text,
                                           bindings)).rows)
    body = bind_parameters(query.text, bindings).encode("utf-8")
    print(f"query {args.query} ({expected} rows), {args.clients} clients, {args.seconds:g} s each, on 127.0.0.1")
    failed = False
    if args.baseline:
        baseline = run("oxigraph", args.build, body, expected, args.clients, args.seconds)
        report("baseline: oxigraph serve-read-only (no guard, no killable workers)", baseline)
    result = run("kg", args.build, body, expected, args.clients, args.seconds)
    report("kg serve", result)
    failed = bool(result["failed"])
    if args.baseline and baseline["done"] and result["done"]:
        ratio = (len(result["done"]) / result["wall"]) / (len(baseline["done"]) / baseline["wall"])
        print(f"kg serve / baseline throughput: {ratio:.2f}; p50 "
              f"{statistics.median(result['done']) / statistics.median(baseline['done']):.2f}x")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
