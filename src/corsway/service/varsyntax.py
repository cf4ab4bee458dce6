"""The syntax of Serverless variables: `${source:address, fallback, 'default'}` inside strings.

Grammar (Serverless Framework v3):

* `${type:address}`, `${type(param, ...)}`, `${type(param):address}`; `type` starts with a
  lower-case letter. Params and addresses may contain nested variables and may be quoted.
* Sources are separated by commas; the first one that yields a value wins. Later sources may be
  typed (`self:custom.x`) or literals: a quoted string, a number, `true`, `false`, `null`.
* `${` that does not start with a lower-case type (e.g. CloudFormation's `${AWS::Region}`,
  `${MyParam}`) is not a variable and stays as written; variables nested in it still resolve.
* `\\${` escapes: an odd run of backslashes before `${` leaves a literal `${` (half the
  backslashes, rounded down, are kept); an even run keeps half of them and still starts a variable.
* Extra `$` right before `${` belong to the variable (`$${x}` is replaced as a whole).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TYPE_START = frozenset("abcdefghijklmnopqrstuvwxyz")
_SOURCE_TYPE = re.compile(r"[a-z][a-zA-Z0-9]*")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


class VariableSyntaxError(ValueError):
    """A string that starts a variable but does not follow the syntax."""

    def __init__(self, message: str, text: str, index: int) -> None:
        super().__init__(f"{message} at index {index} in {text!r}")
        self.reason = message
        self.text = text
        self.index = index


@dataclass
class Template:
    """A string that may hold variables; `variables` is empty when it holds none."""

    text: str
    variables: list[Variable] = field(default_factory=list)


@dataclass
class Source:
    """One alternative inside `${...}`: a typed source (`type`) or a literal (`literal`)."""

    type: str | None = None
    params: list[Template | Any] | None = None  # Template for raw params with variables
    address: Template | None = None
    literal: Any = None


@dataclass
class Variable:
    """`text[start:end]` of the enclosing template; `sources` is None for an escape."""

    start: int
    end: int
    sources: list[Source] | None = None
    escaped: str = ""  # the replacement text of an escape sequence

    @property
    def is_escape(self) -> bool:
        return self.sources is None

    def describe(self, text: str) -> str:
        """The variable as written, e.g. `${env:FOO, 'x'}`."""
        return text[self.start : self.end]


def parse_literal(raw: str, *, fallback_to_text: bool) -> Any:
    """`true`/`false`/`null`/numbers; other text is itself (params) or an error (sources)."""
    if raw == "true":
        return True
    if raw == "false":
        return False
    if raw == "null":
        return None
    number = _js_number(raw)
    if number is not None:
        return number
    if fallback_to_text:
        return raw
    raise ValueError(raw)


def _js_number(raw: str) -> int | float | None:
    """`Number(raw)` when it is not NaN (JS also accepts hex/binary/octal prefixes and '')."""
    text = raw.strip()
    if text == "":
        return 0
    try:
        lowered = text.lower()
        if lowered.startswith(("0x", "0b", "0o")):
            return int(text[2:], {"x": 16, "b": 2, "o": 8}[lowered[1]])
        if lowered.lstrip("+-") == "infinity":
            return None  # keep as text: no JSON form
        value = float(text)
    except ValueError:
        return None
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.length = len(text)

    def fail(self, message: str, index: int) -> VariableSyntaxError:
        return VariableSyntaxError(message, self.text, index)

    # -- top level --------------------------------------------------------------------------
    def template(self, start: int, stop: int, *, nested: bool) -> list[Variable]:
        """Variables in text[start:stop] (positions relative to the whole text)."""
        text = self.text
        found: list[Variable] = []
        index = start
        while index < stop:
            dollar = text.find("${", index, stop)
            if dollar < 0:
                break
            backslashes = 0
            while dollar - backslashes - 1 >= index and text[dollar - backslashes - 1] == "\\":
                backslashes += 1
            dollars = 0
            while dollar - dollars - 1 >= index and text[dollar - dollars - 1] == "$":
                dollars += 1
            if dollars and dollar - dollars - 1 >= index and text[dollar - dollars - 1] == "\\":
                dollars -= 1  # `\$` stays literal; the variable starts after it
            if backslashes:
                escape_start = dollar - backslashes
                if backslashes % 2:
                    found.append(
                        Variable(escape_start, dollar + 1, None, "\\" * (backslashes // 2) + "$")
                    )
                    index = dollar + 1
                    continue
                found.append(Variable(escape_start, dollar, None, "\\" * (backslashes // 2)))
            variable, index = self.variable(dollar - dollars, dollar + 2, nested=nested)
            if variable is not None:
                found.append(variable)
            else:
                found.extend(self.pending_foreign)
        return found

    pending_foreign: list[Variable]

    def variable(self, start: int, index: int, *, nested: bool) -> tuple[Variable | None, int]:
        """Parse after `${`; returns (variable or None for foreign text, index after it)."""
        text = self.text
        self.pending_foreign = []
        if index >= self.length or text[index] not in _TYPE_START:
            if nested and (index >= self.length or text[index] != "}"):
                raise self.fail("Invalid variable type", index)
            return None, self.skip_foreign(index)
        cursor = index
        while cursor < self.length and text[cursor] in _WORD:
            cursor += 1
        if cursor >= self.length or text[cursor] not in ":(":
            if nested:
                raise self.fail("Invalid variable type", index)
            return None, self.skip_foreign(cursor)
        if (
            text[cursor] == ":"
            and cursor + 1 < self.length
            and text[cursor + 1] == ":"
            and not nested
        ):
            return None, self.skip_foreign(cursor)  # e.g. `${aws::x}`: CloudFormation syntax
        sources: list[Source] = []
        source, cursor = self.typed_source(index, cursor)
        sources.append(source)
        while True:
            cursor = self.skip_spaces(cursor)
            if cursor >= self.length:
                raise self.fail("Missing variable closing bracket", start)
            char = text[cursor]
            if char == "}":
                return Variable(start, cursor + 1, sources), cursor + 1
            if char != ",":
                raise self.fail("Invalid variable address", cursor)
            source, cursor, closed = self.next_source(cursor + 1)
            sources.append(source)
            if closed:
                return Variable(start, cursor, sources), cursor

    def skip_foreign(self, index: int) -> int:
        """Skip `${...}` that is not a variable; keep variables nested in it."""
        text = self.text
        collected: list[Variable] = []
        while index < self.length:
            char = text[index]
            if char == "}":
                self.pending_foreign = collected
                return index + 1
            if char == "$" and index + 1 < self.length and text[index + 1] == "{":
                saved = collected
                variable, index = self.variable(index, index + 2, nested=False)
                if variable is not None:
                    saved.append(variable)
                else:
                    saved.extend(self.pending_foreign)
                collected = saved
                continue
            index += 1
        self.pending_foreign = collected  # an unclosed `${Foo...` is just text
        return index

    def skip_spaces(self, index: int) -> int:
        while index < self.length and self.text[index] == " ":
            index += 1
        return index

    # -- sources ----------------------------------------------------------------------------
    def typed_source(self, type_start: int, cursor: int) -> tuple[Source, int]:
        """A source whose type ends at `cursor` (which is `:` or `(`)."""
        text = self.text
        source = Source(type=text[type_start:cursor])
        if text[cursor] == "(":
            source.params, cursor = self.params(cursor + 1)
            cursor = self.skip_spaces(cursor)
            if cursor < self.length and text[cursor] == ":":
                source.address, cursor = self.address(cursor + 1)
            elif cursor >= self.length or text[cursor] not in "},":
                raise self.fail("Invalid variable address", cursor)
            return source, cursor
        source.address, cursor = self.address(cursor + 1)
        return source, cursor

    def next_source(self, index: int) -> tuple[Source, int, bool]:
        """A fallback source after a comma: (source, index after it, whether `}` closed it)."""
        text = self.text
        index = self.skip_spaces(index)
        if index >= self.length:
            raise self.fail("Missing variable closing bracket", index)
        char = text[index]
        if char in "\"'":
            value, after = self.quoted(index)
            after = self.skip_spaces(after)
            if after >= self.length or text[after] != "}":
                raise self.fail("Invalid variable source", index)
            return Source(literal=value), after + 1, True
        if char not in _WORD:
            raise self.fail("Invalid variable source", index)
        cursor = index
        while cursor < self.length and (text[cursor] in _WORD or text[cursor] == " "):
            cursor += 1
        if cursor >= self.length:
            raise self.fail("Missing variable closing bracket", index)
        word = text[index:cursor]
        char = text[cursor]
        if char in ":(":
            if not _SOURCE_TYPE.fullmatch(word):
                raise self.fail("Invalid variable source", index)
            source, after = self.typed_source(index, cursor)
            return source, after, False
        if char == "}":
            try:
                literal = parse_literal(word.strip(), fallback_to_text=False)
            except ValueError:
                raise self.fail(f"Invalid literal source {word.strip()!r}", index) from None
            return Source(literal=literal), cursor + 1, True
        raise self.fail("Invalid variable source", index)

    def quoted(self, index: int) -> tuple[str, int]:
        """A quoted string starting at `index`: (value, index after the closing quote)."""
        text = self.text
        quote = text[index]
        cursor = index + 1
        while cursor < self.length:
            char = text[cursor]
            if quote == '"' and char == "\\":
                cursor += 2
                continue
            if char == quote:
                raw = text[index : cursor + 1]
                if quote == "'":
                    return raw[1:-1], cursor + 1
                try:
                    value = json.loads(raw)
                except ValueError as error:
                    raise self.fail(f"Invalid string literal ({error})", index) from None
                return str(value), cursor + 1
            cursor += 1
        raise self.fail("Missing variable closing bracket", index)

    def params(self, index: int) -> tuple[list[Template | Any], int]:
        """Params after `(` up to the closing `)`."""
        text = self.text
        params: list[Template | Any] = []
        while True:
            index = self.skip_spaces(index)
            if index >= self.length:
                raise self.fail("Missing variable closing bracket", index)
            char = text[index]
            if char == ")":
                return params, index + 1
            if char == ",":
                params.append(None)
                index += 1
                continue
            if char == "}":
                raise self.fail("Invalid variable param", index)
            if char in "\"'":
                value, index = self.quoted(index)
                index = self.skip_spaces(index)
                if index >= self.length or text[index] not in ",)":
                    raise self.fail("Invalid variable param", index)
                params.append(value)
                if text[index] == ",":
                    index += 1
                    if (
                        self.skip_spaces(index) < self.length
                        and text[self.skip_spaces(index)] == ")"
                    ):
                        return params, self.skip_spaces(index) + 1
                continue
            end, variables = self.scan_until(index, ",)", "Invalid variable param")
            raw = text[index:end]
            stripped = raw.strip()
            if variables:
                lead = len(raw) - len(raw.lstrip())
                params.append(self.relative(Template(stripped, variables), index + lead))
            else:
                params.append(parse_literal(stripped, fallback_to_text=True))
            index = end
            if text[index] == ",":
                index += 1
                after = self.skip_spaces(index)
                if after < self.length and text[after] == ")":
                    return params, after + 1

    def address(self, index: int) -> tuple[Template | None, int]:
        """An address after `:` up to `,` or `}` (not consumed)."""
        text = self.text
        index = self.skip_spaces(index)
        if index >= self.length:
            raise self.fail("Missing variable closing bracket", index)
        char = text[index]
        if char in ",}":
            return None, index
        if char in "\"'":
            value, after = self.quoted(index)
            after = self.skip_spaces(after)
            if after >= self.length or text[after] not in ",}":
                raise self.fail("Invalid variable address", index)
            return Template(value), after
        end, variables = self.scan_until(index, ",}", "Invalid variable address")
        raw = text[index:end]
        stripped = raw.rstrip()
        return self.relative(Template(stripped, variables), index), end

    def scan_until(self, index: int, stops: str, what: str) -> tuple[int, list[Variable]]:
        """Scan raw text (with nested variables) up to one of `stops` at this level."""
        text = self.text
        variables: list[Variable] = []
        while index < self.length:
            char = text[index]
            if char in stops:
                return index, variables
            if char == "}" and "}" not in stops:
                raise self.fail(what, index)
            if char == "$" and index + 1 < self.length and text[index + 1] == "{":
                variable, index = self.variable(index, index + 2, nested=True)
                assert variable is not None
                variables.append(variable)
                continue
            index += 1
        raise self.fail("Missing variable closing bracket", index)

    @staticmethod
    def relative(template: Template, offset: int) -> Template:
        """Make the variable positions relative to the template's own text."""
        for variable in template.variables:
            _shift(variable, -offset)
        return template


def _shift(variable: Variable, delta: int) -> None:
    variable.start += delta
    variable.end += delta


def parse(text: str) -> Template:
    """All variables in `text` (an empty list when there are none).

    Raises `VariableSyntaxError` for text that starts a variable but breaks the syntax.
    """
    if "${" not in text:
        return Template(text)
    parser = _Parser(text)
    return Template(text, parser.template(0, len(text), nested=False))
