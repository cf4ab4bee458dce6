"""The CORS checks on a response, in Chromium's order (no I/O).

`check_access` is the CORS check of an actual response (and of each redirect response);
`check_preflight` checks a preflight response: the same origin/credentials check first,
then the status (so a 403 without Access-Control-Allow-Origin is a missing header, not a bad
status), then Access-Control-Allow-Methods/-Headers are parsed and the request's method and
headers looked up in them. Header values are read as Chromium reads them: several lines of
one header combined with ", ".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from corsway.doctor.classify import Credentials, Header, cors_unsafe_header_names, header_value
from corsway.doctor.origins import is_valid_url_for_chromium

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
MAX_AGE = "Access-Control-Max-Age"
DEFAULT_MAX_AGE_S = 5  # Chromium caches a preflight without Max-Age for 5 s
MAX_MAX_AGE_S = 7200  # and at most two hours
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_PREFLIGHT_VARIANTS = {
    "WildcardOriginNotAllowed": "PreflightWildcardOriginNotAllowed",
    "MissingAllowOriginHeader": "PreflightMissingAllowOriginHeader",
    "MultipleAllowOriginValues": "PreflightMultipleAllowOriginValues",
    "InvalidAllowOriginValue": "PreflightInvalidAllowOriginValue",
    "AllowOriginMismatch": "PreflightAllowOriginMismatch",
    "InvalidAllowCredentials": "PreflightInvalidAllowCredentials",
}


@dataclass(frozen=True, slots=True)
class CorsFailure:
    """A failed check: Chromium's CorsError name, its failedParameter and the response header
    at fault (None when the status or a redirect is)."""

    error: str
    hint: str = ""
    header: str | None = None


def check_access(
    headers: tuple[Header, ...], credentials: Credentials, origin: str
) -> CorsFailure | None:
    """The CORS check of a response for a request from serialized `origin` (`null` when
    opaque or tainted by a redirect); None when it passes."""
    allow_origin = header_value(headers, ALLOW_ORIGIN)
    include = credentials == "include"
    if allow_origin == "*":
        if include:
            return CorsFailure("WildcardOriginNotAllowed", "", ALLOW_ORIGIN)
        return None
    if allow_origin is None:
        return CorsFailure("MissingAllowOriginHeader", "", ALLOW_ORIGIN)
    if allow_origin != origin:
        if " " in allow_origin or "," in allow_origin:
            return CorsFailure("MultipleAllowOriginValues", allow_origin, ALLOW_ORIGIN)
        if allow_origin == "null":
            return CorsFailure("AllowOriginMismatch", allow_origin, ALLOW_ORIGIN)
        if not is_valid_url_for_chromium(allow_origin):
            return CorsFailure("InvalidAllowOriginValue", allow_origin, ALLOW_ORIGIN)
        return CorsFailure("AllowOriginMismatch", allow_origin, ALLOW_ORIGIN)
    if include:
        allow_credentials = header_value(headers, ALLOW_CREDENTIALS)
        if allow_credentials != "true":
            return CorsFailure(
                "InvalidAllowCredentials", allow_credentials or "", ALLOW_CREDENTIALS
            )
    return None


def is_ok_status(status: int) -> bool:
    return 200 <= status < 300


def check_preflight_access(
    status: int, headers: tuple[Header, ...], credentials: Credentials, origin: str
) -> CorsFailure | None:
    """Origin and credentials first (with the Preflight* names), then the status."""
    failure = check_access(headers, credentials, origin)
    if failure is not None:
        return CorsFailure(_PREFLIGHT_VARIANTS[failure.error], failure.hint, failure.header)
    if not is_ok_status(status):
        return CorsFailure("PreflightInvalidStatus")
    return None


@dataclass(frozen=True, slots=True)
class PreflightResult:
    """What a passed preflight allows (Chromium's PreflightResult)."""

    methods: frozenset[str]  # as sent (method names are case-sensitive)
    headers: frozenset[str]  # lower-cased
    credentials: bool  # the preflight was for credentials: 'include' (then `*` is literal)
    max_age_s: int

    def method_failure(self, method: str) -> CorsFailure | None:
        """Safelisted methods always pass; `*` matches any method unless credentialed."""
        if method in self.methods or method.upper() in ("GET", "HEAD", "POST"):
            return None
        if not self.credentials and "*" in self.methods:
            return None
        return CorsFailure("MethodDisallowedByPreflightResponse", method, ALLOW_METHODS)

    def header_failure(self, headers: tuple[Header, ...]) -> CorsFailure | None:
        """The first (in sorted order) unsafe request header the response does not allow."""
        if not self.credentials and "*" in self.headers:
            return None
        return self.names_failure(cors_unsafe_header_names(headers))

    def names_failure(self, names: Iterable[str]) -> CorsFailure | None:
        """The first of these lower-cased header names (an Access-Control-Request-Headers
        list, in its order) the response does not allow."""
        if not self.credentials and "*" in self.headers:
            return None
        for name in names:
            if name not in self.headers:
                return CorsFailure("HeaderDisallowedByPreflightResponse", name, ALLOW_HEADERS)
        return None

    def authorization_covered_by_wildcard(self, headers: tuple[Header, ...]) -> bool:
        """Chromium 156 lets `Access-Control-Allow-Headers: *` cover Authorization (the
        Fetch standard and other browsers do not)."""
        return (
            not self.credentials
            and "*" in self.headers
            and "authorization" not in self.headers
            and header_value(headers, "authorization") is not None
        )

    def allows(self, method: str, headers: tuple[Header, ...], credentials: Credentials) -> bool:
        """Whether a cached result covers another request (for the preflight cache)."""
        if credentials == "include" and not self.credentials:
            return False
        return self.method_failure(method) is None and self.header_failure(headers) is None


def parse_preflight(
    headers: tuple[Header, ...], credentials: Credentials
) -> PreflightResult | CorsFailure:
    """Parse Access-Control-Allow-Methods, then -Headers (comma-separated tokens, empty items
    skipped); an item that is not a token makes the whole header unparsable."""
    methods = _allow_list(header_value(headers, ALLOW_METHODS))
    if methods is None:
        return CorsFailure("InvalidAllowMethodsPreflightResponse", "", ALLOW_METHODS)
    allowed_headers = _allow_list(header_value(headers, ALLOW_HEADERS))
    if allowed_headers is None:
        return CorsFailure("InvalidAllowHeadersPreflightResponse", "", ALLOW_HEADERS)
    return PreflightResult(
        methods=frozenset(methods),
        headers=frozenset(name.lower() for name in allowed_headers),
        credentials=credentials == "include",
        max_age_s=_max_age(header_value(headers, MAX_AGE)),
    )


def _allow_list(value: str | None) -> list[str] | None:
    if value is None:
        return []
    items = [item.strip(" \t") for item in value.split(",")]
    items = [item for item in items if item]
    if not all(_TOKEN.match(item) for item in items):
        return None
    return items


def _max_age(value: str | None) -> int:
    if value is None:
        return DEFAULT_MAX_AGE_S
    if not value.isdigit():
        return 0  # an invalid Max-Age: usable for this request only
    return min(int(value), MAX_MAX_AGE_S)
