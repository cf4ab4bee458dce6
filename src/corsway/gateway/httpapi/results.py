"""A Lambda result → the HTTP response, as an HTTP API reads it (fact sheet §3.2, §3.3).

Payload 2.0: a JSON value without `statusCode` is a 200 `application/json` answer whose body is
the value (a string as is, anything else as the JSON the function returned); an object with
`statusCode` is read as `{statusCode, headers, cookies, body, isBase64Encoded}` — other keys
are ignored, each cookie becomes a `set-cookie` line. Payload 1.0: the REST proxy format
(`headers` + `multiValueHeaders`), unknown keys ignored. Anything malformed raises
`MalformedResult` (the gateway answers 500).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from corsway.gateway.response import HEADER_NAME, INVALID_HEADER_VALUE, Response

try:  # the same values as json.loads, faster
    from orjson import loads
except ImportError:  # pragma: no cover
    from json import loads  # type: ignore[assignment]

# [I] Fields are read with their JSON types, as a typed decoder does: a statusCode that is not an
# integer, a body that is not a string, or a header value that is an object or list is malformed
# (500). Numbers and booleans as header values are written as JSON writes them.
# [I] A structured response without a content-type header gets `application/json` (as the
# inferred format does).
DEFAULT_CONTENT_TYPE = "application/json"
# Response headers API Gateway sets itself: the integration's values are not passed on.
GATEWAY_OWNED = frozenset({"content-length", "connection", "transfer-encoding", "date"})


class MalformedResult(ValueError):
    """Why API Gateway would answer 500 to this result."""


def _status(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise MalformedResult(f"statusCode {value!r} is not an HTTP status code (an integer)")
    return value


def _header_value(name: str, value: object, where: str) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        raise MalformedResult(
            f"{where}[{name!r}] is {type(value).__name__}; header values must be strings"
        )
    if INVALID_HEADER_VALUE.search(text):
        raise MalformedResult(f"{where}[{name!r}] contains a line break or a control character")
    return text


def _header_name(name: str, where: str) -> str:
    if not HEADER_NAME.fullmatch(name):
        raise MalformedResult(f"{where}: {name!r} is not a valid header name")
    return name


def _headers(raw: object, where: str) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise MalformedResult(f"{where} must be an object, got {raw!r}")
    return [
        (_header_name(name, where), _header_value(name, value, where))
        for name, value in raw.items()
        if value is not None
    ]


def _body(result: Mapping[str, object]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResult(
            f"body must be a string (JSON.stringify / json.dumps it), got {type(body).__name__}"
        )
    encoded = result.get("isBase64Encoded", False)
    if encoded is not None and not isinstance(encoded, bool):
        raise MalformedResult(f"isBase64Encoded must be a boolean, got {encoded!r}")
    if encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResult("isBase64Encoded is true but body is not base64") from None
    return body.encode()


def _finish(status: int, headers: list[tuple[str, str]], body: bytes) -> Response:
    if not headers:
        return Response(status, [("Content-Type", DEFAULT_CONTENT_TYPE)], body)
    kept = [(n, v) for n, v in headers if n.lower() not in GATEWAY_OWNED]
    if not any(n.lower() == "content-type" for n, _ in kept):
        kept.insert(0, ("Content-Type", DEFAULT_CONTENT_TYPE))
    return Response(status, kept, body)


def render_v2(payload: bytes) -> Response:
    """A payload 2.0 result; raises MalformedResult."""
    try:
        result = loads(payload)
    except ValueError:
        raise MalformedResult("the function returned something that is not JSON") from None
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result.encode() if isinstance(result, str) else payload.strip()
        return Response(200, [("Content-Type", "application/json")], body)
    status = _status(result["statusCode"])
    headers = _headers(result.get("headers"), "headers")
    cookies = result.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise MalformedResult(f"cookies must be a list of strings, got {cookies!r}")
        headers.extend(("set-cookie", _header_value("set-cookie", c, "cookies")) for c in cookies)
    return _finish(status, headers, _body(result))


def render_v1(payload: bytes) -> Response:
    """A payload 1.0 result (the REST proxy format); raises MalformedResult."""
    try:
        result = loads(payload)
    except ValueError:
        raise MalformedResult("the function returned something that is not JSON") from None
    if not isinstance(result, dict):
        raise MalformedResult(
            f"the function returned a {type(result).__name__}, not an object with statusCode, "
            "headers and body (payload format 1.0)"
        )
    status = _status(result.get("statusCode", 200))
    single = _headers(result.get("headers"), "headers")
    multi = result.get("multiValueHeaders")
    headers: list[tuple[str, str]] = []
    if multi is not None:
        if not isinstance(multi, dict):
            raise MalformedResult(f"multiValueHeaders must be an object, got {multi!r}")
        for name, values in multi.items():
            if values is None:
                continue
            if not isinstance(values, list):
                raise MalformedResult(f"multiValueHeaders[{name!r}] must be a list of strings")
            _header_name(name, "multiValueHeaders")
            headers.extend((name, _header_value(name, v, "multiValueHeaders")) for v in values)
    listed = {name.lower() for name, _ in headers}
    headers.extend((n, v) for n, v in single if n.lower() not in listed)
    return _finish(status, headers, _body(result))
