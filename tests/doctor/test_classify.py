"""What the page's fetch() is, and whether Chromium preflights it (no network)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corsway.doctor.classify import (
    RequestError,
    access_control_request_headers,
    cors_unsafe_header_names,
    is_safelisted_header,
    needs_preflight,
    normalize_method,
    page_request,
)

ORIGIN = "http://localhost:5173"


def test_a_body_gets_fetchs_text_content_type() -> None:
    request = page_request("http://api.test/x", origin=ORIGIN, method="post", body="hi")
    assert request.method == "POST"
    assert request.headers == (("Content-Type", "text/plain;charset=UTF-8"),)
    assert request.body == b"hi"
    assert not needs_preflight(request.method, request.headers)


def test_headers_are_combined_trimmed_and_the_cookie_is_the_jar() -> None:
    request = page_request(
        "http://api.test/x",
        origin=ORIGIN,
        headers=[("X-A", " 1 "), ("Cookie", "a=1"), ("x-a", "2"), ("cookie", "b=2")],
    )
    assert request.headers == (("X-A", "1, 2"),)
    assert request.cookie == "a=1; b=2"


@pytest.mark.parametrize(
    ("method", "sent"),
    [("get", "GET"), ("delete", "DELETE"), ("Put", "PUT"), ("patch", "patch"), ("PATCH", "PATCH")],
)
def test_only_six_methods_are_upper_cased(method: str, sent: str) -> None:
    assert normalize_method(method) == sent


def test_a_script_may_set_access_control_request_private_network() -> None:
    """Forbidden for a CORS policy to allow, not for fetch(): Chromium 156 keeps it in a
    Request's headers (it is then a CORS-unsafe header and asks for a preflight)."""
    request = page_request(
        "http://api.test/x",
        origin=ORIGIN,
        headers=[("Access-Control-Request-Private-Network", "true")],
    )
    assert request.headers == (("Access-Control-Request-Private-Network", "true"),)
    assert needs_preflight(request.method, request.headers)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"method": "GET", "body": "x"}, "a GET request cannot have a body"),
        ({"method": "TRACE"}, "forbidden"),
        ({"method": "GE T"}, "not a valid HTTP method"),
        ({"headers": [("Host", "evil")]}, "header Host: a page's script cannot set it"),
        ({"headers": [("Sec-Fetch-Mode", "no-cors")]}, "cannot set it"),
        ({"headers": [("Proxy-Authorization", "x")]}, "cannot set it"),
        ({"headers": [("X-HTTP-Method-Override", "TRACE")]}, "cannot set it"),
        ({"headers": [("Origin", "http://x.test")]}, "give the page's origin with --origin"),
        ({"headers": [("Bad Name", "x")]}, "header name 'Bad Name' is not valid"),
        ({"headers": [("X-A", "a\nb")]}, "is not valid (no NUL, CR, LF"),
        ({"credentials": "always"}, "use omit, same-origin or include"),
    ],
)
def test_what_fetch_refuses_is_a_clear_error(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(RequestError, match=None) as caught:
        page_request("http://api.test/x", origin=ORIGIN, **kwargs)  # type: ignore[arg-type]
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("url", "origin", "words"),
    [
        ("http://user:pw@api.test/x", ORIGIN, "includes a user name or password"),
        ("ftp://api.test/x", ORIGIN, "is not http:// or https://"),
        ("http://api.test/x", "localhost:5173", "is not an origin"),
        ("http://api.test/x", "http://localhost:5173/app", "has more than scheme://host[:port]"),
    ],
)
def test_bad_urls_and_origins(url: str, origin: str, words: str) -> None:
    with pytest.raises(RequestError) as caught:
        page_request(url, origin=origin)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "safelisted"),
    [
        ("Accept", "application/json", True),
        ("Accept", "x" * 128, True),
        ("Accept", "x" * 129, False),
        ("Accept", "a(b", False),
        ("Accept", "a\tb", True),
        ("Accept-Language", "en-US,en;q=0.9", True),
        ("Accept-Language", "en_US", False),
        ("Content-Language", "de", True),
        ("Content-Type", "text/plain", True),
        ("Content-Type", "TEXT/PLAIN; charset=utf-8", True),
        ("Content-Type", "multipart/form-data; boundary=x", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "application/json", False),
        ("Content-Type", "text/plain, application/json", False),
        ("Content-Type", "text/plain(x)", False),
        ("Range", "bytes=0-100", True),
        ("Range", "bytes=5-", True),
        ("Range", "bytes=-100", False),
        ("Range", "bytes=5-2", False),
        ("Range", "bytes=0-1,2-3", False),
        ("Range", "Bytes=0-", False),
        ("DPR", "2.5", True),
        ("DPR", "2.", False),
        ("Width", "1.5", False),
        ("ECT", "4g", True),
        ("ECT", "5g", False),
        ("Save-Data", "on", True),
        ("Save-Data", "off", False),
        ("Intervention", "anything", True),
        ("Authorization", "Bearer x", False),
        ("X-Api-Key", "k", False),
    ],
)
def test_safelisted_request_headers(name: str, value: str, safelisted: bool) -> None:
    assert is_safelisted_header(name, value) is safelisted


def test_safelisted_values_over_1024_bytes_in_all_need_a_preflight() -> None:
    headers = (("Accept", "a" * 128), ("Accept-Language", "b" * 128))
    assert cors_unsafe_header_names(headers) == []
    many = tuple((name, "1" * 128) for name in ("DPR", "Device-Memory", "Downlink", "Width"))
    more = (*headers, *many, ("Viewport-Width", "2" * 128), ("RTT", "3" * 128))
    assert sum(len(v) for _, v in more) == 1024
    assert cors_unsafe_header_names(more) == []
    over = (*more, ("Content-Language", "c"))
    assert access_control_request_headers(over) == (
        "accept,accept-language,content-language,device-memory,downlink,dpr,rtt,"
        "viewport-width,width"
    )


def test_the_preflight_names_are_sorted_lower_case_and_unique() -> None:
    headers = (("X-Zeta", "1"), ("Authorization", "x"), ("Content-Type", "application/json"))
    assert access_control_request_headers(headers) == "authorization,content-type,x-zeta"
    assert access_control_request_headers((("Accept", "*/*"),)) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["X-A", "x-b", "Authorization", "Accept", "Content-Type", "DPR"]),
            st.text(alphabet="abc/;=0123456789", max_size=40),
        ),
        max_size=6,
    )
)
def test_request_headers_property(headers: list[tuple[str, str]]) -> None:
    names = cors_unsafe_header_names(tuple(headers))
    assert names == sorted(set(names))
    assert all(name == name.lower() for name in names)
    for name, value in headers:
        if not is_safelisted_header(name, value):
            assert name.lower() in names
    assert needs_preflight("GET", tuple(headers)) == bool(names)
    assert needs_preflight("PUT", tuple(headers))
