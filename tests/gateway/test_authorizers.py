"""Lambda authorizers over HTTP: identity checks, events, policies, outcomes, caching, CORS.

A real gateway on loopback runs `tests/fixtures/gateway_service/authorizers.py` in worker
processes; its token scripts what it returns and every invocation is logged to a file, so each
test can count invocations. Tokens are unique per test, so tests sharing the module's server
(and its authorizer cache) do not see each other's entries.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from corsway.gateway.rest.authorizers import EXPLICIT_DENY_MESSAGES
from tests.gateway.authorizer_support import (
    AUTHORIZER_HANDLER,
    Calls,
    FakeClock,
    add_authorizer,
    output,
    protected,
    scripted,
    statement,
)
from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway, sls3_template

UNAUTHORIZED = b'{"message":"Unauthorized"}'
IMPLICIT_DENY = b'{"Message":"User is not authorized to access this resource"}'
EXPLICIT_DENY = (
    b'{"Message":"User is not authorized to access this resource with an explicit deny in an '
    b'identity-based policy"}'
)
CONFIGURATION_ERROR = b'{"message": null}'
ORIGIN = {"Origin": "http://localhost:5173"}


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> Calls:
    return Calls(tmp_path_factory.mktemp("authorizer") / "calls.jsonl")


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


def api_template(calls: Calls) -> dict[str, Any]:
    builder = (
        TemplateBuilder()
        .function(
            "auth", AUTHORIZER_HANDLER, timeout=1, environment={"CALLS_FILE": str(calls.path)}
        )
        .function("echo", "handlers.echo")
    )
    add_authorizer(builder, "TokenAuth", ttl=300)
    add_authorizer(builder, "OtherAuth", ttl=300)
    add_authorizer(builder, "NoCacheAuth", ttl=0)
    add_authorizer(builder, "PlainAuth", ttl=None)  # a plain-string authorizer: no TTL property
    add_authorizer(
        builder,
        "RegexAuth",
        identity="method.request.header.X-Auth-Token",
        ttl=0,
        validation="Bearer [a-z-]+",
    )
    add_authorizer(
        builder,
        "RequestAuth",
        kind="REQUEST",
        identity="method.request.header.Authorization, method.request.querystring.tenant",
        ttl=300,
    )
    add_authorizer(
        builder,
        "ContextAuth",
        kind="REQUEST",
        identity="context.identity.sourceIp, stageVariables.env",
        ttl=0,
    )
    add_authorizer(builder, "OpenAuth", kind="REQUEST", identity=None, ttl=0)
    add_authorizer(
        builder,
        "ExternalAuth",
        uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:elsewhere-dev-auth/invocations",
    )
    add_authorizer(builder, "PoolAuth", kind="COGNITO_USER_POOLS", function=None)
    protected(builder, "items/{id}", "GET", "TokenAuth")
    protected(builder, "items/{id}", "POST", "TokenAuth")
    builder.preflight("items/{id}", methods="OPTIONS,GET,POST")
    protected(builder, "", "GET", "TokenAuth")
    protected(builder, "other", "GET", "OtherAuth")
    protected(builder, "nocache", "GET", "NoCacheAuth")
    protected(builder, "plain", "GET", "PlainAuth")
    protected(builder, "regex", "GET", "RegexAuth")
    protected(builder, "request/{id}", "GET", "RequestAuth")
    protected(builder, "context", "GET", "ContextAuth")
    protected(builder, "open", "GET", "OpenAuth")
    protected(builder, "anything", "ANY", "TokenAuth")
    protected(builder, "external", "GET", "ExternalAuth")
    protected(
        builder, "cognito", "GET", "PoolAuth", authorization="COGNITO_USER_POOLS", scopes=["email"]
    )
    protected(builder, "iam", "GET", None, authorization="AWS_IAM")
    template = builder.build()
    deployment = template["Resources"]["ApiGatewayDeploymentTIMESTAMP"]["Properties"]
    deployment["StageDescription"] = {"Variables": {"env": "local"}}
    return template


@pytest.fixture(scope="module")
def gateway(calls: Calls, clock: FakeClock) -> Iterator[RunningGateway]:
    with running_gateway(api_template(calls), clock=clock) as running:
        yield running


def arn(gateway: RunningGateway, rest: str) -> str:
    return f"arn:aws:execute-api:us-east-1:123456789012:{gateway.server.apis[0].api_id}/dev/{rest}"


def get(
    gateway: RunningGateway, path: str, token: str | None = None, **headers: str
) -> httpx.Response:
    sent = dict(headers)
    if token is not None:
        sent["Authorization"] = token
    return gateway.client.get(gateway.url + path, headers=sent)


def handler_event(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    event: dict[str, Any] = response.json()
    return event


# -- identity sources --------------------------------------------------------------------


def test_missing_or_empty_token_is_401_without_invoking(
    gateway: RunningGateway, calls: Calls
) -> None:
    before = len(calls.events())
    for response in (get(gateway, "/items/1"), get(gateway, "/items/1", "")):
        assert response.status_code == 401
        assert response.content == UNAUTHORIZED
        assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
        assert response.headers["Content-Type"] == "application/json"
        assert "access-control-allow-origin" not in response.headers
    assert len(calls.events()) == before
    log = gateway.console("Authorization header is empty")
    assert "authorizer TokenAuth: 401 without invoking it: the Authorization header is missing" in (
        log
    )


def test_token_validation_expression_must_match_the_whole_token(
    gateway: RunningGateway, calls: Calls
) -> None:
    passing = get(gateway, "/regex", **{"X-Auth-Token": "Bearer regex-ok"})
    assert handler_event(passing)["requestContext"]["authorizer"]["principalId"] == "user-1"
    event = calls.with_token("Bearer regex-ok")[0]
    assert event["authorizationToken"] == "Bearer regex-ok"  # the whole token, not a group
    for token in ("Bearer regex-ok!", "xBearer regex", "bearer regex", "Bearer"):
        response = get(gateway, "/regex", **{"X-Auth-Token": token})
        assert response.status_code == 401, token
        assert response.content == UNAUTHORIZED
        assert calls.with_token(token) == []
    assert "does not match IdentityValidationExpression 'Bearer [a-z-]+'" in gateway.console(
        "does not match"
    )


def test_request_authorizer_needs_every_identity_source(
    gateway: RunningGateway, calls: Calls
) -> None:
    token = "request-multi"
    assert get(gateway, "/request/7", token).status_code == 401  # no tenant
    assert get(gateway, "/request/7?tenant=", token).status_code == 401  # empty tenant
    assert gateway.client.get(gateway.url + "/request/7?tenant=a").status_code == 401
    assert calls.with_token(token) == []
    assert "the tenant query parameter is missing" in gateway.console("tenant query parameter")
    event = handler_event(get(gateway, "/request/7?tenant=a", token))
    assert event["requestContext"]["authorizer"]["token"] == token
    assert len(calls.with_token(token)) == 1


def test_request_identity_from_context_and_stage_variables(
    gateway: RunningGateway, calls: Calls
) -> None:
    event = handler_event(get(gateway, "/context", "ctx-sources"))
    assert event["stageVariables"] == {"env": "local"}
    assert len(calls.with_token("ctx-sources")) == 1


def test_request_authorizer_without_identity_sources_is_always_invoked(
    gateway: RunningGateway, calls: Calls
) -> None:
    before = sum(e["type"] == "REQUEST" and e["path"] == "/open" for e in calls.events())
    for _ in range(2):
        assert gateway.client.get(gateway.url + "/open").status_code == 200
    after = sum(e["type"] == "REQUEST" and e["path"] == "/open" for e in calls.events())
    assert after - before == 2


# -- events --------------------------------------------------------------------------------


def test_token_event_and_method_arn_with_the_concrete_path_and_stage(
    gateway: RunningGateway, calls: Calls
) -> None:
    handler_event(get(gateway, "/items/42", "event-token"))
    (event,) = calls.with_token("event-token")
    assert event == {
        "type": "TOKEN",
        "authorizationToken": "event-token",
        "methodArn": arn(gateway, "GET/items/42"),
    }
    handler_event(get(gateway, "/", "root-token"))
    assert calls.with_token("root-token")[0]["methodArn"] == arn(gateway, "GET/")


def test_request_event_is_the_proxy_event_without_body_plus_type_and_method_arn(
    gateway: RunningGateway, calls: Calls
) -> None:
    response = gateway.client.get(
        gateway.url + "/request/9?tenant=t1&tenant=t2",
        headers={"Authorization": "request-event", "X-Custom": "c"},
    )
    handler = handler_event(response)
    (event,) = calls.with_token("request-event")
    assert list(event)[:2] == ["type", "methodArn"]
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == arn(gateway, "GET/request/9")
    assert "body" not in event and "isBase64Encoded" not in event
    for key in ("resource", "path", "httpMethod", "pathParameters", "stageVariables"):
        assert event[key] == handler[key], key
    assert event["resource"] == "/request/{id}"
    assert event["pathParameters"] == {"id": "9"}
    assert event["headers"]["X-Custom"] == "c"
    assert event["queryStringParameters"] == {"tenant": "t2"}
    assert event["multiValueQueryStringParameters"] == {"tenant": ["t1", "t2"]}
    assert event["requestContext"]["path"] == "/dev/request/9"
    assert "authorizer" not in event["requestContext"]


# -- outcomes -----------------------------------------------------------------------------


def test_allow_passes_principal_and_stringified_context_to_the_handler(
    gateway: RunningGateway,
) -> None:
    context = {"s": "text", "n": 123, "f": 1.5, "yes": True, "no": False, "none": None}
    token = scripted(output(statement("Allow", "$methodArn"), principalId="u-42", context=context))
    event = handler_event(get(gateway, "/items/5", token))
    authorizer = event["requestContext"]["authorizer"]
    latency = authorizer.pop("integrationLatency")
    assert isinstance(latency, int) and latency >= 0
    assert authorizer == {
        "principalId": "u-42",
        "s": "text",
        "n": "123",
        "f": "1.5",
        "yes": "true",
        "no": "false",
        "none": None,
    }
    # wait for this very line: earlier tests' lines say "authorizer TokenAuth: Allow" too
    assert "GET /dev/items/5  200" in gateway.console("GET /dev/items/5  200")
    # A second request is answered from the cache: no new invocation, no latency.
    again = handler_event(get(gateway, "/items/5", token))
    assert again["requestContext"]["authorizer"]["integrationLatency"] == 0
    assert "authorizer TokenAuth: Allow (cached)" in gateway.console("Allow (cached)")


def test_explicit_deny_is_403_with_the_explicit_deny_message(gateway: RunningGateway) -> None:
    response = get(gateway, "/items/1", "deny-this")
    assert response.status_code == 403
    assert response.content == EXPLICIT_DENY
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert "authorizer TokenAuth: Deny" in gateway.console("TokenAuth: Deny")


def test_deny_wins_over_allow(gateway: RunningGateway) -> None:
    token = scripted(
        output(statement("Allow", "*"), statement("Deny", "$methodArn"), statement("Allow", "*"))
    )
    response = get(gateway, "/items/2", token)
    assert (response.status_code, response.content) == (403, EXPLICIT_DENY)


def test_no_matching_statement_is_an_implicit_deny(gateway: RunningGateway) -> None:
    token = scripted(output(statement("Allow", arn(gateway, "GET/elsewhere"))))
    response = get(gateway, "/items/3", token)
    assert (response.status_code, response.content) == (403, IMPLICIT_DENY)
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    expected = f"no statement of the policy allows {arn(gateway, 'GET/items/3')}"
    log = gateway.console(expected)  # this test's line (the module's gateway is shared)
    assert "TokenAuth: implicit deny" in log
    assert expected in log


def test_unauthorized_error_is_401_and_other_errors_are_500(gateway: RunningGateway) -> None:
    response = get(gateway, "/items/1", "Unauthorized")
    assert (response.status_code, response.content) == (401, UNAUTHORIZED)
    for token in ("raise:unauthorized", "raise:Unauthorized: expired", "raise:boom"):
        response = get(gateway, "/items/1", token)
        assert (response.status_code, response.content) == (500, CONFIGURATION_ERROR), token
        assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    log = gateway.console("ValueError: boom")
    assert "authorizer TokenAuth: the function failed: ValueError: boom" in log
    assert 'raise ValueError(token[len("raise:") :])' in log  # the traceback is printed
    assert "[auth] authorizing raise:boom" in log  # the authorizer's output, under its name


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        ("allow", "the output must be an object with a policyDocument"),
        ({"statusCode": 200, "body": "{}"}, "the output has no policyDocument"),
        ({"principalId": "p"}, "the output has no policyDocument"),
        ({"principalId": "p", "policyDocument": "Allow"}, "policyDocument must be an object"),
        ({"principalId": "p", "policyDocument": {}}, "policyDocument has no Statement"),
        (output({"Effect": "Allow", "Resource": "*"}), "exactly one of Action and NotAction"),
        (output(statement("allow", "*")), "(IAM Effect values are case sensitive)"),
        (output(statement("Allow", ["*", 1])), "must be a string or a list of strings"),
        (output(statement("Allow", "*"), context={"a": {"b": 1}}), "context.a is an object"),
        (output(statement("Allow", "*"), context={"a": [1]}), "context.a is a list"),
        (output(statement("Allow", "*"), context="x"), "context must be an object"),
    ],
)
def test_invalid_outputs_are_500(gateway: RunningGateway, result: object, reason: str) -> None:
    response = get(gateway, "/nocache", scripted(result))
    assert (response.status_code, response.content) == (500, CONFIGURATION_ERROR)
    assert reason in gateway.console(reason)


def test_authorizer_timeout_is_500(gateway: RunningGateway) -> None:
    response = get(gateway, "/nocache", "sleep:3")  # the function's timeout is 1 s
    assert (response.status_code, response.content) == (500, CONFIGURATION_ERROR)
    assert "Task timed out after 1.00 seconds" in gateway.console("Task timed out")


def test_external_authorizer_function_fails_faithfully(gateway: RunningGateway) -> None:
    assert get(gateway, "/external").status_code == 401  # identity check first
    response = get(gateway, "/external", "token")
    assert (response.status_code, response.content) == (500, CONFIGURATION_ERROR)
    assert "authorizer ExternalAuth: its function" in gateway.console("ExternalAuth: its function")


# -- policies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "path", "allowed"),
    [
        ("*", "/items/1", True),
        ("arn:aws:execute-api:*:*:*", "/items/1", True),
        ("arn:aws:execute-api:us-east-1:123456789012:*/dev/GET/*", "/items/1/", True),
        ("{prefix}GET/items/*", "/items/12", True),
        ("{prefix}*/items/12", "/items/12", True),
        ("{prefix}GET/items/1?", "/items/12", True),
        ("{prefix}GET/items/1?", "/items/123", False),
        ("{prefix}GET/items/12", "/items/123", False),
        ("{prefix}GET/items", "/items/12", False),
        ("{prefix}GET/items/a:b", "/items/a:b", True),
        ("{prefix}POST/*", "/items/12", False),
        ("{prefix}get/items/12", "/items/12", False),  # resources are case-sensitive
        (["{prefix}GET/other", "{prefix}GET/items/*"], "/items/12", True),
    ],
)
def test_resource_wildcards(
    gateway: RunningGateway, resource: str | list[str], path: str, allowed: bool
) -> None:
    prefix = arn(gateway, "")
    if isinstance(resource, list):
        value: object = [r.format(prefix=prefix) for r in resource]
    else:
        value = resource.format(prefix=prefix)
    response = get(gateway, path, scripted(output(statement("Allow", value))))
    assert response.status_code == (200 if allowed else 403), response.content


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("execute-api:Invoke", True),
        ("EXECUTE-API:invoke", True),
        ("execute-api:*", True),
        ("*", True),
        (["s3:GetObject", "execute-api:Inv?ke"], True),
        ("execute-api:InvalidateCache", False),
    ],
)
def test_actions(gateway: RunningGateway, action: object, allowed: bool) -> None:
    response = get(gateway, "/items/8", scripted(output(statement("Allow", "*", action))))
    assert response.status_code == (200 if allowed else 403), response.content


def test_not_resource_and_not_action(gateway: RunningGateway) -> None:
    everything_but_post = scripted(
        output(
            statement("Allow", "*"),
            {"Effect": "Deny", "Action": "execute-api:Invoke", "NotResource": "*/GET/*"},
        )
    )
    assert get(gateway, "/items/4", everything_but_post).status_code == 200
    post = gateway.client.post(
        gateway.url + "/items/4", headers={"Authorization": everything_but_post}
    )
    assert (post.status_code, post.content) == (403, EXPLICIT_DENY)
    other_actions = scripted(output({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))
    assert get(gateway, "/items/4", other_actions).status_code == 200


def test_condition_statements_fail_closed(gateway: RunningGateway) -> None:
    conditional = {**statement("Allow", "*"), "Condition": {"IpAddress": {"aws:SourceIp": "x"}}}
    response = get(gateway, "/items/6", scripted(output(conditional)))
    assert (response.status_code, response.content) == (403, IMPLICIT_DENY)
    assert "1 Allow statement(s) with a Condition skipped" in gateway.console("with a Condition")


# -- caching ------------------------------------------------------------------------------


def test_cache_by_token_and_per_method_reevaluation_the_production_403(
    gateway: RunningGateway, calls: Calls
) -> None:
    """A policy naming only the first method is reused, from the cache, for the next one."""
    token = "allow-this"
    assert get(gateway, "/items/10", token).status_code == 200
    assert get(gateway, "/items/10", token).status_code == 200
    assert len(calls.with_token(token)) == 1  # cached by token
    response = gateway.client.post(gateway.url + "/items/10", headers={"Authorization": token})
    assert (response.status_code, response.content) == (403, IMPLICIT_DENY)
    assert len(calls.with_token(token)) == 1  # not invoked again: the cached policy decided
    # the module's gateway has printed "the policy is cached" before: wait for this test's line
    log = gateway.console(f"no statement of the policy allows {arn(gateway, 'POST/items/10')}")
    assert "authorizer TokenAuth: implicit deny (cached)" in log
    assert f"no statement of the policy allows {arn(gateway, 'POST/items/10')}" in log
    assert f"it names: {arn(gateway, 'GET/items/10')}" in log
    assert "the policy is cached (ttl 300 s) from an earlier request with the same identity" in log


def test_denies_are_cached_and_failures_are_not(gateway: RunningGateway, calls: Calls) -> None:
    deny = scripted(output(statement("Deny", "*")))
    for _ in range(2):
        assert get(gateway, "/items/11", deny).status_code == 403
    assert len(calls.with_token(deny)) == 1
    for _ in range(2):
        assert get(gateway, "/items/11", "Unauthorized").status_code == 401
        assert get(gateway, "/items/11", "raise:not-cached").status_code == 500
        assert get(gateway, "/items/11", scripted({"oops": 1})).status_code == 500
    assert len(calls.with_token("raise:not-cached")) == 2
    assert len(calls.with_token(scripted({"oops": 1}))) == 2


def test_ttl_expiry_and_a_zero_ttl(gateway: RunningGateway, calls: Calls, clock: FakeClock) -> None:
    token = "ttl-token"
    assert get(gateway, "/items/12", token).status_code == 200
    clock.advance(299)
    assert get(gateway, "/items/12", token).status_code == 200
    assert len(calls.with_token(token)) == 1
    clock.advance(1)
    assert get(gateway, "/items/12", token).status_code == 200
    assert len(calls.with_token(token)) == 2  # expired after 300 s
    for _ in range(2):
        assert get(gateway, "/nocache", "ttl-zero").status_code == 200
    assert len(calls.with_token("ttl-zero")) == 2


def test_absent_ttl_property_means_300_seconds(
    gateway: RunningGateway, calls: Calls, clock: FakeClock
) -> None:
    token = "plain-ttl"
    assert get(gateway, "/plain", token).status_code == 200
    clock.advance(299.5)
    assert get(gateway, "/plain", token).status_code == 200
    assert len(calls.with_token(token)) == 1
    clock.advance(1)
    assert get(gateway, "/plain", token).status_code == 200
    assert len(calls.with_token(token)) == 2


def test_caches_are_per_authorizer_and_keyed_by_all_request_sources(
    gateway: RunningGateway, calls: Calls
) -> None:
    token = "shared-token"
    assert get(gateway, "/items/13", token).status_code == 200
    assert get(gateway, "/other", token).status_code == 200
    assert len(calls.with_token(token)) == 2  # one per authorizer, no cross-talk
    request_token = "request-key"
    for tenant in ("a", "b", "a"):
        assert get(gateway, f"/request/1?tenant={tenant}", request_token).status_code == 200
    assert len(calls.with_token(request_token)) == 2  # (token, a) and (token, b)


# -- preflights and CORS ------------------------------------------------------------------


def test_preflight_never_runs_the_authorizer(gateway: RunningGateway, calls: Calls) -> None:
    before = len(calls.events())
    response = gateway.client.options(
        gateway.url + "/items/1", headers={**ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert len(calls.events()) == before


def test_any_method_with_an_authorizer_runs_it_for_the_preflight(gateway: RunningGateway) -> None:
    response = gateway.client.options(
        gateway.url + "/anything", headers={**ORIGIN, "Access-Control-Request-Method": "PUT"}
    )
    assert (response.status_code, response.content) == (401, UNAUTHORIZED)
    assert "access-control-allow-origin" not in response.headers
    log = gateway.console("OPTIONS /dev/anything  401")
    assert ("CORS blocked for http://localhost:5173: PreflightMissingAllowOriginHeader") in log


def test_gateway_responses_decide_whether_browsers_can_read_the_failures(
    calls: Calls,
) -> None:
    builder = (
        TemplateBuilder()
        .function("auth", AUTHORIZER_HANDLER, environment={"CALLS_FILE": str(calls.path)})
        .function("echo", "handlers.echo")
        .gateway_response(
            "DEFAULT_4XX",
            parameters={
                "Access-Control-Allow-Origin": "'*'",
                "Access-Control-Allow-Headers": "'*'",
            },
        )
        .gateway_response("DEFAULT_5XX", parameters={"Access-Control-Allow-Origin": "'*'"})
    )
    add_authorizer(builder, "TokenAuth", ttl=0)
    protected(builder, "items", "GET", "TokenAuth")
    with running_gateway(
        builder.build(), explicit_deny_message=EXPLICIT_DENY_MESSAGES["legacy"]
    ) as gateway:
        cases = {
            None: (401, UNAUTHORIZED),
            "Unauthorized": (401, UNAUTHORIZED),
            "deny-this": (
                403,
                b'{"Message":"User is not authorized to access this resource with an explicit '
                b'deny"}',
            ),
            scripted(output(statement("Allow", "nothing"))): (403, IMPLICIT_DENY),
            "raise:boom": (500, CONFIGURATION_ERROR),
        }
        for token, (status, body) in cases.items():
            response = get(gateway, "/items", token, **ORIGIN)
            assert (response.status_code, response.content) == (status, body), token
            assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "CORS ok for http://localhost:5173" in gateway.console("  500 ")


# -- Cognito and IAM ----------------------------------------------------------------------


def test_cognito_checks_the_token_presence_and_decodes_claims_unverified(
    gateway: RunningGateway,
) -> None:
    response = get(gateway, "/cognito")
    assert (response.status_code, response.content) == (401, UNAUTHORIZED)
    claims = {"sub": "abc", "email_verified": True, "exp": 1700000000, "cognito:groups": ["a"]}
    payload = json.dumps(claims).encode()
    jwt = "e30." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".signature"
    event = handler_event(get(gateway, "/cognito", jwt))
    assert event["requestContext"]["authorizer"] == {
        "claims": {
            "sub": "abc",
            "email_verified": "true",
            "exp": "1700000000",
            "cognito:groups": '["a"]',
        }
    }
    opaque = handler_event(get(gateway, "/cognito", "not-a-jwt"))
    assert opaque["requestContext"]["authorizer"] == {"claims": None}
    assert "token present, NOT verified locally" in gateway.console("NOT verified locally")


def test_aws_iam_needs_a_signature_which_is_not_verified(gateway: RunningGateway) -> None:
    response = get(gateway, "/iam")
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    signed = get(gateway, "/iam", "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=y")
    assert "authorizer" not in handler_event(signed)["requestContext"]
    assert gateway.client.get(gateway.url + "/iam?X-Amz-Signature=abc").status_code == 200


def test_stage_prefix_off_keeps_the_stage_in_the_method_arn(calls: Calls) -> None:
    with running_gateway(api_template(calls), stage_prefix=False) as gateway:
        assert gateway.client.get(
            gateway.url + "/items/77", headers={"Authorization": "no-prefix"}
        ).is_success
    assert calls.with_token("no-prefix")[0]["methodArn"].endswith("/dev/GET/items/77")


def test_compiled_authorizers_case_end_to_end(tmp_path: Path) -> None:
    """The framework's output (tests/fixtures/sls3/authorizers) with Python handlers."""
    template = sls3_template("authorizers")
    log = tmp_path / "calls.jsonl"
    authorizer_functions = {
        "AuthorizerFuncLambdaFunction",
        "SimpleAuthorizerLambdaFunction",
        "RequestAuthorizerLambdaFunction",
        "RequestAuthorizerNoIdLambdaFunction",
    }
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            properties = resource["Properties"]
            properties["Runtime"] = "python3.11"
            is_authorizer = logical in authorizer_functions
            properties["Handler"] = AUTHORIZER_HANDLER if is_authorizer else "handlers.echo"
            properties["Environment"] = {"Variables": {"CALLS_FILE": str(log)}}
    recorded = Calls(log)
    with running_gateway(template) as gateway:
        # simpleAuthorizer: a plain-string authorizer (Authorization header, ttl 300)
        assert get(gateway, "/token/stringonly").status_code == 401
        simple = handler_event(get(gateway, "/token/stringonly", "e2e"))
        assert simple["requestContext"]["authorizer"]["principalId"] == "user-1"
        # authorizerFunc: shared by two events, merged to X-Auth-Token, ^Bearer .+$, ttl 120
        bad = get(gateway, "/token/simple", **{"X-Auth-Token": "e2e"})
        assert (bad.status_code, bad.content) == (401, UNAUTHORIZED)
        bearer = {"X-Auth-Token": "Bearer e2e"}
        assert get(gateway, "/token/simple", **bearer).status_code == 200
        post = gateway.client.post(gateway.url + "/token/object", headers=bearer)
        assert post.status_code == 200  # from the cache: the policy allows every method
        assert get(gateway, "/request/multi", "e2e-multi").status_code == 200
        assert gateway.client.get(gateway.url + "/request/noidentity").status_code == 200
        assert get(gateway, "/arn", "e2e").status_code == 500
        assert get(gateway, "/cognito").status_code == 401
        assert get(gateway, "/iam").status_code == 403
        preflight = gateway.client.options(
            gateway.url + "/token/simple",
            headers={**ORIGIN, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 200
        denied = get(gateway, "/token/stringonly", "deny-this", **ORIGIN)
        assert (denied.status_code, denied.content) == (403, EXPLICIT_DENY)
        assert denied.headers["Access-Control-Allow-Origin"] == "*"  # the seed's DEFAULT_4XX
    assert len(recorded.with_token("e2e")) == 1
    (shared,) = recorded.with_token("Bearer e2e")
    assert shared["methodArn"].endswith("/dev/GET/token/simple")
