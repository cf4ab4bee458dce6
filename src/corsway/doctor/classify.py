"""What the page asks `fetch()` for, checked and classified as Chromium 156 does (no I/O).

`page_request()` turns the user's input into the request a page's script would make — or
refuses it with the reason `fetch()` would throw — and the functions below decide whether the
browser preflights it (Fetch standard: CORS-safelisted methods and request headers, with the
value rules, the 128-byte limit per value and 1024 bytes in all; plus the client-hint names
Chromium adds to the safelist, observed in Chromium 156: `DPR: 2` and `ECT: 4g` are sent
without a preflight, `Range: Bytes=0-` is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from corsway.cors.protocol import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADERS,
    NORMALISED_METHODS,
    SAFELISTED_METHODS,
)
from corsway.doctor.origins import Origin, Url, UrlError, parse_origin, parse_url

Credentials = Literal["omit", "same-origin", "include"]
CREDENTIALS_MODES: tuple[Credentials, ...] = ("omit", "same-origin", "include")
Header = tuple[str, str]

# fetch() upper-cases NORMALISED_METHODS (case-insensitively); any other method is sent as
# written. The engine's forbidden request headers, but for one: Chromium 156 lets a script set
# Access-Control-Request-Private-Network (checked: `new Request(url, {headers})` keeps it),
# while a CORS policy can never allow it as a request header.
FORBIDDEN_HEADERS = FORBIDDEN_REQUEST_HEADERS - {"access-control-request-private-network"}
METHOD_OVERRIDE_HEADERS = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)
# Headers about the body, dropped when a redirect turns the request into a GET.
REQUEST_BODY_HEADERS = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)
SAFELISTED_VALUE_MAX = 128  # bytes per safelisted header value
SAFELISTED_TOTAL_MAX = 1024  # bytes of all safelisted header values together
SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
DEFAULT_BODY_CONTENT_TYPE = "text/plain;charset=UTF-8"  # what fetch() sets for a string body
EFFECTIVE_CONNECTION_TYPES = frozenset({"slow-2g", "2g", "3g", "4g"})

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_UNSAFE_BYTES = frozenset(
    [*range(0x09), *range(0x0A, 0x20), *b'"():<>?@[\\]{}', 0x7F]  # HT (0x09) is allowed
)
_LANGUAGE_CHARS = frozenset(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;="
)
_DOUBLE = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_INTEGER = re.compile(r"^[0-9]+$")
_SIMPLE_RANGE = re.compile(r"^bytes=([0-9]+)-([0-9]*)$")
_HTTP_WHITESPACE = " \t\r\n"


class RequestError(ValueError):
    """Input a page's `fetch()` would refuse; the text names the value and what is valid."""


def is_token(value: str) -> bool:
    return bool(_TOKEN.match(value))


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The request as the page's script makes it, before the browser touches it."""

    url: Url
    origin: Origin
    method: str
    headers: tuple[Header, ...]  # set by the script: names as written, values normalized
    body: bytes | None
    credentials: Credentials
    cookie: str | None  # the browser's cookies for the URL's host (from -H 'Cookie: ...')

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


def header_value(headers: tuple[Header, ...], name: str) -> str | None:
    """A header's value, several lines combined with ", " (as Chromium reads them)."""
    values = [value for key, value in headers if key.lower() == name.lower()]
    return ", ".join(values) if values else None


def normalize_method(method: str) -> str:
    """fetch()'s method normalization: only the six well-known methods are upper-cased."""
    upper = method.upper()
    return upper if upper in NORMALISED_METHODS else method


def page_request(
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: tuple[Header, ...] | list[Header] = (),
    body: str | bytes | None = None,
    credentials: str = "same-origin",
) -> PageRequest:
    """Check the input as fetch() would and return the page's request; RequestError if not."""
    try:
        parsed_url = parse_url(url)
        parsed_origin = parse_origin(origin)
    except UrlError as error:
        raise RequestError(str(error)) from None
    if parsed_url.has_credentials:
        raise RequestError(
            f"URL {url!r} includes a user name or password, which fetch() refuses "
            '("Request cannot be constructed from a URL that includes credentials")'
        )
    if credentials not in CREDENTIALS_MODES:
        raise RequestError(
            f"credentials {credentials!r} is not a credentials mode: use omit, same-origin or "
            "include"
        )
    if not is_token(method):
        raise RequestError(f"method {method!r} is not a valid HTTP method (a token such as PUT)")
    if method.upper() in FORBIDDEN_METHODS:
        raise RequestError(
            f"method {method!r} is forbidden: fetch() refuses CONNECT, TRACE and TRACK"
        )
    normalized = normalize_method(method)
    content = body.encode() if isinstance(body, str) else body
    if content is not None and normalized in ("GET", "HEAD"):
        raise RequestError(
            f"a {normalized} request cannot have a body (fetch() refuses it): drop --data or "
            "use -X POST (or PUT, PATCH, ...)"
        )
    page_headers, cookie = _page_headers(headers)
    if content is not None and header_value(tuple(page_headers), "content-type") is None:
        page_headers.append(("Content-Type", DEFAULT_BODY_CONTENT_TYPE))
    return PageRequest(
        url=parsed_url,
        origin=parsed_origin,
        method=normalized,
        headers=tuple(page_headers),
        body=content,
        credentials=credentials,
        cookie=cookie,
    )


def _page_headers(headers: tuple[Header, ...] | list[Header]) -> tuple[list[Header], str | None]:
    """The script's headers, validated; Cookie is taken out as the browser's cookie jar."""
    result: list[Header] = []
    cookies: list[str] = []
    for name, raw_value in headers:
        value = raw_value.strip(_HTTP_WHITESPACE)
        if not is_token(name):
            raise RequestError(f"header name {name!r} is not valid (a token such as X-Api-Key)")
        if any(ch in value for ch in "\0\r\n") or not all(ord(ch) < 256 for ch in value):
            raise RequestError(
                f"header {name}: value {raw_value!r} is not valid (no NUL, CR, LF or characters "
                "beyond Latin-1)"
            )
        lower = name.lower()
        if lower == "cookie":
            cookies.append(value)
            continue
        if lower == "origin":
            raise RequestError(
                "header Origin: the browser sets it; give the page's origin with --origin"
            )
        if _is_forbidden(lower, value):
            raise RequestError(
                f"header {name}: a page's script cannot set it (a forbidden request header, "
                "which fetch() drops); remove it"
            )
        result.append((name, value))
    return _combined(result), "; ".join(cookies) if cookies else None


def _is_forbidden(lower: str, value: str) -> bool:
    if lower in FORBIDDEN_HEADERS or lower.startswith(("proxy-", "sec-")):
        return True
    if lower in METHOD_OVERRIDE_HEADERS:
        return any(part.strip().upper() in FORBIDDEN_METHODS for part in value.split(","))
    return False


def _combined(headers: list[Header]) -> list[Header]:
    """Headers with one line per name (values of a repeated name joined by ", "), as fetch()'s
    Headers object holds them."""
    order: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, value in headers:
        lower = name.lower()
        if lower not in values:
            order.append(lower)
            names[lower] = name
            values[lower] = []
        values[lower].append(value)
    return [(names[lower], ", ".join(values[lower])) for lower in order]


def is_safelisted_header(name: str, value: str) -> bool:
    """Whether Chromium 156 sends this header without a preflight (Fetch's CORS-safelisted
    request-header, plus Chromium's client hints and `Intervention`)."""
    if len(value.encode("latin-1", "replace")) > SAFELISTED_VALUE_MAX:
        return False
    lower = name.lower()
    data = value.encode("latin-1", "replace")
    if lower == "accept":
        return not any(byte in _UNSAFE_BYTES for byte in data)
    if lower in ("accept-language", "content-language"):
        return all(byte in _LANGUAGE_CHARS for byte in data)
    if lower == "content-type":
        return _is_safelisted_content_type(value)
    if lower == "range":
        return _is_simple_range(value)
    if lower in ("device-memory", "dpr", "downlink"):
        return bool(_DOUBLE.match(value))
    if lower in ("width", "viewport-width", "rtt"):
        return bool(_INTEGER.match(value))
    if lower == "ect":
        return value in EFFECTIVE_CONNECTION_TYPES
    if lower == "save-data":
        return value.lower() == "on"
    return lower == "intervention"


def _is_simple_range(value: str) -> bool:
    """`bytes=start-[end]`, one range, not a suffix, start <= end ("bytes" as written)."""
    match = _SIMPLE_RANGE.match(value)
    if match is None:
        return False
    start, end = match.groups()
    return not end or int(start) <= int(end)


def _is_safelisted_content_type(value: str) -> bool:
    data = value.lower().encode("latin-1", "replace")
    if any(byte in _UNSAFE_BYTES for byte in data):
        return False
    essence = value.lower().split(";", 1)[0].strip(_HTTP_WHITESPACE)
    kind, _, subtype = essence.partition("/")
    if not (is_token(kind) and is_token(subtype)):
        return False
    return essence in SAFELISTED_CONTENT_TYPES


def cors_unsafe_header_names(headers: tuple[Header, ...]) -> list[str]:
    """The lower-cased, sorted names of the headers that need a preflight (when the safelisted
    values add up to more than 1024 bytes, all of them)."""
    unsafe: set[str] = set()
    potentially_unsafe: set[str] = set()
    safelisted_size = 0
    for name, value in headers:
        if is_safelisted_header(name, value):
            potentially_unsafe.add(name.lower())
            safelisted_size += len(value.encode("latin-1", "replace"))
        else:
            unsafe.add(name.lower())
    if safelisted_size > SAFELISTED_TOTAL_MAX:
        unsafe |= potentially_unsafe
    return sorted(unsafe)


def needs_preflight(method: str, headers: tuple[Header, ...]) -> bool:
    """Whether a cross-origin fetch() with this method and these script headers is preflighted."""
    return method.upper() not in SAFELISTED_METHODS or bool(cors_unsafe_header_names(headers))


def access_control_request_headers(headers: tuple[Header, ...]) -> str | None:
    """The preflight's Access-Control-Request-Headers: sorted, lower-case, comma-joined."""
    names = cors_unsafe_header_names(headers)
    return ",".join(names) if names else None
