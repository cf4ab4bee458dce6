"""HTTP API route selection (fact sheet §4): exact before `{param}` before `{proxy+}`, method
before ANY, then `$default`, else 404; trailing slash, HEAD and case rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corsway.gateway.httpapi.model import Route
from corsway.gateway.httpapi.routing import Router
from tests.gateway.httpapi.support import HttpTemplate, Served, serving


def route(key: str) -> Route:
    if key == "$default":
        return Route(key, key, "ANY", "", None)
    method, path = key.split(" ")
    return Route(key, key, method, path, None)


ROUTES = [
    "GET /pets/dog/1",
    "GET /pets/dog/{id}",
    "ANY /pets/dog/{id}",
    "GET /pets/{kind}/{id}",
    "POST /pets/{kind}/{id}",
    "ANY /pets/{proxy+}",
    "GET /pets/dog/{proxy+}",
    "GET /",
    "GET /metrics",
    "GET /Upper",
    "GET /owners/{id}",
    "$default",
]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router([route(key) for key in ROUTES])


@pytest.mark.parametrize(
    ("method", "path", "expected", "parameters"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),  # static beats {param}
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("PUT", "/pets/dog/2", "ANY /pets/dog/{id}", {"id": "2"}),  # ANY for other methods
        ("GET", "/pets/cat/2", "GET /pets/{kind}/{id}", {"kind": "cat", "id": "2"}),
        ("POST", "/pets/dog/2", "ANY /pets/dog/{id}", {"id": "2"}),  # path before method
        ("POST", "/pets/cat/2", "POST /pets/{kind}/{id}", {"kind": "cat", "id": "2"}),
        ("GET", "/pets/dog/1/2", "GET /pets/dog/{proxy+}", {"proxy": "1/2"}),  # longer prefix
        ("DELETE", "/pets/dog/1/2", "ANY /pets/{proxy+}", {"proxy": "dog/1/2"}),
        ("GET", "/pets/a%2Fb/c%20d", "GET /pets/{kind}/{id}", {"kind": "a/b", "id": "c d"}),
        ("GET", "/", "GET /", {}),
        ("GET", "/metrics", "GET /metrics", {}),
        ("GET", "/metrics/", "$default", {}),  # trailing slash is not the route
        ("HEAD", "/metrics", "$default", {}),  # HEAD is not GET
        ("GET", "/upper", "$default", {}),  # case-sensitive
        ("GET", "/owners/", "$default", {}),  # an empty segment never fills {param}
        ("GET", "/pets//1", "ANY /pets/{proxy+}", {"proxy": "/1"}),  # a greedy one takes it
        ("GET", "/pets", "$default", {}),  # {proxy+} needs a segment
    ],
)
def test_precedence(
    router: Router, method: str, path: str, expected: str, parameters: dict[str, str]
) -> None:
    match = router.match(method, path)
    assert match is not None
    assert match.route.route_key == expected
    assert match.path_parameters == parameters


def test_nothing_matches_without_default() -> None:
    router = Router([route("GET /a")])
    assert router.match("GET", "/b") is None
    assert router.match("POST", "/a") is None
    assert not router.catches_options
    assert Router([route("ANY /a")]).catches_options
    assert Router([route("$default")]).catches_options


@pytest.fixture(scope="module")
def gateway() -> Iterator[Served]:
    template = (
        HttpTemplate()
        .function("echo", "handlers.echo")
        .route("GET /items/{id}", "echo")
        .route("ANY /items/{id}/{proxy+}", "echo")
        .route("HEAD /items", "echo")
        .build()
    )
    with serving(template) as served:
        yield served


def test_served_routes_and_404(gateway: Served) -> None:
    event = gateway.client.get(gateway.url + "/items/7").json()
    assert event["routeKey"] == "GET /items/{id}"
    assert event["pathParameters"] == {"id": "7"}
    event = gateway.client.patch(gateway.url + "/items/7/a/b").json()
    assert event["routeKey"] == "ANY /items/{id}/{proxy+}"
    assert event["pathParameters"] == {"id": "7", "proxy": "a/b"}
    missing = gateway.client.get(gateway.url + "/items")
    assert missing.status_code == 404
    assert missing.content == b'{"message":"Not Found"}'
    assert missing.headers["content-type"] == "application/json"
    gateway.last_line("GET /items  404", "no route matches")
    head = gateway.client.head(gateway.url + "/items")
    assert head.status_code == 200
    assert head.content == b""
