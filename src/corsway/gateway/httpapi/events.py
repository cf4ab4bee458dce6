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
from typing import Any

from corsway.gateway.httpapi.model import HttpApi, Route
from corsway.gateway.request import GatewayRequest, clf_time, media_type, trace_id

try:  # orjson encodes an event several times faster; the json fallback gives the same bytes
    from orjson import dumps
except ImportError:  # pragma: no cover

    def dumps(value: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


__all__ = ["EventBuilder", "body_fields", "dumps", "is_text"]

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


class EventBuilder:
    """Builds the events of one API (its constant parts prepared once)."""

    def __init__(self, api: HttpApi, *, server_port: int) -> None:
        self.api = api
        self._port = str(server_port)
        self._stage_variables = dict(api.stage_variables) if api.stage_variables else None

    def _forwarded(self, request: GatewayRequest, forwarded_for: str | None) -> dict[str, str]:
        return {
            "x-forwarded-for": f"{forwarded_for}, {request.source_ip}"
            if forwarded_for
            else request.source_ip,
            "x-forwarded-port": self._port,
            "x-forwarded-proto": "http",
        }

    # -- payload 2.0 --------------------------------------------------------------------

    def headers_v2(self, request: GatewayRequest) -> tuple[dict[str, str], list[str]]:
        """(headers, cookies): lower-case names, repeated values joined with `,`."""
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
            headers["x-amzn-trace-id"] = trace_id(request.epoch_ms)
        return headers, cookies

    def event_v2(
        self,
        request: GatewayRequest,
        route: Route,
        path_parameters: Mapping[str, str],
        authorizer: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The payload 2.0 event as a dict (authorizer events reuse it)."""
        api = self.api
        headers, cookies = self.headers_v2(request)
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
        context["requestId"] = request.extended_request_id
        context["routeKey"] = route.route_key
        context["stage"] = api.stage
        epoch_ms = request.epoch_ms
        context["time"] = clf_time(epoch_ms // 1000)
        context["timeEpoch"] = epoch_ms
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
    ) -> dict[str, Any]:
        """The payload 1.0 event (the REST proxy event's shape) as a dict."""
        api = self.api
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
            added["x-amzn-trace-id"] = trace_id(request.epoch_ms)
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
                "extendedRequestId": request.extended_request_id,
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
                "requestId": request.extended_request_id,
                "requestTime": clf_time(request.epoch_ms // 1000),
                "requestTimeEpoch": request.epoch_ms,
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
        """The integration's event, JSON-encoded."""
        build = self.event_v2 if payload_version == "2.0" else self.event_v1
        return dumps(build(request, route, path_parameters, authorizer))
