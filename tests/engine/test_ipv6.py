"""IPv6 origins are written as browsers write them (the URL standard's IPv6 serializer), on every
Python version: Python 3.13's ``ipaddress`` prints an IPv4-mapped address in dotted form, which no
browser sends. The expected values are what Chromium's ``new URL(input).origin`` gives
(tests/browser/test_origin_serialization.py checks them against the real browser)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corsway.cors import CorsConfigError, CorsPolicy
from corsway.cors.origins import serialize_ipv6

# (configured origin, the origin browsers send for it)
BROWSER_FORMS = [
    ("http://[::ffff:127.127.127.127]:90", "http://[::ffff:7f7f:7f7f]:90"),
    ("http://[::ffff:7f7f:7f7f]:90", "http://[::ffff:7f7f:7f7f]:90"),
    ("http://[::FFFF:7F00:1]", "http://[::ffff:7f00:1]"),
    ("http://[::ffff:0:0]", "http://[::ffff:0:0]"),
    ("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"),
    ("http://[2001:DB8:0:0:1:0:0:1]", "http://[2001:db8::1:0:0:1]"),
    ("http://[2001:db8::0:1:0:0:1]", "http://[2001:db8::1:0:0:1]"),
    ("http://[0001:0db8::0001]", "http://[1:db8::1]"),
    ("http://[::1.2.3.4]", "http://[::102:304]"),
    ("http://[::ffff:0:1.2.3.4]", "http://[::ffff:0:102:304]"),
    ("http://[64:ff9b::1.2.3.4]", "http://[64:ff9b::102:304]"),
    ("http://[1:2:3:4:5:6:1.2.3.4]", "http://[1:2:3:4:5:6:102:304]"),
    ("http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]"),  # the longest run of zeros
    ("http://[0:0:1:0:0:1:0:0]", "http://[::1:0:0:1:0:0]"),  # the first of equal runs
    ("http://[1:0:3:4:5:6:7:0]", "http://[1:0:3:4:5:6:7:0]"),  # a single 0 stays
    ("http://[1:2:3:4:5:6:7:8]", "http://[1:2:3:4:5:6:7:8]"),
    ("http://[::]", "http://[::]"),
    ("http://[1::]", "http://[1::]"),
    ("https://[::1]:443", "https://[::1]"),
]


@pytest.mark.parametrize(("configured", "sent"), BROWSER_FORMS)
def test_ipv6_origins_are_normalised_as_browsers_serialize_them(configured: str, sent: str) -> None:
    policy = CorsPolicy(origins=[configured])
    assert policy.origins == (sent,)
    assert policy.decide("GET", {"Origin": sent}).allowed
    preflight = policy.decide("OPTIONS", {"Origin": sent, "Access-Control-Request-Method": "GET"})
    assert preflight.allowed
    assert ("Access-Control-Allow-Origin", sent) in preflight.headers


def test_ipv4_mapped_origin_matches_the_hex_form_and_refuses_the_dotted_one() -> None:
    policy = CorsPolicy(origins=["http://[::ffff:127.127.127.127]:90"])
    assert policy.decide("GET", {"Origin": "http://[::ffff:7f7f:7f7f]:90"}).allowed
    dotted = policy.decide("GET", {"Origin": "http://[::ffff:127.127.127.127]:90"})
    assert not dotted.allowed  # no browser sends it: never echoed
    assert "is not allowed (allowed: http://[::ffff:7f7f:7f7f]:90)" in dotted.reason


def test_ipv4_mapped_any_port_host() -> None:
    policy = CorsPolicy(origins=["http://[::FFFF:127.0.0.1]:*"])
    assert policy.origins == ("http://[::ffff:7f00:1]:*",)
    assert policy.decide("GET", {"Origin": "http://[::ffff:7f00:1]:3000"}).allowed
    assert policy.decide("GET", {"Origin": "http://[::ffff:7f00:1]"}).allowed
    assert not policy.decide("GET", {"Origin": "http://[::ffff:127.0.0.1]:3000"}).allowed


def test_loopback_ipv6_with_credentials_stays_allowed_over_http() -> None:
    policy = CorsPolicy(origins=["http://[0::1]:8080"], credentials=True)
    assert policy.origins == ("http://[::1]:8080",)


@pytest.mark.parametrize("raw", ["http://[fe80::1%eth0]", "http://[fe80::1%25eth0]:8080"])
def test_zone_ids_are_refused(raw: str) -> None:
    with pytest.raises(CorsConfigError) as caught:
        CorsPolicy(origins=[raw])
    (problem,) = caught.value.problems
    assert problem.field == "origins[0]"
    assert "zone id" in problem.message
    assert "'fe80::1'" in problem.message


@pytest.mark.parametrize(
    "raw",
    [
        "http://[1:2:3:4:5:6:7:8:9]",
        "http://[1::2::3]",
        "http://[::1.2.3.04]",
        "http://[::1.2.3]",
        "http://[12345::]",
        "http://[::ffff:1.2.3.256]",
        "http://[]",
    ],
)
def test_invalid_ipv6_addresses_are_refused(raw: str) -> None:
    with pytest.raises(CorsConfigError, match="invalid IPv6 address"):
        CorsPolicy(origins=[raw])


# Pieces rich in zeros (runs to compress) and 0xffff (IPv4-mapped addresses).
PIECES = st.lists(
    st.one_of(st.just(0), st.just(0xFFFF), st.integers(0, 0xFFFF)), min_size=8, max_size=8
)


@given(PIECES)
def test_serialization_round_trips_and_is_canonical(pieces: list[int]) -> None:
    packed = b"".join(piece.to_bytes(2, "big") for piece in pieces)
    text = serialize_ipv6(packed)
    assert ipaddress.IPv6Address(text).packed == packed
    assert text == text.lower()
    assert "." not in text  # an embedded IPv4 address stays in hex
    assert text.count("::") <= 1
    assert all(piece == "0" or not piece.startswith("0") for piece in text.split(":") if piece)
    # Python's own rendering agrees wherever it does not switch to dotted IPv4 (3.13+).
    compressed = ipaddress.IPv6Address(packed).compressed
    if "." not in compressed:
        assert text == compressed
