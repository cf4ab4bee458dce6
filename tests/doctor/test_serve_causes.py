"""`corsway check` against `corsway serve` of services with one defect per route: the right
cause and a fix that works, and `allowed` where nothing is wrong."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsway.testing import ServedService, serve
from tests.gateway.support import EXAMPLE_DIR, FIXTURES

DEFECTS = FIXTURES / "doctor_service"
SEED_AUTHORIZER = FIXTURES.parent.parent / "examples" / "seed-authorizer"
ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module")
def defects() -> Iterator[ServedService]:
    with serve(DEFECTS) as served:
        yield served


# (path, fetch options, CorsError, cause, words the fix must contain)
DEFECT_CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    (
        "/orders",
        {"method": "PUT"},
        "PreflightMissingAllowOriginHeader",
        "no-preflight-route",
        "`cors: true`",
    ),
    ("/nothing", {}, "MissingAllowOriginHeader", "route-not-found", "DEFAULT_4XX"),
    (
        "/items",
        {"method": "DELETE"},
        "MethodDisallowedByPreflightResponse",
        "method-not-allowed",
        "Add DELETE to the allowed methods",
    ),
    (
        "/profile",
        {},
        "MissingAllowOriginHeader",
        "authorizer-rejected",
        "GatewayResponseDefault4XX",
    ),
    (
        "/profile",
        {"headers": {"Authorization": "Bearer expired"}},
        "MissingAllowOriginHeader",
        "authorizer-rejected",
        "ResponseType: DEFAULT_4XX",
    ),
    (
        "/admin/users",
        {"method": "DELETE"},
        "PreflightMissingAllowOriginHeader",
        "preflight-caught-by-route",
        "ANY method",
    ),
    ("/crash", {}, "MissingAllowOriginHeader", "gateway-error", "DEFAULT_5XX"),
    (
        "/bare",
        {},
        "MissingAllowOriginHeader",
        "handler-missing-cors",
        "from the function on every response",
    ),
    (
        "/partner",
        {"method": "PUT"},
        "PreflightAllowOriginMismatch",
        "origin-not-allowed",
        f"Allow {ORIGIN}",
    ),
    (
        "/session",
        {"method": "PUT", "credentials": "include"},
        "PreflightWildcardOriginNotAllowed",
        "wildcard-with-credentials",
        "allowCredentials: true",
    ),
    (
        "/session",
        {"method": "PUT", "headers": {"X-Custom": "1"}},
        "HeaderDisallowedByPreflightResponse",
        "header-not-allowed",
        "Add x-custom",
    ),
    (
        "/account",
        {"method": "PUT", "credentials": "include"},
        "PreflightInvalidAllowCredentials",
        "credentials-not-allowed",
        "allowCredentials: true",
    ),
]


@pytest.mark.parametrize(
    "case", DEFECT_CASES, ids=[f"{case[3]}:{case[0]}" for case in DEFECT_CASES]
)
def test_each_defect_gets_its_cause_and_fix(
    defects: ServedService, case: tuple[str, dict[str, Any], str, str, str]
) -> None:
    path, options, error, cause, fix_words = case
    result = defects.fetch(path, **options)
    assert result.verdict == "blocked"
    assert result.browser_error == error
    assert result.cause == cause
    assert result.fix is not None
    assert fix_words in result.fix.text
    assert (result.fix.file, result.fix.line) == (None, None)  # no ServiceContext yet


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("/items", {}),
        ("/profile", {"headers": {"Authorization": "Bearer valid-token"}}),
        (
            "/products",
            {
                "method": "PUT",
                "credentials": "include",
                "data": "{}",
                "headers": {"Content-Type": "application/json"},
            },
        ),
    ],
)
def test_routes_without_defects_are_allowed(
    defects: ServedService, path: str, options: dict[str, Any]
) -> None:
    result = defects.fetch(path, **options)
    assert result.verdict == "allowed", result.message
    assert (result.cause, result.fix, result.message) == (None, None, None)
    assert result.exchanges[-1].response is not None
    assert result.exchanges[-1].response.status == 200


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("/product/1", {}),
        (
            "/product",
            {
                "method": "POST",
                "data": '{"name": "x"}',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        ("/account", {"credentials": "include", "origin": "http://127.0.0.1:5173"}),
        ("/no-such-route", {}),  # the example's GatewayResponseDefault4XX makes the 403 readable
    ],
)
def test_the_example_service_is_allowed(path: str, options: dict[str, Any]) -> None:
    with serve(EXAMPLE_DIR) as example:
        result = example.fetch(path, **options)
    assert result.verdict == "allowed", result.message


def test_the_seed_authorizer_problem_is_diagnosed_and_its_fix_works(tmp_path: Path) -> None:
    service = tmp_path / "seed-authorizer"
    shutil.copytree(SEED_AUTHORIZER, service)
    expired = {"Authorization": "Bearer expired-token"}
    with serve(service) as served:
        before = served.fetch("/profile", headers=expired)
        valid = served.fetch("/profile", headers={"Authorization": "Bearer valid-token"})
    assert valid.verdict == "allowed"
    assert before.verdict == "blocked"
    assert before.cause == "authorizer-rejected"
    assert before.message is not None
    assert before.message.endswith(
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    assert before.fix is not None
    snippet = before.fix.text[before.fix.text.index("resources:") :]
    config = service / "serverless.yml"
    config.write_text(config.read_text() + "\n" + snippet + "\n")
    with serve(service) as served:
        after = served.fetch("/profile", headers=expired)
    assert after.verdict == "allowed", after.message
    response = after.exchanges[-1].response
    assert response is not None
    assert response.status == 401  # the page can now read the refusal
