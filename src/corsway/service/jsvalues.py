"""JavaScript value semantics the Serverless Framework relies on, for plain Python data.

The framework is JavaScript: numbers print the JS way, objects keep integer-like keys first,
`String(value)` joins arrays with commas, and truthiness differs from Python (`[]` and `{}` are
truthy). Every place where that changes the compiled template goes through this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from corsway.service.varsyntax import _js_number

_MAX_ARRAY_INDEX = 2**32 - 2


def is_array_index(key: str) -> bool:
    """Whether a JS object orders `key` as an integer index (before all other keys)."""
    if not key or not key.isdigit() or not key.isascii():
        return False
    if len(key) > 1 and key[0] == "0":
        return False
    return int(key) <= _MAX_ARRAY_INDEX


def js_ordered(mapping: dict[str, Any]) -> dict[str, Any]:
    """The same mapping in JS property order: integer-like keys ascending, then the rest."""
    for key in mapping:
        if key and key[0] in "0123456789":
            break
    else:
        return mapping
    indexes = sorted((k for k in mapping if is_array_index(k)), key=int)
    if not indexes:
        return mapping
    ordered = {k: mapping[k] for k in indexes}
    for key, value in mapping.items():
        if key not in ordered:
            ordered[key] = value
    return ordered


def js_number(value: int | float) -> str:
    """`String(n)` in JavaScript: `1`, `1.5`, `1e+21`, `1e-7`, `NaN`, `Infinity`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    if mantissa.endswith(".0"):
        mantissa = mantissa[:-2]
    exp = int(exponent)
    if -7 < exp < 21:
        return format(value, "f").rstrip("0").rstrip(".")
    return f"{mantissa}e{'+' if exp > 0 else '-'}{abs(exp)}"


def js_string(value: Any) -> str | None:
    """`String(value)` where Serverless accepts it in a string; `None` for plain objects/null.

    Mirrors the framework's restricted coercion: strings, numbers, booleans and arrays
    (comma-joined, `null` items empty) coerce; objects and `null` do not.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, list):
        return ",".join("" if item is None else _array_item_string(item) for item in value)
    return None


def _array_item_string(item: Any) -> str:
    if isinstance(item, Mapping):
        return "[object Object]"
    text = js_string(item)
    return "" if text is None else text


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: empty containers are truthy, `0`, `''`, `NaN` and `null` are not."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return value != ""
    if isinstance(value, Mapping | list):
        return True
    return bool(value)  # other objects; `undefined` (compile.jsmerge.UNDEFINED) is falsy


def js_to_number(value: Any) -> float:
    """`Number(value)` (NaN as `math.nan`) for a value that is present (`undefined` is NaN)."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    text = js_string(value) if isinstance(value, str | list) else None
    if text is None or "_" in text or text.strip().lower().lstrip("+-") in ("nan", "inf"):
        return math.nan
    number = _js_number(text)
    return math.nan if number is None else float(number)


def normalize_number(value: float) -> int | float:
    """JS has one number type: an integral float prints like an int, so store it as one."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one (for optional config sections)."""
    return value if isinstance(value, dict) else {}


def type_name(value: Any) -> str:
    """A short, user-facing name for the JSON type of `value`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def short_repr(value: Any, limit: int = 60) -> str:
    """The value as the user wrote it, shortened for a one-line message."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
