"""HTTP API route selection, as AWS documents it.

1. a route for the path and the method: static segments beat `{param}` segments (compared left
   to right), and on the same path the method beats `ANY`;
2. a greedy `{proxy+}` route for the method or `ANY` (the longest, most static prefix first);
3. the `$default` route.

Paths and methods are case-sensitive; `HEAD` is a method of its own (it does not match a
`GET` route); a trailing slash is a segment of its own (`/items/` does not match `/items`); a
`{param}` never matches an empty segment. Path parameters are percent-decoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import unquote

from corsway.gateway.httpapi.model import ANY, Route

# Whether `{param}` values are percent-decoded in pathParameters ([I]: `rawPath` keeps the
# encoding; the decoded form is what every client library shows).
DECODE_PATH_PARAMETERS = True
_STATIC, _PARAM, _GREEDY = 0, 1, 2


class RouteMatch(NamedTuple):
    """The selected route and its path parameters."""

    route: Route
    path_parameters: dict[str, str]


class _Pattern:
    __slots__ = ("greedy", "names", "rank", "route", "segments")

    def __init__(self, route: Route) -> None:
        self.route = route
        parts = route.path.split("/")[1:] if route.path != "/" else []
        self.segments: list[tuple[int, str]] = []
        for part in parts:
            if part.startswith("{") and part.endswith("+}"):
                self.segments.append((_GREEDY, part[1:-2]))
            elif part.startswith("{") and part.endswith("}"):
                self.segments.append((_PARAM, part[1:-1]))
            else:
                self.segments.append((_STATIC, part))
        self.greedy = bool(self.segments) and self.segments[-1][0] == _GREEDY
        # lower sorts first: static before param before greedy, segment by segment; then the
        # method before ANY
        self.rank = (tuple(kind for kind, _ in self.segments), route.method == ANY)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        segments = self.segments
        if self.greedy:
            if len(parts) < len(segments):
                return None
        elif len(parts) != len(segments):
            return None
        parameters: dict[str, str] = {}
        for index, (kind, text) in enumerate(segments):
            part = parts[index]
            if kind == _STATIC:
                if part != text:
                    return None
            elif kind == _PARAM:
                if not part:
                    return None
                parameters[text] = unquote(part) if DECODE_PATH_PARAMETERS else part
            else:
                rest = "/".join(parts[index:])
                if not rest:
                    return None
                parameters[text] = unquote(rest) if DECODE_PATH_PARAMETERS else rest
        return parameters


class Router:
    """Selects the route for (method, raw path); built once per model."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._exact: dict[tuple[str, str], Route] = {}
        patterns: list[_Pattern] = []
        self.default: Route | None = None
        for route in routes:
            if route.is_default:
                self.default = route
            elif "{" not in route.path:
                self._exact[(route.method, route.path)] = route
            else:
                patterns.append(_Pattern(route))
        patterns.sort(key=lambda p: p.rank)
        self._params = [p for p in patterns if not p.greedy]
        self._greedy = [p for p in patterns if p.greedy]
        self.catches_options = self.default is not None or any(
            route.method in (ANY, "OPTIONS") for route in routes if not route.is_default
        )

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route for a request, or None (404)."""
        exact = self._exact
        route = exact.get((method, path)) or exact.get((ANY, path))
        if route is not None:
            return RouteMatch(route, {})
        if self._params or self._greedy:
            parts = path.split("/")[1:] if path != "/" else []
            for group in (self._params, self._greedy):
                for pattern in group:
                    route = pattern.route
                    if route.method not in (method, ANY):
                        continue
                    parameters = pattern.match(parts)
                    if parameters is not None:
                        return RouteMatch(route, parameters)
        if self.default is not None:
            return RouteMatch(self.default, {})
        return None
