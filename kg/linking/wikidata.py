"""Make the Wikidata snapshot: ``kg wikidata refresh`` (live, SPARQLWrapper) and ``kg wikidata seed``.

A refresh asks a SPARQL endpoint (default the Wikidata Query Service) about the items this graph
links to, in ``VALUES`` batches: their labels in the chosen languages, instance-of (P31),
membership (P463), positions held (P39, with start P580 and end P582), then the labels of the
classes, organisations and positions those answers name. It follows the service's rules for
clients: a descriptive User-Agent with a contact, bounded retries that wait as long as a 429 or 503
answer's ``Retry-After`` asks, a timeout, and an on-disk cache of checked answers. Every answer is
checked before it is used: a 200 whose body is a policy message, HTML, or truncated JSON is an
error, not data. The snapshot is replaced only when every answer has arrived and passed its checks,
so any failure leaves the previous snapshot as it was and says what happened (exit 3).

``SPARQLWrapper.setTimeout`` is a client-side socket timeout (it bounds each wait for data, not
the whole request), so each request also runs against a deadline of ``--timeout`` seconds for the
whole answer: a server that trickles bytes cannot hold a refresh. The service's own limit is 60 s
per query.

What comes back is validated as well as parsed (issue 12): every row must bind the variables the
query selects, with an IRI (a valid one) where an item, class, organisation, position or statement
belongs and a literal where a label or date does; rows about items that were not asked for, labels in
languages not asked for, labels with markup or control characters, and an answer with no label for
any item are refused — the previous snapshot stays.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import platform
import re
import sys
import threading
import time
import urllib.error
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError, RemoteError

DEFAULT_LANGUAGES = ("en", "ja")
CONTACT_ENV = "KG_WIKIDATA_CONTACT"
SNIPPET = 160

PREFIXES = (
    f"PREFIX wd: <{vocab.WD}>\nPREFIX wdt: <{vocab.WDT}>\nPREFIX p: <{vocab.WDP}>\n"
    f"PREFIX ps: <{vocab.WDPS}>\nPREFIX pq: <{vocab.WDPQ}>\nPREFIX rdfs: <{vocab.RDFS}>\n"
)
LABELS = PREFIXES + """SELECT ?item ?label WHERE {
  VALUES ?item { %(items)s }
  VALUES ?language { %(languages)s }
  ?item rdfs:label ?label .
  FILTER(LANG(?label) = ?language)
}"""
INSTANCE_OF = PREFIXES + """SELECT ?item ?class WHERE {
  VALUES ?item { %(items)s }
  ?item wdt:P31 ?class .
}"""
MEMBER_OF = PREFIXES + """SELECT ?item ?organisation WHERE {
  VALUES ?item { %(items)s }
  ?item wdt:P463 ?organisation .
}"""
POSITIONS = PREFIXES + """SELECT ?item ?statement ?position ?start ?end WHERE {
  VALUES ?item { %(items)s }
  ?item p:P39 ?statement .
  ?statement ps:P39 ?position .
  OPTIONAL { ?statement pq:P580 ?start }
  OPTIONAL { ?statement pq:P582 ?end }
}"""


@dataclass
class RefreshOptions:
    """How to talk to the endpoint."""

    endpoint: str = vocab.WIKIDATA_QUERY_SERVICE
    contact: str | None = None
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    timeout: int = 60  # seconds without data before giving up on a request
    retries: int = 3  # further attempts after a 429 or 503
    max_wait: float = 120.0  # the longest Retry-After (or back-off) honoured; longer is a failure
    backoff: float = 2.0  # first wait when a 429/503 gives no Retry-After; doubles each time
    batch_size: int = 50
    cache_dir: Path | None = None
    cache_max_age: float = 24 * 3600.0  # seconds; 0 disables reading the cache
    progress: bool | None = None  # None: a bar only when standard error is a terminal
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


@dataclass
class RefreshResult:
    """What a refresh did."""

    items: int
    triples: int
    queries: int
    from_cache: int
    retries: int
    seconds: float
    files: list[Path]
    unlabelled: list[str] = field(default_factory=list)  # items the endpoint gave no label for


def user_agent(contact: str | None) -> str:
    """A User-Agent that follows the Wikimedia policy: tool, version, project URL, contact, library."""
    import SPARQLWrapper

    from kg.version import software_version

    who = f"{vocab.PROJECT_URL}; {contact}" if contact else vocab.PROJECT_URL
    return (f"japan-security-kg/{software_version()} ({who}) SPARQLWrapper/{SPARQLWrapper.__version__} "
            f"Python/{platform.python_version()}")


def check_options(options: RefreshOptions) -> None:
    """Usage errors, before anything is sent: a bad endpoint, no contact for the public service."""
    if not options.endpoint.startswith(("http://", "https://")) or any(c.isspace() for c in options.endpoint):
        raise InputError(f"--endpoint must be an http(s) URL, not {options.endpoint!r}")
    if options.endpoint == vocab.WIKIDATA_QUERY_SERVICE and not options.contact:
        raise InputError("the Wikidata Query Service asks every client to say who runs it: pass --contact "
                         f"EMAIL_OR_URL or set {CONTACT_ENV} (it goes into the User-Agent header)")
    for language in options.languages:
        if not language or not all(part.isalnum() and len(part) <= 8 for part in language.split("-")):
            raise InputError(f"--languages: {language!r} is not a language tag (e.g. en, ja, zh-Hant)")
    if options.batch_size < 1 or options.timeout < 1 or options.retries < 0:
        raise InputError("--batch-size and --timeout must be at least 1, --retries at least 0")


# ------------------------------------------------------------------------------------------ answers


def parse_results(body: bytes, content_type: str | None, variables: Iterable[str]) -> list[dict]:
    """The bindings of a SPARQL 1.1 JSON results body, or a RemoteError saying what the body is instead."""
    snippet = " ".join(body[:SNIPPET].decode("utf-8", "replace").split())
    if content_type and "json" not in content_type.lower():
        raise RemoteError(f"the endpoint answered 200 with {content_type.split(';')[0]}, not SPARQL JSON results; "
                          f"it begins: {snippet!r}")
    try:
        document = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise RemoteError("the answer is JSON nested too deeply to be SPARQL results") from None
    except UnicodeDecodeError as exc:
        raise RemoteError(f"the answer is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        text = body.decode("utf-8", "replace").strip()
        # SPARQL JSON results are one object: one that opens and never closes was cut off
        what = "truncated" if text.startswith("{") and not text.endswith("}") else "malformed"
        raise RemoteError(f"the answer is {what} JSON (at character {exc.pos} of {len(body)} bytes); it "
                          f"begins: {snippet!r}") from None
    head = document.get("head") if isinstance(document, dict) else None
    results = document.get("results") if isinstance(document, dict) else None
    bindings = results.get("bindings") if isinstance(results, dict) else None
    if not isinstance(head, dict) or not isinstance(head.get("vars"), list) or not isinstance(bindings, list):
        raise RemoteError(f"the answer is JSON but not SPARQL results (no head.vars and results.bindings); it "
                          f"begins: {snippet!r}")
    missing = [v for v in variables if v not in head["vars"]]
    if missing:
        raise RemoteError(f"the results lack the variable(s) {', '.join(missing)} the query selects")
    for binding in bindings:
        if not isinstance(binding, dict) or not all(
                isinstance(t, dict) and isinstance(t.get("value"), str) and t.get("type") in TERM_TYPES
                for t in binding.values()):
            raise RemoteError(f"a result row is not a SPARQL JSON binding: {_snippet(binding)}")
    return bindings


TERM_TYPES = {"uri", "literal", "typed-literal", "bnode"}
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_LABEL = 400  # Wikidata's labels are at most 250 characters


def _snippet(value) -> str:
    import reprlib

    return reprlib.repr(value)[:SNIPPET]


def check_rows(rows: list[dict], required: list[str], iris: set[str], asked: set[str],
               languages: tuple[str, ...]) -> list[dict]:
    """Refuse rows that cannot be what was asked: a missing variable, a literal where an IRI belongs (or
    an invalid IRI), a row about an item not asked for, a label in another language, with markup or
    control characters, or too long."""
    from kg.sources.lexical import is_iri, is_language_tag

    for row in rows:
        missing = [v for v in required if v not in row]
        if missing:
            raise RemoteError(f"a result row lacks ?{', ?'.join(missing)}: {_snippet(row)}")
        for name, term in row.items():
            if name in iris:
                if term["type"] != "uri" or not is_iri(term["value"]):
                    raise RemoteError(f"?{name} must be an IRI, but the endpoint answered {_snippet(term)}")
            elif term["type"] not in ("literal", "typed-literal"):
                raise RemoteError(f"?{name} must be a literal, but the endpoint answered {_snippet(term)}")
            elif "datatype" in term and not is_iri(term["datatype"]):
                raise RemoteError(f"?{name} has an invalid datatype: {_snippet(term)}")
            elif "xml:lang" in term and not is_language_tag(term["xml:lang"]):
                raise RemoteError(f"?{name} has an invalid language tag: {_snippet(term)}")
        if row["item"]["value"] not in asked:
            raise RemoteError(f"the endpoint answered about {row['item']['value']}, which was not asked for")
        label = row.get("label")
        if label is not None:
            if label.get("xml:lang") not in languages:
                raise RemoteError(f"a label in {label.get('xml:lang')!r}, not one of the languages asked for: "
                                  f"{_snippet(label)}")
            if MARKUP.search(label["value"]) or len(label["value"]) > MAX_LABEL:
                raise RemoteError(f"a label that is not a name (markup, control characters or "
                                  f"{MAX_LABEL}+ characters): {_snippet(label['value'])}")
    return rows


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Client:
    """Sends SELECT queries with SPARQLWrapper; checks, retries and caches their answers."""

    def __init__(self, options: RefreshOptions):
        self.options = options
        self.agent = user_agent(options.contact)
        self.queries = self.from_cache = self.retries = 0
        self.oldest: float | None = None  # when the oldest answer used was fetched (epoch seconds)

    def select(self, query: str, variables: list[str]) -> list[dict]:
        """The bindings of one SELECT, from the cache when fresh, else from the endpoint."""
        self.queries += 1
        cached = self._cached(query, variables)
        if cached is not None:
            self.from_cache += 1
            return cached
        body, content_type = self._fetch_with_retries(query)
        bindings = parse_results(body, content_type, variables)
        self._store(query, body)
        self._note_time(time.time())
        return bindings

    def _fetch_with_retries(self, query: str) -> tuple[bytes, str | None]:
        attempt = 0
        while True:
            try:
                return self._fetch(query)
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 503):
                    raise RemoteError(self._http_failure(exc.code, exc.reason, _read(exc))) from None
                wait = retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                asked = wait is not None
                wait = wait if asked else self.options.backoff * (2 ** attempt)
                if attempt >= self.options.retries:
                    raise RemoteError(f"{self.options.endpoint} answered {exc.code} ({exc.reason}) "
                                      f"{attempt + 1} time(s); gave up after {self.options.retries} "
                                      "retries. Try again later.") from None
                if wait > self.options.max_wait:
                    raise RemoteError(f"{self.options.endpoint} answered {exc.code} and asks to retry after "
                                      f"{wait:.0f} s, more than --max-wait {self.options.max_wait:.0f} s. "
                                      "Try again later.") from None
                attempt += 1
                self.retries += 1
                self.options.sleep(wait)

    def _fetch(self, query: str) -> tuple[bytes, str | None]:
        """One request, within --timeout seconds for the whole answer (a worker thread, abandoned at the
        deadline: SPARQLWrapper's own timeout bounds each read, not the whole)."""
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["value"] = self._fetch_now(query)
            except BaseException as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="kg-wikidata-request", daemon=True)
        worker.start()
        worker.join(self.options.timeout)
        if worker.is_alive():
            raise RemoteError(f"{self.options.endpoint} sent no complete answer within {self.options.timeout} s "
                              "(--timeout); it may be overloaded. Try again later.")
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]

    def _fetch_now(self, query: str) -> tuple[bytes, str | None]:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sparql = SPARQLWrapper(self.options.endpoint, agent=self.agent)
        sparql.setMethod(POST)
        sparql.setReturnFormat(JSON)
        # each read may take a second longer than the whole answer may: for a server that sends nothing, the
        # whole-answer deadline (_fetch) is the one reported, not whichever of two equal timers fired first
        sparql.setTimeout(math.ceil(self.options.timeout) + 1)
        sparql.setQuery(query)
        endpoint = self.options.endpoint
        try:
            response = sparql.query().response
            return response.read(), response.headers.get("Content-Type")
        except urllib.error.HTTPError:
            raise
        except SPARQLWrapperException as exc:  # 400, 401, 404, 414, 500, with the body in the message
            raise RemoteError(f"{endpoint} refused the query: {' '.join(str(exc).split())[:2 * SNIPPET]}") from None
        except (TimeoutError, urllib.error.URLError) as exc:
            if isinstance(exc, TimeoutError) or isinstance(exc.reason, TimeoutError):
                raise RemoteError(f"{endpoint} sent nothing for {self.options.timeout} s (--timeout); "
                                  "it may be overloaded. Try again later.") from None
            raise RemoteError(f"cannot reach {endpoint}: {exc.reason}") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise RemoteError(f"the connection to {endpoint} broke off: {exc!r}") from None

    def _http_failure(self, code: int, reason: str, body: str) -> str:
        snippet = " ".join(body.split())[:SNIPPET]
        hint = " (the service may be refusing this client: check --contact)" if code == 403 else ""
        return f"{self.options.endpoint} answered {code} ({reason}){hint}: {snippet!r}"

    # cache ---------------------------------------------------------------------------------------

    def _cache_file(self, query: str) -> Path | None:
        if self.options.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.options.endpoint}\n{query}".encode()).hexdigest()
        return self.options.cache_dir / f"{key}.srj"

    def _cached(self, query: str, variables: list[str]) -> list[dict] | None:
        path = self._cache_file(query)
        if path is None or not path.is_file() or self.options.cache_max_age <= 0:
            return None
        fetched = path.stat().st_mtime
        if time.time() - fetched > self.options.cache_max_age:
            return None
        try:
            bindings = parse_results(path.read_bytes(), None, variables)
        except RemoteError:
            return None  # a damaged cache entry is fetched again
        self._note_time(fetched)
        return bindings

    def _store(self, query: str, body: bytes) -> None:
        path = self._cache_file(query)
        if path is not None:
            from kg.atomic import write_atomically

            write_atomically(path, body)

    def _note_time(self, fetched: float) -> None:
        self.oldest = fetched if self.oldest is None else min(self.oldest, fetched)


def _read(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read().decode("utf-8", "replace")
    except Exception:  # the body of an error answer is only shown, never needed
        return ""


# ------------------------------------------------------------------------------------------ snapshot


def _term(binding: dict):
    """An rdflib term from a SPARQL JSON binding."""
    from rdflib import BNode, Literal, URIRef

    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if binding.get("xml:lang"):
        return Literal(value, lang=binding["xml:lang"])
    return Literal(value, datatype=URIRef(binding["datatype"]) if binding.get("datatype") else None)


def _values(terms: Iterable[ox.NamedNode | ox.Literal]) -> str:
    """Terms for a VALUES block, serialised by pyoxigraph (validated, escaped): never pasted text."""
    return " ".join(str(t) for t in terms)


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_snapshot(items: list[str], options: RefreshOptions):
    """Ask the endpoint about ``items`` (Wikidata IRIs); the snapshot's data graph (rdflib) and client."""
    from rdflib import URIRef
    from tqdm import tqdm

    from kg.graph.snapshot import new_graphs

    client = Client(options)
    data, _ = new_graphs()
    languages = _values(ox.Literal(lang) for lang in options.languages)
    batches = list(_batches(sorted(items), options.batch_size))
    p31, p463 = URIRef(vocab.WDT + "P31"), URIRef(vocab.WDT + "P463")
    p39, ps39 = URIRef(vocab.WDP + "P39"), URIRef(vocab.WDPS + "P39")
    pq580, pq582 = URIRef(vocab.WDPQ + "P580"), URIRef(vocab.WDPQ + "P582")
    named: set[str] = set()
    disable = None if options.progress is None else not options.progress
    with tqdm(total=4 * len(batches), desc="wikidata", unit="query", file=sys.stderr, disable=disable,
              leave=False) as bar:
        for batch in batches:
            values = {"items": _values(ox.NamedNode(i) for i in batch), "languages": languages}
            asked = set(batch)
            _add_labels(client, data, values, asked, options.languages)
            bar.update()
            for row in check_rows(client.select(INSTANCE_OF % values, ["item", "class"]), ["item", "class"],
                                  {"item", "class"}, asked, options.languages):
                data.add((_term(row["item"]), p31, _term(row["class"])))
                named.add(row["class"]["value"])
            bar.update()
            for row in check_rows(client.select(MEMBER_OF % values, ["item", "organisation"]),
                                  ["item", "organisation"], {"item", "organisation"}, asked, options.languages):
                data.add((_term(row["item"]), p463, _term(row["organisation"])))
                named.add(row["organisation"]["value"])
            bar.update()
            for row in check_rows(client.select(POSITIONS % values, ["item", "statement", "position"]),
                                  ["item", "statement", "position"], {"item", "statement", "position"}, asked,
                                  options.languages):
                statement = _term(row["statement"])
                data.add((_term(row["item"]), p39, statement))
                data.add((statement, ps39, _term(row["position"])))
                named.add(row["position"]["value"])
                if "start" in row:
                    data.add((statement, pq580, _term(row["start"])))
                if "end" in row:
                    data.add((statement, pq582, _term(row["end"])))
            bar.update()
        others = sorted(i for i in named - set(items) if i.startswith(vocab.WD))
        label_batches = list(_batches(others, options.batch_size))
        bar.total += len(label_batches)
        bar.refresh()
        for batch in label_batches:
            _add_labels(client, data, {"items": _values(ox.NamedNode(i) for i in batch), "languages": languages},
                        set(batch), options.languages)
            bar.update()
    return data, client


def _add_labels(client: Client, data, values: dict[str, str], asked: set[str], languages: tuple[str, ...]) -> None:
    """The labels of a batch of items, in the wanted languages, into the snapshot's data graph."""
    from rdflib.namespace import RDFS

    rows = client.select(LABELS % values, ["item", "label"])
    for row in check_rows(rows, ["item", "label"], {"item"}, asked, languages):
        data.add((_term(row["item"]), RDFS.label, _term(row["label"])))


def refresh(settings, options: RefreshOptions) -> RefreshResult:
    """``kg wikidata refresh``: fetch, check, then replace ``data/wikidata`` atomically (or not at all)."""
    from kg.graph.snapshot import LIVE_REFRESH, describe_snapshot, new_graphs, write_snapshot
    from kg.linking.report import linked_items
    from kg.sources.corpus import load_checked_corpus

    check_options(options)
    started = time.perf_counter()
    corpus = load_checked_corpus(settings)
    items = sorted({item for _, item in linked_items(corpus).values()})
    if not items:
        raise InputError("no entity is linked to Wikidata: nothing to refresh")
    data, client = fetch_snapshot(items, options)
    from rdflib.namespace import RDFS

    labelled = {str(s) for s in data.subjects(RDFS.label, None)}
    if not labelled & set(items):
        raise RemoteError(f"{options.endpoint} answered no label for any of the {len(items)} items asked about; "
                          "an empty answer is not a snapshot: the previous one is kept")
    unlabelled = sorted(set(items) - labelled)
    _, provenance = new_graphs()
    fetched = datetime.fromtimestamp(client.oldest or time.time(), tz=timezone.utc)
    retrieved = fetched.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    description = (
        f"What the SPARQL endpoint {options.endpoint} answered, at {retrieved} or later, about the "
        f"{len(items)} Wikidata items this graph links to: their labels in {', '.join(options.languages)}, "
        "instance of (P31), member of (P463) and position held (P39, with start time P580 and end time P582), "
        "and the labels of the classes, organisations and positions those answers name. Wikidata's claims, "
        "not this project's curated facts; Wikidata's data is CC0.")
    describe_snapshot(provenance, LIVE_REFRESH, description, options.endpoint, endpoint=options.endpoint,
                      retrieved=retrieved)
    assert settings.data_dir is not None
    files = write_snapshot(settings.data_dir, data, provenance)
    return RefreshResult(len(items), len(data), client.queries, client.from_cache, client.retries,
                         time.perf_counter() - started, files, unlabelled)


def seed(settings) -> tuple[list[Path], int]:
    """``kg wikidata seed``: the offline snapshot from the reference (English labels of linked items)."""
    from kg.graph.snapshot import seed_graphs, write_snapshot
    from kg.linking.report import linked_items, read_reference, reference_path
    from kg.sources.corpus import load_checked_corpus

    corpus = load_checked_corpus(settings)
    reference = reference_path(corpus, settings.text_path or [])
    by_id = {row.wikidata_id: row for row in read_reference(reference) if row.verified}
    labels = {}
    for _, item in linked_items(corpus).values():
        qid = item[len(vocab.WD):]
        if qid in by_id and by_id[qid].wikidata_label:
            labels[qid] = by_id[qid].wikidata_label
    data, provenance = seed_graphs(labels, reference.name)
    assert settings.data_dir is not None
    return write_snapshot(settings.data_dir, data, provenance), len(labels)


def default_contact() -> str | None:
    """The contact from the environment, if set."""
    return os.environ.get(CONTACT_ENV) or None
