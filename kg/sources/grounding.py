"""Find each fact's quote in its source text and record where it is.

Matching ignores differences a curator cannot see or type reliably: runs of white space
(line breaks, tabs in a TSV) and typographic quotes and apostrophes. The recorded ``exact``
is always the original text, so W3C Web Annotation selectors resolve against the file.

Positions are counted in Unicode code points of the decoded text, as the W3C
TextPositionSelector specifies: the bytes decoded as UTF-8 and nothing else (no newline
translation, so a CRLF text counts both characters of each line break, as any reader of the file
does).

The positions are kept in ``anchors.json`` beside the facts (``kg ground`` writes it): the
project does not keep the texts, so a build without the text uses the recorded anchors, and a
build with the text verifies them.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.errors import InputError, Problem, ProblemCollector
from kg.sources.model import Source

CONTEXT_CHARS = 24
PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n|\r\n[^\S\r\n]*\r\n|\r[^\S\r]*\r|\u2029")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in its source text."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def normalise(text: str) -> str:
    """Fold typographic quotes and collapse white space, for comparing quotes."""
    return " ".join(text.translate(_FOLD).split())


class IndexedText:
    """A source text with its normalised form and a map from normalised to original offsets."""

    def __init__(self, text: str):
        self.text = text
        chars: list[str] = []
        origin: list[int] = []
        in_space = True  # drop leading white space
        for i, ch in enumerate(text.translate(_FOLD)):
            if ch.isspace():
                if not in_space:
                    chars.append(" ")
                    origin.append(i)
                in_space = True
            else:
                chars.append(ch)
                origin.append(i)
                in_space = False
        self.normalised = "".join(chars)
        self.origin = origin

    def find_all(self, quote: str) -> list[tuple[int, int]]:
        """All (start, end) spans of ``quote`` in the original text."""
        needle = normalise(quote)
        spans = []
        at = self.normalised.find(needle)
        while needle and at != -1:
            start = self.origin[at]
            end = self.origin[at + len(needle) - 1] + 1
            spans.append((start, end))
            at = self.normalised.find(needle, at + 1)
        return spans

    def anchor(self, start: int, end: int) -> Anchor:
        """The selector fields for a span."""
        return Anchor(
            start=start,
            end=end,
            exact=self.text[start:end],
            prefix=self.text[max(0, start - CONTEXT_CHARS) : start],
            suffix=self.text[end : end + CONTEXT_CHARS],
        )

    def closest_passage(self, quote: str) -> str:
        """The passage of the text most like ``quote``, to show when a quote is not found."""
        needle = normalise(quote)
        hay = self.normalised
        width = len(needle)
        best_ratio, best_at = -1.0, 0
        starts = [0] + [i + 1 for i, ch in enumerate(hay) if ch == " "]
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(needle)
        for at in starts:
            matcher.set_seq1(hay[at : at + width])
            if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best_ratio, best_at = ratio, at
        return hay[best_at : best_at + width]


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_text(path: Path) -> str:
    """A source text as the code points its offsets count: its bytes decoded as UTF-8, line breaks
    untouched; anything else is an InputError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(path, f"the source text cannot be read: {exc.strerror or exc}")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(path, f"the source text is not UTF-8 ({exc.reason} at byte {exc.start}); "
                                 "convert it (e.g. iconv -f latin1 -t utf-8) and record its new sha256")) from None


def find_text(source: Source, search_path: list[Path]) -> Path | None:
    """The first copy of the source's text file on the search path, or None. The file name is a plain
    relative path (checked when the source is read), so this never looks outside the search path."""
    from kg.sources.lexical import relative_file_problem

    if relative_file_problem(source.text_file):
        return None
    for directory in search_path:
        candidate = directory / source.text_file
        if candidate.is_file():
            return candidate
    return None


def ground_source(source: Source, text_path: Path) -> dict[str, Anchor]:
    """Locate every fact's quote in the text; raise InputError naming each quote not found.

    The text's SHA-256 must match ``source.yaml``: a different text would give different offsets.
    """
    problems = ProblemCollector()
    try:
        digest = sha256_of(text_path)
    except OSError as exc:
        raise InputError(Problem(text_path, f"the source text cannot be read: {exc.strerror or exc}")) from None
    if digest != source.sha256:
        raise InputError(Problem(source.source_file, f"the text {text_path} has sha256 {digest}, but "
                                 f"source.yaml records {source.sha256}: the text changed or is another copy"))
    indexed = IndexedText(read_text(text_path))
    anchors: dict[str, Anchor] = {}
    for fact in source.facts:
        line = fact.where.line if fact.where else None
        spans = indexed.find_all(fact.quote)
        if not spans:
            passage = indexed.closest_passage(fact.quote)
            problems.add(source.facts_file, f"quote not found in {text_path}: {fact.quote!r}; closest "
                         f"passage: {passage!r}", line, fact.fact_id)
            continue
        if fact.occurrence is not None:
            if fact.occurrence > len(spans):
                problems.add(source.facts_file, f"occurrence {fact.occurrence} requested but the quote "
                             f"occurs {len(spans)} time(s) in {text_path}", line, fact.fact_id)
                continue
            span = spans[fact.occurrence - 1]
        elif len(spans) > 1:
            problems.add(source.facts_file, f"quote occurs {len(spans)} times in {text_path} (at "
                         f"{', '.join(str(s) for s, _ in spans)}); add 'occurrence: N' or lengthen the "
                         f"quote", line, fact.fact_id)
            continue
        else:
            span = spans[0]
        if PARAGRAPH_BREAK.search(indexed.text, span[0], span[1]):
            problems.add(source.facts_file, f"the quote spans a paragraph break in {text_path} (at {span[0]}); "
                         "quote within one paragraph, and split the fact if it needs both", line, fact.fact_id)
            continue
        anchors[fact.fact_id] = indexed.anchor(*span)
    problems.raise_if_any()
    return anchors


def read_anchors(source: Source) -> dict[str, Anchor] | None:
    """The recorded anchors of a source, or None when it has none yet."""
    path = source.anchors_file
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
        if document.get("sha256") != source.sha256:
            raise InputError(Problem(path, "anchors were recorded for another text (sha256 differs from "
                                     "source.yaml); run 'kg ground'"))
        anchors = {fact_id: Anchor(**fields) for fact_id, fields in document["anchors"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise InputError(Problem(path, f"unreadable anchors file ({str(exc)[:200]}); run 'kg ground'")) from None
    for fact_id, anchor in anchors.items():
        why = _anchor_problem(anchor)
        if why:
            raise InputError(Problem(path, f"the anchor of fact {fact_id!r} {why}; run 'kg ground'"))
    return anchors


def _anchor_problem(anchor: Anchor) -> str | None:
    """Why a recorded anchor cannot be a span of a text, or None."""
    if not all(isinstance(v, str) for v in (anchor.exact, anchor.prefix, anchor.suffix)):
        return "has exact, prefix and suffix that are not all text"
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (anchor.start, anchor.end)):
        return "has start and end that are not both whole numbers"
    if anchor.start < 0 or anchor.end - anchor.start != len(anchor.exact):
        return (f"is inconsistent: end - start = {anchor.end - anchor.start}, but the quoted text has "
                f"{len(anchor.exact)} characters")
    if len(anchor.prefix) > min(CONTEXT_CHARS, anchor.start) or len(anchor.suffix) > CONTEXT_CHARS:
        return "has more context before or after than a text can give"
    return None


def anchors_document(source: Source, anchors: dict[str, Anchor]) -> str:
    """Deterministic JSON for an anchors file."""
    document = {
        "source": source.source_id,
        "sha256": source.sha256,
        "note": "Quote positions in Unicode code points, written by 'kg ground'; do not edit by hand.",
        "anchors": {fact_id: asdict(anchors[fact_id]) for fact_id in sorted(anchors)},
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def check_recorded(source: Source, recorded: dict[str, Anchor] | None, fresh: dict[str, Anchor]) -> None:
    """Recorded anchors must equal the ones just computed from the text."""
    if recorded is None:
        raise InputError(Problem(source.anchors_file, "no recorded anchors for this source; run 'kg ground'"))
    stale = sorted(f for f in fresh if recorded.get(f) != fresh[f])
    extra = sorted(set(recorded) - set(fresh))
    if stale or extra:
        what = []
        if stale:
            what.append(f"out of date for {', '.join(stale[:8])}{' ...' if len(stale) > 8 else ''}")
        if extra:
            what.append(f"recorded for facts that no longer exist: {', '.join(extra[:8])}")
        raise InputError(Problem(source.anchors_file, "anchors " + "; ".join(what) + "; run 'kg ground'"))


def anchors_without_text(source: Source, recorded: dict[str, Anchor] | None) -> dict[str, Anchor]:
    """Use recorded anchors when the text is not available; each must still match its quote."""
    if recorded is None:
        raise InputError(Problem(source.source_file, f"source text {source.text_file!r} not found on the "
                                 "text search path and no recorded anchors; set KG_TEXTS or --texts"))
    problems = ProblemCollector()
    for fact in source.facts:
        anchor = recorded.get(fact.fact_id)
        line = fact.where.line if fact.where else None
        if anchor is None:
            problems.add(source.facts_file, "no recorded anchor for this fact and the source text is not "
                         "available to find its quote", line, fact.fact_id)
        elif normalise(anchor.exact) != normalise(fact.quote):
            problems.add(source.facts_file, "the quote differs from the recorded anchor's text; run "
                         "'kg ground' with the source text", line, fact.fact_id)
    problems.raise_if_any()
    return {f.fact_id: recorded[f.fact_id] for f in source.facts}
