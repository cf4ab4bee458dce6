"""lodash `_.merge`, which the framework uses to put every compiled piece into the template.

It matters because colliding logical ids are *merged*, not replaced: arrays merge index by
index (so `[a]` merged into `[x, y]` gives `[merge(x, a), y]`), objects merge key by key, new
keys go last, and a scalar (including `null`) replaces what was there.
"""

from __future__ import annotations

from typing import Any, Final


class _Undefined:
    """JavaScript's `undefined`: a key merged with it exists (and keeps its position) but is
    left out of the JSON; a later defined value fills it in place."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()


def merge(target: dict[str, Any], *sources: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `sources` into `target` (in place) with lodash semantics; return `target`."""
    for source in sources:
        _merge_into(target, source)
    return target


def _clone(value: Any) -> Any:
    """A deep copy of plain data (what merging into nothing produces)."""
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def _merge_into(target: Any, source: Any) -> None:
    if isinstance(target, dict) and isinstance(source, dict):
        for key, value in source.items():
            if key not in target:
                target[key] = _clone(value)
            elif isinstance(value, dict | list):
                existing = target[key]
                if isinstance(value, list):
                    container: Any = existing if isinstance(existing, list) else []
                else:
                    container = existing if isinstance(existing, dict | list) else {}
                _merge_into(container, value)
                target[key] = container
            elif value is not UNDEFINED:
                target[key] = value
        return
    items = enumerate(source) if isinstance(source, list) else source.items()
    for key, value in items:
        if isinstance(value, dict | list):
            current = _get(target, key)
            if isinstance(value, list):
                inner: Any = current if isinstance(current, list) else []
            else:
                inner = current if isinstance(current, dict | list) else {}
            _merge_into(inner, value)
            _set(target, key, inner)
        elif value is UNDEFINED:
            if _get(target, key) is None and not _has(target, key):
                _set(target, key, value)
        else:
            _set(target, key, value)


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and key < len(container)
    return key in container


def _get(container: Any, key: Any) -> Any:
    if isinstance(container, list):
        return container[key] if isinstance(key, int) and key < len(container) else None
    return container.get(key)


def _set(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list):
        if isinstance(key, int):
            while len(container) <= key:
                container.append(None)
            container[key] = value
        return
    container[key] = value


def strip_undefined(value: Any) -> Any:
    """`JSON.parse(JSON.stringify(value))` for `undefined`: dropped keys, `null` list items."""
    if isinstance(value, dict):
        return {k: strip_undefined(v) for k, v in value.items() if v is not UNDEFINED}
    if isinstance(value, list):
        return [None if item is UNDEFINED else strip_undefined(item) for item in value]
    return value
