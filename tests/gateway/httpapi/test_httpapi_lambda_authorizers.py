"""Lambda REQUEST authorizers and AWS_IAM routes of an HTTP API (fact sheet §3.4) on a real
server: identity sources, simple responses, IAM policies, payload 1.0/2.0 events, the cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.gateway.httpapi.support import HttpTemplate, Served, serving

APP = "https://app.example.com"
FORBIDDEN = b'{"message":"Forbidden"}'
UNAUTHORIZED = b'{"message":"Unauthorized"}'
INTERNAL = b'{"message":"Internal Server Error"}'


@pytest.fixture(scope="module")
def gateway() -> Iterator[Served]:
    template = (
        HttpTemplate(cors={"AllowOrigins": [APP], "AllowMethods": ["*"], "AllowHeaders": ["*"]})
        .function("echo", "handlers.echo")
        .function("echoV1", "handlers.echo_v1", payload="1.0")
        .function("simple", "handlers.authorizer_simple")
        .function("policy", "handlers.authorizer_policy")
        .lambda_authorizer(
            "simpleAuth",
            "simple",
            sources=["$request.header.Authorization", "$request.querystring.tenant"],
            simple=True,
        )
        .lambda_authorizer(
            "cachedAuth", "simple", sources=["$request.header.Authorization"], simple=True, ttl=300
        )
        .lambda_authorizer(
            "perRoute",
            "simple",
            sources=["$request.header.Authorization", "$context.routeKey"],
            simple=True,
            ttl=300,
        )
        .lambda_authorizer("policyAuth", "policy", sources=["$request.header.X-Effect"])
        .lambda_authorizer(
            "policyV1", "policy", sources=["$request.header.X-Effect"], payload="1.0"
        )
        .route("GET /simple", "echo", authorizer="simpleAuth")
        .route("GET /cached/a", "echo", authorizer="cachedAuth")
        .route("GET /cached/b", "echo", authorizer="cachedAuth")
        .route("GET /per-route/a", "echo", authorizer="perRoute")
        .route("GET /per-route/b", "echo", authorizer="perRoute")
        .route("GET /policy/{id}", "echo", authorizer="policyAuth")
        .route("GET /policy-v1", "echoV1", authorizer="policyV1")
        .route("GET /iam", "echo", aws_iam=True)
        .build()
    )
    with serving(template) as served:
        yield served


def get(gateway: Served, path: str, **headers: str) -> Any:
    return gateway.client.get(gateway.url + path, headers={"Origin": APP, **headers})


@pytest.mark.parametrize(
    ("path", "headers", "missing"),
    [
        ("/simple?tenant=t1", {}, "$request.header.Authorization is missing"),
        ("/simple?tenant=t1", {"Authorization": ""}, "$request.header.Authorization is empty"),
        ("/simple", {"Authorization": "allow"}, "$request.querystring.tenant is missing"),
        ("/simple?Tenant=t1", {"Authorization": "allow"}, "$request.querystring.tenant is missing"),
    ],
)
def test_identity_sources_missing_or_empty_are_401_without_invoking(
    gateway: Served, path: str, headers: dict[str, str], missing: str
) -> None:
    response = get(gateway, path, **headers)
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED
    assert "www-authenticate" not in response.headers
    assert response.headers["access-control-allow-origin"] == APP
    gateway.last_line(
        f"GET {path}  401", f"authorizer simpleAuth: 401 without invoking it: {missing}"
    )


def test_simple_response_allow_and_deny(gateway: Served) -> None:
    response = get(gateway, "/simple?tenant=t1", Authorization="allow")
    assert response.status_code == 200
    event = response.json()
    lambda_context = event["requestContext"]["authorizer"]["lambda"]
    assert lambda_context["user"] == "demo"
    assert lambda_context["n"] == 3  # any JSON, not stringified
    authorizer_event = lambda_context["event"]
    assert list(authorizer_event)[:5] == [
        "version", "type", "routeArn", "identitySource", "routeKey",
    ]  # fmt: skip
    assert authorizer_event["type"] == "REQUEST"
    assert authorizer_event["identitySource"] == ["allow", "t1"]
    assert authorizer_event["routeArn"] == (
        f"arn:aws:execute-api:us-east-1:123456789012:{gateway.server.apis[0].api_id}"
        "/$default/GET/simple"
    )
    assert "body" not in authorizer_event
    denied = get(gateway, "/simple?tenant=t1", Authorization="deny")
    assert denied.status_code == 403
    assert denied.content == FORBIDDEN
    assert denied.headers["access-control-allow-origin"] == APP
    gateway.last_line("GET /simple", "authorizer simpleAuth: isAuthorized false")


@pytest.mark.parametrize(
    ("token", "reason"),
    [("crash", "authorizer crashed"), ("garbage", "invalid answer: with simple responses")],
)
def test_authorizer_failures_are_500(gateway: Served, token: str, reason: str) -> None:
    response = get(gateway, "/simple?tenant=t1", Authorization=token)
    assert response.status_code == 500
    assert response.content == INTERNAL
    assert response.headers["access-control-allow-origin"] == APP
    gateway.last_line("GET /simple?tenant=t1  500", reason)


def test_cache_is_shared_across_routes_for_the_ttl(gateway: Served) -> None:
    first = get(gateway, "/cached/a", Authorization="allow").json()
    second = get(gateway, "/cached/b", Authorization="allow").json()
    at_first = first["requestContext"]["authorizer"]["lambda"]["at"]
    at_second = second["requestContext"]["authorizer"]["lambda"]["at"]
    assert at_first == at_second  # the second request reused the first answer
    gateway.last_line("GET /cached/b", "(cached)")
    # another identity value → another entry; a denial is cached too
    assert get(gateway, "/cached/a", Authorization="deny").status_code == 403
    assert get(gateway, "/cached/b", Authorization="deny").status_code == 403
    gateway.last_line("GET /cached/b  403", "isAuthorized false (cached)")


def test_route_key_source_makes_the_cache_per_route(gateway: Served) -> None:
    first = get(gateway, "/per-route/a", Authorization="allow").json()
    second = get(gateway, "/per-route/b", Authorization="allow").json()
    assert (
        first["requestContext"]["authorizer"]["lambda"]["at"]
        != second["requestContext"]["authorizer"]["lambda"]["at"]
    )
    again = get(gateway, "/per-route/a", Authorization="allow").json()
    assert (
        again["requestContext"]["authorizer"]["lambda"]["at"]
        == first["requestContext"]["authorizer"]["lambda"]["at"]
    )


def test_iam_policy_responses(gateway: Served) -> None:
    allowed = get(gateway, "/policy/1", **{"X-Effect": "Allow"})
    assert allowed.status_code == 200
    assert allowed.json()["requestContext"]["authorizer"]["lambda"]["role"] == "admin"
    assert get(gateway, "/policy/1", **{"X-Effect": "Deny"}).status_code == 403
    gateway.last_line("GET /policy/1  403", "policy Deny")
    api_id = gateway.server.apis[0].api_id
    other = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/$default/GET/policy/2"
    response = get(gateway, "/policy/1", **{"X-Effect": "Allow", "X-Resource": other})
    assert response.status_code == 403
    gateway.last_line("GET /policy/1  403", "policy implicit deny")
    wildcard = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/$default/GET/policy/*"
    assert get(gateway, "/policy/1", **{"X-Effect": "Allow", "X-Resource": wildcard}).is_success


def test_payload_1_authorizer_event(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/policy-v1?q=1", headers={"X-Effect": "Allow"})
    assert response.status_code == 200
    event = response.json()
    authorizer_event = event["requestContext"]["authorizer"]["lambda"]["event"]
    assert list(authorizer_event)[:6] == [
        "version", "type", "methodArn", "identitySource", "authorizationToken", "resource",
    ]  # fmt: skip
    assert authorizer_event["version"] == "1.0"
    assert authorizer_event["identitySource"] == "Allow"
    assert authorizer_event["authorizationToken"] == "Allow"
    assert authorizer_event["methodArn"].endswith("/$default/GET/policy-v1")
    assert authorizer_event["multiValueQueryStringParameters"] == {"q": ["1"]}


def test_aws_iam_needs_a_signature(gateway: Served) -> None:
    response = get(gateway, "/iam")
    assert response.status_code == 403
    assert response.content == FORBIDDEN
    assert response.headers["access-control-allow-origin"] == APP
    signed = get(
        gateway,
        "/iam",
        Authorization="AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/execute-api/"
        "aws4_request, SignedHeaders=host, Signature=abc",
    )
    assert signed.status_code == 200
    iam = signed.json()["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "AKIDEXAMPLE"
    gateway.last_line("GET /iam  200", "AWS_IAM: signature NOT verified locally")
    presigned = gateway.client.get(
        gateway.url + "/iam?X-Amz-Credential=AKID2%2Fx&X-Amz-Signature=abc"
    )
    assert presigned.status_code == 200
