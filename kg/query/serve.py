"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over the build, guarded like a public one.

Why not Oxigraph's own server (which ``kg serve`` ran until issue 12): one request of 5,000 nested
braces overflowed its parser's stack and killed it; its per-query timeout does not stop a sort over a
huge intermediate result (a cross product ran for minutes at 100 % CPU and 4.5 GB, and closing the
client did not cancel it); and ``SERVICE`` let any client make it send requests to any URL. So:

* a front end (the standard library's threading HTTP server) reads each request, refuses one that is
  too large, nested too deep, too long a chain (:mod:`kg.query.guard`) or uses SERVICE (unless
  ``--allow-service``) with 400, before any engine parses it;
* queries run in worker processes (pyoxigraph over the build), one query per worker at a time,
  each with a memory limit; a query past the timeout, or whose client hangs up, is ended by killing
  its worker, which is replaced — the endpoint keeps serving, and the work really stops;
* a worker that dies (a crash the guard did not foresee, memory exhausted) costs that one request a
  500 and is replaced;
* the default graph is the union of the named graphs unless the query names its dataset (``FROM``,
  ``FROM NAMED``, or the protocol's ``default-graph-uri`` / ``named-graph-uri``), as SPARQL 1.1 says;
* the endpoint watches the build directory's ``current`` link and switches to a new build when one
  is published (new queries go to workers on the new build; running ones finish on the old);
* UPDATE is refused (403): the endpoint is read-only.

Everything the server decides about a request (refusals, timeouts, restarts, switches) is printed on
standard error. docs/robustness.md documents the limits and the rules.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import multiprocessing
import multiprocessing.connection
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "xml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


@dataclass
class Limits:
    """What one request may cost."""

    timeout_s: float = 30.0
    max_query_bytes: int = 100_000
    max_result_bytes: int = 64 * 1024 * 1024
    max_memory_mb: int = 2048  # per worker (RLIMIT_AS)
    workers: int = 2
    max_connections: int = 256
    allow_service: bool = False


# ---------------------------------------------------------------------------------------- Oxigraph's server


def oxigraph_executable() -> str:
    """The `oxigraph` server binary: beside this Python (a venv), else on the PATH (the tests use it as a
    writable remote triplestore)."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise InputError("the 'oxigraph' server is not installed; pip install oxigraph (a dependency of "
                         "japan-security-kg)")
    return found


def server_command(store: Path, bind: str, port: int, timeout_s: int, read_only: bool = True) -> list[str]:
    """The command line that starts Oxigraph's own server over ``store``."""
    return [oxigraph_executable(), "serve-read-only" if read_only else "serve", "--location", str(store),
            "--bind", f"{bind}:{port}", "--union-default-graph", "--timeout-s", str(timeout_s)]


def stop(process: subprocess.Popen, seconds: float = 10.0) -> None:
    """Stop a child process: SIGTERM, then SIGKILL if it has not exited within ``seconds``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_listening(host: str, port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    """Block until a server process accepts connections; fail if it exits or never listens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            raise InputError(f"the SPARQL server exited with code {process.returncode}: {output.strip()[:500]}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise InputError(f"the SPARQL server did not listen on {host}:{port} within {seconds:.0f} s")


def _die_with_parent(sig: int = signal.SIGKILL) -> None:  # pragma: no cover - runs in the child
    """Linux: this process gets ``sig`` when its parent dies, even by SIGKILL, so none is left behind."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG


# ---------------------------------------------------------------------------------------- workers


class _CappedBuffer:
    """A bytes sink that refuses to grow past ``limit`` (the endpoint's result size limit)."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError("result too large")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _worker_main(conn, directory: str, memory_mb: int, max_result_bytes: int) -> None:  # pragma: no cover
    """A worker process: open the build, then answer one request at a time until the pipe closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the front end's to handle
    import fcntl
    import resource

    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    build = Path(directory)
    lease = None
    with contextlib.suppress(OSError):
        lease = os.open(build / ".lease", os.O_RDONLY)  # held for the worker's life (kg.builds)
        fcntl.flock(lease, fcntl.LOCK_SH)
    try:
        store = _open_store(build)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", build.name))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(store, request, max_result_bytes))


def _open_store(build: Path):
    from kg.config import DATASET_FILE, STORE_DIR
    from kg.query.store import open_oxigraph

    dataset = build / DATASET_FILE
    if not dataset.is_file() and (build / STORE_DIR / "CURRENT").is_file():
        import pyoxigraph as ox

        return ox.Store.read_only(str(build / STORE_DIR))
    return open_oxigraph(dataset)


def _answer(store, request: dict, max_result_bytes: int) -> tuple[int, str, bytes]:
    """(status, content type, body) for one query."""
    import pyoxigraph as ox

    from kg.errors import KgError
    from kg.query.store import evaluate

    options = {}
    if request.get("default_graph"):
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graph"]]
    if request.get("named_graphs"):
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    try:
        results = evaluate(store, request["query"], allow_service=request.get("allow_service", False), **options)
        sink = _CappedBuffer(max_result_bytes)
        if isinstance(results, ox.QueryTriples):
            kind = request.get("graph_format", "nt")
            fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML,
                   "jsonld": ox.RdfFormat.JSON_LD}[kind]
            results.serialize(sink, format=fmt)
            return 200, GRAPH_TYPES[kind], sink.getvalue()
        kind = request.get("result_format", "json")
        fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[kind]
        results.serialize(sink, format=fmt)
        return 200, RESULT_TYPES[kind], sink.getvalue()
    except KgError as exc:
        return 400, "text/plain; charset=utf-8", f"{exc}\n".encode()
    except (SyntaxError, ValueError) as exc:
        return 400, "text/plain; charset=utf-8", f"{exc}\n".encode()
    except (OverflowError, OSError) as exc:
        if "result too large" in str(exc):
            return 500, "text/plain; charset=utf-8", (f"the result is larger than {max_result_bytes:,} bytes, this "
                                                      "endpoint's limit; add a LIMIT\n").encode()
        return 500, "text/plain; charset=utf-8", f"the query failed: {exc}\n".encode()
    except MemoryError:
        return 500, "text/plain; charset=utf-8", b"the query needed more memory than this endpoint allows\n"
    except RuntimeError as exc:
        return 500, "text/plain; charset=utf-8", f"the query failed: {exc}\n".encode()


class Worker:
    """One worker process and the pipe to it."""

    def __init__(self, directory: Path, limits: Limits) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.directory = directory
        self.process = context.Process(target=_worker_main, name="kg-serve-worker", daemon=True,
                                       args=(child, str(directory), limits.max_memory_mb, limits.max_result_bytes))
        self.process.start()
        child.close()

    def wait_ready(self, seconds: float = 60.0) -> None:
        """Block until the worker has opened its build; InputError if it cannot."""
        if not self.conn.poll(seconds):
            self.kill()
            raise InputError(f"a query worker did not open {self.directory} within {seconds:.0f} s")
        try:
            state, detail = self.conn.recv()
        except (EOFError, OSError):
            state, detail = "failed", f"it exited with code {self.process.exitcode}"
        if state != "ready":
            self.kill()
            raise InputError(f"a query worker cannot open the build {self.directory}: {detail}")

    def kill(self) -> None:
        """End the worker now (SIGKILL): whatever it computes stops."""
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def describe_death(self) -> str:
        self.process.join(2)
        code = self.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals.__members__.values() else str(-code)
            return f"killed by {name}"
        return f"exit code {code}"


class Pool:
    """Idle workers on the current build; a killed or dead worker is replaced in the background."""

    def __init__(self, limits: Limits) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.limits = limits
        # Workers are started from one long-lived thread: Linux's parent-death signal follows the thread
        # that forked, so a worker started from a short-lived thread would be killed when that thread ends.
        self.spawner = ThreadPoolExecutor(1, thread_name_prefix="kg-serve-spawn")
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.directory: Path | None = None
        self.lock = threading.Lock()
        self.all: set[Worker] = set()
        self.closed = False

    def start(self, directory: Path) -> None:
        """Start every worker on ``directory`` and wait until they are ready; then they take new queries
        (workers on an earlier build end when they finish their query)."""
        workers = [self.new_worker(directory) for _ in range(self.limits.workers)]
        try:
            for worker in workers:
                worker.wait_ready()
        except BaseException:
            for worker in workers:
                worker.kill()
            raise
        with self.lock:
            self.directory = directory
            old = []
            while True:
                try:
                    old.append(self.idle.get_nowait())
                except queue.Empty:
                    break
            self.all.update(workers)
            for worker in workers:
                self.idle.put(worker)
        for worker in old:
            self._retire(worker)

    def acquire(self, timeout: float) -> Worker | None:
        """An idle worker on the current build, or None if none frees up within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                worker = self.idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if worker.directory == self.directory and worker.process.is_alive():
                return worker
            if worker.directory != self.directory:
                self._retire(worker)  # a worker on an earlier build
            else:
                self.replace(worker)  # a worker that died while idle

    def release(self, worker: Worker) -> None:
        """A worker that answered goes back to the pool (or ends, if a new build is being served)."""
        if worker.directory == self.directory:
            self.idle.put(worker)
        else:
            self._retire(worker)

    def replace(self, worker: Worker) -> None:
        """Kill ``worker`` and start another on the current build, in the background."""
        worker.kill()
        with self.lock:
            self.all.discard(worker)

        def spawn() -> None:
            directory = self.directory
            if directory is None or self.closed:
                return
            try:
                fresh = self.new_worker(directory)
                fresh.wait_ready()
            except (InputError, RuntimeError) as exc:  # RuntimeError: the spawner was shut down (closing)
                if not self.closed:
                    log(f"cannot restart a query worker: {exc}")
                return
            with self.lock:
                if self.closed:  # close() ran while this worker started: it would outlive the pool
                    fresh.kill()
                    return
                self.all.add(fresh)
            self.release(fresh)

        threading.Thread(target=spawn, name="kg-serve-respawn", daemon=True).start()

    def new_worker(self, directory: Path) -> Worker:
        """A worker on ``directory``, started from the spawning thread."""
        return self.spawner.submit(Worker, directory, self.limits).result()

    def _retire(self, worker: Worker) -> None:
        with self.lock:
            self.all.discard(worker)
        worker.kill()

    def close(self) -> None:
        """Kill every worker."""
        with self.lock:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
        for worker in workers:
            worker.kill()
        self.spawner.shutdown(wait=False)


# ---------------------------------------------------------------------------------------- HTTP


def log(message: str) -> None:
    """One line on standard error, as the server's own voice."""
    print(f"kg serve: {message}", file=sys.stderr, flush=True)


QUERY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>japan-security-kg SPARQL endpoint</title></head>
<body><h1>japan-security-kg: SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 Protocol endpoint at <code>/query</code> (GET <code>?query=</code>, or POST).
Default graph: the union of the named graphs, unless the query names its dataset (FROM / FROM NAMED).</p>
<form action="query" method="get"><textarea name="query" rows="12" cols="100">SELECT ?g (COUNT(*) AS ?triples)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g</textarea><br>
<select name="format"><option>json</option><option>xml</option><option>csv</option><option>tsv</option></select>
<button type="submit">Run</button></form></body></html>
"""


class Server(http.server.ThreadingHTTPServer):
    """The HTTP front end; handlers reach the pool and the limits through it."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], pool: Pool, limits: Limits) -> None:
        self.pool = pool
        self.limits = limits
        self.slots = threading.BoundedSemaphore(limits.max_connections)
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    """The SPARQL 1.1 Protocol's query operation, and refusals for everything else."""

    protocol_version = "HTTP/1.1"
    server_version = "japan-security-kg"
    timeout = 30  # seconds a connection may stay silent (slow or idle clients)
    server: Server

    def handle(self) -> None:
        if not self.server.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                self.wfile.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        try:
            super().handle()
        except (ConnectionError, TimeoutError, OSError):
            pass
        finally:
            self.server.slots.release()

    def log_message(self, format: str, *args) -> None:  # the access log is off
        pass

    # -- routes

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            return self._send(200, "text/html; charset=utf-8", QUERY_PAGE.encode())
        if url.path != "/query":
            return self._send(404, "text/plain; charset=utf-8", b"not found: the endpoint is /query\n")
        if len(url.query) > 3 * self.server.limits.max_query_bytes:
            return self._refuse(414, "the query string is too long")
        self._query(urllib.parse.parse_qs(url.query, keep_blank_values=True))

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/update", "/store"):
            self._discard_body()
            return self._refuse(403, "this endpoint is read-only: updates are refused")
        if url.path != "/query":
            self._discard_body()
            return self._send(404, "text/plain; charset=utf-8", b"not found: the endpoint is /query\n")
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return self._refuse(411, "send the query with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            return self._refuse(411, "a POST needs a Content-Length")
        if length < 0 or length > 3 * self.server.limits.max_query_bytes + 4096:
            self.close_connection = True
            return self._refuse(413, f"the request body is {length:,} bytes; queries are limited to "
                                     f"{self.server.limits.max_query_bytes:,}")
        body = self.rfile.read(length)
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        if kind == "application/sparql-query":
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                return self._refuse(400, "the query is not UTF-8")
        elif kind == "application/x-www-form-urlencoded":
            try:
                params.update(urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
            except UnicodeDecodeError:
                return self._refuse(400, "the form is not UTF-8")
            if "update" in params:
                return self._refuse(403, "this endpoint is read-only: updates are refused")
        elif kind == "application/sparql-update":
            return self._refuse(403, "this endpoint is read-only: updates are refused")
        else:
            return self._refuse(415, "send application/sparql-query or application/x-www-form-urlencoded")
        self._query(params)

    def do_PUT(self) -> None:
        self._discard_body()
        self._refuse(403, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT

    # -- the query

    def _query(self, params: dict[str, list[str]]) -> None:
        from kg.query.guard import check_query

        limits = self.server.limits
        queries = params.get("query", [])
        if len(queries) != 1:
            return self._refuse(400, "give exactly one 'query' parameter")
        query = queries[0]
        try:
            check_query(query, max_bytes=limits.max_query_bytes, allow_service=limits.allow_service)
        except InputError as exc:
            log(f"refused a query from {self.client_address[0]}: {exc}")
            return self._refuse(400, str(exc))
        graphs = {"default_graph": params.get("default-graph-uri", []),
                  "named_graphs": params.get("named-graph-uri", [])}
        from kg.sources.lexical import is_iri

        if not all(is_iri(g) for g in [*graphs["default_graph"], *graphs["named_graphs"]]):
            return self._refuse(400, "default-graph-uri and named-graph-uri take IRIs")
        accept = (params.get("format", [""])[0] or self.headers.get("Accept", "")).lower()
        request = {"query": query, **graphs, "result_format": _result_format(accept),
                   "graph_format": _graph_format(accept), "allow_service": limits.allow_service}
        self._run(request)

    def _run(self, request: dict) -> None:
        pool, limits = self.server.pool, self.server.limits
        started = time.monotonic()
        worker = pool.acquire(limits.timeout_s)
        if worker is None:
            return self._refuse(503, f"the endpoint is busy: no query worker was free within {limits.timeout_s:g} s")
        try:
            worker.conn.send(request)
        except (OSError, ValueError):
            pool.replace(worker)
            return self._refuse(500, "the query worker was gone; it has been restarted, try again")
        watched: list = [worker.conn, self.connection]
        deadline = started + limits.timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pool.replace(worker)
                log(f"stopped a query after {limits.timeout_s:g} s (its worker was killed and replaced)")
                return self._refuse(503, f"the query ran longer than this endpoint's {limits.timeout_s:g} s limit "
                                         "and was stopped")
            ready = multiprocessing.connection.wait(watched, timeout=remaining)
            if worker.conn in ready:
                try:
                    status, content_type, body = worker.conn.recv()
                except (EOFError, OSError):
                    death = worker.describe_death()
                    pool.replace(worker)
                    log(f"a query worker died ({death}); it was replaced")
                    return self._refuse(500, f"the query engine failed on this query ({death}); the endpoint "
                                             "restarted it")
                pool.release(worker)
                return self._send(status, content_type, body)
            if self.connection in ready:
                try:
                    peek = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except BlockingIOError:
                    peek = b"?"
                except OSError:
                    peek = b""
                if not peek:  # the client hung up: stop the work
                    pool.replace(worker)
                    log("a client hung up; its query was stopped")
                    self.close_connection = True
                    return
                watched = [worker.conn]  # a pipelined request: stop watching the socket

    # -- responses

    def _discard_body(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            length = int(self.headers.get("Content-Length", "0"))
            if 0 < length <= 1_000_000:
                self.rfile.read(length)
                return
        self.close_connection = True

    def _refuse(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            self.close_connection = True


def _result_format(accept: str) -> str:
    """The W3C results format a request asks for (``format=`` or Accept); JSON unless another is named."""
    if accept in RESULT_TYPES:
        return accept
    if not accept or "json" in accept or "*/*" in accept:
        return "json"
    for key, kind in (("sparql-results+xml", "xml"), ("application/xml", "xml"), ("text/csv", "csv"),
                      ("tab-separated", "tsv")):
        if key in accept:
            return kind
    return "json"


def _graph_format(accept: str) -> str:
    for key, kind in (("turtle", "ttl"), ("ttl", "ttl"), ("rdf+xml", "xml"), ("ld+json", "jsonld"),
                      ("jsonld", "jsonld")):
        if key in accept:
            return kind
    return "nt"


# ---------------------------------------------------------------------------------------- kg serve


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or 'localhost')."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _stop(signum, frame) -> None:
    """SIGTERM stops the server like Ctrl-C does."""
    raise KeyboardInterrupt


def _take_stop_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop the server, whatever this process inherited.

    A process started with SIGINT ignored (a child of a process that ignores it; Python then installs no
    KeyboardInterrupt handler) or blocked would not stop on Ctrl-C, though it says "stop with Ctrl-C": seen
    in the test suite, where a test's process had come to ignore SIGINT (docs/robustness.md)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _watch(build_dir: Path, pool: Pool, stopping: threading.Event, every: float = 1.0) -> None:
    """Switch to each newly published build; say so, or say why not."""
    from kg.builds import current_build

    while not stopping.wait(every):
        directory = current_build(build_dir)
        if directory is None or directory == pool.directory:
            continue
        previous = pool.directory.name if pool.directory else "?"
        try:
            pool.start(directory)
        except InputError as exc:
            log(f"a new build ({directory.name}) was published but cannot be served: {exc}; still serving build "
                f"{previous}")
            time.sleep(every * 5)
            continue
        log(f"now serving build {directory.name} (it replaced build {previous})")


def serve(build_dir: Path, bind: str = "127.0.0.1", port: int = 7878, limits: Limits | None = None) -> int:
    """Run the endpoint until Ctrl-C (or SIGTERM); print its URLs once it listens."""
    from kg.builds import current_build
    from kg.config import DATASET_FILE, STORE_DIR

    limits = limits or Limits()
    directory = current_build(build_dir)
    if directory is None:  # an earlier kg's layout, read in place
        directory = build_dir
    if not (directory / DATASET_FILE).is_file() and not (directory / STORE_DIR / "CURRENT").is_file():
        raise InputError(f"{build_dir}: no build here; run 'kg build' first")
    if limits.timeout_s <= 0 or limits.workers < 1 or limits.max_query_bytes < 1:
        raise InputError("--timeout, --workers and --max-query-bytes must be positive")
    pool = Pool(limits)
    try:
        server = Server((bind, port), pool, limits)
    except OSError as exc:
        import errno

        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"{bind}:{port} is already in use (another kg serve, or another server); choose "
                             "another --port, or stop it") from None
        raise InputError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
    stopping = threading.Event()
    try:
        _take_stop_signals()
        pool.start(directory)
        host = f"[{bind}]" if ":" in bind else bind
        base = f"http://{host}:{port}"
        if not is_loopback(bind):
            log(f"warning: listening on {bind}, not a loopback address: anyone who can reach this machine can "
                "query it (the limits of docs/robustness.md apply; there is no authentication)")
        service = "SERVICE allowed" if limits.allow_service else "no SERVICE"
        print(f"SPARQL endpoint: {base}/query   (read-only; union default graph unless FROM; {limits.timeout_s:g} s "
              f"per query; {service})")
        print(f"query page:      {base}/")
        print(f"serving build {directory.name}; a new build is picked up when it is published")
        print("stop with Ctrl-C", flush=True)
        threading.Thread(target=_watch, args=(build_dir, pool, stopping), name="kg-serve-watch", daemon=True).start()
        server.serve_forever(poll_interval=0.2)
        return 0
    except KeyboardInterrupt:
        print("\nstopping the SPARQL server", flush=True)
        return 0
    finally:
        stopping.set()
        server.server_close()
        pool.close()
