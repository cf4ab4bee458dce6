"""The CORS protocol's vocabulary: header names, the method and header sets the Fetch standard
names, the token grammar, and reading the CORS request headers from a mapping or from
``(name, value)`` pairs, names case-insensitive (the slow paths of ``CorsPolicy.decide()``)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

# --- response header names (canonical casing) ---------------------------------------------------
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
ALLOW_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"
VARY = "Vary"

# --- request header names (lower case) ----------------------------------------------------------
ORIGIN = "origin"
REQUEST_METHOD = "access-control-request-method"
REQUEST_HEADERS = "access-control-request-headers"
REQUEST_PRIVATE_NETWORK = "access-control-request-private-network"

VARY_ORIGIN = "Origin"
VARY_PREFLIGHT = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
VARY_PREFLIGHT_PNA = VARY_PREFLIGHT + ", Access-Control-Request-Private-Network"

# RFC 9110 token characters; `not s.strip(TCHARS)` is a C-speed "is s made only of these" test.
TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
NORMALISED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "access-control-request-private-network",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
# The response headers a CORS policy writes (lower case): a request never carries them, and
# an adapter drops an app's own value for them in favour of the policy's.
RESPONSE_HEADERS = frozenset(
    name.lower()
    for name in (
        ALLOW_ORIGIN,
        ALLOW_CREDENTIALS,
        ALLOW_METHODS,
        ALLOW_HEADERS,
        ALLOW_PRIVATE_NETWORK,
        EXPOSE_HEADERS,
        MAX_AGE,
    )
)
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
REQUEST_ONLY_HEADERS = frozenset({ORIGIN, REQUEST_METHOD, REQUEST_HEADERS, REQUEST_PRIVATE_NETWORK})


def is_token(text: str) -> bool:
    """Whether ``text`` is an RFC 9110 token (a method or a header name)."""
    return bool(text) and not text.strip(TCHARS)


def parse_header_list(value: str) -> tuple[list[str], list[str]]:
    """Lower-cased names in a comma-separated header list, and the items that are not tokens."""
    names: list[str] = []
    malformed: list[str] = []
    for item in value.split(","):
        name = item.strip(" \t").lower()
        if not name:
            continue
        if is_token(name):
            names.append(name)
        else:
            malformed.append(name)
    return names, malformed


def find(headers: Mapping[str, str], lower_name: str) -> str | None:
    """Case-insensitive lookup of a header missing under its common spellings."""
    if lower_name not in "\n".join(headers).lower():  # one C-speed pass in the usual case
        return None
    size = len(lower_name)
    for key in headers:
        if len(key) == size and key.lower() == lower_name:
            return headers[key]
    return None


def lookup(headers: Mapping[str, str], lower_name: str) -> str | None:
    """Case-insensitive lookup trying the lower-case and Title-Case spellings first."""
    value = headers.get(lower_name)
    if value is None:
        value = headers.get("-".join(part.capitalize() for part in lower_name.split("-")))
        if value is None:
            value = find(headers, lower_name)
    return value


def non_str_header(headers: Any) -> str | None:
    """Describe the first header name or value that is not a str, or None if all are."""
    try:
        items = headers.items() if hasattr(headers, "keys") else headers
        for item in items:
            name, value = item
            if not isinstance(name, str):
                return f"the name {name!r} ({type(name).__name__})"
            if not isinstance(value, str) and value is not None:
                return f"{name}: {value!r} ({type(value).__name__})"
    except (TypeError, ValueError):
        return f"{type(headers).__name__}, which is neither a mapping nor (name, value) pairs"
    return None


def read_pairs(
    pairs: Iterable[tuple[str, str]],
) -> tuple[str | None, str | None, str | None, str | None]:
    """Origin, Access-Control-Request-Method, -Headers (all lines joined) and -Private-Network."""
    origin = method = private = None
    request_headers: list[str] = []
    for name, value in pairs:
        size = len(name)
        if size == 6:
            lower = name.lower()
            if lower == ORIGIN:
                if origin is None:
                    origin = value
                continue
        elif size == 29:
            lower = name.lower()
            if lower == REQUEST_METHOD:
                if method is None:
                    method = value
                continue
        elif size == 30:
            lower = name.lower()
            if lower == REQUEST_HEADERS:
                request_headers.append(value)
                continue
        elif size == 38:
            lower = name.lower()
            if lower == REQUEST_PRIVATE_NETWORK:
                if private is None:
                    private = value
                continue
        else:
            continue
        if type(lower) is not str:  # e.g. b"Origin": never silently skip a CORS header
            raise TypeError(f"header name {name!r} is not a str")
    joined = ",".join(request_headers) if request_headers else None
    return origin, method, joined, private
