"""The seed's examples seen by a real browser on another origin, as the post says they work.

Each test loads a page from another loopback port and fetches an example's endpoint, asserting
whether Chromium let the page read the answer and, when it did not, the console message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_example_cors import FETCH, Outcome, assert_blocked, fetch_from
from tests.gateway.node_support import requires_node
from tests.gateway.seed_examples import (
    CREDENTIALS,
    MIDDY,
    SEED_PYTHON,
    TLDR,
    published_copy,
    published_tldr_handler,
    requires_middy,
    serve_example,
)
from tests.gateway.support import RunningGateway

WILDCARD_WITH_CREDENTIALS = (
    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
    "wildcard '*' when the request's credentials mode is 'include'."
)
NO_ALLOW_ORIGIN = "No 'Access-Control-Allow-Origin' header is present on the requested resource."


@pytest.fixture(scope="module")
def tldr() -> Iterator[RunningGateway]:
    with serve_example(TLDR) as gateway:
        yield gateway


@requires_node
def test_tldr_get_is_readable_cross_origin(
    browser: Any, page_port: int, tldr: RunningGateway
) -> None:
    outcome = fetch_from(browser, f"http://127.0.0.1:{page_port}", tldr.url + "/product/2")
    assert outcome.allowed
    assert outcome.status == 200
    assert outcome.body == '{"product":{"id":"2","name":"Milk jug","price":14}}'


@requires_node
def test_tldr_json_post_is_preflighted_and_readable(
    browser: Any, page_port: int, tldr: RunningGateway
) -> None:
    outcome = fetch_from(
        browser,
        f"http://127.0.0.1:{page_port}",
        tldr.url + "/product",
        {
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": '{"name": "Knock box"}',
        },
    )
    assert outcome.allowed
    assert outcome.status == 200
    assert '"name":"Knock box"' in outcome.body
    log = tldr.console("POST /dev/product")
    assert "OPTIONS /dev/product  200" in log
    assert f"CORS ok for http://127.0.0.1:{page_port}" in log


@requires_node
def test_tldr_handler_as_published_is_blocked_by_the_browser(
    browser: Any, page_port: int, tmp_path: Path
) -> None:
    # The post's handler.js without the stubs: a ReferenceError, API Gateway's 502 without CORS
    # headers, and the very error the post promises to end.
    service = published_copy(TLDR, tmp_path, published_tldr_handler())
    with serve_example(service) as gateway:
        origin = f"http://127.0.0.1:{page_port}"
        url = gateway.url + "/product/1"
        assert_blocked(fetch_from(browser, origin, url), url, origin, NO_ALLOW_ORIGIN)


@requires_node
@requires_middy
def test_middy_hello_is_readable_cross_origin(browser: Any, page_port: int) -> None:
    with serve_example(MIDDY) as gateway:
        origin = f"http://127.0.0.1:{page_port}"
        outcome = fetch_from(browser, origin, gateway.url + "/hello")
        assert outcome.allowed
        assert outcome.status == 200
        assert outcome.body == "Hello, world!"
        assert "GET /dev/hello  200" in gateway.console("GET /dev/hello")
        assert f"CORS ok for {origin}" in gateway.console("CORS ok")


def fetch_with_cookie(browser: Any, page_origin: str, url: str, cookie_url: str) -> Outcome:
    """A credentialed fetch from `page_origin` with a session cookie set for `cookie_url`."""
    context = browser.new_context()
    try:
        context.add_cookies([{"name": "session", "value": "s1", "url": cookie_url}])
        page = context.new_page()
        page.goto(page_origin + "/")
        result = page.evaluate(FETCH, {"url": url, "init": {"credentials": "include"}})
        return Outcome(result["allowed"], result.get("status"), result.get("body", ""))
    finally:
        context.close()


@pytest.fixture(scope="module")
def credentials_for_page(
    page_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """The credentials example with the page's origin in place of https://myfirstorigin.com
    (a test page cannot be served from that origin); nothing else changes."""
    handler = (CREDENTIALS / "handler.js").read_text()
    assert "'https://myfirstorigin.com'" in handler
    page_origin = f"http://127.0.0.1:{page_port}"
    service = published_copy(
        CREDENTIALS,
        tmp_path_factory.mktemp("credentials"),
        handler.replace("'https://myfirstorigin.com'", f"'{page_origin}'"),
    )
    with serve_example(service) as gateway:
        yield gateway


@requires_node
def test_credentialed_request_from_an_allowed_origin(
    browser: Any, page_port: int, credentials_for_page: RunningGateway
) -> None:
    gateway = credentials_for_page
    page_origin = f"http://127.0.0.1:{page_port}"
    outcome = fetch_with_cookie(browser, page_origin, gateway.url + "/product/3", gateway.url)
    assert outcome.allowed
    assert outcome.status == 200
    assert outcome.body == '{"product":{"id":"3","name":"Espresso cup","signedIn":true}}'


@requires_node
def test_credentialed_request_from_another_origin_is_blocked(
    browser: Any, page_port: int, credentials_for_page: RunningGateway
) -> None:
    origin = f"http://localhost:{page_port}"
    url = credentials_for_page.url + "/product/3"
    outcome = fetch_from(browser, origin, url, {"credentials": "include"})
    assert_blocked(outcome, url, origin, WILDCARD_WITH_CREDENTIALS)
    # Without credentials the same answer (`*`) is readable, as the post says.
    assert fetch_from(browser, origin, url).allowed


def test_lambda_decorators_hello_is_readable_cross_origin(browser: Any, page_port: int) -> None:
    with serve_example(SEED_PYTHON) as gateway:
        outcome = fetch_from(browser, f"http://127.0.0.1:{page_port}", gateway.url + "/hello")
        assert outcome.allowed
        assert outcome.status == 200
        assert outcome.body == "Hello, world!"
