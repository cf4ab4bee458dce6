"""The Lambda proxy event (REST API, payload format 1.0), built as API Gateway builds it.

`path` without the stage, `requestContext.path` with it; `null` for empty maps; last value wins
in the single-value maps; header names as the client sent them, except the few API Gateway
rewrites in canonical case; hop-by-hop headers dropped; `X-Forwarded-*` added; path
parameters still percent-encoded; body base64-encoded when its Content-Type is a binary media
type.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from corsway.gateway.rest.model import Api, Method

try:  # orjson encodes an event several times faster; the json fallback gives the same bytes
    from orjson import dumps
except ImportError:  # pragma: no cover

    def dumps(value: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


from corsway.gateway.request import GatewayRequest, clf_time, media_type, trace_id

# Names API Gateway passes in canonical case whatever the client sent.
CANONICAL_HEADERS = {
    name.lower(): name
    for name in (
        "Authorization",
        "User-Agent",
        "Host",
        "X-Forwarded-For",
        "X-Forwarded-Port",
        "X-Forwarded-Proto",
        "X-Amzn-Trace-Id",
        "Via",
        "X-Amz-Cf-Id",
    )
}
# Headers that never reach the function.
DROPPED_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "expect",
        "te",
        "transfer-encoding",
        "upgrade",
        "proxy-authenticate",
        "www-authenticate",
        "max-forwards",
        "content-md5",
    }
)


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a media type is one of the API's binary media types (`*/*` matches all)."""
    if not binary_media_types:
        return False
    media = media_type(content_type)
    return "*/*" in binary_media_types or (bool(media) and media in binary_media_types)


class EventBuilder:
    """Builds events for one API; the per-method constant parts are prepared once."""

    def __init__(self, api: Api, *, stage_prefix: bool, server_port: int) -> None:
        self._api = api
        self._stage_prefix = stage_prefix
        self._port = str(server_port)
        self._fragments: dict[str, tuple[Method, _Fragments]] = {}
        self._identity_template: dict[str, str | None] = {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": None,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": None,
            "user": None,
        }

    def headers(
        self, request: GatewayRequest
    ) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
        """(headers, multiValueHeaders, lower-case name -> event name) as the event carries them."""
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for raw_name, value in request.headers:
            lower = raw_name.lower()
            if lower in DROPPED_HEADERS:
                continue
            name = CANONICAL_HEADERS.get(lower, raw_name)
            names.setdefault(lower, name)
            single[name] = value
            if name in multi:
                multi[name].append(value)
            else:
                multi[name] = [value]
        forwarded = single.get("X-Forwarded-For")
        added = {
            "X-Forwarded-For": f"{forwarded}, {request.source_ip}"
            if forwarded
            else request.source_ip,
            "X-Forwarded-Port": self._port,
            "X-Forwarded-Proto": "http",
        }
        if "X-Amzn-Trace-Id" not in single:
            added["X-Amzn-Trace-Id"] = trace_id(request.epoch_ms)
        for name, value in added.items():
            single[name] = value
            multi[name] = [value]
            names[name.lower()] = name
        return single, multi, names

    def event(
        self,
        request: GatewayRequest,
        method: Method,
        stage_path: str,
        path_parameters: Mapping[str, str],
        authorizer: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The event dict for one request routed to `method`.

        `authorizer` is `requestContext.authorizer` (absent without an authorizer, as on AWS).
        """
        api = self._api
        headers, multi_headers, _ = self.headers(request)
        single_query, multi_query = query_maps(request.query)
        body: str | None = None
        is_base64 = False
        if request.body:
            if is_binary(request.header_ci("content-type"), api.binary_media_types):
                body = base64.b64encode(request.body).decode()
                is_base64 = True
            else:
                body = request.body.decode("utf-8", errors="replace")
        identity: dict[str, str | None] = dict(self._identity_template)
        identity["sourceIp"] = request.source_ip
        identity["userAgent"] = headers.get("User-Agent")
        host = headers.get("Host") or ""
        full_path = f"/{api.stage}{stage_path}" if self._stage_prefix else stage_path
        event: dict[str, Any] = {
            "resource": method.resource_path,
            "path": stage_path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": single_query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": dict(path_parameters) or None,
            "stageVariables": dict(api.stage_variables) if api.stage_variables else None,
            "requestContext": {
                "resourceId": method.resource_id,
                "resourcePath": method.resource_path,
                "httpMethod": request.method,
                "extendedRequestId": request.extended_request_id,
                "requestTime": clf_time(request.epoch_ms // 1000),
                "path": full_path,
                "accountId": api.account_id,
                "protocol": "HTTP/1.1",
                "stage": api.stage,
                "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
                "requestTimeEpoch": request.epoch_ms,
                "requestId": request.request_id,
                "identity": identity,
                "domainName": host,
                "deploymentId": api.deployment_id,
                "apiId": api.api_id,
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }
        if authorizer is not None:
            event["requestContext"]["authorizer"] = dict(authorizer)
        return event

    def encode(self, event: dict[str, Any]) -> bytes:
        """The event as JSON bytes, compact like Lambda's own payloads."""
        return dumps(event)

    def event_bytes(
        self,
        request: GatewayRequest,
        method: Method,
        stage_path: str,
        path_parameters: Mapping[str, str],
        authorizer: Mapping[str, Any] | None = None,
    ) -> bytes:
        """`encode(event(...))`, byte for byte, without building the event's dicts: the parts
        that are the same for every request to `method` are JSON encoded once."""
        fragments = self._fragments.get(method.logical_id)
        if fragments is None or fragments[0] is not method:
            fragments = self._fragments[method.logical_id] = (method, _Fragments(self, method))
        parts = fragments[1]
        headers, multi_headers, _ = self.headers(request)
        single_query, multi_query = query_maps(request.query)
        body = b"null"
        is_base64 = b"false"
        if request.body:
            if is_binary(request.header_ci("content-type"), self._api.binary_media_types):
                body = b'"%s"' % base64.b64encode(
                    request.body
                )  # the base64 alphabet needs no escapes
                is_base64 = b"true"
            else:
                body = dumps(request.body.decode("utf-8", errors="replace"))
        host = headers.get("Host") or ""
        http_method = dumps(request.method)
        return b"".join(
            (
                parts.head,
                dumps(stage_path),
                b',"httpMethod":',
                http_method,
                b',"headers":',
                dumps(headers or None),
                b',"multiValueHeaders":',
                dumps(multi_headers or None),
                b',"queryStringParameters":',
                dumps(single_query),
                b',"multiValueQueryStringParameters":',
                dumps(multi_query),
                b',"pathParameters":',
                dumps(dict(path_parameters)) if path_parameters else b"null",
                parts.context_head,
                http_method,
                b',"extendedRequestId":',
                dumps(request.extended_request_id),
                b',"requestTime":',
                dumps(clf_time(request.epoch_ms // 1000)),
                b',"path":',
                dumps(f"{parts.stage_prefix}{stage_path}"),
                parts.account_to_stage,
                dumps(host.split(".", 1)[0].split(":", 1)[0]),
                b',"requestTimeEpoch":',
                b"%d" % request.epoch_ms,
                b',"requestId":',
                dumps(request.request_id),
                _IDENTITY_HEAD,
                dumps(request.source_ip),
                _IDENTITY_MIDDLE,
                dumps(headers.get("User-Agent")),
                b',"user":null},"domainName":',
                dumps(host),
                parts.context_tail,
                b"" if authorizer is None else b',"authorizer":' + dumps(dict(authorizer)),
                b'},"body":',
                body,
                b',"isBase64Encoded":',
                is_base64,
                b"}",
            )
        )


_IDENTITY_HEAD = (
    b',"identity":{"cognitoIdentityPoolId":null,"accountId":null,"cognitoIdentityId":null,'
    b'"caller":null,"sourceIp":'
)
_IDENTITY_MIDDLE = (
    b',"principalOrgId":null,"accessKey":null,"cognitoAuthenticationType":null,'
    b'"cognitoAuthenticationProvider":null,"userArn":null,"userAgent":'
)


class _Fragments:
    """The JSON of an event's parts that do not change between requests to one method."""

    __slots__ = ("account_to_stage", "context_head", "context_tail", "head", "stage_prefix")

    def __init__(self, builder: EventBuilder, method: Method) -> None:
        api = builder._api
        resource = dumps(method.resource_path)
        stage_variables = dict(api.stage_variables) if api.stage_variables else None
        self.head = b'{"resource":%s,"path":' % resource
        self.context_head = (
            b',"stageVariables":%s,"requestContext":{"resourceId":%s,'
            % (
                dumps(stage_variables),
                dumps(method.resource_id),
            )
            + b'"resourcePath":%s,"httpMethod":' % resource
        )
        self.account_to_stage = (
            b',"accountId":%s,"protocol":"HTTP/1.1","stage":%s,"domainPrefix":'
            % (dumps(api.account_id), dumps(api.stage))
        )
        self.context_tail = b',"deploymentId":%s,"apiId":%s' % (
            dumps(api.deployment_id),
            dumps(api.api_id),
        )
        self.stage_prefix = f"/{api.stage}" if builder._stage_prefix else ""


def query_maps(
    query: Sequence[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """`queryStringParameters` (the last value wins) and `multiValueQueryStringParameters`;
    None for both without a query string, as on AWS."""
    if not query:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in query:
        single[name] = value
        if name in multi:
            multi[name].append(value)
        else:
            multi[name] = [value]
    return single, multi
