"""HTTP API CORS (fact sheet §1.2-§1.6) on a real server: the built-in preflight, who answers an
OPTIONS, the configured headers on every answer to an allowed Origin, the handler's dropped."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from corsway.gateway.httpapi import cors as cors_module
from corsway.gateway.httpapi.cors import HttpApiCors
from corsway.gateway.httpapi.model import CorsConfig
from tests.gateway.httpapi.support import DEFAULT_HEADERS, HttpTemplate, Served, serving

APP = "https://app.example.com"
CONFIG = {
    "AllowCredentials": True,
    "AllowHeaders": ["Content-Type", "Authorization", "X-Request-Id"],
    "AllowMethods": ["GET", "POST", "OPTIONS"],
    "AllowOrigins": [APP, "https://*.example.org", "http://localhost:5173"],
    "ExposeHeaders": ["X-Request-Id", "Date"],
    "MaxAge": 6000,
}
# The headers of the built-in answer to an allowed preflight for CONFIG.
PREFLIGHT_ANSWER = {
    "access-control-allow-origin": APP,
    "vary": "origin",
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET,POST,OPTIONS",
    "access-control-allow-headers": "Content-Type,Authorization,X-Request-Id",
    "access-control-max-age": "6000",
}


def preflight_headers(
    origin: str, method: str = "POST", headers: str | None = None
) -> dict[str, str]:
    found = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        found["Access-Control-Request-Headers"] = headers
    return found


@pytest.fixture(scope="module")
def gateway() -> Iterator[Served]:
    template = (
        HttpTemplate(cors=CONFIG)
        .function("echo", "handlers.echo")
        .function("withCors", "handlers.with_cors")
        .function("fails", "handlers.fails")
        .function("options", "handlers.returns")
        .route("GET /items", "echo")
        .route("POST /items", "echo")
        .route("GET /handler-cors", "withCors")
        .route("GET /fails", "fails")
        .route("OPTIONS /own-options", "options")
        .build()
    )
    with serving(template) as served:
        yield served


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("access-control-") or name == "vary"
    }


def test_built_in_preflight_answers_with_the_configuration(gateway: Served) -> None:
    response = gateway.client.options(
        gateway.url + "/items", headers=preflight_headers(APP, "POST", "content-type")
    )
    assert response.status_code == 204
    assert response.content == b""
    assert cors_headers(response) == PREFLIGHT_ANSWER
    assert "apigw-requestid" in response.headers
    assert "x-amzn-requestid" not in response.headers
    gateway.last_line("OPTIONS /items", "CORS ok for https://app.example.com")


def test_preflight_for_a_path_without_any_route_is_answered_too(gateway: Served) -> None:
    response = gateway.client.options(
        gateway.url + "/no/such/route", headers=preflight_headers(APP)
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == APP


@pytest.mark.parametrize(
    ("origin", "method", "headers", "reason"),
    [
        (
            "https://evil.example",
            "POST",
            None,
            "origin https://evil.example is not in AllowOrigins",
        ),
        (APP, "DELETE", None, "method DELETE is not in AllowMethods"),
        (APP, "POST", "content-type, x-custom", "header(s) x-custom not in AllowHeaders"),
        # subdomain wildcards are matched literally (SUBDOMAIN_WILDCARDS_MATCH)
        ("https://a.example.org", "GET", None, "origin https://a.example.org is not in"),
    ],
)
def test_refused_preflight_is_204_without_cors_headers(
    gateway: Served, origin: str, method: str, headers: str | None, reason: str
) -> None:
    response = gateway.client.options(
        gateway.url + "/items", headers=preflight_headers(origin, method, headers)
    )
    assert response.status_code == 204
    assert cors_headers(response) == {}
    gateway.last_line("OPTIONS /items  204", reason)


def test_options_without_request_method_is_routed_like_any_method(gateway: Served) -> None:
    response = gateway.client.options(gateway.url + "/items", headers={"Origin": APP})
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert response.headers["access-control-allow-origin"] == APP  # errors get CORS headers


def test_an_options_route_takes_the_preflight_and_gets_the_cors_headers(gateway: Served) -> None:
    own = '{"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "own"}'
    response = gateway.client.options(
        gateway.url + "/own-options",
        headers={**preflight_headers(APP), "x-return": own},
    )
    assert response.status_code == 200
    assert response.text == "own"
    # the preflight headers, on the route's own answer
    assert cors_headers(response) == PREFLIGHT_ANSWER
    refused = gateway.client.options(
        gateway.url + "/own-options",
        headers={**preflight_headers(APP, "DELETE"), "x-return": own},
    )
    assert refused.status_code == 200
    assert cors_headers(refused) == {}


def test_actual_response_gets_configured_headers_and_loses_the_handlers(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/handler-cors", headers={"Origin": APP})
    assert response.status_code == 200
    assert response.text == "with cors"
    assert response.headers["x-own"] == "kept"
    assert cors_headers(response) == {
        "access-control-allow-origin": APP,
        "vary": "origin",
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "X-Request-Id,Date",
    }
    gateway.last_line(
        "GET /handler-cors", "Access-Control-Allow-Origin, Access-Control-Allow-Methods dropped"
    )


def test_disallowed_origin_gets_the_integration_without_any_cors_header(gateway: Served) -> None:
    response = gateway.client.get(
        gateway.url + "/handler-cors", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 200
    assert cors_headers(response) == {}  # the handler's own are dropped too


def test_no_origin_no_cors_headers(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/items")
    assert response.status_code == 200
    assert cors_headers(response) == {}


def test_prefix_origin_forms_match(gateway: Served) -> None:
    response = gateway.client.get(
        gateway.url + "/items", headers={"Origin": "http://localhost:5173"}
    )
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    response = gateway.client.get(gateway.url + "/items", headers={"Origin": "http://localhost"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/missing", 404, b'{"message":"Not Found"}'),
        ("/fails", 500, b'{"message":"Internal Server Error"}'),
    ],
)
def test_gateway_errors_carry_the_cors_headers(
    gateway: Served, path: str, status: int, body: bytes
) -> None:
    response = gateway.client.get(gateway.url + path, headers={"Origin": APP})
    assert response.status_code == status
    assert response.content == body
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "origin"


def test_without_cors_configuration_nothing_is_added_or_dropped() -> None:
    template = (
        HttpTemplate()
        .function("withCors", "handlers.with_cors")
        .route("GET /handler-cors", "withCors")
        .build()
    )
    with serving(template) as served:
        response = served.client.get(served.url + "/handler-cors", headers={"Origin": APP})
        assert response.headers["access-control-allow-origin"] == "https://handler.example"
        assert response.headers["access-control-allow-methods"] == "DELETE"
        preflight = served.client.options(
            served.url + "/handler-cors", headers=preflight_headers(APP, "GET")
        )
        assert preflight.status_code == 404
        assert preflight.json() == {"message": "Not Found"}
        assert cors_headers(preflight) == {}


def test_wildcard_configuration_cors_true() -> None:
    config = {
        "AllowHeaders": DEFAULT_HEADERS,
        "AllowMethods": ["OPTIONS", "GET"],
        "AllowOrigins": ["*"],
    }
    template = (
        HttpTemplate(cors=config)
        .function("withCors", "handlers.with_cors")
        .route("GET /handler-cors", "withCors")
        .build()
    )
    with serving(template) as served:
        response = served.client.get(served.url + "/handler-cors", headers={"Origin": APP})
        assert cors_headers(response) == {"access-control-allow-origin": "*"}  # no vary
        preflight = served.client.options(
            served.url + "/anything", headers=preflight_headers(APP, "GET", "authorization")
        )
        assert preflight.status_code == 204
        assert cors_headers(preflight) == {
            "access-control-allow-origin": "*",
            "access-control-allow-methods": "OPTIONS,GET",
            "access-control-allow-headers": ",".join(DEFAULT_HEADERS),
        }
        refused = served.client.options(
            served.url + "/anything", headers=preflight_headers(APP, "PUT")
        )
        assert cors_headers(refused) == {}


def test_default_route_with_authorizer_catches_preflights_and_the_fix() -> None:
    """§1.2: `$default` + authorizer answers preflights 401/403; an OPTIONS /{proxy+} fixes it."""
    config = {"AllowOrigins": [APP], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["*"]}
    base = (
        HttpTemplate(cors=config)
        .function("app", "handlers.echo")
        .function("auth", "handlers.authorizer_simple")
        .function("preflight", "handlers.returns")
        .lambda_authorizer("simpleAuth", "auth", sources=[], simple=True)
        .route("$default", "app", authorizer="simpleAuth")
    )
    with serving(base.build()) as served:
        response = served.client.options(
            served.url + "/items", headers=preflight_headers(APP, "POST", "content-type")
        )
        assert response.status_code == 403
        assert response.json() == {"message": "Forbidden"}
        assert response.headers["access-control-allow-origin"] == APP
        served.last_line(
            "OPTIONS /items",
            "authorizer simpleAuth: isAuthorized false",
            "PreflightInvalidStatus: It does not have HTTP ok status",
        )
    fixed = base.route("OPTIONS /{proxy+}", "preflight").build()
    with serving(fixed) as served:
        response = served.client.options(
            served.url + "/items",
            headers={
                **preflight_headers(APP, "POST", "content-type"),
                "x-return": '{"statusCode": 204}',
            },
        )
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == APP


def test_cors_module_caches_answers_and_honours_the_constants(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = CorsConfig(
        allow_origins=("https://*.example.org", "https://*"),
        allow_methods=("*",),
        allow_headers=("*",),
    )
    cors = HttpApiCors(config)
    first = cors.preflight("https://a.example.org", "PATCH", "X-One, x-two")
    assert first is cors.preflight("https://a.example.org", "PATCH", "X-One, x-two")
    assert first.headers == [
        ("access-control-allow-origin", "https://a.example.org"),
        ("vary", "origin"),
        ("access-control-allow-methods", "PATCH"),
        ("access-control-allow-headers", "x-one,x-two"),
    ]
    assert cors.allow_origin("http://a.example.org") is None
    literal = HttpApiCors(CorsConfig(allow_origins=("https://*.example.org",)))
    assert literal.allow_origin("https://a.example.org") is None
    assert literal.allow_origin("https://*.example.org") == "https://*.example.org"
    monkeypatch.setattr(cors_module, "SUBDOMAIN_WILDCARDS_MATCH", True)
    honoured = HttpApiCors(CorsConfig(allow_origins=("https://*.example.org",)))
    assert honoured.allow_origin("https://a.b.example.org") == "https://a.b.example.org"
    assert honoured.allow_origin("https://example.org") is None
    assert honoured.allow_origin("https://evilexample.org") is None
