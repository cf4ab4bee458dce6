"""API Gateway mapping templates: Velocity (VTL) rendered with airspeed-ext.

A template is parsed once, when the API model is built (`MappingTemplate(text)` raises on a
syntax error); rendering only merges the per-request variables: `$input` (the body and the
request parameters), `$context` (request context, `error.*`, and `responseOverride.header.X` /
`responseOverride.status` for the template to set), `$util` and `$stageVariables`.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import airspeed


class TemplateSyntaxError(ValueError):
    """A mapping template that Velocity cannot parse."""


class MappingTemplate:
    """One compiled mapping template."""

    __slots__ = ("_template", "constant", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # A template without `$` or `#` renders as itself; skip Velocity for it.
        self.constant: str | None = text if "$" not in text and "#" not in text else None
        self._template: Any = None
        if self.constant is None:
            template = airspeed.Template(text)
            try:
                template.ensure_compiled()
            except airspeed.TemplateSyntaxError as error:
                raise TemplateSyntaxError(str(error)) from None
            self._template = template

    def render(self, namespace: Mapping[str, Any]) -> str:
        """Render with `namespace` (`input`, `context`, `util`, `stageVariables`)."""
        if self.constant is not None:
            return self.constant
        result: str = self._template.merge(dict(namespace))
        return result


class TemplateInput:
    """`$input`: the payload and the request parameters of one request."""

    def __init__(self, body: str, parameters: Mapping[str, Mapping[str, str]]) -> None:
        self.body = body
        self._parameters = parameters

    def params(self, name: str | None = None) -> Any:
        """`$input.params()` (all parameters) or `$input.params('x')` (path, query, header)."""
        if name is None:
            return {kind: dict(values) for kind, values in self._parameters.items()}
        for kind in ("path", "querystring", "header"):
            value = self._parameters.get(kind, {}).get(name)
            if value is not None:
                return value
        return ""

    def json(self, path: str = "$") -> str:
        """`$input.json('$.a')`: the JSONPath result as a JSON string."""
        return json.dumps(self._select(path))

    def path(self, path: str = "$") -> Any:
        """`$input.path('$.a')`: the JSONPath result as an object."""
        return self._select(path)

    def _select(self, path: str) -> Any:
        try:
            value: Any = json.loads(self.body) if self.body else {}
        except ValueError:
            value = self.body
        for part in path.lstrip("$").split("."):
            if not part:
                continue
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return value


def escape_javascript(value: Any) -> str:
    """`$util.escapeJavaScript()`: Apache Commons Lang's escapeJavaScript, as API Gateway uses."""
    out = []
    for char in str(value):
        code = ord(char)
        if code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 0x20:
            out.append(_CONTROL_ESCAPES.get(char, f"\\u{code:04X}"))
        elif char in _ESCAPED:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


_CONTROL_ESCAPES = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}
_ESCAPED = frozenset("'\"\\/")


class TemplateUtil:
    """`$util`."""

    def escapeJavaScript(self, value: Any) -> str:
        return escape_javascript(value)

    def urlEncode(self, value: Any) -> str:
        return urllib.parse.quote_plus(str(value))

    def urlDecode(self, value: Any) -> str:
        return urllib.parse.unquote_plus(str(value))

    def base64Encode(self, value: Any) -> str:
        return base64.b64encode(str(value).encode()).decode()

    def base64Decode(self, value: Any) -> str:
        return base64.b64decode(str(value)).decode(errors="replace")

    def parseJson(self, value: Any) -> Any:
        return json.loads(str(value))


UTIL = TemplateUtil()
