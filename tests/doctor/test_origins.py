"""Origins, URLs and address spaces (no network)."""

from __future__ import annotations

import pytest

from corsway.doctor.origins import (
    OPAQUE,
    is_local_network_request,
    is_valid_url_for_chromium,
    literal_address_space,
    parse_origin,
    parse_url,
)


@pytest.mark.parametrize(
    ("text", "serialized"),
    [
        ("http://localhost:5173", "http://localhost:5173"),
        ("http://localhost:5173/", "http://localhost:5173"),
        ("HTTPS://App.Example.COM:443", "https://app.example.com"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://bücher.example", "http://xn--bcher-kva.example"),
        ("null", "null"),
    ],
)
def test_origins_serialize_as_the_browser_does(text: str, serialized: str) -> None:
    assert parse_origin(text).serialize() == serialized


def test_the_opaque_origin() -> None:
    assert parse_origin(" null ") is OPAQUE
    assert OPAQUE.opaque and OPAQUE.serialize() == "null"


@pytest.mark.parametrize(
    ("text", "serialized"),
    [
        ("http://127.0.0.1:80/dev/items", "http://127.0.0.1/dev/items"),
        ("HTTP://API.test", "http://api.test/"),
        ("https://api.test:8443/a b?q=1 2#frag", "https://api.test:8443/a%20b?q=1%202"),
    ],
)
def test_urls_serialize_as_chromium_prints_them(text: str, serialized: str) -> None:
    assert str(parse_url(text)) == serialized


def test_relative_locations_resolve_against_the_current_url() -> None:
    base = parse_url("http://api.test/dev/a")
    assert str(parse_url("/dev/b", base)) == "http://api.test/dev/b"
    assert str(parse_url("c?x=1", base)) == "http://api.test/dev/c?x=1"
    assert str(parse_url("//other.test/d", base)) == "http://other.test/d"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("foo", False),
        ("", False),
        ("http://", False),
        ("http://a", True),
        ("HTTP://a:1", True),
        ("null", False),
        ("mailto:x", True),
    ],
)
def test_chromiums_url_validity(value: str, valid: bool) -> None:
    assert is_valid_url_for_chromium(value) is valid


@pytest.mark.parametrize(
    ("host", "space"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("localhost", "loopback"),
        ("app.localhost", "loopback"),
        ("10.1.2.3", "local"),
        ("192.168.0.10", "local"),
        ("169.254.1.1", "local"),
        ("fd00::1", "local"),
        ("8.8.8.8", "public"),
        ("example.com", None),
    ],
)
def test_address_spaces(host: str, space: str | None) -> None:
    assert literal_address_space(host) == space


def test_local_network_access_applies_toward_more_private_spaces() -> None:
    assert is_local_network_request("public", "loopback")
    assert is_local_network_request("public", "local")
    assert is_local_network_request("local", "loopback")
    assert not is_local_network_request("loopback", "loopback")
    assert not is_local_network_request("loopback", "public")
