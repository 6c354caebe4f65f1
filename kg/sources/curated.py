"""Parse and check the data directory: the entity registry and every source's metadata and facts.

Layout::

    data/entities.yaml               shared registry (identity, labels, background types)
    data/sources/<id>/source.yaml    source metadata (title, publisher, date window, text sha256)
    data/sources/<id>/facts.yaml     curated facts, each with a short verbatim quote
    data/sources/<id>/anchors.json   recorded quote positions (written by ``kg ground``)

Every problem is collected and reported together, each naming the file, the line, the fact and
what is wrong. Nothing here builds RDF.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kg import vocab
from kg.errors import InputError, ProblemCollector
from kg.ontology import TermIndex
from kg.sources.lexical import (
    is_iri,
    is_language_tag,
    literal_problem,
    parse_iso_date,
    pattern_problem,
    relative_file_problem,
)
from kg.sources.model import (
    Assertion,
    Corpus,
    Entity,
    EntityRef,
    Fact,
    Source,
    TermRef,
    Text,
    TimeSpec,
    Value,
    Where,
)
from kg.sources.yamlio import LineDict, check_schema, read_yaml, short_repr

REGISTRY_FILE = "entities.yaml"
SOURCES_DIR = "sources"
TIME_KEYS = {"date", "month", "year", "from", "to", "precision", "expression", "note"}
PRECISIONS = ("day", "week", "month", "year")
INTEGER_TYPES = {vocab.XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "int")}


@dataclass
class _Context:
    """What value resolution needs to know about where it is."""

    index: TermIndex
    problems: ProblemCollector
    file: Path
    fact: str | None = None
    window_latest: date | None = None


def load_corpus(data_dir: Path, index: TermIndex, extra_source_dirs: Iterable[Path] = (),
                only: Iterable[str] | None = None, search_path: Iterable[Path] = ()) -> Corpus:
    """Read and check the registry and all sources under ``data_dir`` (only those named in ``only``, when
    given), plus any extra source dirs. Tabular sources (kg/sources/tabular.py) read their tables from
    ``search_path``; one whose table is not there is skipped, with the reason in ``Corpus.skipped``.

    Raises InputError listing every problem found.
    """
    from kg.sources import tabular

    problems = ProblemCollector()
    registry_path = data_dir / REGISTRY_FILE
    entities = _load_registry(registry_path, index, problems)
    crosswalk = tabular.read_crosswalk(data_dir / tabular.CROSSWALK_FILE, problems)
    source_dirs = sorted(p for p in (data_dir / SOURCES_DIR).glob("*") if p.is_dir())
    if only is not None:
        wanted = set(only)
        unknown = sorted(wanted - {p.name for p in source_dirs})
        if unknown:
            raise InputError(f"{data_dir / SOURCES_DIR}: no source {', '.join(map(repr, unknown))} "
                             f"(sources: {', '.join(p.name for p in source_dirs)})")
        source_dirs = [p for p in source_dirs if p.name in wanted]
    for extra in map(Path, extra_source_dirs):
        if extra.is_dir():
            source_dirs.append(extra)
        else:
            problems.add(extra, "--add-source takes a source directory (with source.yaml and facts.yaml); "
                         + ("this is a file" if extra.exists() else "there is nothing here"))
    search = list(search_path)
    metas = [(directory, _read_meta(directory, problems)) for directory in source_dirs]
    skipped = _skipped_tables(metas, search)
    sources: list[Source] = []
    seen_ids: dict[str, Path] = {}
    for directory, meta in metas:
        if meta is None:
            continue
        if meta["id"] in skipped:
            continue
        if "table" in meta:
            source = _load_table_source(directory, meta, index, problems, search, crosswalk)
        else:
            source = _load_source(directory, meta, index, problems)
        if source is None:
            continue
        if source.source_id in seen_ids:
            problems.add(source.source_file, f"source id {source.source_id!r} is already used by "
                         f"{seen_ids[source.source_id]}")
            continue
        seen_ids[source.source_id] = source.source_file
        for entity in source.entities:
            _merge_entity(entities, entity, problems)
        sources.append(source)
    tabular.settle_labels(sources, {eid: e.label for eid, e in entities.items()}, problems)
    corpus = Corpus(entities=entities, sources=sources, registry_file=registry_path, skipped=skipped)
    _check_references(corpus, problems)
    _check_crosswalk(corpus, crosswalk, problems)
    problems.raise_if_any()
    return corpus


def _read_meta(directory: Path, problems: ProblemCollector) -> LineDict | None:
    """A source's source.yaml, checked against its schema (a curated text source or a tabular one)."""
    meta_path = directory / "source.yaml"
    meta = read_yaml(meta_path)
    schema = "table-source" if isinstance(meta, dict) and "table" in meta else "source"
    meta_problems = check_schema(meta, schema, meta_path)
    if meta_problems:
        problems.problems.extend(meta_problems)
        return None
    if meta["id"] != directory.name:
        problems.add(meta_path, f"id {meta['id']!r} must equal the directory name {directory.name!r}",
                     meta.line_of("id"))
    return meta


def _skipped_tables(metas: list[tuple[Path, LineDict | None]], search_path: list[Path]) -> dict[str, str]:
    """Tabular sources whose table is not on the search path, and those that require one of them."""
    from kg.sources.tabular import find_table

    skipped: dict[str, str] = {}
    for _directory, meta in metas:
        if meta is not None and "table" in meta and find_table(meta["table"]["file"], search_path) is None:
            skipped[meta["id"]] = (f"its table {meta['table']['file']} is not on the search path "
                                   f"({', '.join(map(str, search_path))}): a published dataset, never committed here")
    present = {meta["id"] for _, meta in metas if meta is not None}
    changed = True
    while changed:
        changed = False
        for _directory, meta in metas:
            if meta is None or meta["id"] in skipped:
                continue
            for required in meta.get("requires", []):
                if required in skipped or required not in present:
                    skipped[meta["id"]] = (f"it requires {required}, which is "
                                           + ("skipped" if required in skipped else "not in this build"))
                    changed = True
                    break
    return skipped


def _load_table_source(directory: Path, meta: LineDict, index: TermIndex, problems: ProblemCollector,
                       search_path: list[Path], crosswalk) -> Source | None:
    from kg.sources.tabular import load_tabular_source

    meta_path = directory / "source.yaml"
    _check_source_meta(meta, meta_path, problems, file_key=("table", "file"))
    published = meta.get("published", {})
    earliest = _parse_date(published.get("earliest"), meta_path, published.line_of("earliest")
                           if published else None, problems)
    latest = _parse_date(published.get("latest"), meta_path, published.line_of("latest")
                         if published else None, problems)

    def make_source(text_file: str, sha256: str) -> Source:
        return Source(source_id=meta["id"], directory=directory, title=meta["title"], kind=meta["kind"],
                      text_file=text_file, sha256=sha256, publisher=meta.get("publisher"),
                      language=meta.get("language"), url=meta.get("url"), description=meta.get("description"),
                      published_earliest=earliest, published_latest=latest, published_basis=published.get("basis"),
                      version=meta.get("version"), citation=meta.get("citation"))

    source, _ = load_tabular_source(directory, meta, index, problems, search_path, crosswalk, make_source)
    return source


def _check_crosswalk(corpus: Corpus, crosswalk, problems: ProblemCollector) -> None:
    """A crosswalk target that a mapping used must be an entity the graph knows (the registry's, or one a
    source introduces): the crosswalk merges ids, it does not invent them."""
    targets = {target: generated for generated, target in crosswalk.targets.items()}
    if not targets:
        return
    known = set(corpus.entities)
    used: set[str] = set()
    for source in corpus.sources:
        for fact in source.facts:
            if fact.introduces_subject:
                known.add(fact.subject)
            if fact.generated:
                if fact.subject in targets:
                    used.add(fact.subject)
                used.update(a.value.entity_id for a in fact.assertions
                            if isinstance(a.value, EntityRef) and a.value.entity_id in targets)
    for target in sorted(used - known):
        generated = targets[target]
        problems.add(crosswalk.path, f"{generated} is mapped to {target!r}, which neither the registry nor any "
                     "source introduces", crosswalk.lines[generated])


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


def _load_registry(path: Path, index: TermIndex, problems: ProblemCollector) -> dict[str, Entity]:
    document = read_yaml(path)
    schema_problems = check_schema(document, "entities", path)
    if schema_problems:
        problems.problems.extend(schema_problems)
        return {}
    entities: dict[str, Entity] = {}
    for raw in document["entities"]:
        entity = _parse_entity(raw, path, index, problems)
        if entity.entity_id in entities:
            problems.add(path, f"duplicate entity id {entity.entity_id!r}", raw.line)
            continue
        entities[entity.entity_id] = entity
    return entities


def _parse_entity(raw: LineDict, path: Path, index: TermIndex, problems: ProblemCollector) -> Entity:
    types = [raw["type"]] if isinstance(raw["type"], str) else list(raw["type"])
    ctx = _Context(index, problems, path, fact=raw["id"])
    class_iris = [_resolve_class(t, raw.line_of("type"), ctx) for t in types]
    alt_line = raw.line_of("alt_labels")
    alt_labels = [_lang_text(v, "alt_labels", alt_line, ctx) for v in raw.get("alt_labels", [])]
    assertions = _parse_set(raw.get("set"), ctx)
    return Entity(
        entity_id=raw["id"],
        label=raw["label"],
        types=[c for c in class_iris if c],
        alt_labels=[t for t in alt_labels if t],
        description=raw.get("description"),
        assertions=assertions,
        where=Where(path, raw.line),
    )


def _merge_entity(entities: dict[str, Entity], entity: Entity, problems: ProblemCollector) -> None:
    """A source may repeat a registry entity word for word; any difference would be dropped, so it is refused."""
    known = entities.get(entity.entity_id)
    if known is None:
        entities[entity.entity_id] = entity
        return
    differences = [what for what, a, b in (
        ("label", known.label, entity.label), ("type", sorted(known.types), sorted(entity.types)),
        ("alt_labels", sorted(map(repr, known.alt_labels)), sorted(map(repr, entity.alt_labels))),
        ("description", known.description, entity.description),
        ("set", _comparable(known.assertions), _comparable(entity.assertions)),
    ) if a != b]
    if differences:
        where = entity.where
        known_at = f"{known.where.file}:{known.where.line}" if known.where else "the registry"
        problems.add(where.file if where else None,
                     f"entity {entity.entity_id!r} is already declared at {known_at}, with a different "
                     f"{', '.join(differences)}; declare it once (a second declaration would be dropped)",
                     where.line if where else None, entity.entity_id)


def _comparable(assertions: list[Assertion]) -> list[str]:
    return sorted(repr(Assertion(a.predicate, a.value)) for a in assertions)


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def _load_source(directory: Path, meta: LineDict, index: TermIndex, problems: ProblemCollector) -> Source | None:
    meta_path = directory / "source.yaml"
    facts_path = directory / "facts.yaml"
    _check_source_meta(meta, meta_path, problems)
    published = meta.get("published", {})
    earliest = _parse_date(published.get("earliest"), meta_path, published.line_of("earliest")
                           if published else None, problems)
    latest = _parse_date(published.get("latest"), meta_path, published.line_of("latest")
                         if published else None, problems)
    if earliest and latest and latest < earliest:
        problems.add(meta_path, f"published.latest {latest} is before published.earliest {earliest}",
                     published.line_of("latest"))
    source = Source(
        source_id=meta["id"],
        directory=directory,
        title=meta["title"],
        kind=meta["kind"],
        text_file=meta["text"]["file"],
        sha256=meta["text"]["sha256"],
        publisher=meta.get("publisher"),
        language=meta.get("language"),
        url=meta.get("url"),
        description=meta.get("description"),
        published_earliest=earliest,
        published_latest=latest,
        published_basis=published.get("basis"),
        coverage_exclude=list(meta.get("coverage", {}).get("exclude", [])),
    )
    document = read_yaml(facts_path)
    facts_problems = check_schema(document, "facts", facts_path)
    if facts_problems:
        problems.problems.extend(facts_problems)
        return source
    if document["source"] != source.source_id:
        problems.add(facts_path, f"source {document['source']!r} does not match source.yaml id "
                     f"{source.source_id!r}", document.line_of("source"))
    for raw in document.get("entities", []):
        entity_problems = check_schema({"entities": [raw]}, "entities", facts_path)
        if entity_problems:
            problems.problems.extend(entity_problems)
            continue
        source.entities.append(_parse_entity(raw, facts_path, index, problems))
    seen: dict[str, int] = {}
    for raw in document["facts"]:
        fact_id = raw["id"]
        if fact_id in seen:
            problems.add(facts_path, f"duplicate fact id (first defined at line {seen[fact_id]})",
                         raw.line, fact_id)
            continue
        seen[fact_id] = raw.line
        source.facts.append(_parse_fact(raw, source, index, problems))
    _refuse_unaccepted(document["facts"], facts_path, problems)
    return source


def _refuse_unaccepted(facts: list, path: Path, problems: ProblemCollector) -> None:
    """A draft of ``kg propose`` enters the graph only once a curator has accepted each of its facts."""
    pending = [raw for raw in facts if (raw.get("proposal") or {}).get("status") == "proposed"]
    if pending:
        shown = ", ".join(raw["id"] for raw in pending[:8]) + (" ..." if len(pending) > 8 else "")
        problems.add(path, f"{len(pending)} of {len(facts)} facts are proposals not yet accepted ({shown}): review "
                     f"them (kg review {path.parent}), accept them (kg accept {path.parent} FACT_ID... or --all) "
                     "and delete the ones you reject", pending[0].line)


def _check_source_meta(meta: LineDict, path: Path, problems: ProblemCollector,
                       file_key: tuple[str, str] = ("text", "file")) -> None:
    """What the schema cannot say about source.yaml: a confined text (or table) file, a real URL, a language
    tag, patterns that compile."""
    text_file = meta[file_key[0]][file_key[1]]
    why = relative_file_problem(text_file)
    if why:
        problems.add(path, f"{'.'.join(file_key)} {text_file!r} {why}", meta[file_key[0]].line_of(file_key[1]))
    if "url" in meta and not (is_iri(meta["url"]) and meta["url"].startswith(("http://", "https://"))):
        problems.add(path, f"url {meta['url']!r} is not an http(s) URL", meta.line_of("url"))
    if "language" in meta and not is_language_tag(meta["language"]):
        problems.add(path, f"language {meta['language']!r} is not a language tag (e.g. en, ja, zh-Hant)",
                     meta.line_of("language"))
    coverage = meta.get("coverage") or {}
    for pattern in coverage.get("exclude", []):
        why = pattern_problem(pattern)
        if why:
            problems.add(path, f"coverage.exclude: {why}", coverage.line_of("exclude"))


def _parse_fact(raw: LineDict, source: Source, index: TermIndex, problems: ProblemCollector) -> Fact:
    path = source.facts_file
    ctx = _Context(index, problems, path, fact=raw["id"], window_latest=source.published_latest)
    types_raw = raw.get("a", [])
    types = [types_raw] if isinstance(types_raw, str) else list(types_raw)
    class_iris = [_resolve_class(t, raw.line_of("a"), ctx) for t in types]
    fact = Fact(
        source_id=source.source_id,
        fact_id=raw["id"],
        quote=raw["quote"],
        subject=raw["about"],
        types=[c for c in class_iris if c],
        label=raw.get("label"),
        assertions=_parse_set(raw.get("set"), ctx),
        occurrence=raw.get("occurrence"),
        note=raw.get("note"),
        where=Where(path, raw.line),
        introduces_subject=bool(types),
    )
    _check_quoted_text(fact, ctx)
    return fact


def _check_quoted_text(fact: Fact, ctx: _Context) -> None:
    """A quotation's words must appear inside the fact's own evidence quote."""
    from kg.sources.grounding import normalise

    quoted_text = vocab.KGO + "quotedText"
    for assertion in fact.assertions:
        value = assertion.value
        if (assertion.predicate == quoted_text and isinstance(value, Text)
                and normalise(value.value) not in normalise(fact.quote)):
            ctx.problems.add(ctx.file, "quotedText is not part of the fact's quote", assertion.line,
                             fact.fact_id)


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _resolve_class(name: str, line: int | None, ctx: _Context) -> str | None:
    iri = vocab.expand(name)
    if iri is None or iri not in ctx.index.classes:
        hint = ctx.index.suggest(name, ctx.index.classes)
        ctx.problems.add(ctx.file, f"unknown class (fact type) {name!r}" + (f"; did you mean {hint!r}?"
                         if hint else ""), line, ctx.fact)
        return None
    if _refuse_deprecated(iri, name, line, ctx):
        return None
    return iri


def _refuse_deprecated(iri: str, name: str, line: int | None, ctx: _Context) -> bool:
    """A deprecated term is an error naming its replacement (the ontology keeps the term, so old IRIs
    still resolve, but no new fact may use it)."""
    if iri not in ctx.index.deprecated:
        return False
    replacement = ctx.index.deprecated[iri]
    instead = f"; use {vocab.shorten(replacement).removeprefix('kgo:')!r} instead" if replacement else ""
    ctx.problems.add(ctx.file, f"{name!r} is deprecated{instead} (docs/time-model.md: a status or a date is "
                     "recorded as a lifecycle event or a status observation, each with its own time)", line, ctx.fact)
    return True


def _parse_set(raw: Any, ctx: _Context) -> list[Assertion]:
    if not raw:
        return []
    assertions: list[Assertion] = []
    for name, value in raw.items():
        line = raw.line_of(name)
        predicate = vocab.expand(str(name))
        kind = ctx.index.property_kind(predicate) if predicate else None
        if kind is None:
            hint = ctx.index.suggest(str(name), ctx.index.all_properties())
            ctx.problems.add(ctx.file, f"unknown property {name!r}" + (f"; did you mean {hint!r}?"
                             if hint else ""), line, ctx.fact)
            continue
        if _refuse_deprecated(predicate, str(name), line, ctx):
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            parsed = _parse_value(predicate, kind, item, line, ctx)
            if parsed is not None:
                assertions.append(Assertion(predicate, parsed, line))
    return assertions


def _parse_value(predicate: str, kind: str, item: Any, line: int | None, ctx: _Context) -> Value | None:
    name = _field_name(predicate)
    if predicate in vocab.LINK_PROPERTIES:
        return _parse_link(name, item, line, ctx)
    if kind == "object":
        if predicate in ctx.index.time_properties:
            if not isinstance(item, dict):
                ctx.problems.add(ctx.file, f"{name} takes a time (a mapping with date, month, year or "
                                 f"from/to), not {item!r}", line, ctx.fact)
                return None
            # an announced time is the one time a fact may give after its source's publication
            return _parse_time(item, line, ctx, scheduled=predicate == vocab.KGO + "scheduledAt")
        if not isinstance(item, str):
            ctx.problems.add(ctx.file, f"{name} takes an entity id or an ontology term, not {item!r}",
                             line, ctx.fact)
            return None
        if "/" in item:
            if not vocab.ENTITY_ID_RE.match(item):
                ctx.problems.add(ctx.file, f"{item!r} is not a valid entity id (kind/slug)", line, ctx.fact)
                return None
            return EntityRef(item)
        iri = vocab.expand(item)
        if iri is None or iri not in ctx.index.individuals:
            hint = ctx.index.suggest(item, set(ctx.index.individuals))
            ctx.problems.add(ctx.file, f"unknown ontology individual {item!r} for {name}"
                             + (f"; did you mean {hint!r}?" if hint else ""), line, ctx.fact)
            return None
        return TermRef(iri)
    if kind == "datatype":
        datatype = ctx.index.datatype_properties.get(predicate)
        if datatype == vocab.RDF + "langString" or datatype is None:
            return _lang_text(item, name, line, ctx)
        if datatype in INTEGER_TYPES:
            smallest = 1 if datatype == vocab.XSD + "positiveInteger" else 0
            if not isinstance(item, int) or isinstance(item, bool) or item < smallest:
                ctx.problems.add(ctx.file, f"{name} takes a whole number of at least {smallest}, not "
                                 f"{short_repr(item)}", line, ctx.fact)
                return None
            return Text(str(item), datatype=datatype)
        if datatype == vocab.XSD + "dateTime":  # the ontology's days: midnight, as OWL 2 has no xsd:date
            parsed = _parse_date(item, ctx.file, line, ctx.problems, ctx.fact)
            return Text(f"{parsed.isoformat()}T00:00:00", datatype=datatype) if parsed else None
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            ctx.problems.add(ctx.file, f"{name} takes a single {vocab.shorten(datatype)} value, not "
                             f"{short_repr(item)}", line, ctx.fact)
            return None
        why = literal_problem(str(item), datatype)
        if why:
            ctx.problems.add(ctx.file, f"{name}: {why}", line, ctx.fact)
            return None
        return Text(str(item), datatype=datatype)
    return _lang_text(item, name, line, ctx)


def _parse_link(name: str, item: Any, line: int | None, ctx: _Context) -> TermRef | None:
    """The value of an identity or mapping link: an outside IRI, as a CURIE (``wd:Q17``) or absolute."""
    iri = None
    if isinstance(item, str):
        if item.startswith(("http://", "https://")) and not any(c.isspace() for c in item):
            iri = item
        elif ":" in item and not item.startswith("kgo:"):
            iri = vocab.expand(item)
    if iri is None:
        ctx.problems.add(ctx.file, f"{name} takes the IRI of something outside this graph (a CURIE such as "
                         f"wd:Q17 or an absolute IRI), not {short_repr(item)}", line, ctx.fact)
        return None
    if not is_iri(iri):
        ctx.problems.add(ctx.file, f"{name}: {short_repr(item)} is not a valid IRI (no spaces or <>\"{{}}|^`\\ "
                         "characters)", line, ctx.fact)
        return None
    if iri.startswith(vocab.WD):
        try:
            vocab.wikidata_item(iri[len(vocab.WD):])
        except ValueError as exc:
            ctx.problems.add(ctx.file, f"{name}: {exc}", line, ctx.fact)
            return None
    return TermRef(iri)


def _lang_text(item: Any, name: str, line: int | None, ctx: _Context) -> Text | None:
    if isinstance(item, str):
        return _checked_text(Text(item, lang="en"), name, line, ctx)
    if isinstance(item, dict) and set(item) == {"text", "lang"}:
        text, lang = item["text"], item["lang"]
        if not isinstance(text, str) or not text:
            ctx.problems.add(ctx.file, f"{name}: text must be a non-empty string, not {short_repr(text)}", line,
                             ctx.fact)
            return None
        if not is_language_tag(lang):
            ctx.problems.add(ctx.file, f"{name}: lang {short_repr(lang)} is not a language tag (e.g. en, ja, "
                             "zh-Latn)", line, ctx.fact)
            return None
        return _checked_text(Text(text, lang=lang), name, line, ctx)
    ctx.problems.add(ctx.file, f"{name} takes text or a mapping {{text, lang}}, not {short_repr(item)}", line, ctx.fact)
    return None


def _checked_text(text: Text, name: str, line: int | None, ctx: _Context) -> Text | None:
    why = literal_problem(text.value, vocab.RDF + "langString")
    if why:
        ctx.problems.add(ctx.file, f"{name}: {why}", line, ctx.fact)
        return None
    return text



def _parse_date(value: Any, file: Path, line: int | None, problems: ProblemCollector,
                fact: str | None = None) -> date | None:
    if value is None:
        return None
    parsed = parse_iso_date(value)
    if parsed is None:
        problems.add(file, f"{short_repr(value)} is not a date (YYYY-MM-DD)", line, fact)
    return parsed


def _parse_time(raw: dict, line: int | None, ctx: _Context, scheduled: bool = False) -> TimeSpec | None:
    unknown = set(raw) - TIME_KEYS
    if unknown:
        ctx.problems.add(ctx.file, f"unknown time field(s) {sorted(unknown)}; use {sorted(TIME_KEYS)}",
                         line, ctx.fact)
        return None
    forms = [k for k in ("date", "month", "year") if k in raw] + (["from/to"] if "from" in raw or "to" in raw
                                                                  else [])
    if len(forms) > 1:
        ctx.problems.add(ctx.file, f"give one of date, month, year or from/to, not {forms}", line, ctx.fact)
        return None
    if not forms and not raw.get("expression"):
        ctx.problems.add(ctx.file, "a time without a date needs at least the source's 'expression'",
                         line, ctx.fact)
        return None
    precision = raw.get("precision")
    if precision is not None and precision not in PRECISIONS:
        ctx.problems.add(ctx.file, f"precision must be one of {list(PRECISIONS)}, not {precision!r}",
                         line, ctx.fact)
        return None
    for key in ("expression", "note"):
        if key in raw and not isinstance(raw[key], str):
            ctx.problems.add(ctx.file, f"the time's {key} must be text, not {short_repr(raw[key])}", line, ctx.fact)
            return None
    spec: dict[str, Any] = {"expression": raw.get("expression"), "note": raw.get("note")}
    if "date" in raw:
        day = _time_date(raw, "date", line, ctx)
        if day is None:
            return None
        spec.update(day=day, earliest=day, latest=day, precision="day")
    elif "month" in raw:
        month_text = raw["month"]
        match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", month_text) if isinstance(month_text, str) else None
        if not match:
            ctx.problems.add(ctx.file, "month must be written YYYY-MM (e.g. \"2022-12\"), not "
                             f"{short_repr(month_text)}", line, ctx.fact)
            return None
        year, month = int(match.group(1)), int(match.group(2))
        last = calendar.monthrange(year, month)[1]
        spec.update(month=f"{year:04d}-{month:02d}", earliest=date(year, month, 1),
                    latest=date(year, month, last), precision="month")
    elif "year" in raw:
        year_value = raw["year"]
        if isinstance(year_value, str) and re.fullmatch(r"\d{4}", year_value):
            year_value = int(year_value)
        if isinstance(year_value, bool) or not isinstance(year_value, int) or not 1 <= year_value <= 9999:
            ctx.problems.add(ctx.file, f"year must be a four-digit year (e.g. 2022), not {short_repr(raw['year'])}",
                             line, ctx.fact)
            return None
        spec.update(year=year_value, earliest=date(year_value, 1, 1), latest=date(year_value, 12, 31),
                    precision="year")
    elif "from" in raw or "to" in raw:
        # an open interval (only 'from': on or after; only 'to': on or before) leaves a bound unknown
        start = _time_date(raw, "from", line, ctx) if "from" in raw else None
        end = _time_date(raw, "to", line, ctx) if "to" in raw else None
        if ("from" in raw and start is None) or ("to" in raw and end is None):
            return None
        if start and end and end < start:
            ctx.problems.add(ctx.file, f"the interval ends ({end}) before it begins ({start})",
                             line, ctx.fact)
            return None
        spec.update(start=start, end=end, earliest=start, latest=end, precision=precision)
    latest = spec.get("latest")
    if latest and ctx.window_latest and latest > ctx.window_latest and not scheduled:
        ctx.problems.add(ctx.file, f"date {latest} is outside the source's window: it was published by "
                         f"{ctx.window_latest}, so it cannot report a later date", line, ctx.fact)
        return None
    return TimeSpec(**spec)


# --------------------------------------------------------------------------------------------
# Cross-checks over the whole corpus
# --------------------------------------------------------------------------------------------


def _time_date(raw: dict, key: str, line: int | None, ctx: _Context) -> date | None:
    parsed = parse_iso_date(raw[key])
    if parsed is None:
        ctx.problems.add(ctx.file, f"{key} must be a calendar date written YYYY-MM-DD (e.g. \"2023-01-13\"), not "
                         f"{short_repr(raw[key])}", line, ctx.fact)
    return parsed


def _check_references(corpus: Corpus, problems: ProblemCollector) -> None:
    """Every referenced entity must be in the registry or introduced (typed) by some fact;
    one entity gets one label."""
    known = set(corpus.entities)
    for source in corpus.sources:
        known.update(f.subject for f in source.facts if f.introduces_subject)
    labels: dict[str, tuple[str, Fact]] = {}
    for source in corpus.sources:
        for fact in source.facts:
            file = fact.where.file if fact.where else None
            if fact.subject not in known:
                problems.add(file, _unknown(fact.subject, known, "about"), _line(fact), fact.fact_id)
            for assertion in fact.assertions:
                if isinstance(assertion.value, EntityRef) and assertion.value.entity_id not in known:
                    problems.add(file, _unknown(assertion.value.entity_id, known, _field_name(
                        assertion.predicate)), assertion.line, fact.fact_id)
            if fact.label:
                registry = corpus.entities.get(fact.subject)
                first = labels.setdefault(fact.subject, (fact.label, fact))
                if registry and registry.label != fact.label:
                    problems.add(file, f"label {fact.label!r} differs from the registry's "
                                 f"{registry.label!r} for {fact.subject}", _line(fact), fact.fact_id)
                elif first[0] != fact.label:
                    problems.add(file, f"label {fact.label!r} differs from {first[0]!r} given to "
                                 f"{fact.subject} by fact {first[1].fact_id}", _line(fact), fact.fact_id)
    _check_near_duplicates(corpus, labels, problems)
    for entity in corpus.entities.values():
        for assertion in entity.assertions:
            if isinstance(assertion.value, EntityRef) and assertion.value.entity_id not in known:
                problems.add(entity.where.file if entity.where else None,
                             _unknown(assertion.value.entity_id, known, _field_name(assertion.predicate)),
                             assertion.line, entity.entity_id)


def _check_near_duplicates(corpus: Corpus, labels: dict[str, tuple[str, Fact]], problems: ProblemCollector) -> None:
    """A fact that introduces a new entity (``a:``) one typing slip away from a known id (``state/japann``
    beside ``state/japan``) most likely meant the known one: say so, unless it gives the new entity a
    label of its own (then it is a deliberate new entity)."""
    introduced: dict[str, Fact] = {}
    for source in corpus.sources:
        for fact in source.facts:
            if fact.introduces_subject and not fact.generated and fact.subject not in corpus.entities:
                introduced.setdefault(fact.subject, fact)
    if not introduced:
        return
    every = set(corpus.entities) | set(introduced)
    deletions = {entity_id: _one_deletion(entity_id) for entity_id in every}  # each id's, made once
    variants: dict[str, list[str]] = {}
    for entity_id, own in deletions.items():
        for variant in own:
            variants.setdefault(variant, []).append(entity_id)
    all_labels = {**{eid: e.label for eid, e in corpus.entities.items()}, **{k: v[0] for k, v in labels.items()}}
    for entity_id, fact in sorted(introduced.items()):
        sharing = [variants[variant] for variant in deletions[entity_id] if len(variants[variant]) > 1]
        if not sharing:  # no other id within one edit (nearly every id)
            continue
        close = {other for group in sharing for other in group}
        close.discard(entity_id)
        close = {c for c in close if c.split("/")[0] == entity_id.split("/")[0]}
        own_label = all_labels.get(entity_id)
        close = {c for c in close if own_label is None or own_label == all_labels.get(c)}
        if close:
            nearest = sorted(close)[0]
            problems.add(fact.where.file if fact.where else None,
                         f"'a:' introduces a new entity {entity_id!r}, one character away from the known "
                         f"{nearest!r}: fix the id if you meant it, or give the new entity a label of its own",
                         _line(fact), fact.fact_id)


def _one_deletion(text: str) -> set[str]:
    """The text and every text one character shorter (two ids within one edit share one of these)."""
    return {text, *(text[:i] + text[i + 1:] for i in range(len(text)))}


def _unknown(entity_id: str, known: set[str], field: str) -> str:
    import difflib

    close = difflib.get_close_matches(entity_id, sorted(known), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (f"unknown entity {entity_id!r} in {field}: not in the registry and not introduced by any "
            f"fact{hint}")


def _field_name(predicate: str) -> str:
    """A property as the curator writes it in a facts file: ``party``, ``time:hasTime``."""
    return vocab.shorten(predicate).removeprefix("kgo:")


def _line(fact: Fact) -> int | None:
    return fact.where.line if fact.where else None


def require_corpus_sources(corpus: Corpus) -> None:
    """Refuse an empty data directory with a clear message."""
    if not corpus.sources:
        raise InputError("no sources found: expected data/sources/<id>/source.yaml and facts.yaml")
