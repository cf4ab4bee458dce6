"""HTTP API events made from templates (a request seen before) are byte for byte the events
built from scratch, for payload 2.0 and 1.0, whatever the request carries."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsway.gateway.httpapi import events
from corsway.gateway.httpapi.events import EventBuilder, dumps
from corsway.gateway.httpapi.routing import Router
from corsway.gateway.httpapi.template import build_http_api
from corsway.gateway.request import GatewayRequest
from tests.gateway.httpapi.support import SERVICE_DIR, HttpTemplate

TEMPLATE = (
    HttpTemplate()
    .function("hello", "handler.hello")
    .route("GET /hello", "hello")
    .route("ANY /items/{id}", "hello")
    .route("$default", "hello")
    .resources
)


def _api(stage_variables: dict[str, str] | None = None) -> Any:
    api = build_http_api(
        {"Resources": TEMPLATE},
        service_dir=SERVICE_DIR,
        stage="dev",
        region="us-east-1",
        source="t.json",
    )
    return dataclasses.replace(api, stage_variables=stage_variables)


@pytest.fixture(autouse=True)
def counted_trace_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # a different trace id every time (as the real ones), but the same for one call of
    # event_bytes and the event_vN built after it from the same request
    made: dict[int, str] = {}

    def trace(epoch_ms: int) -> str:
        return made.setdefault(epoch_ms, f"Root=1-{epoch_ms // 1000:08x}-{len(made):024x}")

    monkeypatch.setattr(events, "trace_id", trace)


text = st.text(st.characters(codec="utf-8"), max_size=10)
# values that look like the template's own fields and markers, and percent signs
tricky = st.sampled_from(["%", "%(t)s", "%%", "\ue000t\ue000", "\ue000e\ue000", '"', "\\"])
names = st.sampled_from(
    ["Host", "host", "User-Agent", "Cookie", "X-Forwarded-For", "x-amzn-trace-id", "Accept"]
)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "DELETE", "OPTIONS"]),
    path=st.sampled_from(["/hello", "/items/a%20b", "/items/é", "/other/x"]),
    query=st.sampled_from(["", "a=1&a=2&b=%20x&c", "x=%25(t)s"]),
    headers=st.lists(st.tuples(names, text | tricky), max_size=5),
    version=st.sampled_from(["2.0", "1.0"]),
    stage_variables=st.none() | st.dictionaries(text, text | tricky, max_size=2),
    epochs=st.lists(
        st.integers(1_600_000_000_000, 1_900_000_000_000), min_size=3, max_size=3, unique=True
    ),
)
def test_templated_events_equal_built_ones(
    *,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    version: str,
    stage_variables: dict[str, str] | None,
    epochs: list[int],
) -> None:
    api = _api(stage_variables)
    builder = EventBuilder(api, server_port=3000)
    match = Router(api.routes).match(method, path)
    assert match is not None
    route, parameters = match
    name = "event_v2" if version == "2.0" else "event_v1"
    build = getattr(builder, name)
    builds: list[int] = []

    def counted(*args: Any) -> dict[str, Any]:
        builds.append(1)
        event: dict[str, Any] = build(*args)
        return event

    setattr(builder, name, counted)
    # a template is kept unless a header or stage variable holds one of its markers (then it
    # may not reproduce the event: it is not kept, and every request is built)
    values = [value for _, value in headers] + list((stage_variables or {}).values())
    marks = [str(mark) for mark in events._MARKS]
    marked = any(mark in value for value in values for mark in marks)
    # the first request is built; the second too, and makes the template (one more build,
    # with markers); the third is the template filled in
    expected_builds = [{1}, {3}, {3, 4} if marked else {3}]
    for epoch_ms, totals in zip(epochs, expected_builds, strict=True):
        request = GatewayRequest(
            method=method, raw_path=path, query_string=query, headers=list(headers),
            source_ip="127.0.0.1",
        )  # fmt: skip
        request.epoch_ms = epoch_ms
        got = builder.event_bytes(request, route, parameters, None, version)
        assert len(builds) in totals
        assert got == dumps(build(request, route, parameters, None))


def _hello_get(query: str = "") -> tuple[EventBuilder, Any, Any, GatewayRequest]:
    """A builder, the GET /hello route and its parameters, and a request for it."""
    api = _api()
    match = Router(api.routes).match("GET", "/hello")
    assert match is not None
    request = GatewayRequest(
        method="GET", raw_path="/hello", query_string=query, headers=[], source_ip="127.0.0.1"
    )
    return EventBuilder(api, server_port=3000), match.route, match.path_parameters, request


def test_requests_with_a_body_or_an_authorizer_are_built_each_time() -> None:
    builder, route, parameters, _ = _hello_get()
    for _ in range(3):
        request = _hello_get()[3]
        request.body = b"{}"
        builder.event_bytes(request, route, parameters, None, "2.0")
        builder.event_bytes(request, route, parameters, {"lambda": {"a": 1}}, "2.0")
    assert builder._templates == {}


def test_the_templates_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "TEMPLATES_LIMIT", 8)
    builder, route, parameters, _ = _hello_get()
    for index in range(50):
        builder.event_bytes(_hello_get(f"n={index}")[3], route, parameters, None, "2.0")
        assert len(builder._templates) <= 8
