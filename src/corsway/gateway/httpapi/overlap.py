"""Paths an HTTP API and a REST API of the same service could both claim on one port.

The REST API is served under `/STAGE`, the HTTP API at the root: every request under `/STAGE`
goes to the REST API, so an HTTP API route that could match such a path never sees it. Each
one is a start-up warning naming both routes.
"""

from __future__ import annotations

from collections.abc import Iterable

from corsway.gateway.httpapi.model import Route


def _segments(path: str) -> list[str]:
    return [] if path in ("", "/") else path.split("/")[1:]


def _variable(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _greedy(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("+}")


def _compatible(left: list[str], right: list[str]) -> bool:
    """Whether two route paths (segments) can match one request path."""
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if _greedy(a) or _greedy(b):
            return len(right if _greedy(a) else left) >= index + 1
        if not (_variable(a) or _variable(b) or a == b):
            return False
    return len(left) == len(right)


def overlap_warnings(
    routes: Iterable[Route], rest_base: str, rest_routes: Iterable[tuple[str, str]]
) -> list[str]:
    """One warning per HTTP API route that could match a path under the REST API's base."""
    rest = sorted(rest_routes)
    base_segments = _segments(rest_base)
    warnings = []
    for route in routes:
        label = f"HTTP API route {route.route_key}"
        if route.is_default:
            warnings.append(
                f"{label} would also match paths under {rest_base}, but the REST API answers "
                f"every path under {rest_base} on this port"
            )
            continue
        segments = _segments(route.path)
        head = segments[: len(base_segments)]
        if not head or not _compatible([*head, "{proxy+}"], [*base_segments, "{rest+}"]):
            continue
        if any(_greedy(s) for s in head):
            warnings.append(
                f"{label} would also match paths under {rest_base}, but the REST API answers "
                f"every path under {rest_base} on this port"
            )
            continue
        tail = segments[len(base_segments) :]
        claimed = [
            f"{method} {rest_base}{path if path != '/' else ''}"
            for path, method in rest
            if _compatible(tail, _segments(path))
            and (route.method in ("ANY", method) or method == "ANY")
        ]
        target = (
            f"REST API route(s) {', '.join(claimed)}"
            if claimed
            else f"the REST API's base {rest_base}"
        )
        warnings.append(
            f"{label} and {target} claim the same path: the REST API answers it on this port "
            "(on AWS they have different hosts)"
        )
    return warnings
