"""HTTP API CORS seen by a real Chromium on another loopback origin.

API Gateway (v2) answers preflights from the API's CorsConfiguration, adds its headers to every
answer (its own 401s included) and drops the handler's; a `$default` route with an authorizer
takes the preflights and breaks them, until an unauthenticated `OPTIONS /{proxy+}` route is
added (the fix AWS documents).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corsway.gateway.httpapi.jwks import jwks_config
from tests.browser.test_example_cors import assert_blocked, fetch_from
from tests.gateway.httpapi.jwt_support import AUDIENCE, ISSUER, new_key, write_jwks
from tests.gateway.httpapi.support import HttpTemplate, Served, serving

NOT_OK = (
    "Response to preflight request doesn't pass access control check: "
    "It does not have HTTP ok status."
)


def origin(page_port: int) -> str:
    return f"http://127.0.0.1:{page_port}"


def cors(page_port: int, **extra: Any) -> dict[str, Any]:
    return {
        "AllowOrigins": [origin(page_port)],
        "AllowHeaders": ["Content-Type", "Authorization"],
        "AllowMethods": ["GET", "POST"],
        **extra,
    }


@pytest.fixture(scope="module")
def api(page_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    key = new_key("browser")
    jwks = write_jwks(tmp_path_factory.mktemp("jwks") / "jwks.json", key)
    template = (
        HttpTemplate(cors=cors(page_port, AllowCredentials=True))
        .function("echo", "handlers.echo")
        .function("withCors", "handlers.with_cors")
        .jwt_authorizer("main", issuer=ISSUER, audience=[AUDIENCE])
        .route("POST /items", "echo")
        .route("GET /handler-cors", "withCors")
        .route("GET /profile", "echo", authorizer="main")
        .build()
    )
    with serving(template, jwks=jwks_config([str(jwks)])) as served:
        yield served


def test_preflighted_json_post_is_answered_by_the_configuration(
    browser: Any, page_port: int, api: Served
) -> None:
    outcome = fetch_from(
        browser,
        origin(page_port),
        api.url + "/items",
        {
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": '{"name": "Tamper"}',
        },
    )
    assert outcome.allowed
    assert outcome.status == 200
    assert '"body": "{\\"name\\": \\"Tamper\\"}"' in outcome.body.replace('":"', '": "')
    api.last_line("OPTIONS /items  204", f"CORS ok for {origin(page_port)}")
    api.last_line("POST /items  200", "echo", f"CORS ok for {origin(page_port)}")


def test_jwt_401_is_readable_thanks_to_the_configuration(
    browser: Any, page_port: int, api: Served
) -> None:
    outcome = fetch_from(browser, origin(page_port), api.url + "/profile")
    assert outcome.allowed
    assert outcome.status == 401
    assert outcome.body == '{"message":"Unauthorized"}'
    assert not any("blocked by CORS policy" in m for m in outcome.console)


def test_handler_allow_origin_is_replaced_by_the_configuration(
    browser: Any, page_port: int, api: Served
) -> None:
    outcome = fetch_from(browser, origin(page_port), api.url + "/handler-cors")
    assert outcome.allowed
    assert outcome.status == 200
    assert outcome.body == "with cors"
    api.last_line("GET /handler-cors  200", "Access-Control-Allow-Origin", "dropped")


def test_without_configuration_the_handler_allow_origin_reaches_the_browser(
    browser: Any, page_port: int
) -> None:
    template = (
        HttpTemplate()
        .function("withCors", "handlers.with_cors")
        .route("GET /handler-cors", "withCors")
        .build()
    )
    with serving(template) as served:
        url = served.url + "/handler-cors"
        outcome = fetch_from(browser, origin(page_port), url)
        assert_blocked(
            outcome,
            url,
            origin(page_port),
            "The 'Access-Control-Allow-Origin' header has a value 'https://handler.example' "
            "that is not equal to the supplied origin. Have the server send the header with a "
            "valid value.",
        )


def default_route_template(page_port: int, fixed: bool) -> dict[str, Any]:
    builder = (
        HttpTemplate(cors=cors(page_port))
        .function("app", "handlers.echo")
        .function("auth", "handlers.authorizer_simple")
        .function("preflight", "handlers.no_content")
        .lambda_authorizer("simpleAuth", "auth", sources=[], simple=True)
        .route("$default", "app", authorizer="simpleAuth")
    )
    if fixed:
        builder.route("OPTIONS /{proxy+}", "preflight")
    return builder.build()


@pytest.mark.parametrize("fixed", [False, True], ids=["default-route", "with-options-route"])
def test_default_route_with_authorizer_and_the_options_route_fix(
    browser: Any, page_port: int, fixed: bool
) -> None:
    with serving(default_route_template(page_port, fixed)) as served:
        url = served.url + "/items"
        init = {"method": "POST", "headers": {"Authorization": "allow"}, "body": "x"}
        outcome = fetch_from(browser, origin(page_port), url, init)
        if not fixed:
            assert_blocked(outcome, url, origin(page_port), NOT_OK)
            served.last_line("OPTIONS /items  403", "authorizer simpleAuth: isAuthorized false")
            return
        assert outcome.allowed
        assert outcome.status == 200
        assert '"routeKey": "$default"' in outcome.body.replace('":"', '": "')
        served.last_line("OPTIONS /items  204", "preflight")
        served.last_line("POST /items  200", "authorizer simpleAuth: isAuthorized true")
