"""Tabular sources: a published data table (CSV or TSV) read through a declarative mapping.

A tabular source is a directory with ``source.yaml`` (the table's file, SHA-256, version and citation:
``schemas/table-source.schema.json``) and ``mapping.yaml`` (which columns make which entities and
property values: ``schemas/mapping.schema.json``; docs/datasets.md explains it with the real
mappings of ATOP, DCAD and COW). No Python code is specific to one dataset.

Every row of the table is one piece of evidence, like a quote: its text, its line, its character
offsets in the file and the file's SHA-256. A row describes several subjects (a membership, the
alliance it belongs to, directed obligations); each description is a :class:`~kg.sources.model.Fact`
sharing the row's fact id (``row-<line>``) and quote, so the loader gives every triple the row as its
evidence, in the same Web Annotation and PROV-O shape as every other fact.

The mapping, per subject (``describe``):

* ``about``: the subject's id, a template (``agreement/atop-{atopid}``); ``a``, ``label``, ``set``
  as in a facts file, their values templates over the row's columns;
* ``when``: a condition on columns (``{defense: 1, obvary: {not: 1}}``), else the row describes it
  unconditionally; a value may carry its own ``when``;
* ``each_partner``: one subject per partner row (rows sharing ``partners.within`` whose periods
  overlap), with ``{partner.col}`` naming the partner's cells: ATOP's member rows give directed
  obligations this way;
* values: a template; ``{map: col, values: {code: value or null}}`` (a code not listed is an error);
  ``{date: name}`` (a date of ``dates``, precision kept: an unknown day gives a month, an unknown
  month a year; ``none_when`` says when the row has no such date, e.g. "still in force");
  ``{later_of: [entry, partner.entry]}`` / ``{earlier_of: [...]}`` pick one of two rows' dates, and
  the triple is then evidenced by both rows.

Templates: ``{col}``, ``{partner.col}``, with a filter: ``{col|slug}``, ``{col|lower}``, or
``{member|label:state/cow-}`` (the label of the entity with that id, once every source is read). An
empty cell gives no value. Entity ids pass through the crosswalk (``data/crosswalk.tsv``: an id a
mapping generates -> the id the graph already uses, with the reason), so that one arrangement that
several sources speak of has one IRI.

Problems are reported like those of facts files: the mapping's file and line for what the mapping
says (an unknown column, class, property or term), the table's file, line and column for what a row
holds (a value that does not parse, a code the mapping does not list).
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kg import vocab
from kg.errors import ProblemCollector
from kg.ontology import TermIndex
from kg.sources.lexical import literal_problem
from kg.sources.model import Assertion, EntityRef, Fact, Source, TermRef, Text, TimeSpec, Value, Where
from kg.sources.yamlio import LineDict, check_schema, read_yaml, short_repr

CROSSWALK_FILE = "crosswalk.tsv"
MAX_ROW_PROBLEMS = 25  # per source: a mapping that is wrong for every row says so this many times, then counts
LABEL_MARK = "\x00"  # wraps an entity id in a rendered label, resolved once every source is read
_TEMPLATE_REF = re.compile(r"\{([^{}|]+)(?:\|([a-z]+)(?::([^{}]*))?)?\}")
_INTEGER_TYPES = {vocab.XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "int")}
_LINE_END = re.compile(r"\r\n|\n|\r")


# --------------------------------------------------------------------------------------------
# The table: records with their line and character offsets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One record of a table: its first line, its offsets (code points) in the file, its text and cells."""

    line: int
    start: int
    end: int
    text: str
    cells: list[str]


def read_records(text: str, delimiter: str) -> tuple[list[str], list[Record]]:
    """The header and the records of a CSV/TSV text, each with its line and offsets. A record may span
    lines inside quotes (RFC 4180); offsets count code points of the decoded text, line ends excluded."""
    header: list[str] | None = None
    records: list[Record] = []
    position, line, pending_start, pending_line, quotes = 0, 1, None, 0, 0
    for match in _LINE_END.finditer(text + "\n" if text and not text.endswith(("\n", "\r")) else text):
        chunk_end = match.start()
        if pending_start is None:
            pending_start, pending_line, quotes = position, line, 0
        quotes += text.count('"', position, chunk_end)
        position = match.end()
        line += 1
        if quotes % 2:  # inside a quoted cell: the record goes on
            continue
        start, end = pending_start, chunk_end
        pending_start = None
        record_text = text[start:end]
        if not record_text.strip():
            continue
        cells = next(csv.reader([record_text], delimiter=delimiter))
        if header is None:
            header = [c.strip() for c in cells]
            if header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            continue
        records.append(Record(pending_line, start, end, record_text, cells))
    return header or [], records


# --------------------------------------------------------------------------------------------
# The mapping, compiled once against the table's header and the ontology
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    column: str
    partner: bool
    filter: str | None = None
    argument: str | None = None


@dataclass
class _Template:
    parts: list[str | _Ref]

    def columns(self) -> list[_Ref]:
        return [p for p in self.parts if isinstance(p, _Ref)]

    def render(self, row: dict[str, str], partner: dict[str, str] | None, crosswalk: dict[str, str]) -> str | None:
        """The rendered text, or None when a cell it names is empty."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            cells = partner if part.partner else row
            value = (cells or {}).get(part.column, "").strip()
            if value == "":
                return None
            if part.filter == "slug":
                value = slug(value)
            elif part.filter == "lower":
                value = value.lower()
            elif part.filter == "label":
                target = f"{part.argument}{value}"
                value = f"{LABEL_MARK}{crosswalk.get(target, target)}{LABEL_MARK}"
            out.append(value)
        return "".join(out)


@dataclass
class _Condition:
    # column, constant values, values that are templates over the row ("{ccode1}"), negated
    tests: list[tuple[_Ref, frozenset[str], list[_Template], bool]]

    def holds(self, row: dict[str, str], partner: dict[str, str] | None) -> bool:
        for ref, values, templates, negated in self.tests:
            cells = partner if ref.partner else row
            value = (cells or {}).get(ref.column, "").strip()
            found = value in values or any(t.render(row, partner, {}) == value for t in templates)
            if found == negated:
                return False
        return True


@dataclass
class _DateSpec:
    name: str
    year: str | int  # a column, or a constant (int)
    month: str | int | None
    day: str | int | None
    unknown: frozenset[str]
    none_when: _Condition | None


@dataclass
class _Value:
    kind: str  # template, map, date, pick
    template: _Template | None = None
    when: _Condition | None = None
    column: _Ref | None = None
    codes: dict[str, _Template | None] = field(default_factory=dict)
    dates: list[tuple[str, bool]] = field(default_factory=list)  # (date name, of the partner)
    pick: str | None = None  # later / earlier
    line: int | None = None


@dataclass
class _Property:
    name: str
    iri: str
    kind: str  # object, datatype, annotation, time
    datatype: str | None
    values: list[_Value]
    line: int | None


@dataclass
class _Description:
    about: _Template
    when: _Condition | None
    each_partner: bool
    types: list[str]
    label: _Template | None
    properties: list[_Property]
    line: int | None


@dataclass
class Mapping:
    """A compiled mapping: named dates, the partner rule, and what each row describes."""

    dates: dict[str, _DateSpec]
    within: list[str]
    period: tuple[str, str] | None
    descriptions: list[_Description]


class _Compiler:
    """Checks a mapping document against the table's columns and the ontology, and compiles it."""

    def __init__(self, path: Path, header: list[str], index: TermIndex, problems: ProblemCollector) -> None:
        self.path, self.columns, self.index, self.problems = path, set(header), index, problems

    def problem(self, message: str, line: int | None) -> None:
        self.problems.add(self.path, message, line)

    def ref(self, name: str, line: int | None, partners: bool) -> _Ref | None:
        partner = name.startswith("partner.")
        column = name.removeprefix("partner.")
        if partner and not partners:
            self.problem(f"{name!r} names a partner's column, but this description has no partners "
                         "(each_partner: true, and a 'partners' rule)", line)
            return None
        if column not in self.columns:
            close = _closest(column, self.columns)
            self.problem(f"unknown column {column!r}" + (f"; did you mean {close!r}?" if close else "")
                         + f" (the table's columns: {', '.join(sorted(self.columns)[:12])}…)", line)
            return None
        return _Ref(column, partner)

    def template(self, text: Any, line: int | None, partners: bool) -> _Template | None:
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            self.problem(f"a template must be text, not {short_repr(text)}", line)
            return None
        text = str(text)
        parts: list[str | _Ref] = []
        at = 0
        ok = True
        for match in _TEMPLATE_REF.finditer(text):
            parts.append(text[at:match.start()])
            ref = self.ref(match.group(1).strip(), line, partners)
            filter_, argument = match.group(2), match.group(3)
            if filter_ not in (None, "slug", "lower", "label"):
                self.problem(f"unknown filter {filter_!r} in {text!r} (use slug, lower, label:PREFIX)", line)
                ok = False
            elif filter_ == "label" and not argument:
                self.problem(f"the label filter needs the entity id's prefix, e.g. {{member|label:state/cow-}}, in "
                             f"{text!r}", line)
                ok = False
            if ref is None:
                ok = False
            else:
                parts.append(_Ref(ref.column, ref.partner, filter_, argument))
            at = match.end()
        parts.append(text[at:])
        rest = "".join(p for p in parts if isinstance(p, str))
        if "{" in rest or "}" in rest:
            self.problem(f"unbalanced braces in template {text!r}", line)
            ok = False
        return _Template([p for p in parts if p != ""]) if ok else None

    def condition(self, raw: Any, line: int | None, partners: bool) -> _Condition | None:
        if raw is None:
            return None
        tests = []
        for name, expected in raw.items():
            at = raw.line_of(name) if isinstance(raw, LineDict) else line
            ref = self.ref(str(name), at, partners)
            negated = isinstance(expected, dict)
            values = expected["not"] if negated else expected
            values = values if isinstance(values, list) else [values]
            templates = [self.template(v, at, partners) for v in values if isinstance(v, str) and "{" in v]
            if ref is not None and None not in templates:
                tests.append((ref, frozenset(str(v) for v in values if not (isinstance(v, str) and "{" in v)),
                              templates, negated))
        return _Condition(tests)

    def date(self, name: str, raw: LineDict) -> _DateSpec | None:
        refs = {}
        for part in ("year", "month", "day"):
            if part not in raw:
                continue
            if isinstance(raw[part], int) and not isinstance(raw[part], bool):  # a constant: month: 12
                refs[part] = raw[part]
                continue
            ref = self.ref(str(raw[part]), raw.line_of(part), partners=False)
            if ref is None:
                return None
            refs[part] = ref.column
        return _DateSpec(name, refs["year"], refs.get("month"), refs.get("day"),
                         frozenset(str(v) for v in raw.get("unknown", [])),
                         self.condition(raw.get("none_when"), raw.line_of("none_when"), partners=False))

    def value(self, raw: Any, prop: _Property, line: int | None, partners: bool, dates: dict[str, _DateSpec]
              ) -> _Value | None:
        if isinstance(raw, dict):
            when = self.condition(raw.get("when"), line, partners)
            if "date" in raw:
                picked = self.date_names([raw["date"]], line, partners, dates)
                return _Value("date", when=when, dates=picked, line=line) if picked else None
            for pick in ("later_of", "earlier_of"):
                if pick in raw:
                    names = raw[pick] if isinstance(raw[pick], list) else [raw[pick]]
                    picked = self.date_names(names, line, partners, dates)
                    return _Value("pick", when=when, dates=picked, pick=pick.split("_")[0], line=line) if picked \
                        else None
            if "map" in raw:
                column = self.ref(str(raw["map"]), line, partners)
                codes_raw = raw.get("values")
                if column is None or not isinstance(codes_raw, dict) or not codes_raw:
                    if column is not None:
                        self.problem("a map needs 'values': a mapping from the column's codes to values", line)
                    return None
                codes = {str(code): (None if target is None else self.template(target, line, partners))
                         for code, target in codes_raw.items()}
                for target in codes.values():
                    if target is not None:
                        self.static_check(target, prop, line)
                return _Value("map", when=when, column=column, codes=codes, line=line)
            if "value" in raw:
                template = self.template(raw["value"], line, partners)
                if template is not None:
                    self.static_check(template, prop, line)
                return _Value("template", template=template, when=when, line=line) if template else None
            self.problem(f"{prop.name}: a value is a template, or a mapping with one of value, map, date, "
                         f"later_of, earlier_of (and an optional when), not {short_repr(raw)}", line)
            return None
        template = self.template(raw, line, partners)
        if template is not None:
            self.static_check(template, prop, line)
        return _Value("template", template=template, line=line) if template else None

    def date_names(self, names: list, line: int | None, partners: bool, dates: dict[str, _DateSpec]
                   ) -> list[tuple[str, bool]]:
        out = []
        for name in names:
            name = str(name)
            partner = name.startswith("partner.")
            base = name.removeprefix("partner.")
            if partner and not partners:
                self.problem(f"{name!r} names a partner's date, but this description has no partners", line)
                return []
            if base not in dates:
                self.problem(f"unknown date {base!r} (the mapping's dates: {', '.join(sorted(dates)) or 'none'})", line)
                return []
            out.append((base, partner))
        return out

    def static_check(self, template: _Template, prop: _Property, line: int | None) -> None:
        """What can be checked before any row is read: a constant term or entity id."""
        if template.columns() or prop.kind not in ("object",):
            return
        text = "".join(p for p in template.parts if isinstance(p, str))
        if "/" in text:
            if not vocab.ENTITY_ID_RE.match(text):
                self.problem(f"{prop.name}: {text!r} is not a valid entity id (kind/slug)", line)
        elif (vocab.expand(text) or "") not in self.index.individuals:
            hint = self.index.suggest(text, set(self.index.individuals))
            self.problem(f"{prop.name}: unknown ontology individual {text!r}" + (f"; did you mean {hint!r}?" if hint
                                                                                else ""), line)

    def describe(self, raw: LineDict, dates: dict[str, _DateSpec], has_partners: bool) -> _Description | None:
        partners = bool(raw.get("each_partner"))
        if partners and not has_partners:
            self.problem("each_partner: true needs a 'partners' rule (within, period) in the mapping", raw.line_of(
                "each_partner"))
            return None
        about = self.template(raw["about"], raw.line_of("about"), partners)
        if about is not None and not about.columns():
            text = "".join(p for p in about.parts if isinstance(p, str))
            if not vocab.ENTITY_ID_RE.match(text):
                self.problem(f"about: {text!r} is not a valid entity id (kind/slug)", raw.line_of("about"))
        types_raw = raw.get("a", [])
        types = []
        for name in [types_raw] if isinstance(types_raw, str) else types_raw:
            iri = vocab.expand(name)
            if iri is None or iri not in self.index.classes:
                hint = self.index.suggest(name, self.index.classes)
                self.problem(f"unknown class {name!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                             raw.line_of("a"))
            elif iri in self.index.deprecated:
                self.problem(f"{name!r} is deprecated", raw.line_of("a"))
            else:
                types.append(iri)
        label = self.template(raw["label"], raw.line_of("label"), partners) if "label" in raw else None
        properties = []
        for name, values in (raw.get("set") or {}).items():
            line = raw["set"].line_of(name)
            iri = vocab.expand(str(name))
            kind = self.index.property_kind(iri) if iri else None
            if kind is None:
                hint = self.index.suggest(str(name), self.index.all_properties())
                self.problem(f"unknown property {name!r}" + (f"; did you mean {hint!r}?" if hint else ""), line)
                continue
            if iri in self.index.deprecated:
                self.problem(f"{name!r} is deprecated", line)
                continue
            if iri in vocab.LINK_PROPERTIES:
                self.problem(f"{name}: links to outside items are curated facts (reference-wikidata-ids), not mapped "
                             "from a table", line)
                continue
            if kind == "object" and iri in self.index.time_properties:
                kind = "time"
            prop = _Property(str(name), iri, kind, self.index.datatype_properties.get(iri), [], line)
            for item in values if isinstance(values, list) else [values]:
                value = self.value(item, prop, line, partners, dates)
                if value is None:
                    continue
                if (kind == "time") != (value.kind in ("date", "pick")):
                    self.problem(f"{name}: " + ("a time property takes {date: NAME} or {later_of/earlier_of: [...]}"
                                                if kind == "time" else "only a time property takes a date"), line)
                    continue
                prop.values.append(value)
            properties.append(prop)
        when = self.condition(raw.get("when"), raw.line_of("when"), partners)
        if about is None:
            return None
        return _Description(about, when, partners, types, label, properties, raw.line)


def compile_mapping(path: Path, document: LineDict, header: list[str], index: TermIndex,
                    problems: ProblemCollector) -> Mapping | None:
    """The mapping checked against the table's columns and the ontology; None if it has problems."""
    before = len(problems.problems)
    compiler = _Compiler(path, header, index, problems)
    dates = {}
    for name, raw in (document.get("dates") or {}).items():
        spec = compiler.date(str(name), raw)
        if spec is not None:
            dates[str(name)] = spec
    partners = document.get("partners")
    within: list[str] = []
    period = None
    if partners:
        for column in partners["within"]:
            if compiler.ref(str(column), partners.line_of("within"), partners=False):
                within.append(str(column))
        names = [str(n) for n in partners["period"]]
        missing = [n for n in names if n not in dates]
        if missing:
            compiler.problem(f"partners.period names unknown date(s) {missing} (the mapping's dates: "
                             f"{', '.join(sorted(dates)) or 'none'})", partners.line_of("period"))
        else:
            period = (names[0], names[1])
    descriptions = []
    for raw in document["describe"]:
        described = compiler.describe(raw, dates, period is not None)
        if described is not None:
            descriptions.append(described)
    if len(problems.problems) > before:
        return None
    return Mapping(dates, within, period, descriptions)


# --------------------------------------------------------------------------------------------
# Rows to facts
# --------------------------------------------------------------------------------------------


@dataclass
class _Row:
    record: Record
    cells: dict[str, str]
    fact_id: str
    dates: dict[str, TimeSpec | None] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)


class _RowProblems:
    """Problems of a table's rows: the first MAX_ROW_PROBLEMS named, the rest counted."""

    def __init__(self, path: Path, problems: ProblemCollector) -> None:
        self.path, self.problems, self.count = path, problems, 0

    def add(self, row: _Row, column: str | None, message: str) -> None:
        self.count += 1
        if self.count <= MAX_ROW_PROBLEMS:
            where = f"column {column}: " if column else ""
            self.problems.add(self.path, where + message, row.record.line)

    def finish(self) -> None:
        if self.count > MAX_ROW_PROBLEMS:
            self.problems.add(self.path, f"… and {self.count - MAX_ROW_PROBLEMS} more problems in this table's rows "
                              f"({self.count} in all)")


def row_date(spec: _DateSpec, row: _Row, problems: _RowProblems) -> TimeSpec | None:
    """A row's date: day, month or year precision as far as its cells go; None when it has none."""
    if spec.none_when is not None and spec.none_when.holds(row.cells, None):
        return None
    parts: dict[str, int | None] = {}
    for part, column in (("year", spec.year), ("month", spec.month), ("day", spec.day)):
        if isinstance(column, int):
            parts[part] = column
            continue
        value = row.cells.get(column, "").strip() if column else ""
        if value in spec.unknown or value == "" or column is None:
            parts[part] = None
            continue
        if not re.fullmatch(r"\d{1,4}", value):
            problems.add(row, column, f"{short_repr(value)} is not a {part} (a whole number)")
            return None
        parts[part] = int(value)
    year, month, day = parts["year"], parts["month"], parts["day"]
    key = (row.fact_id, spec.name)
    if year is None:
        return None
    if not 1 <= year <= 9999:
        problems.add(row, str(spec.year), f"{year} is not a year")
        return None
    if month is None:
        return TimeSpec(year=year, earliest=date(year, 1, 1), latest=date(year, 12, 31), precision="year", key=key)
    if not 1 <= month <= 12:
        problems.add(row, str(spec.month), f"{month} is not a month")
        return None
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return TimeSpec(month=f"{year:04d}-{month:02d}", earliest=date(year, month, 1), latest=date(year, month, last),
                        precision="month", key=key)
    if not 1 <= day <= last:
        problems.add(row, str(spec.day), f"{day} is not a day of {year:04d}-{month:02d}")
        return None
    when = date(year, month, day)
    return TimeSpec(day=when, earliest=when, latest=when, precision="day", key=key)


def _after(a: TimeSpec | None, b: TimeSpec | None, open_is_late: bool) -> bool:
    """Whether time a is later than time b (by its bounds); an absent time is the latest (an open end)
    or the earliest (an unknown start) as ``open_is_late`` says."""
    if a is None or b is None:
        if a is None and b is None:
            return False
        return (a is None) == open_is_late
    return (a.earliest or date.min, a.latest or date.max) > (b.earliest or date.min, b.latest or date.max)


def _overlap(a: _Row, b: _Row, period: tuple[str, str]) -> bool:
    """Whether two rows' periods can share a day: each starts before the other ends (an end absent: open)."""
    start, end = period
    a_start, a_end, b_start, b_end = a.dates.get(start), a.dates.get(end), b.dates.get(start), b.dates.get(end)
    return ((a_start is None or b_end is None or (a_start.earliest or date.min) < (b_end.latest or date.max))
            and (b_start is None or a_end is None or (b_start.earliest or date.min) < (a_end.latest or date.max)))


class _Expander:
    """Turns rows into facts through a compiled mapping."""

    def __init__(self, source: Source, mapping: Mapping, index: TermIndex, crosswalk: dict[str, str],
                 problems: _RowProblems, table_file: Path) -> None:
        self.source, self.mapping, self.index, self.crosswalk, self.problems = (
            source, mapping, index, crosswalk, problems)
        self.table_file = table_file
        self._terms: dict[str, TermRef | None] = {}

    def entity(self, text: str, row: _Row, what: str) -> str | None:
        if not vocab.ENTITY_ID_RE.match(text):
            self.problems.add(row, None, f"{what}: {short_repr(text)} is not a valid entity id (kind/slug): check the "
                              "mapping's template and this row's cells")
            return None
        return self.crosswalk.get(text, text)

    def term(self, text: str, row: _Row, prop: _Property) -> TermRef | None:
        if text not in self._terms:
            iri = vocab.expand(text)
            self._terms[text] = TermRef(iri) if iri in self.index.individuals else None
        found = self._terms[text]
        if found is None:
            self.problems.add(row, None, f"{prop.name}: {short_repr(text)} is not an ontology individual")
        return found

    def literal(self, text: str, row: _Row, prop: _Property, column: str | None) -> Text | None:
        if prop.kind != "datatype" or prop.datatype in (None, vocab.RDF + "langString"):
            return Text(text, lang="en")
        if prop.datatype in _INTEGER_TYPES:
            if not re.fullmatch(r"\d+", text):
                self.problems.add(row, column, f"{prop.name} takes a whole number, not {short_repr(text)}")
                return None
            return Text(str(int(text)), datatype=prop.datatype)
        why = literal_problem(text, prop.datatype)
        if why:
            self.problems.add(row, column, f"{prop.name}: {why}")
            return None
        return Text(text, datatype=prop.datatype)

    def values(self, prop: _Property, row: _Row, partner: _Row | None, subject: str) -> Iterable[Value]:
        cells, partner_cells = row.cells, (partner.cells if partner else None)
        for value in prop.values:
            if value.when is not None and not value.when.holds(cells, partner_cells):
                continue
            if value.kind in ("date", "pick"):
                yield from self.time_values(value, row, partner, prop, subject)
                continue
            column = None
            if value.kind == "map":
                column = value.column.column
                code = ((partner_cells if value.column.partner else cells) or {}).get(column, "").strip()
                if code not in value.codes:
                    if code == "":
                        continue
                    self.problems.add(row, column, f"{short_repr(code)} is not one of the codes the mapping lists for "
                                      f"{prop.name} ({', '.join(sorted(value.codes))})")
                    continue
                template = value.codes[code]
                if template is None:
                    continue
            else:
                template = value.template
                refs = template.columns()
                column = refs[0].column if refs else None
            text = template.render(cells, partner_cells, self.crosswalk)
            if text is None:
                continue
            if prop.kind == "object":
                if "/" in text:
                    entity = self.entity(text, row, prop.name)
                    if entity:
                        yield EntityRef(entity)
                else:
                    term = self.term(text, row, prop)
                    if term:
                        yield term
            else:
                literal = self.literal(text, row, prop, column)
                if literal:
                    yield literal

    def time_values(self, value: _Value, row: _Row, partner: _Row | None, prop: _Property, subject: str
                    ) -> Iterable[TimeSpec]:
        candidates = [((partner if of_partner else row), name) for name, of_partner in value.dates]
        if value.kind == "date":
            owner, name = candidates[0]
            if owner is not None and owner.dates.get(name) is not None:
                yield owner.dates[name]
            return
        chosen_row, chosen = None, None
        later = value.pick == "later"
        for owner, name in candidates:
            if owner is None:
                continue
            spec = owner.dates.get(name)
            # a start nothing fixes constrains nothing (the other is later); an end absent is open (the latest)
            if chosen_row is None or (later and _after(spec, chosen, open_is_late=False)) or (
                    not later and _after(chosen, spec, open_is_late=True)):
                chosen_row, chosen = owner, spec
        if chosen is None:
            return
        if chosen_row is not row:  # the other row gives the date: it is evidence of the triple too
            chosen_row.facts.append(self.fact(chosen_row, subject, [], None,
                                              [Assertion(prop.iri, chosen, prop.line)]))
        yield chosen

    def fact(self, row: _Row, subject: str, types: list[str], label: str | None, assertions: list[Assertion]) -> Fact:
        return Fact(source_id=self.source.source_id, fact_id=row.fact_id, quote=row.record.text, subject=subject,
                    types=types, label=label, assertions=assertions,
                    where=Where(self.table_file, row.record.line),
                    introduces_subject=bool(types), generated=True)

    def describe(self, description: _Description, row: _Row, partner: _Row | None) -> None:
        partner_cells = partner.cells if partner else None
        if description.when is not None and not description.when.holds(row.cells, partner_cells):
            return
        about = description.about.render(row.cells, partner_cells, self.crosswalk)
        if about is None:
            return
        subject = self.entity(about, row, "about")
        if subject is None:
            return
        label = description.label.render(row.cells, partner_cells, self.crosswalk) if description.label else None
        assertions = []
        for prop in description.properties:
            for value in self.values(prop, row, partner, subject):
                assertions.append(Assertion(prop.iri, value, prop.line))
        row.facts.append(self.fact(row, subject, list(description.types), label, assertions))

    def run(self, rows: list[_Row]) -> None:
        groups: dict[tuple, list[_Row]] = defaultdict(list)
        if self.mapping.period is not None:
            for row in rows:
                groups[tuple(row.cells.get(c, "") for c in self.mapping.within)].append(row)
        for row in rows:
            partners = None
            for description in self.mapping.descriptions:
                if not description.each_partner:
                    self.describe(description, row, None)
                    continue
                if partners is None:
                    group = groups[tuple(row.cells.get(c, "") for c in self.mapping.within)]
                    partners = [p for p in group if p is not row and _overlap(row, p, self.mapping.period)]
                for partner in partners:
                    self.describe(description, row, partner)


def rows_to_facts(source: Source, mapping: Mapping, header: list[str], records: list[Record], index: TermIndex,
                  crosswalk: dict[str, str], problems: ProblemCollector, table_file: Path) -> None:
    """Fill ``source.facts`` (every row's descriptions) and its row numbers from the table's records."""
    row_problems = _RowProblems(table_file, problems)
    rows = []
    for record in records:
        row = _Row(record, {}, f"row-{record.line}")
        if len(record.cells) != len(header):
            row_problems.add(row, None, f"has {len(record.cells)} cells, the header {len(header)}")
            continue
        row.cells = dict(zip(header, record.cells, strict=True))
        for name, spec in mapping.dates.items():
            row.dates[name] = row_date(spec, row, row_problems)
        rows.append(row)
    _Expander(source, mapping, index, crosswalk, row_problems, table_file).run(rows)
    row_problems.finish()
    for row in rows:
        if not row.facts:  # the mapping's conditions leave it out (DCAD: a row naming one state twice)
            source.table_silent_rows.append(row.record.line)
            continue
        source.facts.extend(row.facts)
        source.table_rows[row.fact_id] = row.record.line


# --------------------------------------------------------------------------------------------
# The crosswalk, and what is settled once every source is read
# --------------------------------------------------------------------------------------------


@dataclass
class Crosswalk:
    """Ids a mapping generates -> the ids the graph already uses (``data/crosswalk.tsv``)."""

    targets: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    path: Path | None = None


def read_crosswalk(path: Path, problems: ProblemCollector) -> Crosswalk:
    """The crosswalk file: a TSV with columns generated_id, id, rationale (every row its reason)."""
    crosswalk = Crosswalk(path=path)
    if not path.is_file():
        return crosswalk
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path, f"cannot be read as UTF-8 text: {exc}")
        return crosswalk
    header, records = read_records(text, "\t")
    if header[:3] != ["generated_id", "id", "rationale"]:
        problems.add(path, f"the header must be generated_id, id, rationale (tab-separated), not {header!r}", 1)
        return crosswalk
    for record in records:
        cells = [c.strip() for c in record.cells] + [""] * 3
        generated, target, rationale = cells[:3]
        for what, value in (("generated_id", generated), ("id", target)):
            if not vocab.ENTITY_ID_RE.match(value):
                problems.add(path, f"{what} {short_repr(value)} is not a valid entity id (kind/slug)", record.line)
        if not rationale:
            problems.add(path, "every row needs its rationale: why the two ids name one thing", record.line)
        if generated in crosswalk.targets:
            problems.add(path, f"{generated!r} is mapped twice (first at line {crosswalk.lines[generated]})",
                         record.line)
            continue
        crosswalk.targets[generated] = target
        crosswalk.lines[generated] = record.line
    return crosswalk


def settle_labels(sources: list[Source], registry_labels: dict[str, str], problems: ProblemCollector) -> None:
    """Once every source is read: a dataset's name for an entity that the registry or a curated source
    already names becomes an alternative label (skos:altLabel), never a second label; and the entity
    names inside rendered labels (``{member|label:state/cow-}``) are filled in."""
    named = dict(registry_labels)
    for source in sources:
        for fact in source.facts:
            if fact.label and not fact.generated:
                named.setdefault(fact.subject, fact.label)
    generated: dict[str, str] = {}
    alt_label = vocab.SKOS + "altLabel"
    for source in sources:
        if not source.is_tabular:
            continue
        for fact in source.facts:
            if not fact.label:
                continue
            if fact.subject in named:
                if named[fact.subject] != fact.label:
                    fact.assertions.append(Assertion(alt_label, Text(fact.label, lang="en")))
                    fact.label = None
                continue
            known = generated.setdefault(fact.subject, fact.label)
            if known != fact.label:
                problems.add(source.directory / "mapping.yaml", f"{fact.subject} is given two labels by the mapping, "
                             f"{known!r} and {fact.label!r} (table line {fact.where.line if fact.where else '?'})")
    labels = {**generated, **named}

    def fill(text: str) -> str:
        parts = text.split(LABEL_MARK)
        return "".join(labels.get(p, p) if i % 2 else p for i, p in enumerate(parts))

    for source in sources:
        if not source.is_tabular:
            continue
        for fact in source.facts:
            if fact.label and LABEL_MARK in fact.label:
                fact.label = fill(fact.label)
            if any(isinstance(a.value, Text) and LABEL_MARK in a.value.value for a in fact.assertions):
                fact.assertions = [Assertion(a.predicate, Text(fill(a.value.value), a.value.lang, a.value.datatype),
                                             a.line) if isinstance(a.value, Text) and LABEL_MARK in a.value.value else a
                                   for a in fact.assertions]


# --------------------------------------------------------------------------------------------
# Reading one tabular source
# --------------------------------------------------------------------------------------------


def find_table(file_name: str, search_path: list[Path]) -> Path | None:
    """The first copy of a table on the search path, or None (the same rule as source texts)."""
    from kg.sources.lexical import relative_file_problem

    if relative_file_problem(file_name):
        return None
    for directory in search_path:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    return None


def load_tabular_source(directory: Path, meta: LineDict, index: TermIndex, problems: ProblemCollector,
                        search_path: list[Path], crosswalk: Crosswalk,
                        make_source: Callable[..., Source]) -> tuple[Source | None, str | None]:
    """A tabular source read through its mapping: (the source, None), (None, why it is skipped: its table is
    not on the search path), or (None, None) when it has problems (recorded in ``problems``)."""
    from kg.sources.grounding import CONTEXT_CHARS, Anchor

    meta_path = directory / "source.yaml"
    table = meta["table"]
    table_file = find_table(table["file"], search_path)
    if table_file is None:
        return None, (f"its table {table['file']} is not on the search path "
                      f"({', '.join(map(str, search_path))}); it is published by its authors, never committed here")
    mapping_path = directory / meta.get("mapping", "mapping.yaml")
    document = read_yaml(mapping_path)
    schema_problems = check_schema(document, "mapping", mapping_path)
    if schema_problems:
        problems.problems.extend(schema_problems)
        return None, None
    if document["source"] != meta["id"]:
        problems.add(mapping_path, f"source {document['source']!r} does not match source.yaml id {meta['id']!r}",
                     document.line_of("source"))
    data = table_file.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != table["sha256"]:
        problems.add(meta_path, f"the table {table_file} has sha256 {digest}, but source.yaml records "
                     f"{table['sha256']}: the file changed or is another version", meta["table"].line_of("sha256"))
        return None, None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(table_file, f"the table is not UTF-8 ({exc.reason} at byte {exc.start})")
        return None, None
    delimiter = "\t" if table.get("format", "tsv" if table["file"].endswith(".tsv") else "csv") == "tsv" else ","
    header, records = read_records(text, delimiter)
    if not header:
        problems.add(table_file, "the table is empty (no header)")
        return None, None
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        problems.add(table_file, f"the header names columns twice: {', '.join(duplicates)}", 1)
        return None, None
    mapping = compile_mapping(mapping_path, document, header, index, problems)
    if mapping is None:
        return None, None
    source = make_source(text_file=table["file"], sha256=table["sha256"])
    source.table_anchors = {}
    rows_to_facts(source, mapping, header, records, index, crosswalk.targets, problems, table_file)
    for record in records:
        fact_id = f"row-{record.line}"
        if fact_id in source.table_rows:
            source.table_anchors[fact_id] = Anchor(
                start=record.start, end=record.end, exact=record.text,
                prefix=text[max(0, record.start - CONTEXT_CHARS):record.start], suffix=text[record.end:record.end
                                                                                          + CONTEXT_CHARS])
    return source, None


def slug(text: str) -> str:
    """Lower-case letters and digits joined by hyphens (``DCADv1.0-0133`` -> ``dcadv1-0-0133``)."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _closest(name: str, names: set[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    return match[0] if match else None
