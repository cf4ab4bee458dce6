"""A Lambda proxy result → the HTTP response, validated exactly as API Gateway validates it.

Malformed output (not an object, an unknown key, a non-numeric statusCode, a non-string body,
a multiValueHeaders value that is not a list, a number as a header value) is a 502; the
reason is returned for the console. Booleans become `true`/`false`; a header present in both
maps gets the multi values first and the multiValueHeaders spelling; Connection,
Content-Length, Date and Server are re-emitted as `x-amzn-Remapped-*`; Transfer-Encoding is
dropped; Content-Type defaults to application/json; a base64 body is decoded only when the
API has binary media types and the request's first Accept type is one of them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from corsway.gateway.request import media_type
from corsway.gateway.response import HEADER_NAME, INVALID_HEADER_VALUE

try:  # the same values as json.loads, faster
    from orjson import loads
except ImportError:  # pragma: no cover
    from json import loads  # type: ignore[assignment]

ALLOWED_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "base64Encoded"}
)
REMAPPED = frozenset({"connection", "content-length", "date", "server"})
DROPPED = frozenset({"transfer-encoding"})
_SPECIAL = REMAPPED | DROPPED | {"content-type"}


class MalformedProxyResponse(ValueError):
    """Why API Gateway would answer 502 to this output."""


class BinaryDecodeError(ValueError):
    """isBase64Encoded with a body that is not base64 (API Gateway answers 500)."""


@dataclass(frozen=True, slots=True)
class ProxyResponse:
    """What the client receives."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


_names: dict[str, str] = {}  # header names already found valid -> their lower-case form


def _lower_name(name: str, where: str) -> str:
    """The lower-case form of a valid header name; MalformedProxyResponse for another."""
    lower = _names.get(name)
    if lower is None:
        if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
            raise MalformedProxyResponse(f"{where}: {name!r} is not a valid header name")
        lower = name.lower()
        if len(_names) < 4096:
            _names[name] = lower
    return lower


def _header_value(name: str, value: object, where: str) -> str:
    if value.__class__ is str:
        text: str = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = str(value)
    else:
        raise MalformedProxyResponse(
            f"{where}[{name!r}] is {type(value).__name__} {value!r}; header values must be "
            "strings (or booleans)"
        )
    if INVALID_HEADER_VALUE.search(text):
        raise MalformedProxyResponse(
            f"{where}[{name!r}] contains a line break or another control character"
        )
    return text


def render(
    payload: bytes,
    *,
    accept: str | None,
    binary_media_types: tuple[str, ...],
) -> ProxyResponse:
    """Validate and render a proxy result; raise MalformedProxyResponse or BinaryDecodeError."""
    try:
        result = loads(payload)
    except ValueError:
        raise MalformedProxyResponse("the function returned something that is not JSON") from None
    if not isinstance(result, dict):
        raise MalformedProxyResponse(
            f"the function returned a {type(result).__name__}, not an object with statusCode, "
            "headers and body"
        )
    if not ALLOWED_KEYS.issuperset(result):
        unknown = [key for key in result if key not in ALLOWED_KEYS]
        raise MalformedProxyResponse(
            f"unknown key(s) {', '.join(map(repr, unknown))} in the result; a proxy result may "
            "only have statusCode, headers, multiValueHeaders, body, isBase64Encoded"
        )
    status = result.get("statusCode", 200)
    if status.__class__ is not int:
        if status is None:
            status = 200
        elif isinstance(status, str) and status.isdigit():
            status = int(status)
        if isinstance(status, bool) or not isinstance(status, int):
            raise MalformedProxyResponse(f"statusCode {status!r} is not an HTTP status code")
    if not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status!r} is not an HTTP status code")

    single = result.get("headers")
    multi = result.get("multiValueHeaders")
    if single is not None and not isinstance(single, dict):
        raise MalformedProxyResponse(f"headers must be an object, got {single!r}")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedProxyResponse(f"multiValueHeaders must be an object, got {multi!r}")
    # (name, lower-case name, value): multi values first, in the multiValueHeaders spelling,
    # then the single value of the same name; then the other single values.
    headers: list[tuple[str, str, str]] = []
    single_by_lower: dict[str, tuple[str, str]] = {}
    if single:
        for name, value in single.items():
            if value is None:
                continue
            single_by_lower[_lower_name(name, "headers")] = (
                name,
                _header_value(name, value, "headers"),
            )
    if multi:
        for name, values in multi.items():
            if values is None:
                continue
            if not isinstance(values, list):
                raise MalformedProxyResponse(
                    f"multiValueHeaders[{name!r}] must be a list of strings, got {values!r}"
                )
            lower = _lower_name(name, "multiValueHeaders") if values else name.lower()
            for value in values:
                headers.append((name, lower, _header_value(name, value, "multiValueHeaders")))
            extra = single_by_lower.pop(lower, None)
            if extra is not None:
                headers.append((name, lower, extra[1]))
    for lower, (name, value) in single_by_lower.items():
        headers.append((name, lower, value))

    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse(
            f"body must be a string (JSON.stringify / json.dumps it), got {type(body).__name__}"
        )
    encoded = result.get("isBase64Encoded", result.get("base64Encoded", False))
    if encoded is not None and not isinstance(encoded, bool):
        raise MalformedProxyResponse(f"isBase64Encoded must be a boolean, got {encoded!r}")
    data = (body or "").encode()
    if encoded and body and binary_media_types:
        first_accept = media_type((accept or "").split(",", 1)[0])
        if "*/*" in binary_media_types or first_accept in binary_media_types:
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise BinaryDecodeError("isBase64Encoded is true but body is not base64") from None

    rendered: list[tuple[str, str]] = []
    has_content_type = False
    for name, lower, value in headers:
        if lower in _SPECIAL:
            if lower in DROPPED:
                continue
            if lower in REMAPPED:
                rendered.append((f"x-amzn-Remapped-{name}", value))
                continue
            has_content_type = True
        rendered.append((name, value))
    if not has_content_type:
        rendered.insert(0, ("Content-Type", "application/json"))
    return ProxyResponse(status, rendered, data)
