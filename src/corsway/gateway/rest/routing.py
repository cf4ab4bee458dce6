"""Resource-tree routing, as API Gateway matches a request path to a resource and a method.

Per segment a static child beats `{param}`, which beats `{proxy+}`; a dead end backtracks to
the next candidate. One trailing slash is ignored; `{proxy+}` takes the rest of the path
without a trailing slash. Then the method: an explicit one beats `ANY`; there is no automatic
HEAD. Path parameter values stay percent-encoded, as API Gateway passes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from corsway.gateway.rest.model import ANY, Method, Resource


@dataclass(slots=True)
class _Node:
    resource: Resource | None = None
    static: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    greedy: tuple[str, Resource] | None = None


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A request path matched to a resource (the method may still be missing)."""

    resource: Resource
    path_parameters: Mapping[str, str]

    def method(self, http_method: str) -> Method | None:
        """The method for `http_method`: an explicit one first, then ANY."""
        methods = self.resource.methods
        return methods.get(http_method) or methods.get(ANY)


class Router:
    """Matches stage-less request paths (`/product/12`) against the API's resources."""

    def __init__(self, resources: tuple[Resource, ...]) -> None:
        self._root = _Node()
        for resource in sorted(resources, key=lambda r: r.path.count("/")):
            self._insert(resource)

    def _insert(self, resource: Resource) -> None:
        if resource.path == "/":
            self._root.resource = resource
            return
        node = self._root
        parts = resource.path.strip("/").split("/")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part.startswith("{") and part.endswith("+}"):
                if last:
                    node.greedy = (part[1:-2], resource)
                return
            if part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = (part[1:-1], _Node())
                node = node.param[1]
            else:
                node = node.static.setdefault(part, _Node())
            if last:
                node.resource = resource

    def match(self, path: str) -> RouteMatch | None:
        """Match a raw (percent-encoded) path that starts with `/`; None when nothing matches."""
        trimmed = path[1:-1] if path.endswith("/") and len(path) > 1 else path[1:]
        segments = trimmed.split("/") if trimmed else []
        found = self._walk(self._root, segments, 0, {})
        if found is None:
            return None
        resource, parameters = found
        return RouteMatch(resource, parameters)

    def _walk(
        self, node: _Node, segments: list[str], index: int, parameters: dict[str, str]
    ) -> tuple[Resource, dict[str, str]] | None:
        if index == len(segments):
            return (node.resource, parameters) if node.resource is not None else None
        segment = segments[index]
        child = node.static.get(segment)
        if child is None and "%" in segment:
            child = node.static.get(unquote(segment))
        if child is not None:
            found = self._walk(child, segments, index + 1, parameters)
            if found is not None:
                return found
        if node.param is not None and segment:
            name, param_node = node.param
            found = self._walk(param_node, segments, index + 1, {**parameters, name: segment})
            if found is not None:
                return found
        if node.greedy is not None:
            name, resource = node.greedy
            rest = "/".join(segments[index:])
            if rest:
                return resource, {**parameters, name: rest}
        return None
