"""The catalogue of stored queries: grlc-style headers, parameters bound as values.

A stored query is ``queries/<name>.rq``: valid SPARQL whose leading ``#+`` comment lines are a
YAML header (grlc's convention)::

    #+ summary: one line
    #+ description: what it answers, and its closed-world caveats
    #+ tags: [headline]
    #+ defaults:
    #+   - partner: state/united-kingdom
    #+ aliases: [an-older-name]
    #+ columns: [partnerLabel, pledgeStatus, quote]

``aliases`` are names the query answered to before it was renamed; ``kg query`` still takes them.
``columns`` are the columns its terminal table shows by default (``--wide`` shows them all); the
W3C result formats always carry every column unless ``--columns`` picks some.

A parameter is a variable named ``?_name`` (a literal), ``?_name_iri`` (an IRI) or ``?_name_date`` (a
day, ``YYYY-MM-DD`` or ``today``, bound as the ``xsd:dateTime`` of its midnight, as the graph's dates
are; docs/time-model.md). Each value is
bound as the RDF term that pyoxigraph parses and serialises it to, replacing the variable's tokens
before evaluation (:mod:`kg.query.binding`); raw input is never pasted into the query text. An IRI
parameter takes an entity id (``state/japan``), an absolute IRI, or the label (or alias) of exactly one
entity, which :mod:`kg.query.entities` resolves in the graph the query runs on. Quality checks live in
``queries/qc/*-violation.rq``: any row is a violation. Federated queries (``queries/federated/*.rq``)
call a remote endpoint with ``SERVICE ?_name_iri``, the endpoint being a parameter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError
from kg.query.binding import PAGE_LIMIT, PAGE_OFFSET, without_comment_lines

if TYPE_CHECKING:
    from kg.config import Settings

PARAM_RE = re.compile(r"[?$]_([A-Za-z][A-Za-z0-9]*?)(_iri|_date)?\b")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SERVICE_RE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?[?$]([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
FEDERATED_DIR = "federated"
QUERY_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
HEADER_CACHE_FORMAT = 1  # of query-headers.json: raise it when headers are parsed differently


@dataclass(frozen=True)
class Param:
    """A query parameter: its name on the command line, its SPARQL variable and kind."""

    name: str
    variable: str
    kind: str  # "iri", "date", "literal", or "page" (limit and offset: paging: true in the header)
    default: str | None = None


@dataclass
class StoredQuery:
    """One stored query and its header metadata."""

    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    service_variables: list[str] = field(default_factory=list)  # SERVICE ?var endpoints
    aliases: list[str] = field(default_factory=list)  # former names
    columns: list[str] = field(default_factory=list)  # the terminal table's default columns

    @property
    def federated(self) -> bool:
        """Whether the query calls a remote endpoint (SERVICE)."""
        return bool(self.service_variables) or self.path.parent.name == FEDERATED_DIR


Headers = Mapping[str, dict]  # parsed headers by the SHA-256 of their text (:func:`header_cache`)


def parse_query_file(path: Path, headers: Headers | None = None) -> StoredQuery:
    """Read a .rq file and its grlc-style header; ``headers`` (:func:`read_header_cache`) holds headers
    parsed before, looked up by the SHA-256 of the header's text, so that an edited header is parsed again."""
    text = path.read_text(encoding="utf-8")
    header_text = _header_text(text)
    header = (headers or {}).get(_header_key(header_text))
    if header is None:
        header = _parse_header(path, header_text)
    defaults: dict[str, str] = {}
    for item in header.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update({str(k): str(v) for k, v in item.items()})
    params: dict[str, Param] = {}
    body = without_comment_lines(text)
    for match in PARAM_RE.finditer(body):
        name, suffix = match.group(1), match.group(2) or ""
        kind = {"_iri": "iri", "_date": "date"}.get(suffix, "literal")
        params.setdefault(name, Param(name, f"_{name}{suffix}", kind, defaults.get(name)))
    if header.get("paging"):  # LIMIT/OFFSET parameters, for answers that can run to thousands of rows
        for name, variable in (("limit", PAGE_LIMIT), ("offset", PAGE_OFFSET)):
            params[name] = Param(name, variable, "page", defaults.get(name))
    tags = header.get("tags") or []
    aliases = header.get("aliases") or []
    columns = header.get("columns") or []
    services = sorted(set(SERVICE_RE.findall(body)))
    return StoredQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(header.get("summary", "")).strip(),
        description=" ".join(str(header.get("description", "")).split()),
        tags=[str(t) for t in (tags if isinstance(tags, list) else [tags])],
        params=sorted(params.values(), key=lambda p: p.name),
        service_variables=services,
        aliases=[str(a) for a in (aliases if isinstance(aliases, list) else [aliases])],
        columns=[str(c).lstrip("?") for c in (columns if isinstance(columns, list) else [columns])],
    )


def _header_text(text: str) -> str:
    return "\n".join(line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines()
                     if line.startswith("#+"))


def _header_key(header_text: str) -> str:
    return hashlib.sha256(header_text.encode("utf-8")).hexdigest()


def _parse_header(path: Path, header_text: str) -> dict:
    import yaml  # only where no parsed header is cached: importing PyYAML costs a cold kg query ~17 ms

    try:
        header = yaml.safe_load(header_text) or {}
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a value YAML reads but cannot make (2024-13-01)
        raise InputError(f"{path}: malformed '#+' header: {exc}") from None
    if not isinstance(header, dict):
        raise InputError(f"{path}: the '#+' header must be a YAML mapping")
    return header


def header_cache(queries_dir: Path) -> dict[str, dict]:
    """The parsed header of every stored query, federated query and quality check under ``queries_dir``,
    by the SHA-256 of its text: what ``kg build`` writes beside the store (config.QUERY_HEADERS_FILE), so
    that a cold ``kg query`` need not import PyYAML. A header that does not parse, or that JSON cannot
    carry unchanged (a YAML date), is left out and parsed when its query is run."""
    import json

    cache: dict[str, dict] = {}
    for path in sorted(queries_dir.rglob("*.rq")):
        try:  # a cache never fails a build: a file that cannot be read here is reported when its query runs
            header_text = _header_text(path.read_text(encoding="utf-8"))
            header = _parse_header(path, header_text)
        except (InputError, OSError, UnicodeDecodeError):
            continue
        if json.loads(json.dumps(header, default=str)) == header:
            cache[_header_key(header_text)] = header
    return cache


def write_header_cache(queries_dir: Path, path: Path) -> None:
    """Write :func:`header_cache` to ``path`` (JSON, with the format it is read back with)."""
    import json

    path.write_bytes(json.dumps({"format": HEADER_CACHE_FORMAT, "headers": header_cache(queries_dir)},
                                sort_keys=True).encode())


def read_header_cache(path: Path) -> dict[str, dict]:
    """The headers :func:`header_cache` wrote to ``path``; nothing if the file is missing or unreadable
    (a build made before it existed): every header is then parsed from its file."""
    import json

    try:
        cache = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(cache, dict) or cache.get("format") != HEADER_CACHE_FORMAT or not isinstance(
            cache.get("headers"), dict):
        return {}  # another format (a header parsed another way) is parsed again from the files
    return {key: header for key, header in cache["headers"].items() if isinstance(header, dict)}


def catalogue(queries_dir: Path) -> dict[str, StoredQuery]:
    """Every stored query in ``queries_dir`` (not the quality checks), by name."""
    return {p.stem: parse_query_file(p) for p in sorted(queries_dir.glob("*.rq"))}


def federated_catalogue(queries_dir: Path) -> dict[str, StoredQuery]:
    """Every federated query in ``queries_dir/federated``, by name."""
    return {p.stem: parse_query_file(p) for p in sorted((queries_dir / FEDERATED_DIR).glob("*.rq"))}


def all_queries(queries_dir: Path) -> dict[str, StoredQuery]:
    """Stored and federated queries, by name (a name is unique across both)."""
    local, federated = catalogue(queries_dir), federated_catalogue(queries_dir)
    clash = sorted(set(local) & set(federated))
    aliases = [alias for query in [*local.values(), *federated.values()] for alias in query.aliases]
    clash += sorted({a for a in aliases if a in local or a in federated or aliases.count(a) > 1})
    if clash:
        raise InputError(f"query name(s) {', '.join(clash)} used both in {queries_dir} and {FEDERATED_DIR}/")
    return {**local, **federated}


def quality_checks(queries_dir: Path) -> dict[str, StoredQuery]:
    """Every quality check in ``queries_dir/qc`` (``*-violation.rq``), by name."""
    return {p.stem: parse_query_file(p) for p in sorted((queries_dir / "qc").glob("*-violation.rq"))}


def find(queries_dir: Path, name: str, headers: Headers | None = None) -> StoredQuery:
    """A stored (or federated) query by name, or an InputError listing the names that exist.

    Only the named file is parsed when the name is a plain query name (the common, cold-CLI case), its
    header taken from ``headers`` when it is there (:func:`read_header_cache`); the whole catalogue is
    read only to report a clash or suggest a close name.
    """
    if QUERY_NAME_RE.fullmatch(name):
        candidates = [path for path in (queries_dir / f"{name}.rq", queries_dir / FEDERATED_DIR / f"{name}.rq")
                      if path.is_file()]
        if len(candidates) == 1:
            return parse_query_file(candidates[0], headers)
    queries = all_queries(queries_dir)
    renamed = {alias: query for query in queries.values() for alias in query.aliases}
    if name not in queries and name in renamed:
        return renamed[name]
    if name not in queries:
        import difflib

        close = difflib.get_close_matches(name, list(queries), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InputError(f"no stored query named {name!r}.{hint} 'kg queries' lists them.")
    return queries[name]


def find_built(settings: Settings, name: str) -> StoredQuery:
    """:func:`find` in the settings' stored queries, with the headers the settings' build cached (so a cold
    ``kg query`` or ``kg evidence`` reads no YAML)."""
    return find(settings.queries_dir, name, read_header_cache(settings.query_headers_file))


def parse_param_args(pairs: list[str]) -> dict[str, str]:
    """``["partner=state/uk"]`` -> ``{"partner": "state/uk"}``; bad syntax is an InputError."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param takes NAME=VALUE, not {pair!r}")
        values[name.strip()] = value.strip()
    return values


Resolver = Callable[[str, str], str]  # (label, parameter name) -> entity id


def bind(query: StoredQuery, values: dict[str, str], resolve: Resolver | None = None
         ) -> dict[str, ox.NamedNode | ox.Literal]:
    """Turn command-line values (or defaults) into RDF terms for the query's parameters; ``resolve`` turns
    an entity parameter given as a label into its id (:func:`kg.query.entities.resolve_label`)."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise InputError(f"query {query.name!r} has no parameter {', '.join(unknown)} (parameters: {names})")
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        raw = values.get(param.name, param.default)
        if param.kind == "page":
            if raw not in (None, ""):
                bindings[param.variable] = page_term(raw, param.name)
            continue
        if raw is None:
            raise InputError(f"query {query.name!r} needs --param {param.name}=VALUE")
        if param.kind == "iri":
            entity = resolve if param.variable not in query.service_variables else None
            bindings[param.variable] = iri_term(raw, param.name, entity)
        elif param.kind == "date":
            bindings[param.variable] = date_term(raw, param.name)
        else:
            bindings[param.variable] = ox.Literal(raw)
    return bindings


MAX_PAGE = 10_000_000


def page_term(raw: str, what: str) -> ox.Literal:
    """A LIMIT or OFFSET: a whole number from 0 to 10 million, as an xsd:integer."""
    text = str(raw).strip()
    if not text.isdigit() or int(text) > MAX_PAGE:
        raise InputError(f"{what}: {raw!r} is not a whole number from 0 to {MAX_PAGE:,}")
    return ox.Literal(str(int(text)), datatype=ox.NamedNode(vocab.XSD + "integer"))


def date_term(raw: str, what: str) -> ox.Literal:
    """A day (``YYYY-MM-DD``, or ``today``) as the ``xsd:dateTime`` of its midnight; else an InputError."""
    from datetime import date

    if raw.strip().lower() == "today":
        day = date.today()
    else:
        try:
            if not DATE_RE.fullmatch(raw.strip()):
                raise ValueError("not of the form YYYY-MM-DD")
            day = date.fromisoformat(raw.strip())
        except ValueError as exc:
            raise InputError(f"{what}: {raw!r} is not a date (YYYY-MM-DD, or 'today'): {exc}") from None
    return ox.Literal(f"{day.isoformat()}T00:00:00", datatype=ox.NamedNode(vocab.XSD + "dateTime"))


def needs_resolving(raw: str) -> bool:
    """Whether an IRI parameter's value is neither an entity id nor an absolute IRI (so: a label)."""
    return not vocab.ENTITY_ID_RE.match(raw) and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S", raw)


def iri_term(raw: str, what: str, resolve: Resolver | None = None) -> ox.NamedNode:
    """An entity id, an absolute IRI, or (with ``resolve``) an entity's label, as a NamedNode; anything
    else is an InputError."""
    if vocab.ENTITY_ID_RE.match(raw):
        return ox.NamedNode(vocab.entity_iri(raw))
    if not needs_resolving(raw):
        try:
            return ox.NamedNode(raw)
        except ValueError as exc:
            raise InputError(f"{what}: {raw!r} is not a valid IRI ({exc})") from None
    if resolve is not None:
        return ox.NamedNode(vocab.entity_iri(resolve(raw, what)))
    raise InputError(f"{what}: {raw!r} is neither an entity id (kind/slug, e.g. state/japan) nor an IRI")
