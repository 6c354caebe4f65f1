"""Real servers on 127.0.0.1 for the tests: the Oxigraph SPARQL server (from the `oxigraph` PyPI
package) loaded with Wikidata-shaped fixture data, and a small faulty HTTP server in a thread that
misbehaves the ways the Wikidata Query Service can (429, a policy text with 200, truncated JSON, a
hang). Both are short-lived and stopped by the fixtures that start them."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from kg.query.serve import oxigraph_executable, stop, wait_until_listening

WD = "http://www.wikidata.org/entity/"
FIXTURE = Path(__file__).parent / "fixtures" / "wikidata" / "fixture.ttl"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def oxigraph_server(data: Path = FIXTURE, timeout_s: int = 30) -> Iterator[str]:
    """Start `oxigraph serve` in memory on a free port, load ``data``, yield its query URL, stop it."""
    port = free_port()
    process = subprocess.Popen([oxigraph_executable(), "serve", "--bind", f"127.0.0.1:{port}",
                                "--timeout-s", str(timeout_s)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening("127.0.0.1", port, process, seconds=20)
        request = urllib.request.Request(f"{base}/store?default", data=data.read_bytes(), method="POST",
                                         headers={"Content-Type": "text/turtle"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 201, 204)
        yield f"{base}/query"
    finally:
        stop(process, seconds=5)
        process.stderr.close()


class FaultServer:
    """An HTTP server in a thread; ``/PATH`` behaves as ``behaviours[PATH]`` says, anything else, and
    every request after a fault has been served ``times`` times, is forwarded to ``upstream``."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.faults: dict[str, tuple[str, int]] = {}  # path -> (behaviour, how many times)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stop = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((self.path, dict(self.headers)))
                behaviour, left = outer.faults.get(self.path, ("forward", 0))
                if left > 0:
                    outer.faults[self.path] = (behaviour, left - 1)
                    return getattr(outer, f"_{behaviour.replace('-', '_')}")(self)
                return outer._forward(self, body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    # behaviours ------------------------------------------------------------------------------------

    def _send(self, handler, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _forward(self, handler, body: bytes) -> None:
        request = urllib.request.Request(self.upstream, data=body, method="POST", headers={
            "Content-Type": handler.headers.get("Content-Type", ""), "Accept": handler.headers.get("Accept", "")})
        with urllib.request.urlopen(request, timeout=10) as response:
            self._send(handler, response.status, response.read(), response.headers.get("Content-Type", ""))

    def _too_many(self, handler) -> None:
        self._send(handler, 429, b"Too many requests; slow down", "text/plain", {"Retry-After": "1"})

    def _too_many_for_long(self, handler) -> None:
        self._send(handler, 429, b"Too many requests", "text/plain", {"Retry-After": "3600"})

    def _unavailable(self, handler) -> None:
        self._send(handler, 503, b"Service unavailable", "text/plain")

    def _policy(self, handler) -> None:
        self._send(handler, 200, b"Please set a user-agent and respect our robot policy https://w.wiki/4wJS.\n",
                   "text/plain; charset=utf-8")

    def _policy_as_json(self, handler) -> None:
        self._send(handler, 200, b"Please set a user-agent and respect our robot policy.",
                   "application/sparql-results+json")

    def _truncated(self, handler) -> None:
        self._send(handler, 200, b'{"head":{"vars":["item","label"]},"results":{"bindings":[{"item":{"type":"uri",'
                   b'"value":"http://www.wikidata.org/entity/Q17"},"label":{"type":"lit',
                   "application/sparql-results+json")

    def _results(self, handler, variables: list[str], rows: list[dict]) -> None:
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": rows}}).encode()
        self._send(handler, 200, body, "application/sparql-results+json")

    def _empty(self, handler) -> None:
        self._results(handler, ["item", "label", "class", "organisation", "statement", "position"], [])

    def _label_row(self, handler, item: dict, label: dict | None) -> None:
        self._results(handler, ["item", "label"], [{"item": item, **({"label": label} if label else {})}])

    def _unasked(self, handler) -> None:
        self._label_row(handler, {"type": "uri", "value": WD + "Q999999"}, {"type": "literal", "value": "Nowhere",
                                                                              "xml:lang": "en"})

    def _literal_item(self, handler) -> None:
        self._label_row(handler, {"type": "literal", "value": WD + "Q17"}, {"type": "literal", "value": "Japan",
                                                                              "xml:lang": "en"})

    def _script_label(self, handler) -> None:
        self._label_row(handler, {"type": "uri", "value": WD + "Q17"},
                        {"type": "literal", "value": "<script>alert(1)</script>", "xml:lang": "en"})

    def _invalid_iri(self, handler) -> None:
        self._label_row(handler, {"type": "uri", "value": WD + "Q17>"}, {"type": "literal", "value": "Japan",
                                                                           "xml:lang": "en"})

    def _missing_variable(self, handler) -> None:
        self._label_row(handler, {"type": "uri", "value": WD + "Q17"}, None)

    def _deep_json(self, handler) -> None:
        self._send(handler, 200, b"[" * 100_000 + b"]" * 100_000, "application/sparql-results+json")

    def _trickle(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(40):  # a byte every 0.25 s: each read succeeds, the answer never completes in time
            if self.stop.wait(0.25):
                return
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return

    def _hang(self, handler) -> None:
        self.stop.wait(5)  # longer than the client's timeout; ends early when the server stops
