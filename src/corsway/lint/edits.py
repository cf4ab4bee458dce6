"""Surgical edits of serverless.yml that keep everything else byte for byte.

ruamel.yaml's round-trip loader finds the nodes (line and column of every key, value and item,
block or flow style); the edits themselves are text splices at those places, so comments,
order, quoting, indentation and line endings outside the edited spans never change. After the
splices the text is parsed again; an edit whose result is not valid YAML is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from corsway.service.sourcemap import Path

_PLAIN_END = re.compile(r"\s+#|\s*$")


class EditError(Exception):
    """An edit that cannot be made here (flow style, a value from elsewhere, ...)."""


@dataclass(order=True)
class _Splice:
    start: int
    end: int
    order: int
    text: str = field(compare=False)


class YamlEdits:
    """Pending edits of one YAML text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        try:
            self.root: Any = YAML(typ="rt").load(text)
        except YAMLError as error:
            raise EditError(f"ruamel.yaml cannot read the file: {error}") from None
        self._splices: list[_Splice] = []
        self._new_resources: list[tuple[str, str]] = []
        self.indent_unit = self._indent_unit()

    # --- finding nodes --------------------------------------------------------------------

    def node(self, path: Path) -> Any:
        """The ruamel node at `path`, or raise EditError."""
        node = self.root
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                raise EditError(f"{_shown(path)} is not written in the file as such") from None
        return node

    def has(self, path: Path) -> bool:
        try:
            self.node(path)
        except EditError:
            return False
        return True

    def value_position(self, path: Path) -> tuple[int, int]:
        """(line, column), from 0, where the value at `path` starts."""
        parent = self.node(path[:-1])
        key = path[-1]
        if isinstance(parent, CommentedMap):
            line, column = parent.lc.value(key)
        elif isinstance(parent, CommentedSeq) and isinstance(key, int):
            line, column = parent.lc.item(key)
        else:
            raise EditError(f"{_shown(path)} is not in a mapping or list")
        return int(line), int(column)

    def key_position(self, path: Path) -> tuple[int, int]:
        parent = self.node(path[:-1])
        if not isinstance(parent, CommentedMap):
            raise EditError(f"{_shown(path)} is not a mapping key")
        line, column = parent.lc.key(path[-1])
        return int(line), int(column)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line] + column

    # --- edits ----------------------------------------------------------------------------

    def replace_value(self, path: Path, text: str, *, string: bool = False) -> None:
        """Replace the scalar at `path` with `text` (YAML as it should be written); with
        `string`, `text` is a plain string that keeps the quotes the old value had."""
        line, column = self.value_position(path)
        start = self.offset(line, column)
        quote = self.text[start] if start < len(self.text) else ""
        if string and quote == "'":
            text = "'" + text.replace("'", "''") + "'"
        elif string and quote == '"':
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        self._splice(start, self._scalar_end(start, self._in_flow(path[:-1])), text)

    def add_entry(self, mapping: Path, entry: str) -> None:
        """Add `entry` (`key: value` lines, indented from 0) at the end of a block mapping."""
        node = self.node(mapping)
        if not isinstance(node, CommentedMap) or not node:
            raise EditError(f"{_shown(mapping)} is not a mapping with keys")
        if node.fa.flow_style():
            raise EditError(f"{_shown(mapping)} is written in flow style ({{...}})")
        last = list(node)[-1]
        key_line, key_column = node.lc.key(last)
        end_line = self._block_end(int(key_line), int(key_column))
        self._insert_lines(end_line, _indented(entry, int(key_column)))

    def append_item(self, sequence: Path, item: str) -> None:
        """Add `item` (YAML text of one value, indented from 0) at the end of a list."""
        node = self.node(sequence)
        if not isinstance(node, CommentedSeq) or not node:
            raise EditError(f"{_shown(sequence)} is not a list with items")
        line, column = (int(x) for x in node.lc.item(len(node) - 1))
        if node.fa.flow_style():
            end = self._scalar_end(self.offset(line, column), True)
            self._splice(end, end, f", {item.strip()}")
            return
        dash = self.lines[line].rfind("-", 0, column)
        if dash < 0:
            raise EditError(f"{_shown(sequence)}: cannot find the '-' of its last item")
        end_line = self._block_end(line, dash)
        body = _indented(item, dash + 2).lstrip(" ")
        self._insert_lines(end_line, " " * dash + "- " + body)

    def add_top_level(self, entry: str) -> None:
        """Add a top-level `key: ...` block at the end of the file."""
        end = len(self.text)
        prefix = "" if not self.text or self.text.endswith(("\n", "\r")) else self.newline
        self._splice(end, end, prefix + entry.replace("\n", self.newline))

    def add_resource(self, logical_id: str, body: str) -> None:
        """Add a CloudFormation resource under `resources.Resources` (created when missing)."""
        self._new_resources.append((logical_id, body))

    def entry_text(self, mapping: Path, key: str) -> str:
        """The text of `key: value` in a block mapping, dedented, without a trailing comment
        on the key's own line (to copy it elsewhere)."""
        line, column = self.key_position((*mapping, key))
        end = self._block_end(line, column)
        lines = [text.rstrip("\r\n") for text in self.lines[line:end]]
        first = lines[0]
        if not first.rstrip().endswith(("'", '"')):
            first = first.split(" #")[0].rstrip()
        lines[0] = first
        return "\n".join(text[column:] if text[:column].strip() == "" else text for text in lines)

    def result(self) -> str:
        """The edited text (raises EditError when it is no longer valid YAML)."""
        self._place_resources()
        text = self.text
        for splice in sorted(self._splices, reverse=True):
            text = text[: splice.start] + splice.text + text[splice.end :]
        try:
            YAML(typ="rt").load(text)
        except YAMLError as error:
            raise EditError(f"the edit would break the YAML: {error}") from None
        return text

    @property
    def changed(self) -> bool:
        return bool(self._splices or self._new_resources)

    # --- helpers --------------------------------------------------------------------------

    def _place_resources(self) -> None:
        if not self._new_resources:
            return
        unit = " " * self.indent_unit
        blocks = [
            f"{logical_id}:\n" + "\n".join(unit + line for line in body.split("\n"))
            for logical_id, body in self._new_resources
        ]
        self._new_resources = []
        if self.has(("resources", "Resources")):
            for block in blocks:
                self.add_entry(("resources", "Resources"), block)
            return
        nested = "\n".join(unit + line for block in blocks for line in block.split("\n"))
        if self.has(("resources",)):
            self.add_entry(("resources",), "Resources:\n" + nested)
        else:
            self.add_top_level(
                "resources:\n" + _indented("Resources:\n" + nested, len(unit)) + "\n"
            )

    def _splice(self, start: int, end: int, text: str) -> None:
        self._splices.append(_Splice(start, end, len(self._splices), text))

    def _insert_lines(self, before_line: int, block: str) -> None:
        """Insert `block` (lines without the final line break) before line `before_line`."""
        offset = self.starts[min(before_line, len(self.lines))]
        text = block.replace("\n", self.newline) + self.newline
        if offset == len(self.text) and self.text and not self.text.endswith(("\n", "\r")):
            text = self.newline + text.removesuffix(self.newline)
        self._splice(offset, offset, text)

    def _block_end(self, line: int, column: int) -> int:
        """The line after the last content line of the block that starts at (line, column)."""
        last = line
        for index in range(line + 1, len(self.lines)):
            stripped = self.lines[index].strip()
            if not stripped or stripped.startswith("#"):
                continue
            indent = len(self.lines[index]) - len(self.lines[index].lstrip(" "))
            nested_list = indent == column and stripped.startswith("- ")
            if indent > column or (nested_list and self._opens_list(line)):
                last = index
                continue
            break
        return last + 1

    def _opens_list(self, line: int) -> bool:
        """Whether `line` is a `key:` whose list may sit at the key's own indent."""
        text = self.lines[line].split(" #")[0].strip()
        return text.endswith(":") and not text.startswith("- ")

    def _scalar_end(self, start: int, in_flow: bool) -> int:
        text = self.text
        if start < len(text) and text[start] in "'\"":
            quote = text[start]
            index = start + 1
            while index < len(text):
                if quote == '"' and text[index] == "\\":
                    index += 2
                    continue
                if text[index] == quote:
                    if quote == "'" and text[index + 1 : index + 2] == "'":
                        index += 2
                        continue
                    return index + 1
                index += 1
            raise EditError("unterminated quoted scalar")
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        segment = text[start:line_end].rstrip("\r")
        if in_flow:
            stop = re.search(r"[,\]}]", segment)
            segment = segment[: stop.start()] if stop else segment
        match = _PLAIN_END.search(segment)
        return start + (match.start() if match else len(segment))

    def _in_flow(self, path: Path) -> bool:
        node = self.node(path)
        return bool(getattr(node, "fa", None) and node.fa.flow_style())

    def _indent_unit(self) -> int:
        """The file's indentation step (2 unless its first nested key says otherwise)."""
        if isinstance(self.root, CommentedMap):
            for key in self.root:
                value = self.root[key]
                if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
                    column = int(value.lc.key(next(iter(value)))[1])
                    if column > 0:
                        return column
        return 2


def _indented(block: str, column: int) -> str:
    return "\n".join((" " * column + line) if line else line for line in block.split("\n"))


def _shown(path: Path) -> str:
    return ".".join(str(key) for key in path) or "the document"
