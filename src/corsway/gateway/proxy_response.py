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
import re
from dataclasses import dataclass

from corsway.gateway.proxy_event import media_type

try:  # the same values as json.loads, faster
    from orjson import loads
except ImportError:  # pragma: no cover
    from json import loads  # type: ignore[assignment]

ALLOWED_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "base64Encoded"}
)
REMAPPED = frozenset({"connection", "content-length", "date", "server"})
DROPPED = frozenset({"transfer-encoding"})
_INVALID_VALUE_CHARS = frozenset("\r\n\0")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


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


def _header_value(name: str, value: object, where: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise MalformedProxyResponse(f"{where}: {name!r} is not a valid header name")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        raise MalformedProxyResponse(
            f"{where}[{name!r}] is {type(value).__name__} {value!r}; header values must be "
            "strings (or booleans)"
        )
    if _INVALID_VALUE_CHARS.intersection(text):
        raise MalformedProxyResponse(f"{where}[{name!r}] contains a line break")
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
    unknown = [key for key in result if key not in ALLOWED_KEYS]
    if unknown:
        raise MalformedProxyResponse(
            f"unknown key(s) {', '.join(map(repr, unknown))} in the result; a proxy result may "
            "only have statusCode, headers, multiValueHeaders, body, isBase64Encoded"
        )
    status = result.get("statusCode", 200)
    if status is None:
        status = 200
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status!r} is not an HTTP status code")

    headers: list[tuple[str, str]] = []
    single = result.get("headers")
    multi = result.get("multiValueHeaders")
    if single is not None and not isinstance(single, dict):
        raise MalformedProxyResponse(f"headers must be an object, got {single!r}")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedProxyResponse(f"multiValueHeaders must be an object, got {multi!r}")
    single_by_lower = {}
    for name, value in (single or {}).items():
        if value is None:
            continue
        single_by_lower[name.lower()] = (name, _header_value(name, value, "headers"))
    for name, values in (multi or {}).items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise MalformedProxyResponse(
                f"multiValueHeaders[{name!r}] must be a list of strings, got {values!r}"
            )
        for value in values:
            headers.append((name, _header_value(name, value, "multiValueHeaders")))
        extra = single_by_lower.pop(name.lower(), None)
        if extra is not None:
            headers.append((name, extra[1]))
    headers.extend(single_by_lower.values())

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
    for name, value in headers:
        lower = name.lower()
        if lower in DROPPED:
            continue
        if lower == "content-type":
            has_content_type = True
        rendered.append((f"x-amzn-Remapped-{name}" if lower in REMAPPED else name, value))
    if not has_content_type:
        rendered.insert(0, ("Content-Type", "application/json"))
    return ProxyResponse(status, rendered, data)
