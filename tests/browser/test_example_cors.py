"""The example service seen by a real browser on another origin: what CORS allows and blocks.

Each test loads a page from another loopback port, fetches one of the example's endpoints
and asserts whether Chromium let the page read the answer, and when it did not, the console
message it printed (texts from ../shared/research/browser-cors-facts.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from corsway.compile import compile_service
from tests.gateway.support import EXAMPLE_DIR, RunningGateway, running_gateway

BLOCKED = "Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: "
FETCH = """async ({url, init}) => {
  try {
    const response = await fetch(url, init);
    return {allowed: true, status: response.status, body: await response.text()};
  } catch (error) {
    return {allowed: false, error: String(error)};
  }
}"""


def compiled_example(with_gateway_response: bool) -> tuple[dict[str, Any], dict[str, str]]:
    result = compile_service(EXAMPLE_DIR, stage="dev", region="us-east-1")
    template = result.template
    if not with_gateway_response:
        template["Resources"].pop("GatewayResponseDefault4XX")
    return template, result.function_keys


@pytest.fixture(scope="module")
def example() -> Iterator[RunningGateway]:
    template, keys = compiled_example(True)
    with running_gateway(template, EXAMPLE_DIR, function_keys=keys) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def example_without_gateway_response() -> Iterator[RunningGateway]:
    template, keys = compiled_example(False)
    with running_gateway(template, EXAMPLE_DIR, function_keys=keys) as gateway:
        yield gateway


@dataclass
class Outcome:
    allowed: bool
    status: int | None
    body: str
    console: list[str] = field(default_factory=list)


def fetch_from(
    browser: Any, page_origin: str, url: str, init: dict[str, Any] | None = None
) -> Outcome:
    """Open the page at `page_origin` in a fresh context and fetch `url` from it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        page.goto(page_origin + "/")
        result = page.evaluate(FETCH, {"url": url, "init": init or {}})
        if not result["allowed"]:
            deadline = time.monotonic() + 5
            while not any("blocked by CORS policy" in m for m in messages):
                if time.monotonic() > deadline:
                    break
                page.wait_for_timeout(50)
        return Outcome(result["allowed"], result.get("status"), result.get("body", ""), messages)
    finally:
        context.close()


def assert_blocked(outcome: Outcome, url: str, origin: str, reason: str) -> None:
    assert not outcome.allowed
    expected = BLOCKED.format(url=url, origin=origin) + reason
    assert expected in outcome.console, outcome.console


def test_simple_get_is_allowed(browser: Any, page_port: int, example: RunningGateway) -> None:
    outcome = fetch_from(browser, f"http://127.0.0.1:{page_port}", example.url + "/product/1")
    assert outcome.allowed
    assert outcome.status == 200
    assert '"Espresso cup"' in outcome.body
    assert "blocked" not in " ".join(outcome.console)


def test_json_post_is_preflighted_and_allowed(
    browser: Any, page_port: int, example: RunningGateway
) -> None:
    outcome = fetch_from(
        browser,
        f"http://127.0.0.1:{page_port}",
        example.url + "/product",
        {
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": '{"name": "Tamper"}',
        },
    )
    assert outcome.allowed
    assert outcome.status == 200
    assert '"Tamper"' in outcome.body
    log = example.console("POST /dev/product")
    assert "OPTIONS /dev/product  200" in log
    assert f"CORS ok for http://127.0.0.1:{page_port}" in log


def test_credentialed_request_from_an_allowed_origin(
    browser: Any, page_port: int, example: RunningGateway
) -> None:
    outcome = fetch_from(
        browser,
        f"http://127.0.0.1:{page_port}",
        example.url + "/account",
        {"credentials": "include"},
    )
    assert outcome.allowed
    assert outcome.status == 200
    assert '"user": "demo"' in outcome.body


def test_credentialed_request_from_a_refused_origin(
    browser: Any, page_port: int, example: RunningGateway
) -> None:
    origin = f"http://localhost:{page_port}"
    url = example.url + "/account"
    outcome = fetch_from(browser, origin, url, {"credentials": "include"})
    assert_blocked(
        outcome,
        url,
        origin,
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
        "wildcard '*' when the request's credentials mode is 'include'.",
    )


def test_unknown_route_is_readable_with_the_gateway_response(
    browser: Any, page_port: int, example: RunningGateway
) -> None:
    outcome = fetch_from(browser, f"http://127.0.0.1:{page_port}", example.url + "/nope")
    assert outcome.allowed
    assert outcome.status == 403
    assert outcome.body == '{"message":"Missing Authentication Token"}'


def test_unknown_route_is_blocked_without_the_gateway_response(
    browser: Any, page_port: int, example_without_gateway_response: RunningGateway
) -> None:
    origin = f"http://127.0.0.1:{page_port}"
    url = example_without_gateway_response.url + "/nope"
    outcome = fetch_from(browser, origin, url)
    assert_blocked(
        outcome,
        url,
        origin,
        "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    )


def test_method_the_preflight_does_not_allow_is_blocked(
    browser: Any, page_port: int, example: RunningGateway
) -> None:
    origin = f"http://127.0.0.1:{page_port}"
    url = example.url + "/product"
    outcome = fetch_from(browser, origin, url, {"method": "PUT", "body": "{}"})
    assert_blocked(
        outcome,
        url,
        origin,
        "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
    )
    assert "PUT /dev/product" not in example.console("OPTIONS /dev/product", timeout=2)
