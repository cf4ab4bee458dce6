"""Authorizer denials seen by a real browser on another origin, with and without the seed's
`GatewayResponseDefault4XX`.

API Gateway answers a denied request itself, so the handler's CORS headers never reach the
browser: without a gateway response that adds `Access-Control-Allow-Origin`, Chromium blocks the
401/403 and the page sees only a network error; with it, the page reads the status and body.
Preflights never run the authorizer (the OPTIONS method has none), unless the route's only
method is ANY with an authorizer: then the preflight itself gets the 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_example_cors import assert_blocked, fetch_from
from tests.gateway.authorizer_support import AUTHORIZER_HANDLER, add_authorizer, protected
from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway

NO_ALLOW_ORIGIN = "No 'Access-Control-Allow-Origin' header is present on the requested resource."
PREFLIGHT = "Response to preflight request doesn't pass access control check: "


def template(with_gateway_response: bool) -> dict[str, Any]:
    builder = (
        TemplateBuilder()
        .function("auth", AUTHORIZER_HANDLER)
        .function("hello", "authorizers.hello")
    )
    add_authorizer(builder, "TokenAuth", ttl=0)
    protected(builder, "items", "GET", "TokenAuth", function="hello")
    builder.preflight("items", methods="OPTIONS,GET")
    protected(builder, "anything", "ANY", "TokenAuth", function="hello")  # no OPTIONS method
    if with_gateway_response:  # the seed's resource, as in examples/products-service
        builder.gateway_response(
            "DEFAULT_4XX",
            parameters={
                "Access-Control-Allow-Origin": "'*'",
                "Access-Control-Allow-Headers": "'*'",
            },
        )
    return builder.build()


@pytest.fixture(scope="module")
def with_default_4xx() -> Iterator[RunningGateway]:
    with running_gateway(template(True)) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def without_default_4xx() -> Iterator[RunningGateway]:
    with running_gateway(template(False)) as gateway:
        yield gateway


# (the token the page sends, the status and the body API Gateway answers)
DENIALS = [
    (None, 401, '{"message":"Unauthorized"}'),
    ("Unauthorized", 401, '{"message":"Unauthorized"}'),
    (
        "deny-this",
        403,
        '{"Message":"User is not authorized to access this resource with an explicit deny in an '
        'identity-based policy"}',
    ),
]


def origin(page_port: int) -> str:
    return f"http://127.0.0.1:{page_port}"


def test_allowed_request_is_preflighted_without_the_authorizer(
    browser: Any, page_port: int, without_default_4xx: RunningGateway
) -> None:
    gateway = without_default_4xx
    outcome = fetch_from(
        browser,
        origin(page_port),
        gateway.url + "/items",
        {"headers": {"Authorization": "Bearer browser-ok"}},
    )
    assert outcome.allowed
    assert outcome.status == 200
    assert '"principalId": "user-1"' in outcome.body
    log = gateway.console("GET /dev/items  200")
    preflight = next(line for line in log.splitlines() if line.startswith("OPTIONS /dev/items"))
    assert "authorizer" not in preflight
    assert f"CORS ok for {origin(page_port)}" in preflight


@pytest.mark.parametrize("denial", DENIALS, ids=["no-token", "Unauthorized", "Deny"])
def test_denial_is_blocked_without_the_gateway_response(
    browser: Any,
    page_port: int,
    without_default_4xx: RunningGateway,
    denial: tuple[str | None, int, str],
) -> None:
    token, status, _ = denial
    url = without_default_4xx.url + "/items"
    init = {"headers": {"Authorization": token}} if token else {}
    outcome = fetch_from(browser, origin(page_port), url, init)
    assert outcome.status is None  # the page only sees a network error
    assert_blocked(outcome, url, origin(page_port), NO_ALLOW_ORIGIN)
    assert f"GET /dev/items  {status}" in without_default_4xx.console(f"GET /dev/items  {status}")


@pytest.mark.parametrize("denial", DENIALS, ids=["no-token", "Unauthorized", "Deny"])
def test_denial_is_readable_with_the_gateway_response(
    browser: Any,
    page_port: int,
    with_default_4xx: RunningGateway,
    denial: tuple[str | None, int, str],
) -> None:
    token, status, body = denial
    init = {"headers": {"Authorization": token}} if token else {}
    outcome = fetch_from(browser, origin(page_port), with_default_4xx.url + "/items", init)
    assert outcome.allowed
    assert outcome.status == status
    assert outcome.body == body
    assert not any("blocked by CORS policy" in message for message in outcome.console)


def test_any_only_route_preflight_hits_the_authorizer_without_the_gateway_response(
    browser: Any, page_port: int, without_default_4xx: RunningGateway
) -> None:
    url = without_default_4xx.url + "/anything"
    init = {"method": "PUT", "headers": {"Authorization": "Bearer ok"}}
    outcome = fetch_from(browser, origin(page_port), url, init)
    assert_blocked(outcome, url, origin(page_port), PREFLIGHT + NO_ALLOW_ORIGIN)
    log = without_default_4xx.console("OPTIONS /dev/anything  401")
    assert "authorizer TokenAuth: 401 without invoking it" in log


def test_any_only_route_preflight_fails_even_with_the_gateway_response(
    browser: Any, page_port: int, with_default_4xx: RunningGateway
) -> None:
    """The 401 now carries Access-Control-Allow-Origin, but a preflight needs an ok status."""
    url = with_default_4xx.url + "/anything"
    init = {"method": "PUT", "headers": {"Authorization": "Bearer ok"}}
    outcome = fetch_from(browser, origin(page_port), url, init)
    assert_blocked(outcome, url, origin(page_port), PREFLIGHT + "It does not have HTTP ok status.")
