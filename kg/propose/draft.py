"""A draft source directory in the project's own format, and a curator's acceptance of its facts.

``kg propose`` writes ``source.yaml``, ``facts.yaml`` (every fact with ``proposal: {status: proposed,
confidence, rule, cue}``) and ``anchors.json`` (each quote's offsets, as ``kg ground`` records them);
``kg accept`` turns chosen facts' status to ``accepted``; ``kg build`` refuses the draft until no fact is
left ``proposed``. The files are written together or not at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from kg.atomic import write_all_atomically
from kg.errors import InputError, Problem
from kg.propose.model import Extraction, Proposal, TextInfo
from kg.propose.text import Document
from kg.sources.grounding import CONTEXT_CHARS, sha256_of

FACT_ORDER = ("entity", "holding", "arrangement", "event", "observation", "obligation", "absence", "statement",
              "characterisation")


@dataclass(frozen=True)
class DraftSource:
    """What source.yaml says of the text."""

    info: TextInfo
    text_file: str  # relative to a directory of the text search path
    sha256: str
    kind: str = "news-article"
    published_basis: str | None = None


def assign_ids(proposals: list[Proposal]) -> list[Proposal]:
    """Give each proposal a readable, unique fact id (``signing-japan-uk-reciprocal-access-agreement``)."""
    seen: dict[str, int] = {}
    ordered = sorted(proposals, key=lambda p: (FACT_ORDER.index(p.fact_type), p.start, p.subject))
    for p in ordered:
        tail = p.subject.split("/", 1)[1]
        base = f"{p.fact_type}-{tail}"[:70].rstrip("-")
        n = seen.get(base, 0) + 1
        seen[base] = n
        p.fact_id = base if n == 1 else f"{base}-{n}"
    return ordered


def facts_document(extraction: Extraction, info: TextInfo, document: Document, extractor: str) -> str:
    """facts.yaml of a draft: a header, then one fact per proposal, each marked as proposed."""
    proposals = assign_ids(extraction.proposals)
    facts = []
    for p in proposals:
        fact: dict = {"id": p.fact_id, "quote": p.quote}
        occurrence = document.occurrence(p.start, p.end)
        if occurrence:
            fact["occurrence"] = occurrence
        fact["about"] = p.subject
        if p.types:
            fact["a"] = p.types[0] if len(p.types) == 1 else list(p.types)
        if p.label:
            fact["label"] = p.label
        values = {k: v for k, v in p.values.items() if v not in (None, [], "")}
        if values:
            fact["set"] = values
        if p.note:
            fact["note"] = p.note
        proposal = {"status": "proposed", "confidence": p.confidence, "rule": p.rule}
        if p.cue:
            proposal["cue"] = p.cue
        fact["proposal"] = proposal
        facts.append(fact)
    header = (f"# Facts proposed by kg propose ({extractor}) for {info.source_id}.\n"
              "# Every fact is a proposal: review it against its quote (kg review DIR), correct or delete it,\n"
              "# then accept it (kg accept DIR FACT_ID... or --all). kg build refuses facts still proposed.\n\n")
    body = yaml.dump({"source": info.source_id, "facts": facts}, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=110, default_flow_style=None)
    return header + body


class _Dumper(yaml.SafeDumper):
    """Block style for facts, flow style for the small mappings (times, proposals) and short lists."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    flow = set(data) <= {"status", "confidence", "rule", "cue"} or set(data) <= {
        "date", "month", "year", "from", "to", "precision", "expression", "note"}
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = all(isinstance(v, str) and len(v) < 60 for v in data) and sum(len(str(v)) for v in data) < 90
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def source_document(source: DraftSource) -> str:
    """source.yaml of a draft."""
    info = source.info
    meta: dict = {"id": info.source_id, "title": info.title or info.source_id, "kind": source.kind}
    if info.publisher:
        meta["publisher"] = info.publisher
    meta["language"] = "en"
    meta["description"] = "Draft written by kg propose; review every fact before accepting it."
    meta["text"] = {"file": source.text_file, "sha256": source.sha256}
    if info.published_earliest or info.published_latest:
        published: dict = {}
        if info.published_earliest:
            published["earliest"] = info.published_earliest.isoformat()
        if info.published_latest:
            published["latest"] = info.published_latest.isoformat()
        if source.published_basis:
            published["basis"] = source.published_basis
        meta["published"] = published
    return yaml.dump(meta, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=110)


def anchors_of(extraction: Extraction, info: TextInfo, document: Document, sha256: str) -> str:
    """anchors.json of a draft: each fact's quote at its offsets, as ``kg ground`` writes it."""
    anchors = {}
    for p in extraction.proposals:
        anchors[p.fact_id] = {"start": p.start, "end": p.end, "exact": document.text[p.start:p.end],
                              "prefix": document.text[max(0, p.start - CONTEXT_CHARS):p.start],
                              "suffix": document.text[p.end:p.end + CONTEXT_CHARS]}
    return json.dumps({"source": info.source_id, "sha256": sha256,
                       "note": "Quote positions in Unicode code points, written by 'kg ground'; do not edit by hand.",
                       "anchors": {k: anchors[k] for k in sorted(anchors)}}, ensure_ascii=False, indent=1) + "\n"


def write_draft(out: Path, source: DraftSource, extraction: Extraction, document: Document, extractor: str,
                force: bool = False) -> list[Path]:
    """Write the draft directory (all three files or none)."""
    if out.exists() and not out.is_dir():
        raise InputError(Problem(out, "--out must be a directory (the draft source directory), and this is a file"))
    if out.is_dir() and (out / "facts.yaml").exists() and not force:
        raise InputError(Problem(out / "facts.yaml", "a draft is already here; pass --force to replace it (accepted "
                                 "facts in it would be lost)"))
    if out.name != source.info.source_id:
        raise InputError(Problem(out, f"the draft directory must be named after its source id "
                                 f"({source.info.source_id!r}), as kg build requires"))
    facts = facts_document(extraction, source.info, document, extractor)
    files = {out / "source.yaml": source_document(source).encode("utf-8"),
             out / "facts.yaml": facts.encode("utf-8"),
             out / "anchors.json": anchors_of(extraction, source.info, document, source.sha256).encode("utf-8")}
    out.mkdir(parents=True, exist_ok=True)
    write_all_atomically(files)
    return list(files)


def text_file_entry(text: Path, search_path: list[Path]) -> tuple[str, Path | None]:
    """How source.yaml names the text: its path below a directory of the search path (and that
    directory), else its bare file name (None: the build will need --texts for it)."""
    resolved = text.resolve()
    for directory in search_path:
        try:
            return resolved.relative_to(directory.resolve()).as_posix(), directory
        except ValueError:
            continue
    return text.name, None


def text_sha256(text: Path) -> str:
    """The text's SHA-256, for source.yaml."""
    return sha256_of(text)


# ------------------------------------------------------------------------------------------------
# kg accept
# ------------------------------------------------------------------------------------------------


def accept(directory: Path, fact_ids: list[str], accept_all: bool = False) -> tuple[list[str], int]:
    """Mark facts of a draft accepted; return the ids accepted and how many remain proposed.

    The file is edited in place, token by token (the status value of each chosen fact's proposal), so a
    curator's own edits and comments stay as they are."""
    path = directory / "facts.yaml"
    if not path.is_file():
        raise InputError(Problem(path, "no facts.yaml here: kg accept takes a draft directory written by kg propose"))
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(Problem(path, f"not valid YAML: {exc}")) from None
    facts = _mapping_value(root, "facts")
    if facts is None or not isinstance(facts, yaml.SequenceNode):
        raise InputError(Problem(path, "no 'facts:' list"))
    by_id: dict[str, yaml.Node] = {}
    for node in facts.value:
        fact_id = _mapping_value(node, "id")
        if isinstance(fact_id, yaml.ScalarNode):
            by_id[fact_id.value] = node
    wanted = list(by_id) if accept_all else fact_ids
    unknown = [f for f in wanted if f not in by_id]
    if unknown:
        raise InputError(Problem(path, f"no fact {', '.join(map(repr, unknown))} in this draft"))
    edits: list[tuple[int, int]] = []
    accepted = []
    for fact_id in wanted:
        proposal = _mapping_value(by_id[fact_id], "proposal")
        status = _mapping_value(proposal, "status") if proposal is not None else None
        if status is None or status.value != "proposed":
            continue
        edits.append((status.start_mark.index, status.end_mark.index))
        accepted.append(fact_id)
    for start, end in sorted(edits, reverse=True):
        text = text[:start] + "accepted" + text[end:]
    remaining = len(re.findall(r"\bstatus: proposed\b", text))
    if edits:
        write_all_atomically({path: text.encode("utf-8")})
    return accepted, remaining


def _mapping_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def today() -> date:
    """Today's date (a seam for the tests)."""
    return date.today()
