"""Where each value of a loaded configuration was written: `file:line:col` per property path.

Paths are tuples of mapping keys (`str`) and sequence indexes (`int`), e.g.
`("functions", "hello", "events", 0, "http", "path")`. The configuration itself stays plain
data (dict/list/str/...); this side table is what errors and warnings use to point at the source.
"""

from __future__ import annotations

from collections.abc import Iterable

from corsway.errors import SourceLocation

PathKey = str | int
Path = tuple[PathKey, ...]


def format_path(path: Iterable[PathKey]) -> str:
    """`functions.hello.events[0].http.path`, the way Serverless names properties."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            text += f".{key}" if text else key
    return text


class SourceMap:
    """Locations of values (and of mapping keys) by property path."""

    __slots__ = ("_children", "_keys", "_values", "default")

    def __init__(self, default: SourceLocation) -> None:
        self.default = default  # used when nothing closer is known (e.g. the file itself)
        self._values: dict[Path, SourceLocation] = {}
        self._keys: dict[Path, SourceLocation] = {}
        self._children: dict[Path, list[Path]] = {}  # path -> recorded paths one level below

    def add(self, path: Path, value: SourceLocation, key: SourceLocation | None = None) -> None:
        """Record where the value at `path` (and the key naming it) starts."""
        if path not in self._values and path:
            self._children.setdefault(path[:-1], []).append(path)
        self._values[path] = value
        if key is not None:
            self._keys[path] = key

    def _below(self, prefix: Path) -> list[Path]:
        """Every recorded path strictly below `prefix`."""
        found: list[Path] = []
        stack = list(self._children.get(prefix, ()))
        while stack:
            path = stack.pop()
            found.append(path)
            stack.extend(self._children.get(path, ()))
        return found

    def value(self, path: Path) -> SourceLocation:
        """Where the value at `path` was written, or its nearest known ancestor."""
        values = self._values
        for end in range(len(path), -1, -1):
            found = values.get(path[:end])
            if found is not None:
                return found
        return self.default

    def key(self, path: Path) -> SourceLocation:
        """Where the key naming `path` was written (falls back to the value's location)."""
        found = self._keys.get(path)
        return found if found is not None else self.value(path)

    def has(self, path: Path) -> bool:
        """Whether a location was recorded for exactly this path."""
        return path in self._values

    def graft(self, source: SourceMap, source_prefix: Path, target_prefix: Path) -> None:
        """Copy the locations below `source_prefix` in `source` to below `target_prefix` here.

        Used when a variable substitutes a whole object: errors inside it then point at the place
        where that object was written (possibly in another file), not at the variable.
        """
        cut = len(source_prefix)
        for path in source._below(source_prefix):
            target = target_prefix + path[cut:]
            self.add(target, source._values[path], source._keys.get(path))

    def drop_below(self, prefix: Path) -> None:
        """Forget every location strictly below `prefix` (its value was replaced)."""
        for path in self._below(prefix):
            self._values.pop(path, None)
            self._keys.pop(path, None)
            self._children.pop(path, None)
        self._children.pop(prefix, None)
