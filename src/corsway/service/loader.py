"""Read a YAML file the way Serverless Framework v3 does, keeping `file:line:col` for every value.

Serverless v3 parses `serverless.yml` with js-yaml 4 (YAML 1.2 core schema plus timestamps and
merge keys) extended with the CloudFormation short-form tags. That differs from PyYAML's YAML 1.1
defaults in ways that change the compiled template (`cors: off` is the *string* "off", hence
truthy; `0755` is 755; a date becomes an ISO string), so PyYAML only tokenizes and composes
nodes here, and this module gives the nodes their js-yaml meaning.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from corsway.errors import CorswayError, SourceLocation
from corsway.service.jsvalues import js_number, js_ordered, normalize_number
from corsway.service.sourcemap import Path, SourceMap

try:  # libyaml is much faster; the pure-Python parser gives the same nodes
    from yaml import CBaseLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _BaseLoader  # type: ignore[assignment]

_PLAIN_TAG = "tag:corsway:plain"  # every plain (unquoted, untagged) scalar gets this tag
_YAML = "tag:yaml.org,2002:"


class _NodeLoader(_BaseLoader):
    """Composes nodes only; plain scalars are marked so that js-yaml rules can resolve them."""


_NodeLoader.add_implicit_resolver(_PLAIN_TAG, re.compile(r"(?s).*"), None)

# CloudFormation short forms -> long forms (as @serverless/utils/cloudformation-schema defines)
CFN_TAGS: dict[str, str] = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in [
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "If",
            "ImportValue",
            "Join",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
        ]
    },
}

_INT = re.compile(r"[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)\Z")
_FLOAT = re.compile(
    r"(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?\Z"
)


def resolve_plain_scalar(text: str) -> Any:
    """The value js-yaml's default schema gives an unquoted scalar."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    first = text[0]
    if first.isdigit() or first in "+-.":
        integer = _parse_int(text)
        if integer is not None:
            return integer
        number = _parse_float(text)
        if number is not None:
            return number
        if first.isdigit():
            stamp = _parse_timestamp(text)
            if stamp is not None:
                return stamp
    return text


def _parse_int(text: str) -> int | None:
    if not _INT.match(text):
        return None
    sign = -1 if text[0] == "-" else 1
    digits = text[1:] if text[0] in "+-" else text
    if len(digits) > 1 and digits[0] == "0" and digits[1] in "bxo":
        return sign * int(digits[2:], {"b": 2, "x": 16, "o": 8}[digits[1]])
    return sign * int(digits, 10)


def _parse_float(text: str) -> int | float | None:
    if not _FLOAT.match(text):
        return None
    lowered = text.lower()
    sign = -1.0 if lowered[0] == "-" else 1.0
    body = lowered.lstrip("+-")
    if body == ".inf":
        return sign * math.inf
    if body == ".nan":
        return math.nan
    value = float(lowered)
    if math.isinf(value):  # js-yaml refuses non-finite numbers written as digits: a string
        return None
    return normalize_number(value)


def _parse_timestamp(text: str) -> str | None:
    """A YAML timestamp as `JSON.stringify(new Date(...))` prints it (UTC ISO, milliseconds)."""
    match = _DATE.match(text)
    fields: list[str | None]
    if match:
        fields = [*match.groups(), None, None, None, None, None, None, None, None]
    else:
        match = _TIMESTAMP.match(text)
        if not match:
            return None
        fields = list(match.groups())
    year, month, day = int(fields[0] or 0), int(fields[1] or 0) - 1, int(fields[2] or 0)
    if 0 <= year <= 99:  # Date.UTC maps two-digit years to 19xx
        year += 1900
    year += month // 12
    month %= 12
    moment = datetime(year, month + 1, 1, tzinfo=timezone.utc) + timedelta(days=day - 1)
    if fields[3] is not None:
        fraction = (fields[6] or "")[:3].ljust(3, "0")
        moment += timedelta(
            hours=int(fields[3]),
            minutes=int(fields[4] or 0),
            seconds=int(fields[5] or 0),
            milliseconds=int(fraction),
        )
        if fields[8]:
            delta = timedelta(hours=int(fields[9] or 0), minutes=int(fields[10] or 0))
            moment -= delta if fields[8] == "+" else -delta
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def mapping_key(value: Any) -> str:
    """A mapping key as a JS object property name (`String(key)`)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return js_number(value)
    return "[object Object]"


class _Builder:
    """Turns composed YAML nodes into plain values, recording each value's location."""

    def __init__(self, display_name: str, source_map: SourceMap) -> None:
        self.file = display_name
        self.map = source_map
        self.active: set[int] = set()

    def where(self, node: Node) -> SourceLocation:
        mark = node.start_mark
        return SourceLocation(self.file, mark.line + 1, mark.column + 1)

    def error(self, node: Node, message: str) -> CorswayError:
        return CorswayError(message, self.where(node))

    def build(self, node: Node, path: Path, key_node: Node | None = None) -> Any:
        self.map.add(path, self.where(node), self.where(key_node) if key_node else None)
        tag = node.tag
        if tag in CFN_TAGS:
            return self._cfn_function(node, path, CFN_TAGS[tag])
        if isinstance(node, ScalarNode):
            return self._scalar(node, tag)
        if id(node) in self.active:
            raise self.error(node, "a YAML alias refers to the node that contains it (a cycle)")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if tag not in (_YAML + "seq",):
                    raise self._unsupported_tag(node)
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                if tag not in (_YAML + "map",):
                    raise self._unsupported_tag(node)
                return self._mapping(node, path)
        finally:
            self.active.discard(id(node))
        raise self.error(node, f"unexpected YAML node {type(node).__name__}")  # pragma: no cover

    def _unsupported_tag(self, node: Node) -> CorswayError:
        tag = node.tag
        shown = "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag
        if tag.startswith(_YAML) and tag[len(_YAML) :] in ("binary", "omap", "pairs", "set"):
            return self.error(
                node,
                f"the YAML tag {shown} is not supported in a Serverless configuration by corsway "
                "(its value has no JSON form in the compiled template); write the value without it",
            )
        return self.error(
            node,
            f"unknown YAML tag {shown}; Serverless understands the standard YAML tags and the "
            f"CloudFormation short forms ({', '.join(sorted(CFN_TAGS))})",
        )

    def _scalar(self, node: ScalarNode, tag: str) -> Any:
        text: str = node.value
        if tag == _PLAIN_TAG:
            return resolve_plain_scalar(text)
        if tag == _YAML + "str":
            return text
        if tag == _YAML + "null":
            if text in ("", "~", "null", "Null", "NULL"):
                return None
        elif tag == _YAML + "bool":
            if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
                return text in ("true", "True", "TRUE")
        elif tag == _YAML + "int":
            number = _parse_int(text)
            if number is not None:
                return number
        elif tag == _YAML + "float":
            value = _parse_float(text)
            if value is not None:
                return value
        elif tag == _YAML + "timestamp":
            stamp = _parse_timestamp(text)
            if stamp is not None:
                return stamp
        else:
            raise self._unsupported_tag(node)
        raise self.error(node, f"{text!r} is not a valid value for the explicit YAML tag {tag}")

    def _cfn_function(self, node: Node, path: Path, function: str) -> dict[str, Any]:
        inner: Any
        if isinstance(node, ScalarNode):
            inner = node.value  # js-yaml hands tagged scalars over as the raw text
            if function == "Fn::GetAtt":
                first, _, rest = inner.partition(".")
                inner = [first, rest]
        elif isinstance(node, SequenceNode):
            inner = [
                self.build(item, (*path, function, index)) for index, item in enumerate(node.value)
            ]
        else:
            inner = self._mapping(node, (*path, function))  # type: ignore[arg-type]
        self.map.add((*path, function), self.where(node))
        return {function: inner}

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: set[str] = set()  # keys that came from `<<` and may be overridden
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge" or (
                key_node.tag == _PLAIN_TAG and key_node.value == "<<"
            ):
                self._merge(value_node, path, result, merged)
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.error(
                    key_node, "a mapping key must be a plain value, not a list or mapping"
                )
            key = mapping_key(self._scalar(key_node, key_node.tag))
            if key in result and key not in merged:
                raise self.error(
                    key_node, f"duplicated mapping key {key!r} (each key may appear only once)"
                )
            merged.discard(key)
            result[key] = self.build(value_node, (*path, key), key_node)
        return js_ordered(result)

    def _merge(
        self, value_node: Node, path: Path, result: dict[str, Any], merged: set[str]
    ) -> None:
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.error(
                    source, "a merge key (<<) needs a mapping or a list of mappings to merge"
                )
            for key, value in self._mapping(source, path).items():
                if key not in result:
                    result[key] = value
                    merged.add(key)


def load_yaml(text: str, display_name: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document; return its value and the locations of all its values.

    `display_name` is the file name used in messages (e.g. `serverless.yml`).
    """
    source_map = SourceMap(SourceLocation(display_name))
    loader = _NodeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (
            SourceLocation(display_name, mark.line + 1, mark.column + 1)
            if mark
            else SourceLocation(display_name)
        )
        problem = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        raise CorswayError(f"malformed YAML: {problem}{context}", where) from None
    except yaml.YAMLError as error:
        raise CorswayError(f"malformed YAML: {error}", SourceLocation(display_name)) from None
    finally:
        loader.dispose()
    if node is None:
        return None, source_map
    return _Builder(display_name, source_map).build(node, ()), source_map
