"""Read YAML data files keeping line numbers, and check them against their JSON Schema.

PyYAML drops positions once a document is constructed; this loader keeps the line of every
mapping and of each of its keys, so that every error can name ``file:line``. Timestamps are
not resolved (``2023-01-13`` stays a string): dates are parsed and checked by the source layer,
and the JSON Schemas see plain JSON types.

A document is checked as a node graph before anything is built from it: mapping keys must be
plain text, nesting is bounded (:data:`MAX_DEPTH`), and aliases may not expand it much beyond its
own size (ten times its nodes, plus :data:`EXPANSION_ALLOWANCE`): a few hundred bytes of nested
aliases otherwise expand into billions of nodes (the "billion laughs").
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kg.errors import InputError, Problem

MAX_DEPTH = 32  # nesting levels of a data file; the real data uses 6
EXPANSION_ALLOWANCE = 50_000  # nodes aliases may add to a document, beyond 10 times its own


class LineDict(dict):
    """A dict that remembers the 1-based line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Line of ``key`` if present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that remembers the 1-based line of the sequence and of each item."""

    line: int = 0
    item_lines: list[int]


def _base_loader() -> type:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_base_loader()):  # type: ignore[misc]
    pass


# Drop the timestamp resolver: dates stay strings.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    own_keys: set[str] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else f"a {key_node.id}"
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be plain text, not {short_repr(shown)} (quote it if it is a name)",
                key_node.start_mark)
        if key_node.value in own_keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
            )
        own_keys.add(key_node.value)
    loader.flatten_mapping(node)  # merge keys (<<) first, so the mapping's own keys override them
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes an InputError naming file and line."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(Problem(path, "file not found")) from None
    except IsADirectoryError:
        raise InputError(Problem(path, "is a directory, not a YAML file")) from None
    except OSError as exc:
        raise InputError(Problem(path, f"cannot be read: {exc.strerror or exc}")) from None
    except UnicodeDecodeError as exc:
        raise InputError(Problem(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})")) from None
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            if "&" in text:  # anchors, hence perhaps aliases: the full check
                _check_shape(path, node)
            else:  # no alias without an anchor: nothing can expand, only the depth is bounded
                _check_depth(path, node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        if exc.context:
            what = f"{exc.context}: {what}"
        raise InputError(Problem(path, f"malformed YAML: {what}", line, _nearest_id(text, line))) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(path, f"malformed YAML: {exc}")) from None


def _check_shape(path: Path, root: yaml.Node) -> None:
    """Refuse a document nested deeper than MAX_DEPTH, or whose aliases expand it far beyond its own
    size, before it is built (iteratively: the check itself must not recurse)."""
    size: dict[int, int] = {}
    limit = EXPANSION_ALLOWANCE
    depth: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, level, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            in_progress.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > limit:
                raise InputError(Problem(path, f"its aliases expand it to more than {limit:,} values, far more than "
                                         "it holds (nested aliases that multiply: refused)", node.start_mark.line + 1))
            continue
        if key in size:
            continue
        if key in in_progress:
            raise InputError(Problem(path, "an alias refers to the value that contains it (a recursive alias)",
                                     node.start_mark.line + 1))
        if level > MAX_DEPTH:
            raise InputError(Problem(path, f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1))
        in_progress.add(key)
        limit += 10
        stack.append((node, level, True))
        stack.extend((child, level + 1, False) for child in children if id(child) not in size)


def _check_depth(path: Path, root: yaml.Node) -> None:
    """:func:`_check_shape` for a document without anchors (no node is shared): the depth alone, met in the
    same order, so the same node is named (about a third of its time: most data files have no anchor)."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise InputError(Problem(path, f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1))
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            stack.extend((child, level + 1) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def short_repr(value: Any, limit: int = 80) -> str:
    """A bounded repr for messages: the value may be huge."""
    import reprlib

    shown = reprlib.Repr()
    shown.maxstring = shown.maxother = limit
    shown.maxlevel, shown.maxlist, shown.maxdict = 3, 5, 5
    return shown.repr(value)


def _nearest_id(text: str, line: int | None) -> str | None:
    """The ``id:`` of the mapping a broken line belongs to, found by scanning upwards."""
    if line is None:
        return None
    for candidate in reversed(text.splitlines()[: line]):
        stripped = candidate.strip().removeprefix("- ").strip()
        if stripped.startswith("id:"):
            return stripped[3:].strip().strip("'\"") or None
    return None


@cache
def _schema(name: str) -> dict[str, Any]:
    text = resources.files("kg.sources").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _locate(document: Any, path: list[Any]) -> tuple[int | None, str | None]:
    """Best line for a JSON path into a document, and the fact id on the way, if any."""
    line: int | None = getattr(document, "line", None)
    fact: str | None = None
    node = document
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.line_of(step)
            if isinstance(node.get("id"), str):
                fact = node["id"]
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    if isinstance(node, LineDict):
        line = node.line
        if isinstance(node.get("id"), str):
            fact = node["id"]
    return line, fact


@cache
def _fast_validator(name: str):
    import fastjsonschema

    return fastjsonschema.compile(_schema(name))


def check_schema(document: Any, schema_name: str, path: Path) -> list[Problem]:
    """Validate ``document`` against ``kg/sources/schemas/<schema_name>.schema.json``.

    Returns one Problem per violation, each with the file, line and fact id where possible. A
    document is first checked by fastjsonschema (the schema compiled to Python, ~10x faster, which
    matters for large sources); only an invalid one goes through jsonschema, which lists every
    violation with its path.
    """
    import fastjsonschema

    try:
        _fast_validator(schema_name)(document)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(_schema(schema_name))
    validator = validator_cls(_schema(schema_name))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        line, fact = _locate(document, list(error.absolute_path))
        field = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(Problem(path, f"{field}: {_describe(error)}", line, fact))
    return problems


def _describe(error: Any) -> str:
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
    if error.validator == "required":
        return message.replace("is a required property", "is required but missing")
    if error.validator == "additionalProperties":
        return message.replace("Additional properties are not allowed", "unknown field(s) not allowed")
    return message
