"""Your own SPARQL (``kg sparql``): the project's prefixes merged with the query's own, syntax errors
located in the text you wrote, every query form (SELECT, ASK, CONSTRUCT, DESCRIBE), and whether
repeated rows come from the union default graph.

* **Prefixes.** Every prefix of :data:`kg.vocab.PREFIXES` that the query does not declare itself is
  declared before it, on lines of their own; the query's own declarations are kept as written (and
  win, since the project's are left out for those names). So is a prefix per kind of id that the
  query uses (``state:japan``, as ``kg export`` writes them; :func:`kg.vocab.id_prefixes`), if the
  graph holds ids of that kind.
* **Positions.** The engine reports ``error at LINE:COLUMN`` in the text it was given; the lines
  added in front are subtracted, so the position is in the user's text. The engine's list of
  expected characters (dozens of Unicode ranges) is shortened, and an undeclared prefix is named.
* **Repeats.** With the union of the named graphs as default graph, a triple that several graphs hold
  (a fact stated by two sources, an entailment that is also asserted) matches once per graph.
  :func:`repeats_from_union` re-runs the query over the distinct triples to tell whether that is why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg import vocab
from kg.errors import InputError
from kg.query.binding import blank_out_text
from kg.query.store import reads_union

_PREFIX_DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_DATASET = re.compile(r"\b(GRAPH|FROM)\b", re.IGNORECASE)
_USED_PREFIX = re.compile(r"(?<![\w.:?$-])([a-z][a-z0-9-]*):(?=[A-Za-z0-9_])")
_SOURCE_KINDS = ("fact", "triple")  # ids one level deeper: fact/<source>/<fact>
_POSITION = re.compile(r"error at (\d+):(\d+)")
_UNICODE_RANGES = re.compile(r"\[[^\[\]]*\\u\{[^\[\]]*\]")
LARGEST_RECHECK = 200_000  # quads: above this, repeated rows are not re-checked over the distinct triples


@dataclass(frozen=True)
class UserQuery:
    """A query as written, and as sent to the engine (the project's missing prefixes declared first)."""

    text: str
    prologue: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE (as far as the text shows; the engine has the last word)

    @property
    def full(self) -> str:
        """What the engine runs."""
        return self.prologue + self.text

    @property
    def added_lines(self) -> int:
        """How many lines the prologue adds in front of the user's text."""
        return self.prologue.count("\n")


def prepare(text: str, holds_ids_under: Callable[[str], bool] | None = None) -> UserQuery:
    """The user's query with the project's prefixes it does not declare itself, and the prefixes of the
    kinds of id it uses for which ``holds_ids_under(namespace)`` is true."""
    bare = blank_out_text(text)
    declared = {m.group(1) or "" for m in _PREFIX_DECLARATION.finditer(bare)}
    form = _FORM.search(bare)
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in vocab.PREFIXES.items() if p not in declared)
    if holds_ids_under is not None:
        for name in sorted({m.group(1) for m in _USED_PREFIX.finditer(bare)} - declared - set(vocab.PREFIXES)):
            kind, _, source = name.partition("-")
            namespace = f"{vocab.ID}{kind}/{source}/" if kind in _SOURCE_KINDS and source else f"{vocab.ID}{name}/"
            if holds_ids_under(namespace):
                prologue += f"PREFIX {name}: <{namespace}>\n"
    return UserQuery(text, prologue, form.group(1).upper() if form else "SELECT")


def syntax_error(query: UserQuery, exc: SyntaxError) -> InputError:
    """The engine's syntax error, located in the user's own text and shortened."""
    message = str(exc)
    match = _POSITION.search(message)
    where = ""
    if match:
        line, column = int(match.group(1)) - query.added_lines, int(match.group(2))
        lines = query.text.splitlines()
        if lines and line > len(lines):  # past the final line break: the end of the last line
            line, column = len(lines), len(lines[-1]) + 1
        message = message.replace(match.group(0), f"error at line {line}, column {column}", 1)
        if 1 <= line <= len(lines):
            where = f"\n  {lines[line - 1]}\n  {' ' * max(column - 1, 0)}^"
        if "Prefix not found" in message:
            before = lines[line - 1][: column - 1] if 1 <= line <= len(lines) else ""
            used = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*\s*$", before)
            name = f"'{used.group(1) or ''}:'" if used else "a prefix"
            message = (f"error at line {line}, column {column}: {name} is not declared (the project's prefixes: "
                       f"{', '.join(p + ':' for p in vocab.PREFIXES)}, and one per kind of id the graph holds: "
                       "state:, person:, agreement:, …)")
    message = _UNICODE_RANGES.sub("[a name character]", " ".join(message.split()))
    return InputError(f"SPARQL syntax error: {message}{where}")


def holds_ids_under(store: ox.Store) -> Callable[[str], bool]:
    """Whether the store has a subject whose IRI starts with a namespace (for kind prefixes)."""
    def check(namespace: str) -> bool:
        ask = f'ASK {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{namespace}")) }}'
        return bool(store.query(ask, use_default_graph_as_union=reads_union(store)))

    return check


def run(store: ox.Store, query: UserQuery):
    """Run the query on the embedded store, after the guard (:mod:`kg.query.guard`: nesting, size, chains,
    which the engine's parser cannot survive); the default graph is the union of the named graphs unless
    the query names its own dataset (FROM / FROM NAMED, the rule of :func:`kg.query.store.evaluate`).
    pyoxigraph's solutions, boolean or triples."""
    from kg.query.guard import check_query

    shape = check_query(query.full)
    try:
        return store.query(query.full, use_default_graph_as_union=not shape.dataset and reads_union(store))
    except SyntaxError as exc:
        raise syntax_error(query, exc) from None


def repeats_from_union(store: ox.Store, query: UserQuery, rows: int) -> bool | None:
    """Whether the query gives fewer rows over the distinct triples of all graphs than over their union
    (True: the repeats come from the union default graph). False for a query that names graphs itself
    (GRAPH, FROM: it chose its dataset); None when the graph is too large to copy and check."""
    if _DATASET.search(blank_out_text(query.text)) or not reads_union(store):
        return False  # it chose its dataset, or the store's default graph is the merge (no repeats)
    if len(store) > LARGEST_RECHECK:
        return None
    distinct = ox.Store()
    distinct.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    solutions = distinct.query(query.full)
    return sum(1 for _ in solutions) < rows
