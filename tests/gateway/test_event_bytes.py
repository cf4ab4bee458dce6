"""The proxy event encoded from per-method fragments is byte for byte the encoded event dict;
request ids have the shape of API Gateway's."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsway.gateway.request import GatewayRequest, new_extended_request_id, new_request_id
from corsway.gateway.rest import proxy_event
from corsway.gateway.rest.proxy_event import EventBuilder
from corsway.gateway.rest.template import build_api
from tests.gateway.support import SERVICE_DIR, TemplateBuilder

TEMPLATE = (
    TemplateBuilder()
    .function("hello", "handlers.echo")
    .proxy("/hello", "get", "hello")
    .proxy("/items/{id}", "any", "hello")
    .build()
)


def _api(stage_variables: dict[str, str] | None = None, binary: tuple[str, ...] = ()) -> Any:
    api = build_api(
        TEMPLATE, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
    )
    return dataclasses.replace(api, stage_variables=stage_variables, binary_media_types=binary)


@pytest.fixture(autouse=True)
def fixed_trace_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # the one random part the builder adds itself
    monkeypatch.setattr(proxy_event, "trace_id", lambda epoch_ms: f"Root=1-{epoch_ms}")


text = st.text(st.characters(codec="utf-8"), max_size=12)
names = st.sampled_from(
    ["Host", "host", "User-Agent", "X-Forwarded-For", "Content-Type", "Connection", "x-Ä", "A"]
)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    path=st.sampled_from(["/dev/hello", "/dev/hello/", "/dev/items/a%20b", "/dev/items/é"]),
    query=st.sampled_from(["", "a=1&a=2&b=%20x&c", "x=%E2%82%AC+y"]),
    headers=st.lists(st.tuples(names, text), max_size=6),
    body=st.binary(max_size=20),
    authorizer=st.none()
    | st.dictionaries(text, text | st.integers(-(2**63), 2**63 - 1), max_size=3),
    stage_prefix=st.booleans(),
    stage_variables=st.none() | st.dictionaries(text, text, max_size=2),
    binary=st.sampled_from([(), ("*/*",), ("image/png",)]),
)
def test_event_bytes_equal_the_encoded_event(
    *,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    authorizer: dict[str, Any] | None,
    stage_prefix: bool,
    stage_variables: dict[str, str] | None,
    binary: tuple[str, ...],
) -> None:
    api = _api(stage_variables, binary)
    builder = EventBuilder(api, stage_prefix=stage_prefix, server_port=3000)
    request = GatewayRequest(
        method=method, raw_path=path, query_string=query, headers=headers, source_ip="10.0.0.1"
    )
    request.body = body
    resource_path = "/hello" if "hello" in path else "/items/{id}"
    resource = next(r for r in api.resources if r.path == resource_path)
    target = next(iter(resource.methods.values()))
    stage_path = path.removeprefix("/dev")
    parameters = {"id": stage_path.rsplit("/", 1)[1]} if "items" in path else {}
    expected = builder.encode(
        builder.event(request, target, stage_path, parameters, authorizer=authorizer)
    )
    assert builder.event_bytes(request, target, stage_path, parameters, authorizer) == expected
    assert builder.event_bytes(request, target, stage_path, parameters, authorizer) == expected


def test_request_ids_are_version_4_uuids_and_extended_ids_11_bytes_of_base64() -> None:
    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    variants = set()
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        variants.add(text[19])
    assert variants == set("89ab")
    extended = new_extended_request_id()
    assert len(base64.b64decode(extended, validate=True)) == 11
    assert len(extended) == 16
