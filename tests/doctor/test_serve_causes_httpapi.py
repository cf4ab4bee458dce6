"""`corsway check` against `corsway serve` of HTTP APIs (`httpApi` events) with one defect per
request: the right cause and a fix naming the serverless.yml (or handler) line; `allowed` where
nothing is wrong. The services are tests/fixtures/doctor_httpapi/*, served as
`corsway serve SERVICE` serves them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsway.testing import ServedService, serve
from tests.doctor.test_serve_causes import assert_fix_at
from tests.gateway.support import FIXTURES

ORIGIN = "http://localhost:5173"
HTTPAPI_DEFECTS = FIXTURES / "doctor_httpapi"
NOCORS = HTTPAPI_DEFECTS / "nocors"
CORS = HTTPAPI_DEFECTS / "cors"
CATCHALL = HTTPAPI_DEFECTS / "catchall"
Case = tuple[str, dict[str, Any], str, str, str, tuple[str, int]]


@pytest.fixture(scope="module")
def without_cors() -> Iterator[ServedService]:
    with serve(NOCORS) as served:
        yield served


@pytest.fixture(scope="module")
def with_cors() -> Iterator[ServedService]:
    with serve(CORS) as served:
        yield served


# (path, fetch options, CorsError, cause, words the fix must contain, (file, line) of the fix)
WITHOUT_CORS_CASES: list[Case] = [
    (
        "/orders",
        {"method": "PUT"},
        "PreflightMissingAllowOriginHeader",
        "no-preflight-route",
        "The HTTP API has no CORS configuration, so nothing answers the preflight (404",
        ("serverless.yml", 8),  # provider.httpApi, where cors goes
    ),
    (
        "/nothing",
        {"method": "PUT"},
        "PreflightMissingAllowOriginHeader",
        "route-not-found",
        "No route of the HTTP API matches PUT /nothing",
        ("serverless.yml", 8),
    ),
    (
        "/nothing",
        {},
        "MissingAllowOriginHeader",
        "route-not-found",
        'API Gateway answered 404 "Not Found" itself',
        ("serverless.yml", 8),
    ),
    (
        "/profile",
        {},
        "MissingAllowOriginHeader",
        "authorizer-rejected",
        "The authorizer tokenAuth of the route GET /profile (function profile) at "
        "serverless.yml:33 refused the request (401",
        ("serverless.yml", 8),
    ),
    (
        "/crash",
        {},
        "MissingAllowOriginHeader",
        "gateway-error",
        "The function crash (handler.crash, handler.py:17) failed",
        ("serverless.yml", 8),
    ),
    (
        "/items",
        {},
        "MissingAllowOriginHeader",
        "handler-missing-cors",
        "The handler handler.without_cors (function items, handler.py:13) returned 200",
        ("handler.py", 13),
    ),
]

WITH_CORS_CASES: list[Case] = [
    (
        "/items",
        {"origin": "https://evil.example"},
        "MissingAllowOriginHeader",
        "origin-not-allowed",
        "https://evil.example is not one of them",
        ("serverless.yml", 10),  # allowedOrigins
    ),
    (
        "/items",
        {"method": "PUT", "origin": "https://evil.example"},
        "PreflightMissingAllowOriginHeader",
        "origin-not-allowed",
        "the origin https://evil.example is not in allowedOrigins (http://localhost:5173)",
        ("serverless.yml", 10),
    ),
    (
        "/items",
        {"method": "PUT"},
        "PreflightMissingAllowOriginHeader",
        "method-not-allowed",
        "the method PUT is not in allowedMethods (GET, POST)",
        ("serverless.yml", 14),
    ),
    (
        "/items",
        {"headers": {"X-Custom": "1"}},
        "PreflightMissingAllowOriginHeader",
        "header-not-allowed",
        "the header(s) x-custom are not in allowedHeaders (Content-Type)",
        ("serverless.yml", 12),
    ),
    (
        "/items",
        {"credentials": "include"},
        "InvalidAllowCredentials",
        "credentials-not-allowed",
        "set `allowCredentials: true` in provider.httpApi.cors",
        ("serverless.yml", 9),
    ),
]


def check_case(served: ServedService, service: Path, case: Case) -> None:
    path, options, error, cause, fix_words, where = case
    result = served.fetch(path, **options)
    assert result.verdict == "blocked"
    assert (result.browser_error, result.cause) == (error, cause)
    assert result.fix is not None
    assert fix_words in result.fix.text
    assert_fix_at(result.fix, service, where)


@pytest.mark.parametrize(
    "case", WITHOUT_CORS_CASES, ids=[f"{c[3]}:{c[0]}" for c in WITHOUT_CORS_CASES]
)
def test_http_api_without_cors_configuration(without_cors: ServedService, case: Case) -> None:
    check_case(without_cors, NOCORS, case)


@pytest.mark.parametrize(
    "case", WITH_CORS_CASES, ids=[f"{c[3]}:{len(c[1])}" for c in WITH_CORS_CASES]
)
def test_http_api_cors_configuration_refusals(with_cors: ServedService, case: Case) -> None:
    check_case(with_cors, CORS, case)


def test_http_api_requests_without_defects_are_allowed(
    without_cors: ServedService, with_cors: ServedService
) -> None:
    for served, path in ((without_cors, "/open"), (with_cors, "/items")):
        result = served.fetch(path)
        assert result.verdict == "allowed", result.message
        assert (result.cause, result.fix) == (None, None)
    # With a CorsConfiguration, the gateway's own errors carry the CORS headers: readable.
    missing = with_cors.fetch("/nothing")
    assert missing.verdict == "allowed", missing.message
    response = missing.exchanges[-1].response
    assert response is not None and response.status == 404


def test_default_route_with_an_authorizer_catches_the_preflight_then_the_fix_works(
    tmp_path: Path,
) -> None:
    service = tmp_path / "catchall"
    shutil.copytree(CATCHALL, service)
    token = {"Authorization": "Bearer valid-token"}
    with serve(service) as served:
        before = served.fetch("/anything", method="PUT", headers=token)
    assert (before.browser_error, before.cause) == (
        "PreflightInvalidStatus",
        "preflight-caught-by-route",
    )
    assert before.fix is not None
    assert "The route $default (function app) takes OPTIONS requests" in before.fix.text
    assert "its authorizer tokenAuth at serverless.yml:25" in before.fix.text
    assert_fix_at(before.fix, service, ("serverless.yml", 25))  # the route's authorizer
    added = before.fix.text.splitlines()[1]
    assert added == "      - httpApi: 'OPTIONS /{proxy+}'"
    config = service / "serverless.yml"
    config.write_text(config.read_text() + added + "\n")  # under functions.app.events
    with serve(service) as served:
        after = served.fetch("/anything", method="PUT", headers=token)
        credentialed = served.fetch("/anything", headers=token, credentials="include")
    assert after.verdict == "allowed", after.message
    # cors: true allows every origin with '*', which credentialed requests cannot use.
    assert (credentialed.browser_error, credentialed.cause) == (
        "PreflightWildcardOriginNotAllowed",
        "wildcard-with-credentials",
    )
    assert credentialed.fix is not None
    assert f"list {ORIGIN} in allowedOrigins" in credentialed.fix.text
    assert_fix_at(credentialed.fix, service, ("serverless.yml", 9))  # cors: true
