"""A small JSON-schema-like validator with the type coercion Serverless v3 applies to configs.

Serverless validates `serverless.yml` with ajv (`coerceTypes: "array"`), which *changes* the
configuration before compiling: `timeout: "10"` becomes `10`, an environment value `8080`
becomes `"8080"`, `headers: "*"` becomes `["*"]`, and `cors: "true"` becomes `true`. Invalid
values only warn (in the default `configValidationMode: warn`) and are then compiled as given.

Rules here describe only what corsway compiles. Each problem has a kind:
`unknown` (unrecognized property) and `enum` (value outside a list) are warnings, as in the
framework; `type`, `required` and `range` are errors, because the framework would compile them
into a template that fails to deploy (or crash); `pattern` is either, per rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from corsway.service.jsvalues import js_string, short_repr, type_name
from corsway.service.sourcemap import Path, format_path
from corsway.service.varsyntax import _js_number


@dataclass(frozen=True)
class Issue:
    """One way the configuration breaks the schema."""

    path: Path
    message: str
    kind: str  # "type" | "required" | "range" | "pattern" | "enum" | "unknown"
    at_key: bool = False  # point at the key rather than the value

    def text(self) -> str:
        return f"{format_path(self.path)}: {self.message}" if self.path else self.message


Report = Callable[[Issue], None]


def coerce(value: Any, target: str) -> tuple[bool, Any]:
    """ajv's `coerceTypes: "array"`: (ok, coerced value) for one JSON type."""
    if _is_type(value, target):
        return True, value
    if target == "array":
        return True, [value]
    if isinstance(value, list):
        if len(value) == 1 and not isinstance(value[0], dict | list):
            return coerce(value[0], target)
        return False, value
    if target == "string":
        if value is None:
            return True, ""
        if isinstance(value, bool | int | float):
            return True, js_string(value)
        return False, value
    if target in ("number", "integer"):
        if isinstance(value, bool):
            return True, int(value)
        if value is None:
            return True, 0
        if isinstance(value, str) and value:
            number = _js_number(value)
            if number is not None and (target == "number" or float(number).is_integer()):
                return True, number
        return False, value
    if target == "boolean":
        if value in ("true", "false"):
            return True, value == "true"
        if value is None:
            return True, False
        if isinstance(value, int | float) and value in (0, 1):
            return True, value == 1
        return False, value
    if target == "null":
        if value in ("", 0, False) and not (isinstance(value, bool) and value is True):
            return True, None
        return False, value
    return False, value


def _is_type(value: Any, target: str) -> bool:
    if target == "string":
        return isinstance(value, str)
    if target == "boolean":
        return isinstance(value, bool)
    if target == "integer":
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value).is_integer()
        )
    if target == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if target == "array":
        return isinstance(value, list)
    if target == "object":
        return isinstance(value, dict)
    if target == "null":
        return value is None
    return False


class Rule:
    """Validates (and coerces) one value; returns the possibly coerced value."""

    label = "a value"

    def check(self, value: Any, path: Path, report: Report) -> Any:
        return value

    def json_type(self) -> str | None:
        """The JSON type this rule is about, if it is about one."""
        return None


class AnyValue(Rule):
    label = "any value"


class Str(Rule):
    def __init__(
        self,
        *,
        min_length: int = 0,
        max_length: int | None = None,
        pattern: str | None = None,
        pattern_text: str = "",
        pattern_kind: str = "pattern",
        enum: Iterable[str] | None = None,
        enum_ignore_case: bool = False,
        enum_hint: str = "",
        label: str = "a string",
    ) -> None:
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_text = pattern_text
        self.pattern_kind = pattern_kind
        self.enum = tuple(enum) if enum is not None else None
        self.enum_ignore_case = enum_ignore_case
        self.enum_hint = enum_hint
        self.label = label

    def json_type(self) -> str:
        return "string"

    def check(self, value: Any, path: Path, report: Report) -> Any:
        ok, value = coerce(value, "string")
        if not ok:
            report(Issue(path, f"must be {self.label}, not {_shown(value)}", "type"))
            return value
        if len(value) < self.min_length:
            report(
                Issue(
                    path, f"must be {self.label} of at least {self.min_length} character(s)", "type"
                )
            )
        if self.max_length is not None and len(value) > self.max_length:
            report(Issue(path, f"must be at most {self.max_length} characters long", "range"))
        if self.pattern and not self.pattern.search(value):
            report(Issue(path, f"{value!r} is not {self.pattern_text}", self.pattern_kind))
        if self.enum is not None:
            allowed = [e.lower() for e in self.enum] if self.enum_ignore_case else self.enum
            probe = value.lower() if self.enum_ignore_case else value
            if probe not in allowed:
                hint = f" ({self.enum_hint})" if self.enum_hint else ""
                report(
                    Issue(
                        path,
                        f"{value!r} is not one of the allowed values "
                        f"[{', '.join(self.enum)}]{hint}",
                        "enum",
                    )
                )
        return value


class Num(Rule):
    def __init__(
        self,
        *,
        integer: bool = True,
        minimum: float | None = None,
        maximum: float | None = None,
        enum: Iterable[int] | None = None,
    ) -> None:
        self.integer = integer
        self.minimum = minimum
        self.maximum = maximum
        self.enum = tuple(enum) if enum is not None else None
        self.label = "an integer" if integer else "a number"

    def json_type(self) -> str:
        return "integer" if self.integer else "number"

    def check(self, value: Any, path: Path, report: Report) -> Any:
        ok, value = coerce(value, self.json_type())
        bounds = _bounds(self.minimum, self.maximum)
        if not ok:
            unit = _WITH_UNIT.match(value) if isinstance(value, str) else None
            hint = (
                f" (CloudFormation refuses it at deploy: write {unit.group(1)}, without the unit)"
                if unit
                else ""
            )
            report(Issue(path, f"must be {self.label}{bounds}, not {_shown(value)}{hint}", "type"))
            return value
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            report(Issue(path, f"must be {self.label}{bounds}, not {_shown(value)}", "range"))
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join(str(item) for item in self.enum)
            report(Issue(path, f"{value} is not one of the allowed values [{allowed}]", "enum"))
        return value


_WITH_UNIT = re.compile(r"^\s*(\d+)\s*[A-Za-z]+\s*$")  # e.g. '1536MB', '10s'


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" of at least {minimum:g}"
    if maximum is not None:
        return f" of at most {maximum:g}"
    return ""


# YAML 1.1 booleans that YAML 1.2 (js-yaml, hence Serverless) reads as plain strings.
YAML11_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"])
YAML11_FALSE = frozenset(["n", "N", "no", "No", "NO", "off", "Off", "OFF"])


class Bool(Rule):
    label = "true or false"

    def json_type(self) -> str:
        return "boolean"

    def check(self, value: Any, path: Path, report: Report) -> Any:
        ok, value = coerce(value, "boolean")
        if ok:
            return value
        if isinstance(value, str) and value in YAML11_TRUE | YAML11_FALSE:
            meaning = (
                "which happens to match the intent — write true"
                if value in YAML11_TRUE
                else "so it means the OPPOSITE of what it says — write false"
            )
            report(
                Issue(
                    path,
                    f"{value!r} is a string, not a boolean, in YAML 1.2 (which Serverless reads); "
                    f"Serverless v3.40 warns and treats the non-empty string as true, {meaning}",
                    "yaml11",
                )
            )
            return value
        report(Issue(path, f"must be true or false, not {_shown(value)}", "type"))
        return value


class Const(Rule):
    def __init__(self, constant: Any) -> None:
        self.constant = constant
        self.label = short_repr(constant)

    def check(self, value: Any, path: Path, report: Report) -> Any:
        if value != self.constant or type(value) is not type(self.constant):
            report(Issue(path, f"must be {self.label}", "type"))
        return value


class Arr(Rule):
    def __init__(
        self,
        items: Rule | None = None,
        *,
        min_items: int = 0,
        max_items: int | None = None,
        label: str = "a list",
    ) -> None:
        self.items = items or AnyValue()
        self.min_items = min_items
        self.max_items = max_items
        self.label = label

    def json_type(self) -> str:
        return "array"

    def check(self, value: Any, path: Path, report: Report) -> Any:
        if isinstance(value, dict):
            report(Issue(path, f"must be {self.label}, not an object", "type"))
            return value
        ok, value = coerce(value, "array")
        if not ok:  # pragma: no cover - anything but an object becomes a one-item list
            report(Issue(path, f"must be {self.label}", "type"))
            return value
        if len(value) < self.min_items or (
            self.max_items is not None and len(value) > self.max_items
        ):
            report(Issue(path, f"must have {self._count()} items, not {len(value)}", "type"))
        for index, item in enumerate(value):
            value[index] = self.items.check(item, (*path, index), report)
        return value

    def _count(self) -> str:
        if self.max_items == self.min_items:
            return f"exactly {self.min_items}"
        if self.max_items is None:
            return f"at least {self.min_items}"
        return f"{self.min_items} to {self.max_items}"


class Obj(Rule):
    """An object with known properties; others are `unknown` unless `extra` validates them."""

    def __init__(
        self,
        properties: dict[str, Rule] | None = None,
        *,
        extra: Rule | None = None,
        extra_pattern: str | None = None,
        required: Iterable[str] = (),
        label: str = "an object",
        unknown_hint: str = "",
        unknown_hints: dict[str, str] | None = None,
        unknown_kind: str = "unknown",
        required_kind: str = "required",
        required_hints: dict[str, str] | None = None,
    ) -> None:
        self.properties = properties or {}
        self.extra = extra
        self.extra_pattern = re.compile(extra_pattern) if extra_pattern else None
        self.required = tuple(required)
        self.label = label
        self.unknown_hint = unknown_hint
        self.unknown_hints = unknown_hints or {}
        self.unknown_kind = unknown_kind
        self.required_kind = required_kind
        self.required_hints = required_hints or {}

    def json_type(self) -> str:
        return "object"

    def check(self, value: Any, path: Path, report: Report) -> Any:
        if not isinstance(value, dict):
            report(Issue(path, f"must be {self.label}, not {_shown(value)}", "type"))
            return value
        for name in self.required:
            if value.get(name) is None:
                hint = self.required_hints.get(name)
                message = (
                    f"{hint} (missing {name!r})" if hint else f"must have the property {name!r}"
                )
                report(Issue(path, message, self.required_kind, at_key=bool(path)))
        for key in list(value):
            if value[key] is None:
                continue  # the framework hides null values from its validator
            rule = self.properties.get(key)
            if rule is None:
                if self.extra is not None and (
                    self.extra_pattern is None or self.extra_pattern.search(key)
                ):
                    rule = self.extra
                else:
                    specific = self.unknown_hints.get(key, self.unknown_hint)
                    hint = f" ({specific})" if specific else ""
                    report(
                        Issue(
                            (*path, key),
                            f"unrecognized property {key!r}{hint}",
                            self.unknown_kind,
                            at_key=True,
                        )
                    )
                    continue
            value[key] = rule.check(value[key], (*path, key), report)
        return value


class AnyOf(Rule):
    """The first alternative that accepts the value wins (coercions of failed tries persist)."""

    def __init__(self, *alternatives: Rule, label: str = "") -> None:
        self.alternatives = alternatives
        self.label = label or " or ".join(alt.label for alt in alternatives)

    def check(self, value: Any, path: Path, report: Report) -> Any:
        attempts: list[tuple[Rule, list[Issue]]] = []
        for alternative in self.alternatives:
            issues: list[Issue] = []
            value = alternative.check(value, path, issues.append)
            if not issues:
                return value
            attempts.append((alternative, issues))
        # A YAML 1.1 boolean where a boolean may go: the Bool alternative explains it.
        for _alternative, issues in attempts:
            if issues and all(issue.kind == "yaml11" for issue in issues):
                for issue in issues:
                    report(issue)
                return value
        # Report the problems of the alternative of the value's own JSON type, if any.
        own = type_name(value)
        for alternative, issues in attempts:
            kind = alternative.json_type()
            if kind is not None and (kind == own or (kind == "integer" and own == "number")):
                for issue in issues:
                    report(issue)
                return value
        report(Issue(path, f"must be {self.label}, not {_shown(value)}", "type"))
        return value


# Issue kinds that stop a compile (see the module docstring); `Lenient` turns them into warnings.
STRICT_KINDS = frozenset(["type", "required", "range", "pattern"])


class Lenient(Rule):
    """`rule`, but every problem it finds only warns (kind `enum`): for values the framework
    validates, warns about and then compiles as written (e.g. `memorySize: '1536MB'`)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.label = rule.label

    def json_type(self) -> str | None:
        return self.rule.json_type()

    def check(self, value: Any, path: Path, report: Report) -> Any:
        def relay(issue: Issue) -> None:
            if issue.kind in STRICT_KINDS:
                issue = Issue(issue.path, issue.message, "enum", issue.at_key)
            report(issue)

        return self.rule.check(value, path, relay)


class Custom(Rule):
    """A rule written as a function (value, path, report) -> value."""

    def __init__(self, function: Callable[[Any, Path, Report], Any], label: str) -> None:
        self.function = function
        self.label = label

    def check(self, value: Any, path: Path, report: Report) -> Any:
        return self.function(value, path, report)


def _shown(value: Any) -> str:
    return f"{type_name(value)} {short_repr(value)}" if value is not None else "null"
