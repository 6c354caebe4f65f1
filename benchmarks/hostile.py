"""Re-run issue 12's hostile test and count what held (not part of make test; about 3-5 minutes).

    .venv/bin/python benchmarks/hostile.py [--kills 30] [--requests 600]

* **bad input**: every class under tests/fixtures/invalid (except the reasoner's contradiction-*)
  through ``kg build --add-source``, plus hostile SPARQL through ``kg sparql`` and hostile ``--out``
  and ``--build`` targets. Each outcome is one of: rejected cleanly (exit 2, no traceback), a
  traceback or exit 4, accepted silently (exit 0), losing or leaking data (the previous build changed,
  or the build holds the content of a file outside the text path).
* **injection**: parameter values that try to change a query's structure, through ``kg query``;
  the answer must be a refusal (exit 2) or the same rows as for a plain value of the same kind.
* **faults**: random ``kill -9`` of ``kg build`` while it writes, two builds at once, and a full disk
  (RLIMIT_FSIZE): after each, the build must be whole (build-info, dataset and store agree) and
  answer a query.
* **load**: ``kg serve`` under N requests from 50 concurrent clients, plus malformed and hostile
  requests; every request must be answered (200 for good ones, 4xx/5xx for bad ones) and the server
  must still answer afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from kg.config import default_text_path  # noqa: E402
from kg.query.serve import stop  # noqa: E402
from tests.servers import free_port  # noqa: E402

ENV = {**os.environ, "KG_HOME": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
FIXTURES = ROOT / "tests" / "fixtures"
TEXTS = os.pathsep.join(str(p) for p in [*default_text_path(ROOT), FIXTURES / "texts"])


def kg(*args: str, stdin: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], env=ENV, capture_output=True, text=True,
                          input=stdin, **kwargs)


def digest(build_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(build_dir).as_posix(): p.read_bytes() for p in build_dir.rglob("*")
            if p.is_file() and p.name != ".lock"}


def whole(build_dir: Path) -> bool:
    """build-info, dataset and store of the current build agree, and a query answers."""
    try:
        info = json.loads((build_dir / "build-info.json").read_text(encoding="utf-8"))
        lines = (build_dir / "dataset.nq").read_bytes().count(b"\n")
        in_store = len(ox.Store.read_only(str(build_dir / "store")))
    except (OSError, ValueError):
        return False
    answered = kg("query", "tour-stops", "--format", "csv", "--build", str(build_dir)).returncode == 0
    return info["quads"] == lines == in_store and answered


class Tally:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def add(self, name: str, outcome: str, detail: str = "") -> None:
        self.rows.append((name, outcome, detail))

    def count(self, outcome: str) -> int:
        return sum(1 for _, o, _ in self.rows if o == outcome)


def classify(result: subprocess.CompletedProcess, ok_codes=(2,)) -> str:
    if "Traceback" in result.stderr or result.returncode == 4 or result.returncode < 0:
        return "traceback"
    if result.returncode in ok_codes:
        return "rejected cleanly"
    if result.returncode == 0:
        return "accepted silently"
    return f"exit {result.returncode}"


def bad_input(work: Path, tally: Tally) -> None:
    previous = work / "previous"
    assert kg("build", "--build", str(previous)).returncode == 0
    before = digest(previous)
    for case in sorted((FIXTURES / "invalid").iterdir()):
        if case.name.startswith("contradiction-"):
            continue
        result = kg("build", "--add-source", str(case), "--texts", TEXTS, "--build", str(previous))
        outcome = classify(result)
        if digest(previous) != before:
            outcome = "losing or leaking data"
        tally.add(f"input: {case.name}", outcome, result.stderr.strip().splitlines()[-1][:100] if result.stderr else "")
    sparql = {
        "5,000 nested braces": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
        "5,000 escaped braces": "SELECT * WHERE " + "\\u007B" * 5000 + "\\u007D" * 5000,
        "300 OPTIONALs": "SELECT * WHERE { ?s ?p ?o " + " ".join(f"OPTIONAL {{?s ?p ?o{i}}}" for i in range(300)) + "}",
        "1,500-step path": "SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * 1500) + " ?o }",
        "20,000 + terms": "SELECT * WHERE { FILTER(" + "+".join(["1"] * 20000) + ") }",
        "300 ; patterns": "SELECT * WHERE { ?s ?p ?o0 " + " ".join(f"; ?p ?o{i}" for i in range(300)) + " }",
        "3,000 BINDs": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?x{i})" for i in range(3000)) + " }",
        "5,000 nested parens": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    }
    for name, query in sparql.items():
        result = kg("sparql", "-", "--build", str(previous), stdin=query)
        tally.add(f"sparql: {name}", classify(result), result.stderr.strip()[-100:])
    graph = "https://w3id.org/japan-security-kg/graph/entities"
    info = json.loads((previous / "build-info.json").read_text(encoding="utf-8"))
    result = kg("sparql", "-", "--format", "csv", "--build", str(previous),
                stdin=f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}")
    right = result.stdout.split()[-1:] == [str(info["triples_per_graph"]["graph/entities"])]
    tally.add("sparql: FROM names its dataset", "rejected cleanly" if right else "accepted silently",
              result.stdout.split()[-1] if result.stdout else "")
    # --out over the build, a FIFO, a foreign --build directory
    result = kg("export", "--format", "nq", "--out", str(previous / "dataset.nq"), "--build", str(previous))
    kept = digest(previous) == before
    tally.add("out: --out build/dataset.nq", classify(result) if kept else "losing or leaking data")
    fifo = work / "fifo"
    os.mkfifo(fifo)
    reader = threading.Thread(target=lambda: fifo.read_bytes())
    reader.start()
    result = kg("export", "--format", "nq", "--out", str(fifo), "--build", str(previous))
    reader.join(10)
    import stat

    kept = stat.S_ISFIFO(os.stat(fifo).st_mode)
    tally.add("out: --out FIFO", "rejected cleanly" if kept and result.returncode == 0 else "losing or leaking data")
    foreign = work / "foreign"
    (foreign / "store").mkdir(parents=True)
    (foreign / "store" / "precious").write_text("x", encoding="utf-8")
    result = kg("build", "--build", str(foreign))
    kept = (foreign / "store" / "precious").is_file()
    tally.add("build: --build DIR with a foreign store", classify(result) if kept else "losing or leaking data")
    # PYTHONHASHSEED
    outs = []
    for seed in ("1", "2"):
        target = work / f"seed{seed}"
        subprocess.run([sys.executable, "-m", "kg", "build", "--infer", "--build", str(target)],
                       env={**ENV, "PYTHONHASHSEED": seed}, capture_output=True)
        outs.append((target / "dataset.nq").read_bytes())
    tally.add("build: PYTHONHASHSEED 1 vs 2", "rejected cleanly" if outs[0] == outs[1] else "accepted silently",
              "byte-identical" if outs[0] == outs[1] else "bytes differ")


INJECTIONS = ['"', "'", "\\", '" } ; DROP ALL ; #', "> . ?s ?p ?o <", "\n} UNION { ?s ?p ?o }", "state/japan> } #",
              "state/japan .", "http://x/ y", "<http://x>", "javascript:alert(1)", "?s", "$s", "state/japan\x1b[31m",
              "\\u003E", "%3E", "' ) } #", "\") } #", "state/japan' ", "state/japan\"", "a" * 5000,
              "https://w3id.org/japan-security-kg/id/state/japan> ?p ?o } #", "_:b0", "[]", "()", "1", "true",
              "state/united-kingdom", "STATE/JAPAN", "state/japan#x", "urn:x", "http://[::1]/", "file:///etc/passwd",
              "state/../japan", "{", "}"]


def injection(work: Path, tally: Tally) -> None:
    build = work / "previous"
    plain = kg("query", "agreements-with-partner", "--format", "csv", "--build", str(build))
    for value in INJECTIONS:
        result = kg("query", "agreements-with-partner", "--param", f"partner={value}", "--format", "csv",
                    "--build", str(build))
        outcome = classify(result, ok_codes=(0, 2))  # 0: bound as a value (a real id); 2: refused
        header = plain.stdout.splitlines()[:1]
        if result.returncode == 0 and (result.stdout.splitlines()[:1] != header
                                       or len(result.stdout) > 10 * len(plain.stdout)):
            outcome = "accepted silently"  # the query's shape changed
        tally.add(f"param: {value[:30]!r}", outcome, result.stderr.strip()[-80:])


def faults(work: Path, kills: int, tally: Tally) -> None:
    target = work / "faults"
    assert kg("build", "--build", str(target)).returncode == 0
    valid = FIXTURES / "valid"
    extra = [a for d in sorted(valid.iterdir()) for a in ("--add-source", str(d))]
    rng = random.Random(12)
    for i in range(kills):
        flags = ["--infer"] if i % 2 else []
        process = subprocess.Popen([sys.executable, "-m", "kg", "build", *flags, "--texts", TEXTS, *extra, "--build",
                                    str(target)], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
        tally.add(f"fault: kill -9 #{i + 1}", "survived" if whole(target) else "lost")
    leftovers = [p.name for p in (target / "builds").iterdir()]
    kg("build", "--build", str(target))
    left = [p.name for p in (target / "builds").iterdir()]
    tally.add("fault: staging of killed builds removed", "survived" if len(left) == 1 else "lost",
              f"{len(leftovers)} entries before the next build, {len(left)} after")
    for i in range(10):
        processes = [subprocess.Popen([sys.executable, "-m", "kg", "build", *f, "--build", str(target)], env=ENV,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for f in ([], ["--infer"])]
        codes = [p.wait() for p in processes]
        tally.add(f"fault: two builds at once #{i + 1}", "survived" if codes == [0, 0] and whole(target) else "lost")
    before = digest(target)
    for limit in (100_000, 1_000_000, 3_000_000, 6_000_000):
        def limited(limit=limit):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        result = subprocess.run([sys.executable, "-m", "kg", "build", "--infer", "--build", str(target)], env=ENV,
                                capture_output=True, text=True, preexec_fn=limited)
        ok = (result.returncode == 2 and "Traceback" not in result.stderr and digest(target) == before) or \
            (result.returncode == 0 and whole(target))
        tally.add(f"fault: full disk at {limit:,} bytes", "survived" if ok else "lost", f"exit {result.returncode}")


POST = b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
MALFORMED = [
    b"GARBAGE\r\n\r\n",
    POST + b"\r\n",
    POST + b"Content-Length: 999999999\r\n\r\n",
    POST + b"Content-Length: 4\r\n\r\n\xff\xfe\xfd\xfc",
    b"POST /query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/sparql-query\r\n\r\n"
    b"5\r\nASK{}\r\n0\r\n\r\n",
    b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nASK{}",
    b"GET /query HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /query?query=ASK{}&query=ASK{} HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
    b"DELETE /query HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-update\r\nContent-Length: 10\r\n\r\n"
    b"DROP ALL ;",
    b"GET /query?query=" + urllib.parse.quote("SELECT * WHERE " + "{" * 5000 + "}" * 5000).encode() + b" HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",
    b"GET /query?query=" + urllib.parse.quote("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> {?s ?p ?o} }").encode()
    + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /query?query=" + b"A" * 400_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /query?query=SELECT%20*%20WHERE%20%7B HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /query?query=ASK%7B%7D&default-graph-uri=not%20an%20iri HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-Flood: y\r\n" * 200 + b"\r\n",
]


def raw_request(port: int, data: bytes) -> str:
    """Send raw bytes, return the first line of the answer (the client does not half-close: like nginx,
    kg serve takes end-of-file from a client as the client giving up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=40) as s:
        s.sendall(data)
        answer = b""
        while b"\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].split(b"\n", 1)[0].decode("latin-1")


def load(work: Path, requests: int, tally: Tally) -> dict:
    build = work / "previous"
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), "--timeout", "5",
                                "--build", str(build)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    process.stdout.readline()
    base = f"http://127.0.0.1:{port}/query"
    query = (ROOT / "queries" / "tour-stops.rq").read_text(encoding="utf-8")

    def one(_):
        request = urllib.request.Request(base, data=query.encode(), method="POST", headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status == 200 and len(json.load(response)["results"]["bindings"]) == 5
        except (OSError, ValueError):
            return False

    started = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        answered = sum(pool.map(one, range(requests)))
    seconds = time.monotonic() - started
    statuses = []
    for data in MALFORMED:
        try:
            statuses.append(raw_request(port, data))
        except OSError as exc:
            statuses.append(f"no answer ({exc})")
    slow = ["SELECT ?a ?d WHERE {?a ?b ?c . ?d ?e ?f} ORDER BY ?c ?f LIMIT 1"]
    for q in slow:
        try:
            urllib.request.urlopen(urllib.request.Request(base, data=q.encode(), method="POST", headers={
                "Content-Type": "application/sparql-query"}), timeout=60).read()
            statuses.append("HTTP/1.1 200 (slow query not stopped)")
        except urllib.error.HTTPError as exc:
            statuses.append(f"HTTP/1.1 {exc.code} (slow query)")
    alive = one(0) and process.poll() is None
    stop(process)
    stderr = process.stderr.read()
    # an HTTP/0.9-style request line ("GARBAGE") gets the error page without a status line, as HTTP/0.9 has none
    bad = [s for s in statuses if not (s.startswith(("HTTP/1.1 4", "HTTP/1.1 5", "HTTP/1.0 4", "<!DOCTYPE HTML>")))]
    tally.add("load: good requests answered", "held" if answered == requests else "failed", f"{answered}/{requests}")
    tally.add("load: malformed and hostile requests answered with an error status",
              "held" if not bad else "failed", "; ".join(sorted(set(statuses)))[:300])
    tally.add("load: server alive afterwards", "held" if alive else "failed")
    return {"requests": requests, "answered": answered, "seconds": seconds, "malformed": len(statuses),
            "statuses": statuses, "log_lines": len(stderr.splitlines())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-hostile-"))
    tally = Tally()
    try:
        bad_input(work, tally)
        injection(work, tally)
        faults(work, args.kills, tally)
        served = load(work, args.requests, tally)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, outcome, detail in tally.rows:
        print(f"{outcome:24} {name}  {detail}")
    classes = [r for r in tally.rows if r[0].split(":")[0] in ("input", "sparql", "out", "build", "param")]
    print()
    print(f"classes tried: {len(classes)}; rejected cleanly (or right): "
          f"{sum(1 for r in classes if r[1] == 'rejected cleanly')}; tracebacks: "
          f"{sum(1 for r in classes if r[1] == 'traceback')}; accepted silently with wrong data: "
          f"{sum(1 for r in classes if r[1] == 'accepted silently')}; losing or leaking data: "
          f"{sum(1 for r in classes if r[1] == 'losing or leaking data')}; other: "
          f"{sum(1 for r in classes if r[1].startswith('exit'))}")
    fault_rows = [r for r in tally.rows if r[0].startswith("fault")]
    print(f"faults survived: {sum(1 for r in fault_rows if r[1] == 'survived')} of {len(fault_rows)}")
    print(f"load: {served['answered']} of {served['requests']} answered in {served['seconds']:.1f} s "
          f"({served['requests'] / served['seconds']:.0f}/s, 50 concurrent clients); {served['malformed']} malformed "
          f"or hostile requests, each answered with an error status: "
          f"{all(r[1] == 'held' for r in tally.rows if r[0].startswith('load'))}")


if __name__ == "__main__":
    main()
