"""Talk to a SPARQL server: run stored queries remotely, push the built graphs into it.

* Queries go through SPARQLWrapper (SPARQL 1.1 Protocol, POST), asking for the W3C JSON results
  format; pyoxigraph parses the answer, so every output format is written by the same serialiser
  as for the embedded engine and remote rows compare with local rows term for term. Parameters
  are bound as constants, the same way (:func:`kg.binding.bind_parameters`).
* Pushing uses the SPARQL 1.1 Graph Store HTTP Protocol: one ``PUT ?graph=<iri>`` per named graph,
  so pushing again replaces each graph instead of adding duplicates; then the triple count of
  every graph is read back with a query and compared.

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


def default_graph_store(endpoint: str) -> str:
    """Oxigraph's convention: the query endpoint ``…/query`` pairs with the graph store ``…/store``."""
    if endpoint.rstrip("/").endswith("/query"):
        return endpoint.rstrip("/")[: -len("/query")] + "/store"
    raise InputError(f"cannot guess the Graph Store endpoint of {endpoint}; pass --graph-store URL "
                     "(Oxigraph: …/store, Fuseki: …/<dataset>/data)")


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


def push(quads: list[ox.Quad], endpoint: str, graph_store: str | None = None,
         timeout: int = TIMEOUT_S) -> list[PushedGraph]:
    """PUT every named graph to the Graph Store, then read back each graph's triple count."""
    store_url = graph_store or default_graph_store(endpoint)
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    for graph, triples in sorted(by_graph.items()):
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        url = f"{store_url}?{urllib.parse.urlencode({'graph': graph})}"
        request = urllib.request.Request(url, data=body, method="PUT", headers={
            "Content-Type": "application/n-triples", "User-Agent": _user_agent()})
        credentials = _credentials()
        if credentials:
            token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise RemoteError(f"PUT {url} failed: HTTP {exc.code} {exc.reason}: {exc.read()[:300]!r}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise RemoteError(f"PUT {url} failed: {exc}") from None
    counts = remote_counts(endpoint, timeout)
    local = Counter({g: len(set(t)) for g, t in by_graph.items()})
    return [PushedGraph(g, local[g], counts.get(g, 0)) for g in sorted(by_graph)]


def remote_counts(endpoint: str, timeout: int = TIMEOUT_S) -> dict[str, int]:
    """Triples per named graph on the server."""
    solutions = select_remote(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                              {}, timeout)
    return {row["g"].value: int(row["n"].value) for row in solutions}
