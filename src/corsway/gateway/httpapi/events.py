"""The Lambda events of an HTTP API: payload format 2.0 (fact sheet §3.1) and 1.0 (§3.3).

2.0: header names lower-cased, repeated headers joined with `,`, the `Cookie` header moved to
`cookies` (one item per cookie), repeated query keys joined with `,`, `rawPath` and
`rawQueryString` as sent, empty parts left out; 1.0: the REST proxy event's shape with lower-case
header names, `"version": "1.0"` and the `$default` stage. Both add `x-forwarded-*` and a trace
id as API Gateway does, and base64-encode bodies that are not text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from corsway.gateway.httpapi.model import HttpApi, Route
from corsway.gateway.request import GatewayRequest, clf_time, media_type, trace_id

try:  # orjson encodes an event several times faster; the json fallback gives the same bytes
    from orjson import dumps
except ImportError:  # pragma: no cover

    def dumps(value: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


__all__ = ["EventBuilder", "Stamp", "body_fields", "dumps", "is_text"]

# Headers that never reach the function (hop-by-hop, and what API Gateway consumes itself).
DROPPED_HEADERS = frozenset(
    {"connection", "expect", "te", "transfer-encoding", "upgrade", "keep-alive", "max-forwards"}
)
# [I] The `Cookie` header is moved to `cookies` and left out of `headers` (payload 2.0).
COOKIE_IN_HEADERS = False
# [I] Bodies of these media types reach the function as text; any other body, or one without a
# Content-Type, is base64-encoded (HTTP APIs have no binaryMediaTypes).
TEXT_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/graphql",
        "application/ld+json",
    }
)
_TEXT_SUFFIXES = ("+json", "+xml")


def is_text(content_type: str | None) -> bool:
    """Whether a body of this Content-Type reaches the function as text (else base64)."""
    media = media_type(content_type)
    return media.startswith("text/") or media in TEXT_MEDIA_TYPES or media.endswith(_TEXT_SUFFIXES)


def body_fields(request: GatewayRequest) -> tuple[str | None, bool]:
    """(body, isBase64Encoded) as the event carries them; None without a body."""
    if not request.body:
        return None, False
    if is_text(request.header_ci("content-type")):
        return request.body.decode("utf-8", errors="replace"), False
    return base64.b64encode(request.body).decode(), True


class Stamp(NamedTuple):
    """What differs between the events of two identical requests: API Gateway's ids and time."""

    trace_id: str  # `x-amzn-trace-id`, added when the client sent none
    request_id: str  # `requestContext.requestId` (and 1.0's `extendedRequestId`)
    time: str  # `requestContext.time` / `requestTime`
    epoch_ms: int | str  # `timeEpoch` / `requestTimeEpoch` (a marker in a template)


def stamp(request: GatewayRequest) -> Stamp:
    """The request's own `Stamp`."""
    epoch_ms = request.epoch_ms
    return Stamp(
        trace_id(epoch_ms), request.extended_request_id, clf_time(epoch_ms // 1000), epoch_ms
    )


# Stand-ins for a `Stamp`'s values in a template (replaced by `%(t)s`-style fields after
# encoding; a template is only kept once it reproduces the event it was made from exactly).
_MARKS = Stamp("\ue000t\ue000", "\ue000r\ue000", "\ue000m\ue000", "\ue000e\ue000")
_FIELDS = (
    (f'"{_MARKS.epoch_ms}"', b"%(e)s"),  # a number: its marker's quotes go too
    (_MARKS.trace_id, b"%(t)s"),
    (_MARKS.request_id, b"%(r)s"),
    (_MARKS.time, b"%(m)s"),
)
# Encoded events kept as templates per API: cleared when full (keys come from clients; with
# request heads of at most 10 kB, the front door's limit, that is a few MB at most).
TEMPLATES_LIMIT = 256
_SEEN_ONCE = object()  # a request made once: the second one makes its template
_NO_TEMPLATE = object()  # a request whose event cannot be a template: built every time


class _Template(NamedTuple):
    """An encoded event with its `Stamp` as fields: the event of every identical request."""

    text: bytes  # a bytes %-format with the fields %(t)s, %(r)s, %(m)s, %(e)s
    traced: bool  # whether it adds a trace id (the client sent none)

    def render(self, request: GatewayRequest) -> bytes:
        """The event of `request`."""
        epoch_ms = request.epoch_ms
        return self.text % {
            b"t": trace_id(epoch_ms).encode() if self.traced else b"",
            b"r": request.extended_request_id.encode(),
            b"m": clf_time(epoch_ms // 1000).encode(),
            b"e": b"%d" % epoch_ms,
        }

    def fill(self, stamped: Stamp) -> bytes:
        """The event with these ids and time."""
        return self.text % {
            b"t": stamped.trace_id.encode(),
            b"r": stamped.request_id.encode(),
            b"m": stamped.time.encode(),
            b"e": str(stamped.epoch_ms).encode(),
        }


def _template(marked: bytes) -> _Template:
    text = marked.replace(b"%", b"%%")
    for mark, field in _FIELDS:
        text = text.replace(mark.encode(), field)
    return _Template(text, _MARKS.trace_id.encode() in marked)


class EventBuilder:
    """Builds the events of one API (its constant parts prepared once).

    Clients repeat themselves (a page polls one URL; a browser sends the same headers each
    time): the second time a request without a body comes, its encoded event becomes a
    template, and identical requests after it get their event by filling in the ids and time.
    """

    def __init__(self, api: HttpApi, *, server_port: int) -> None:
        self.api = api
        self._port = str(server_port)
        self._stage_variables = dict(api.stage_variables) if api.stage_variables else None
        self._templates: dict[tuple[object, ...], object] = {}

    def _forwarded(self, request: GatewayRequest, forwarded_for: str | None) -> dict[str, str]:
        return {
            "x-forwarded-for": f"{forwarded_for}, {request.source_ip}"
            if forwarded_for
            else request.source_ip,
            "x-forwarded-port": self._port,
            "x-forwarded-proto": "http",
        }

    # -- payload 2.0 --------------------------------------------------------------------

    def headers_v2(
        self, request: GatewayRequest, trace: str | None = None
    ) -> tuple[dict[str, str], list[str]]:
        """(headers, cookies): lower-case names, repeated values joined with `,`; `trace`: the
        trace id to add when the client sent none (default: a new one)."""
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for raw_name, value in request.headers:
            name = raw_name.lower()
            if name in DROPPED_HEADERS:
                continue
            if name == "cookie":
                cookies.extend(c.strip() for c in value.split(";") if c.strip())
                if not COOKIE_IN_HEADERS:
                    continue
            previous = headers.get(name)
            headers[name] = value if previous is None else f"{previous},{value}"
        forwarded_for = headers.get("x-forwarded-for")
        source = request.source_ip
        headers["x-forwarded-for"] = f"{forwarded_for}, {source}" if forwarded_for else source
        headers["x-forwarded-port"] = self._port
        headers["x-forwarded-proto"] = "http"
        if "x-amzn-trace-id" not in headers:
            headers["x-amzn-trace-id"] = trace_id(request.epoch_ms) if trace is None else trace
        return headers, cookies

    def event_v2(
        self,
        request: GatewayRequest,
        route: Route,
        path_parameters: Mapping[str, str],
        authorizer: Mapping[str, Any] | None,
        stamped: Stamp | None = None,
    ) -> dict[str, Any]:
        """The payload 2.0 event as a dict (authorizer events reuse it); `stamped`: its ids
        and time (default: the request's)."""
        api = self.api
        if stamped is None:
            stamped = stamp(request)
        headers, cookies = self.headers_v2(request, stamped.trace_id)
        host = headers.get("host", "")
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": request.raw_path,
            "rawQueryString": request.query_string,
        }
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        if request.query_string:
            query: dict[str, str] = {}
            for name, value in request.query:
                previous = query.get(name)
                query[name] = value if previous is None else f"{previous},{value}"
            event["queryStringParameters"] = query
        context: dict[str, Any] = {"accountId": api.account_id, "apiId": api.api_id}
        if authorizer is not None:
            context["authorizer"] = authorizer
        context["domainName"] = host
        context["domainPrefix"] = host.split(".", 1)[0].split(":", 1)[0]
        context["http"] = {
            "method": request.method,
            "path": request.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        }
        context["requestId"] = stamped.request_id
        context["routeKey"] = route.route_key
        context["stage"] = api.stage
        context["time"] = stamped.time
        context["timeEpoch"] = stamped.epoch_ms
        event["requestContext"] = context
        body, is_base64 = body_fields(request)
        if body is not None:
            event["body"] = body
        if path_parameters:
            event["pathParameters"] = dict(path_parameters)
        event["isBase64Encoded"] = is_base64
        if self._stage_variables is not None:
            event["stageVariables"] = self._stage_variables
        return event

    # -- payload 1.0 --------------------------------------------------------------------

    def event_v1(
        self,
        request: GatewayRequest,
        route: Route,
        path_parameters: Mapping[str, str],
        authorizer: Mapping[str, Any] | None,
        stamped: Stamp | None = None,
    ) -> dict[str, Any]:
        """The payload 1.0 event (the REST proxy event's shape) as a dict; `stamped` as for
        `event_v2`."""
        api = self.api
        if stamped is None:
            stamped = stamp(request)
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for raw_name, value in request.headers:
            name = raw_name.lower()
            if name in DROPPED_HEADERS:
                continue
            single[name] = value
            multi.setdefault(name, []).append(value)
        added = self._forwarded(request, single.get("x-forwarded-for"))
        if "x-amzn-trace-id" not in single:
            added["x-amzn-trace-id"] = stamped.trace_id
        for name, value in added.items():
            single[name] = value
            multi[name] = [value]
        query: dict[str, str] | None = None
        multi_query: dict[str, list[str]] | None = None
        if request.query:
            query, multi_query = {}, {}
            for name, value in request.query:
                query[name] = value
                multi_query.setdefault(name, []).append(value)
        host = single.get("host", "")
        resource = route.path or route.route_key
        body, is_base64 = body_fields(request)
        return {
            "version": "1.0",
            "resource": resource,
            "path": request.raw_path,
            "httpMethod": request.method,
            "headers": single,
            "multiValueHeaders": multi,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "requestContext": {
                "accountId": api.account_id,
                "apiId": api.api_id,
                "authorizer": dict(authorizer)
                if authorizer is not None
                else {"claims": None, "scopes": None},
                "domainName": host,
                "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
                "extendedRequestId": stamped.request_id,
                "httpMethod": request.method,
                "identity": {
                    "accessKey": None,
                    "accountId": None,
                    "caller": None,
                    "cognitoAuthenticationProvider": None,
                    "cognitoAuthenticationType": None,
                    "cognitoIdentityId": None,
                    "cognitoIdentityPoolId": None,
                    "principalOrgId": None,
                    "sourceIp": request.source_ip,
                    "user": None,
                    "userAgent": single.get("user-agent", ""),
                    "userArn": None,
                },
                "path": request.raw_path,
                "protocol": "HTTP/1.1",
                "requestId": stamped.request_id,
                "requestTime": stamped.time,
                "requestTimeEpoch": stamped.epoch_ms,
                "resourceId": None,
                "resourcePath": resource,
                "stage": api.stage,
            },
            "pathParameters": dict(path_parameters) or None,
            "stageVariables": self._stage_variables,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def event_bytes(
        self,
        request: GatewayRequest,
        route: Route,
        path_parameters: Mapping[str, str],
        authorizer: Mapping[str, Any] | None,
        payload_version: str,
    ) -> bytes:
        """The integration's event, JSON-encoded (from a template for a request seen before:
        see the class)."""
        build = self.event_v2 if payload_version == "2.0" else self.event_v1
        if authorizer is not None or request.body:
            return dumps(build(request, route, path_parameters, authorizer))
        # everything the event is made of besides its Stamp (the path parameters come from
        # the route and the path; the rest from the API)
        key = (
            route.route_key,
            payload_version,
            request.method,
            request.raw_path,
            request.query_string,
            request.source_ip,
            tuple(request.headers),
        )
        templates = self._templates
        found = templates.get(key)
        if found.__class__ is _Template:
            return found.render(request)
        stamped = stamp(request)
        event = dumps(build(request, route, path_parameters, None, stamped))
        if found is None:
            if len(templates) >= TEMPLATES_LIMIT:
                templates.clear()
            templates[key] = _SEEN_ONCE
        elif found is _SEEN_ONCE:
            template = _template(dumps(build(request, route, path_parameters, None, _MARKS)))
            # (none when a value happens to contain a marker)
            templates[key] = template if template.fill(stamped) == event else _NO_TEMPLATE
        return event
