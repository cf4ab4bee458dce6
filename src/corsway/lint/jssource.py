"""A JavaScript file as text with its comments (and, in one view, its strings) blanked out.

Enough to search a handler with regular expressions without matching commented-out code, and to
find object literals by their braces. Blanking keeps every offset and line break, so a match
still points at its line and column. Regular-expression literals are not recognised (a quote
inside one can confuse the scan; handlers rarely have them).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from corsway.errors import SourceLocation

_MAX_BYTES = 2_000_000  # bundles larger than this are not read


@dataclass(frozen=True)
class JsSource:
    """One file: `code_with_strings` (comments blanked) and `code` (strings blanked too)."""

    code_with_strings: str
    code: str
    line_starts: tuple[int, ...]

    @classmethod
    def read(cls, path: Path) -> JsSource | None:
        try:
            if path.stat().st_size > _MAX_BYTES:
                return None
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return cls.parse(text)

    @classmethod
    def parse(cls, text: str) -> JsSource:
        with_strings = list(text)
        bare = list(text)
        index = 0
        length = len(text)
        while index < length:
            char = text[index]
            pair = text[index : index + 2]
            if pair in ("//", "/*"):
                end = text.find("\n" if pair == "//" else "*/", index + 2)
                end = length if end < 0 else end + (0 if pair == "//" else 2)
                _blank(with_strings, index, end)
                _blank(bare, index, end)
                index = end
            elif char in "'\"`":
                end = _string_end(text, index)
                _blank(bare, index + 1, end - 1)
                index = end
            else:
                index += 1
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        return cls("".join(with_strings), "".join(bare), tuple(starts))

    def location(self, display: str, offset: int) -> SourceLocation:
        line = bisect.bisect_right(self.line_starts, offset)
        return SourceLocation(display, line, offset - self.line_starts[line - 1] + 1)

    def object_literals(self) -> list[tuple[int, int]]:
        """(start, end) of every `{...}` (blocks included), innermost first."""
        spans: list[tuple[int, int]] = []
        stack: list[int] = []
        for index, char in enumerate(self.code):
            if char == "{":
                stack.append(index)
            elif char == "}" and stack:
                spans.append((stack.pop(), index + 1))
        return spans


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(start, min(end, len(chars))):
        if chars[index] != "\n":
            chars[index] = " "


def _string_end(text: str, start: int) -> int:
    """The offset just after the string literal opening at `start`."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n" and quote != "`":
            return index  # an unterminated string ends at the line break
        index += 1
    return len(text)
