"""Talk to a SPARQL server: run stored queries remotely, push the built graphs into it.

* Queries go through SPARQLWrapper (SPARQL 1.1 Protocol, POST), asking for the W3C JSON results
  format; pyoxigraph parses the answer, so every output format is written by the same serialiser
  as for the embedded engine and remote rows compare with local rows term for term. Parameters
  are bound as constants, the same way (:func:`kg.binding.bind_parameters`).
* Pushing sends ONE SPARQL 1.1 Update request that drops and re-inserts every named graph of the
  build, and drops this project's graphs the build no longer has: on a server that applies a request
  as one transaction (Oxigraph, Fuseki, GraphDB) the push is atomic. Then the triple count of every
  graph is read back and compared; a failed request is followed by a recount that says what the
  server holds (issue 12: per-graph PUTs left a mix, and stale graphs, behind a "counts verified").

The stored queries read the union of all graphs as the default graph: the server must do the same
(Oxigraph ``--union-default-graph``; Fuseki ``tdb:unionDefaultGraph true``; GraphDB and Virtuoso have
equivalents). Basic auth comes from ``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD``.
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError, RemoteError
from kg.query.binding import bind_parameters, without_comment_lines
from kg.version import software_version

TIMEOUT_S = 60


def _user_agent() -> str:
    return f"japan-security-kg/{software_version()} (+{vocab.PROJECT_URL})"


def _credentials() -> tuple[str, str] | None:
    user = os.environ.get("KG_ENDPOINT_USER")
    return (user, os.environ.get("KG_ENDPOINT_PASSWORD", "")) if user else None


def select_remote(endpoint: str, query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal],
                  timeout: int = TIMEOUT_S) -> ox.QuerySolutions:
    """Run a SELECT on a SPARQL 1.1 endpoint; the answer as pyoxigraph solutions."""
    from SPARQLWrapper import JSON, POST, SELECT, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint, agent=_user_agent())
    client.setMethod(POST)
    client.setTimeout(timeout)
    client.setReturnFormat(JSON)
    credentials = _credentials()
    if credentials:
        client.setCredentials(*credentials)
    # SPARQLWrapper guesses the query type with regular expressions that also read comments (the
    # grlc header's "nuclear umbrella" made it a CLEAR update): send no comment lines, and say SELECT.
    client.setQuery(bind_parameters(without_comment_lines(query), bindings))
    client.queryType = SELECT
    try:
        body = client.query().response.read()
    except (SPARQLWrapperException, urllib.error.URLError, OSError) as exc:
        raise RemoteError(f"{endpoint}: query failed: {exc}") from None
    try:
        # pyoxigraph parses lazily: read it all once, so a truncated answer (a query cancelled by the
        # server's timeout mid-stream) is an error here rather than halfway through the output.
        for _ in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON):
            pass
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise RemoteError(f"{endpoint}: the answer is not SPARQL JSON results ({exc}): {body[:200]!r}") from None


def default_update_endpoint(endpoint: str) -> str:
    """Oxigraph's and Fuseki's convention: the query endpoint ``…/query`` (or ``…/sparql``) pairs with the
    update endpoint ``…/update``."""
    base = endpoint.rstrip("/")
    for suffix in ("/query", "/sparql"):
        if base.endswith(suffix):
            return base[: -len(suffix)] + "/update"
    raise InputError(f"cannot guess the SPARQL Update endpoint of {endpoint}; pass --update URL "
                     "(Oxigraph and Fuseki: …/update)")


@dataclass
class PushedGraph:
    """One graph pushed, and the triple counts on both sides."""

    graph: str
    local: int
    remote: int

    @property
    def ok(self) -> bool:
        """The server holds exactly the triples sent."""
        return self.local == self.remote


@dataclass
class PushReport:
    """What a push did: every graph's counts, the stale graphs it removed, and anything to know."""

    graphs: list[PushedGraph]
    removed: list[str]
    stale_left: list[str]
    note: str = ""

    @property
    def ok(self) -> bool:
        """The server holds exactly this build's graphs (of this project's namespace)."""
        return all(g.ok for g in self.graphs) and not self.stale_left


def update_text(by_graph: dict[str, list[ox.Triple]], stale: list[str]) -> str:
    """One SPARQL 1.1 Update request that replaces every graph of the build and drops the stale ones."""
    operations = [f"DROP SILENT GRAPH <{g}>" for g in stale]
    for graph, triples in sorted(by_graph.items()):
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        operations.append(f"DROP SILENT GRAPH <{graph}>")
        operations.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}")
    return " ;\n".join(operations)


def push(quads: list[ox.Quad], endpoint: str, update_endpoint: str | None = None,
         timeout: int = TIMEOUT_S) -> PushReport:
    """Replace this project's graphs on the server with the build's, in ONE SPARQL Update request: a server
    that applies a request as one transaction (Oxigraph, Fuseki, GraphDB) then holds either the old
    graphs or the new ones, never a mix. Graphs of this project's namespace that the build no longer has
    are dropped in the same request. Then every count is read back and compared.

    When the request fails, the counts are read again to say honestly what the server now holds: the old
    graphs (nothing was written), the new ones (the answer was lost, the update applied), or a mix."""
    update_url = update_endpoint or default_update_endpoint(endpoint)
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    local = Counter({g: len(set(t)) for g, t in by_graph.items()})
    before = _ours(remote_counts(endpoint, timeout))
    stale = sorted(set(before) - set(by_graph))
    body = update_text(by_graph, stale).encode("utf-8")
    request = urllib.request.Request(update_url, data=body, method="POST", headers={
        "Content-Type": "application/sparql-update; charset=utf-8", "User-Agent": _user_agent()})
    credentials = _credentials()
    if credentials:
        token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    note = ""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        failure = f"the update was refused: HTTP {exc.code} {exc.reason}: {exc.read()[:300]!r}"
        note = _after_failure(endpoint, timeout, before, local, failure)
    except (urllib.error.URLError, OSError) as exc:
        note = _after_failure(endpoint, timeout, before, local, f"the update failed: {getattr(exc, 'reason', exc)}")
    after = _ours(remote_counts(endpoint, timeout))
    graphs = [PushedGraph(g, local[g], after.get(g, 0)) for g in sorted(by_graph)]
    left = sorted(set(after) - set(by_graph))
    return PushReport(graphs, [g for g in stale if g not in after], left, note)


def _ours(counts: dict[str, int]) -> dict[str, int]:
    return {g: n for g, n in counts.items() if g.startswith(vocab.GRAPH)}


def _after_failure(endpoint: str, timeout: int, before: dict[str, int], local: Counter, failure: str) -> str:
    """After a failed update request: what the server holds now. Raises RemoteError unless it holds the new
    graphs (then returns a note that the answer was lost)."""
    try:
        now = _ours(remote_counts(endpoint, timeout))
    except RemoteError:
        raise RemoteError(f"{failure}; the server does not answer now, so whether it applied the update cannot "
                          "be told. Run kg push again: it replaces every graph in one request") from None
    if now == before:
        raise RemoteError(f"{failure}; the server's graphs are as they were before the push: nothing was "
                          "written") from None
    if now == dict(local):
        return f"{failure}, but the server holds the new graphs: the update was applied and its answer lost"
    raise RemoteError(f"{failure}; the server now holds a MIX of old and new graphs (it did not apply the request "
                      "as one transaction). Run kg push again: it replaces every graph in one request") from None


def remote_counts(endpoint: str, timeout: int = TIMEOUT_S) -> dict[str, int]:
    """Triples per named graph on the server."""
    solutions = select_remote(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                              {}, timeout)
    return {row["g"].value: int(row["n"].value) for row in solutions}
