"""IPv6 origins as real Chromium writes them: the engine's normalised form of a configured IPv6
origin is what the browser puts in ``Origin`` (the URL standard's serializer)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from corsway.cors import CorsPolicy
from corsway.wsgi import CorsMiddleware
from tests.browser.test_example_cors import fetch_from
from tests.engine.test_ipv6 import BROWSER_FORMS

SERIALIZE = """inputs => inputs.map(input => new URL(input).origin)"""


def test_chromium_serializes_ipv6_origins_as_the_engine_normalises_them(browser: Any) -> None:
    configured = [raw for raw, _ in BROWSER_FORMS]
    page = browser.new_page()
    try:
        chromium = page.evaluate(SERIALIZE, configured)
    finally:
        page.close()
    engine = [CorsPolicy(origins=[raw]).origins[0] for raw in configured]
    assert chromium == engine
    assert chromium == [sent for _, sent in BROWSER_FORMS]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def api(page_port: int) -> Iterator[tuple[int, list[str | None]]]:
    """An API on 127.0.0.1 behind corsway.wsgi, allowing the page at the IPv4-mapped address
    ``[::ffff:127.0.0.1]`` (written in dotted form); yields its port and the Origins it saw."""
    seen: list[str | None] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ.get("HTTP_ORIGIN"))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    wrapped = CorsMiddleware(app, origins=[f"http://[::ffff:127.0.0.1]:{page_port}"])
    server: WSGIServer = make_server("127.0.0.1", 0, wrapped, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_page_at_an_ipv4_mapped_address_is_allowed(
    browser: Any, page_port: int, api: tuple[int, list[str | None]]
) -> None:
    api_port, seen = api
    page_origin = f"http://[::ffff:127.0.0.1]:{page_port}"  # served by the 127.0.0.1 server
    outcome = fetch_from(browser, page_origin, f"http://127.0.0.1:{api_port}/")
    assert seen == [f"http://[::ffff:7f00:1]:{page_port}"]  # what Chromium sends
    assert outcome.allowed, outcome.console
    assert outcome.body == "ok"
