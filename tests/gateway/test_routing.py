"""Routing over the resource tree, over real HTTP: precedence, 403s, stage prefix, no HEAD."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway

MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    template = (
        TemplateBuilder()
        .function("echo", "handlers.echo")
        .proxy("items", "GET", "echo")
        .proxy("items/special", "GET", "echo")
        .proxy("items/{id}", "GET", "echo")
        .proxy("items/{id}", "ANY", "echo")
        .proxy("items/{id}/parts", "GET", "echo")
        .proxy("files/{proxy+}", "ANY", "echo")
        .proxy("a/b", "GET", "echo")
        .proxy("{x}/c", "GET", "echo")
        .proxy("/", "GET", "echo")
        .preflight("items")
        .build()
    )
    with running_gateway(template) as running:
        yield running


def event_of(gateway: RunningGateway, method: str, path: str) -> Any:
    response = gateway.client.request(method, gateway.url + path)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_static_segment_beats_parameter(gateway: RunningGateway) -> None:
    event = event_of(gateway, "GET", "/items/special")
    assert event["resource"] == "/items/special"
    assert event["pathParameters"] is None


def test_parameter_captures_one_segment(gateway: RunningGateway) -> None:
    event = event_of(gateway, "GET", "/items/42")
    assert event["resource"] == "/items/{id}"
    assert event["pathParameters"] == {"id": "42"}


def test_parameter_beats_greedy_and_nested_static_after_parameter(gateway: RunningGateway) -> None:
    assert event_of(gateway, "GET", "/items/42/parts")["resource"] == "/items/{id}/parts"


def test_greedy_proxy_takes_the_rest_without_trailing_slash(gateway: RunningGateway) -> None:
    event = event_of(gateway, "GET", "/files/a/b/c.txt/")
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["path"] == "/files/a/b/c.txt/"


def test_dead_end_static_backtracks_to_parameter(gateway: RunningGateway) -> None:
    event = event_of(gateway, "GET", "/a/c")
    assert event["resource"] == "/{x}/c"
    assert event["pathParameters"] == {"x": "a"}


def test_explicit_method_beats_any(gateway: RunningGateway) -> None:
    assert event_of(gateway, "GET", "/items/1")["httpMethod"] == "GET"
    event = event_of(gateway, "DELETE", "/items/1")
    assert event["httpMethod"] == "DELETE"
    assert event["resource"] == "/items/{id}"


def test_trailing_slash_is_ignored_for_matching_but_kept_in_path(gateway: RunningGateway) -> None:
    event = event_of(gateway, "GET", "/items/")
    assert event["resource"] == "/items"
    assert event["path"] == "/items/"


def test_root_resource(gateway: RunningGateway) -> None:
    for path in ("", "/"):
        event = event_of(gateway, "GET", path)
        assert event["resource"] == "/"
        assert event["path"] == "/"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nothing-here"),
        ("GET", "/items/1/2/3"),
        ("POST", "/items"),  # resource exists, method does not
        ("HEAD", "/items"),  # no automatic HEAD for a GET method
        ("GET", "/files"),  # {proxy+} needs at least one segment
        ("OPTIONS", "/items/special"),  # no OPTIONS method: no CORS, just 403
    ],
)
def test_unknown_route_or_method_is_missing_authentication_token(
    gateway: RunningGateway, method: str, path: str
) -> None:
    response = gateway.client.request(
        method, gateway.url + path, headers={"Origin": "http://localhost:5173"}
    )
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert response.headers["content-type"] == "application/json"
    assert "access-control-allow-origin" not in response.headers
    if method != "HEAD":
        assert response.content == MISSING_TOKEN


def test_options_preflight_without_options_method_is_403(gateway: RunningGateway) -> None:
    response = gateway.client.options(
        gateway.url + "/items/7/parts",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 403
    assert response.content == MISSING_TOKEN
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    log = gateway.console("/dev/items/7/parts")
    assert (
        "CORS blocked for http://localhost:5173: PreflightMissingAllowOriginHeader: "
        "No 'Access-Control-Allow-Origin' header is present"
    ) in log


def test_options_on_any_method_runs_the_integration(gateway: RunningGateway) -> None:
    assert event_of(gateway, "OPTIONS", "/items/3")["httpMethod"] == "OPTIONS"


def test_paths_outside_the_stage_are_403(gateway: RunningGateway) -> None:
    root = gateway.url.rsplit("/", 1)[0]
    for path in ("/", "/items", "/prod/items", "/devitems"):
        response = gateway.client.get(root + path)
        assert response.status_code == 403
        assert response.content == MISSING_TOKEN


def test_no_stage_prefix_serves_at_the_root() -> None:
    template = TemplateBuilder().function("echo", "handlers.echo").proxy("items", "GET", "echo")
    with running_gateway(template.build(), stage_prefix=False) as gateway:
        assert gateway.url.endswith(str(gateway.server.port))
        event = event_of(gateway, "GET", "/items")
        assert event["path"] == "/items"
        assert event["requestContext"]["path"] == "/items"
        assert gateway.client.get(gateway.url + "/dev/items").status_code == 403


def test_path_parameters_stay_percent_encoded(gateway: RunningGateway) -> None:
    event = event_of(gateway, "GET", "/items/test%2Balias%40example.com")
    assert event["pathParameters"] == {"id": "test%2Balias%40example.com"}
