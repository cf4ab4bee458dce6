"""`JSON.stringify(value, null, 2)`: the exact text Serverless writes for a template."""

from __future__ import annotations

import json
from typing import Any

from corsway.service.jsvalues import js_number

_encode_string = json.encoder.encode_basestring  # same escapes as JSON.stringify


def to_json(value: Any, indent: int = 2) -> str:
    """Serialize like JavaScript: 2-space indent, `"key": value`, JS number formatting."""
    parts: list[str] = []
    _write(value, parts, 0, " " * indent)
    return "".join(parts)


def _write(value: Any, out: list[str], depth: int, unit: str) -> None:
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        text = js_number(value)
        out.append("null" if text in ("NaN", "Infinity", "-Infinity") else text)
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = "\n" + unit * (depth + 1)
        out.append("{")
        first = True
        for key, item in value.items():
            out.append(inner if first else "," + inner)
            first = False
            out.append(_encode_string(str(key)))
            out.append(": ")
            _write(item, out, depth + 1, unit)
        out.append("\n" + unit * depth + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = "\n" + unit * (depth + 1)
        out.append("[")
        for index, item in enumerate(value):
            out.append(inner if index == 0 else "," + inner)
            _write(item, out, depth + 1, unit)
        out.append("\n" + unit * depth + "]")
    else:
        raise TypeError(f"not JSON data: {type(value).__name__}")
