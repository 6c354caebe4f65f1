"""Run a federated stored query (``SERVICE ?_endpoint_iri``) on pyoxigraph, with a time limit.

pyoxigraph evaluates SPARQL 1.1 SERVICE over HTTP itself (POST, ``application/sparql-query``,
User-Agent ``Oxigraph/<version>``), but it has neither a timeout nor a way to set the User-Agent,
and it sends the SERVICE block as written, without the bindings of the rest of the query (so a
federated query must name its items inside the block). The query therefore runs in a worker
thread that is abandoned after ``timeout`` seconds, and any failure of the remote side becomes a
:class:`~kg.errors.RemoteError` (exit 3) naming the endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError, RemoteError
from kg.query.store import select_oxigraph

T = TypeVar("T")


def check_endpoints(service_variables: list[str], bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> None:
    """Every SERVICE endpoint parameter must be an http(s) IRI."""
    for variable in service_variables:
        term = bindings.get(variable)
        if (not isinstance(term, ox.NamedNode) or not term.value.startswith(("http://", "https://"))
                or term.value.startswith(vocab.BASE)):
            shown = term.value if term is not None else "nothing"
            raise InputError(f"the SERVICE endpoint ?{variable} must be the http(s) URL of a SPARQL endpoint, "
                             f"not {shown!r}")


def run_federated(store: ox.Store, query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal],
                  service_variables: list[str], timeout: float,
                  consume: Callable[[ox.QuerySolutions], T]) -> T:
    """Evaluate ``query`` and pass its solutions to ``consume`` (which reads them all), within ``timeout``."""
    check_endpoints(service_variables, bindings)
    endpoints = ", ".join(str(bindings[v].value) for v in service_variables)
    outcome: dict[str, object] = {}

    def work() -> None:
        # pyoxigraph's solutions may only be dropped on the thread that made them: keep them (and any
        # traceback that refers to them) here, and hand over only the result or the error's words
        try:
            outcome["value"] = consume(select_oxigraph(store, query, bindings))
        except InputError as exc:
            outcome["input-error"] = str(exc)
        except (OSError, RuntimeError, ValueError) as exc:
            outcome["remote-error"] = str(exc)
        except BaseException as exc:
            outcome["other-error"] = f"{type(exc).__name__}: {exc}"

    worker = threading.Thread(target=work, name="kg-federated-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise RemoteError(f"no answer from {endpoints} within {timeout:g} s (--timeout); the query was abandoned")
    if "input-error" in outcome:
        raise InputError(str(outcome["input-error"]))
    if "remote-error" in outcome:
        raise RemoteError(f"the SERVICE call to {endpoints} failed: {outcome['remote-error']}")
    if "other-error" in outcome:
        raise RuntimeError(f"the federated query failed: {outcome['other-error']}")
    return outcome["value"]  # type: ignore[return-value]
