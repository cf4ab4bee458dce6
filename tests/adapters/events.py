"""Realistic Lambda events for the four HTTP event sources, shaped like AWS's documented samples
(API Gateway "Lambda proxy integration" input format, HTTP API payload format 2.0, ALB Lambda
target events in both header modes, Lambda Function URL request payloads).

Every builder returns a fresh event; ``headers`` are given in the casing a browser or a test
wants and are rendered the way each source delivers them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.net"

BROWSER = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en-GB,en;q=0.9",
    "Referer": "https://app.example.com/",
    "sec-fetch-mode": "cors",
    "sec-fetch-site": "same-site",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36",
}


def request_headers(
    origin: str | None = APP, preflight: tuple[str, str | None] | None = None, **extra: str
) -> dict[str, str]:
    """Browser request headers; ``preflight=(method, headers)`` adds the preflight headers."""
    headers = dict(BROWSER)
    if origin is not None:
        headers["Origin"] = origin
    if preflight is not None:
        headers["Access-Control-Request-Method"] = preflight[0]
        if preflight[1] is not None:
            headers["Access-Control-Request-Headers"] = preflight[1]
    headers.update(extra)
    return headers


def rest_event(
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    path: str = "/items/42",
    body: str | None = None,
) -> dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload 1.0): ``headers`` (last value wins)
    and ``multiValueHeaders``, names as the client sent them, plus CloudFront's headers."""
    sent = dict(request_headers() if headers is None else headers)
    sent.update(
        {
            "CloudFront-Forwarded-Proto": "https",
            "CloudFront-Is-Desktop-Viewer": "true",
            "CloudFront-Viewer-Country": "GB",
            "Host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "Via": "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
            "X-Amz-Cf-Id": "pn-PWIJc6thYnZm5P0NMgOUglL1DYtl0gdeJky8tqsg8iS_sgsKD1A==",
            "X-Amzn-Trace-Id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
            "X-Forwarded-For": "203.0.113.7, 130.176.1.1",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
        }
    )
    return {
        "resource": "/items/{id}",
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"id": "42"},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "extendedRequestId": "BQGojGjJIAMFZ3Q=",
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "sourceIp": "203.0.113.7",
                "user": None,
                "userAgent": sent.get("User-Agent"),
                "userArn": None,
            },
            "path": "/dev" + path,
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "09/Apr/2026:12:34:56 +0000",
            "requestTimeEpoch": 1775738096000,
            "resourceId": "xyz123",
            "resourcePath": "/items/{id}",
            "stage": "dev",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def http_api_event(
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    path: str = "/items/42",
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """HTTP API, payload format 2.0: lower-case header names, repeated headers comma-joined,
    ``cookies`` separate, method in ``requestContext.http``."""
    sent = {k.lower(): v for k, v in (request_headers() if headers is None else headers).items()}
    sent.update(
        {
            "content-length": "0",
            "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "x-amzn-trace-id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        }
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} /items/{{id}}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": sent,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": sent.get("user-agent", ""),
            },
            "requestId": "LV7fzho-PHcEJPw=",
            "routeKey": f"{method} /items/{{id}}",
            "stage": "$default",
            "time": "09/Apr/2026:12:34:56 +0000",
            "timeEpoch": 1775738096000,
        },
        "pathParameters": {"id": "42"},
        "isBase64Encoded": False,
    }
    if cookies is not None:
        event["cookies"] = cookies
    return event


def function_url_event(
    method: str = "GET", headers: Mapping[str, str] | None = None, path: str = "/items/42"
) -> dict[str, Any]:
    """Lambda Function URL request: payload 2.0 with ``$default`` route and a lambda-url domain."""
    event = http_api_event(method, headers, path)
    event["routeKey"] = "$default"
    context = event["requestContext"]
    context["routeKey"] = "$default"
    context["domainName"] = "abcdefghij1234567890.lambda-url.eu-west-1.on.aws"
    context["domainPrefix"] = "abcdefghij1234567890"
    context["apiId"] = "abcdefghij1234567890"
    context["authorizer"] = {"iam": {"accountId": "123456789012", "userId": "AIDAEXAMPLE"}}
    event["headers"]["host"] = "abcdefghij1234567890.lambda-url.eu-west-1.on.aws"
    del event["pathParameters"]
    return event


def alb_event(
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    path: str = "/items/42",
    multi_value: bool = False,
) -> dict[str, Any]:
    """ALB Lambda target: lower-case names; ``headers`` only, or ``multiValueHeaders`` only when
    the target group has multi-value headers on."""
    sent = {k.lower(): v for k, v in (request_headers() if headers is None else headers).items()}
    sent.update(
        {
            "connection": "keep-alive",
            "host": "lambda-test-alb-1234567.eu-west-1.elb.amazonaws.com",
            "x-amzn-trace-id": "Root=1-5c34e93e-4dea0086f9763ac0667b115a",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        }
    )
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {
                "targetGroupArn": (
                    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/abcdef"
                )
            }
        },
        "httpMethod": method,
        "path": path,
        "body": "",
        "isBase64Encoded": False,
    }
    if multi_value:
        event["multiValueQueryStringParameters"] = {}
        event["multiValueHeaders"] = {name: [value] for name, value in sent.items()}
    else:
        event["queryStringParameters"] = {}
        event["headers"] = sent
    return event


SOURCES: dict[str, Callable[..., dict[str, Any]]] = {
    "rest": rest_event,
    "http-api-v2": http_api_event,
    "function-url": function_url_event,
    "alb": alb_event,
    "alb-multi-value": lambda method="GET", headers=None, path="/items/42": alb_event(
        method, headers, path, multi_value=True
    ),
}


def response_headers(response: Mapping[str, Any]) -> dict[str, str]:
    """The headers a client would receive, by lower-case name: ``headers`` and
    ``multiValueHeaders`` merged the way API Gateway REST does (multi-values first, ", ")."""
    merged: dict[str, list[str]] = {}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        merged.setdefault(name.lower(), []).extend(str(value) for value in values)
    for name, value in (response.get("headers") or {}).items():
        merged.setdefault(name.lower(), []).append(str(value))
    return {name: ", ".join(values) for name, values in merged.items()}


def header_names(response: Mapping[str, Any]) -> list[str]:
    """Every header name in the response (both maps), lower case, duplicates kept."""
    names = [name.lower() for name in response.get("headers") or {}]
    names += [name.lower() for name in response.get("multiValueHeaders") or {}]
    return names
