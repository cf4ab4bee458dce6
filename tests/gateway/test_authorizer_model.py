"""Authorizers without a server: the template checks, IAM policy evaluation, the result cache,
output validation and the routes-table label."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corsway.errors import CorswayError
from corsway.gateway.authorizer_cache import ResultCache
from corsway.gateway.iam_policy import (
    InvalidPolicy,
    Policy,
    Verdict,
    parse_policy,
    wildcard_pattern,
)
from corsway.gateway.rest.authorizers import (
    AuthorizerOutput,
    InvalidOutput,
    jwt_claims,
    parse_output,
)
from corsway.gateway.rest.model import Api
from corsway.gateway.rest.served import authorizer_label
from corsway.gateway.rest.template import build_api
from tests.gateway.authorizer_support import AUTHORIZER_HANDLER, add_authorizer, protected
from tests.gateway.support import SERVICE_DIR, TemplateBuilder, as_python, sls3_template

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/items/42"


def build(template: dict[str, Any]) -> Api:
    return build_api(
        template, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
    )


def with_authorizer(**options: Any) -> dict[str, Any]:
    builder = TemplateBuilder().function("auth", AUTHORIZER_HANDLER).function("echo", "h.echo")
    add_authorizer(builder, "Auth", **options)
    protected(builder, "items", "GET", "Auth")
    return builder.build()


def policy(*statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


# -- template -----------------------------------------------------------------------------


def test_compiled_authorizers_become_the_model() -> None:
    api = build(as_python(sls3_template("authorizers")))
    token = api.authorizers["AuthorizerFuncApiGatewayAuthorizer"]
    assert (token.type, token.ttl_s, token.function_key) == ("TOKEN", 120, "authorizerFunc")
    assert [s.expression for s in token.identity_sources] == ["method.request.header.X-Auth-Token"]
    assert token.validation is not None and token.validation.pattern == "^Bearer .+$"
    assert api.authorizers["SimpleAuthorizerApiGatewayAuthorizer"].ttl_s == 300  # no property
    request = api.authorizers["RequestAuthorizerApiGatewayAuthorizer"]
    assert [(s.kind, s.name) for s in request.identity_sources] == [
        ("header", "Authorization"),
        ("context", "identity.sourceIp"),
    ]
    assert request.ttl_s == 0
    assert api.authorizers["RequestAuthorizerNoIdApiGatewayAuthorizer"].identity_sources == ()
    assert api.authorizers["ExternalAuthApiGatewayAuthorizer"].function_key is None
    pool = api.authorizers["CognitoPoolApiGatewayAuthorizer"]
    assert pool.provider_arns == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI",
    )
    methods = {(name, r.path): m for r in api.resources for name, m in r.methods.items()}
    assert methods["GET", "/token/simple"].authorizer_logical_id == token.logical_id
    assert methods["GET", "/cognito"].authorization_scopes == ("email",)
    assert methods["OPTIONS", "/token/simple"].authorization_type == "NONE"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"kind": "JWT"}, "Type: 'JWT' is not an authorizer type (TOKEN, REQUEST"),
        ({"ttl": 3601}, "AuthorizerResultTtlInSeconds must be a whole number of seconds from 0"),
        ({"ttl": -1}, "got -1"),
        ({"identity": None}, "a TOKEN authorizer reads its token from one header"),
        (
            {"identity": "method.request.querystring.token"},
            "a TOKEN authorizer reads its token from one header",
        ),
        (
            {"kind": "REQUEST", "identity": "method.request.path.id"},
            "'method.request.path.id' is not an identity source (path parameters cannot be",
        ),
        (
            {"kind": "REQUEST", "identity": "method.request.body.x"},
            "valid: method.request.header.NAME, method.request.querystring.NAME",
        ),
        (
            {"kind": "REQUEST", "identity": None, "ttl": 60},
            "a REQUEST authorizer with caching (AuthorizerResultTtlInSeconds 60) needs an "
            "IdentitySource",
        ),
        ({"validation": "Bearer (.+"}, "IdentityValidationExpression 'Bearer (.+' is not a"),
        ({"function": None}, "AuthorizerUri is required for a TOKEN authorizer"),
    ],
)
def test_invalid_authorizers_are_refused_with_the_field_and_value(
    options: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(CorswayError) as caught:
        build(with_authorizer(**options))
    assert "Resources.Auth.Properties" in caught.value.message
    assert fragment in caught.value.message


def test_methods_must_name_a_fitting_authorizer() -> None:
    template = with_authorizer()
    method = template["Resources"]["ApiGatewayMethodItemsGet"]["Properties"]
    method["AuthorizerId"] = {"Ref": "ApiGatewayRestApi"}
    with pytest.raises(CorswayError, match="'ApiGatewayRestApi' is not an AWS::ApiGateway::Auth"):
        build(template)
    method["AuthorizerId"] = {"Ref": "Auth"}
    method["AuthorizationType"] = "COGNITO_USER_POOLS"
    with pytest.raises(CorswayError, match="does not fit authorizer Auth of Type TOKEN"):
        build(template)
    method["AuthorizationType"] = "OAUTH"
    with pytest.raises(CorswayError, match="'OAUTH' is not one of NONE, CUSTOM, AWS_IAM"):
        build(template)
    del method["AuthorizerId"]
    method["AuthorizationType"] = "CUSTOM"
    with pytest.raises(CorswayError, match="AuthorizerId is required with AuthorizationType"):
        build(template)


def test_an_authorizer_outside_the_template_is_announced() -> None:
    template = with_authorizer()
    method = template["Resources"]["ApiGatewayMethodItemsGet"]["Properties"]
    method["AuthorizerId"] = "abc123"  # the framework's `authorizerId`: an existing authorizer
    notes = build(template).notes
    assert notes == (
        "GET /items: authorizer 'abc123' is not in the template (an existing authorizer, "
        "`authorizerId`): corsway serve cannot run it, so these requests answer 500 "
        '{"message": null} (AUTHORIZER_CONFIGURATION_ERROR)',
    )


def test_validation_expression_outside_token_authorizers_is_announced() -> None:
    notes = build(
        with_authorizer(kind="REQUEST", identity="method.request.header.A", validation="x")
    ).notes
    assert notes == (
        "authorizer Auth: IdentityValidationExpression 'x' does not apply to REQUEST "
        "authorizers (API Gateway ignores it too)",
    )


def test_routes_table_label() -> None:
    api = build(as_python(sls3_template("authorizers")))
    labels = {
        (name, r.path): authorizer_label(api, m)
        for r in api.resources
        for name, m in r.methods.items()
    }
    assert labels["GET", "/token/simple"] == "authorizerFunc TOKEN header.X-Auth-Token ttl 120s"
    assert labels["GET", "/token/stringonly"] == (
        "simpleAuthorizer TOKEN header.Authorization ttl 300s"
    )
    assert labels["GET", "/request/multi"] == (
        "requestAuthorizer REQUEST header.Authorization, context.identity.sourceIp no cache"
    )
    assert labels["GET", "/request/noidentity"] == "requestAuthorizerNoId REQUEST no cache"
    assert labels["GET", "/arn"] == (
        "[red]externalAuth TOKEN header.Authorization ttl 300s (function not in service: 500)[/]"
    )
    assert labels["GET", "/cognito"] == (
        "[yellow]cognitoPool COGNITO_USER_POOLS (token presence only)[/]"
    )
    assert labels["GET", "/iam"] == "[yellow]AWS_IAM (signature not verified)[/]"
    assert labels["OPTIONS", "/iam"] == "NONE"


# -- IAM policies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "arn", "matches"),
    [
        ("*", ARN, True),
        ("arn:aws:execute-api:*", ARN, True),
        ("arn:aws:execute-api:us-east-1:*:abc123/*/GET/*", ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/items/4?", ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/items/4", ARN, False),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/items/42/*", ARN, False),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/items/42", ARN, True),
        ("ARN:aws:execute-api:*", ARN, False),
        ("arn:aws:execute-api:*:a.c/*", "arn:aws:execute-api:x:abc/1", False),  # . is literal
        ("*/a[b]/*", "x/a[b]/y", True),  # regex characters are literal
        ("*/a:b", "arn/dev/GET/a:b", True),
        ("*?", "", False),
    ],
)
def test_resource_matching(resource: str, arn: str, matches: bool) -> None:
    verdict = policy({"Effect": "Allow", "Action": "*", "Resource": resource}).evaluate([arn])
    assert (verdict.verdict is Verdict.ALLOW) is matches


@given(st.text(alphabet="ab/:*?", max_size=8), st.text(alphabet="ab/:", max_size=8))
def test_wildcards_agree_with_a_reference_matcher(pattern: str, text: str) -> None:
    def reference(p: str, t: str) -> bool:
        if not p:
            return not t
        if p[0] == "*":
            return any(reference(p[1:], t[i:]) for i in range(len(t) + 1))
        if not t:
            return False
        return (p[0] == "?" or p[0] == t[0]) and reference(p[1:], t[1:])

    assert bool(wildcard_pattern(pattern).fullmatch(text)) is reference(pattern, text)


def test_deny_wins_and_no_match_is_implicit() -> None:
    allow_all = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    deny_one = {"Effect": "Deny", "Action": "execute-api:*", "Resource": ARN}
    assert policy(allow_all, deny_one).evaluate([ARN]).verdict is Verdict.EXPLICIT_DENY
    assert policy(deny_one, allow_all).evaluate([ARN]).verdict is Verdict.EXPLICIT_DENY
    assert policy(deny_one).evaluate([ARN + "0"]).verdict is Verdict.IMPLICIT_DENY
    assert policy().evaluate([ARN]).verdict is Verdict.IMPLICIT_DENY
    single = parse_policy({"Statement": allow_all})  # one statement without a list
    assert single.evaluate([ARN]).verdict is Verdict.ALLOW


def test_root_method_arn_matches_either_form() -> None:
    root = "arn:aws:execute-api:us-east-1:1:api/dev/GET/"
    for resource in (root, root + "/"):
        allow = policy({"Effect": "Allow", "Action": "*", "Resource": resource})
        assert allow.evaluate([root, root + "/"]).verdict is Verdict.ALLOW


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "policyDocument must be an object, got a list"),
        ({"Statement": "x"}, "policyDocument.Statement must be a list, got a string"),
        ({"Statement": [1]}, "Statement[0] must be an object, got a number"),
        ({"Statement": [{"Effect": "DENY", "Action": "*", "Resource": "*"}]}, "case sensitive"),
        ({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}, "not 'Allow'"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "x", "Resource": "*"}]},
            "exactly one of Action and NotAction",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": "*"}]}, "exactly one of Resource and"),
        ({"Statement": [{"Effect": "Allow", "Action": 1, "Resource": "*"}]}, "Action must be"),
    ],
)
def test_invalid_policies(document: object, message: str) -> None:
    with pytest.raises(InvalidPolicy, match=re.escape(message)):
        parse_policy(document)


# -- outputs and the cache ----------------------------------------------------------------


def test_output_validation_and_context_stringification() -> None:
    document = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    parsed = parse_output(
        json.dumps(
            {
                "principalId": 7,
                "policyDocument": document,
                "context": {"a": 1, "b": 2.5, "c": True, "d": None, "e": "x"},
                "usageIdentifierKey": "key",
            }
        ).encode()
    )
    assert parsed.principal_id == 7
    assert parsed.context == {"a": "1", "b": "2.5", "c": "true", "d": None, "e": "x"}
    assert parse_output(json.dumps({"policyDocument": document}).encode()).principal_id is None
    for bad, message in (
        (b"not json", "the output is not JSON"),
        (b'"allow"', 'got "allow"'),
        (json.dumps({"policyDocument": document, "principalId": {}}).encode(), "principalId"),
    ):
        with pytest.raises(InvalidOutput, match=re.escape(message)):
            parse_output(bad)


def test_cache_expires_is_bounded_and_separate_per_authorizer() -> None:
    now = [0.0]
    cache: ResultCache[AuthorizerOutput] = ResultCache(clock=lambda: now[0], max_entries=3)
    result = AuthorizerOutput("p", policy(), {})
    cache.put("A", ("t",), result, 10)
    assert cache.get("B", ("t",)) is None  # another authorizer never sees it
    now[0] = 9.99
    assert cache.get("A", ("t",)) is result
    now[0] = 10.0
    assert cache.get("A", ("t",)) is None
    for index in range(5):
        cache.put("A", (str(index),), result, 100)
    assert cache.size("A") == 3
    assert cache.get("A", ("0",)) is None and cache.get("A", ("4",)) is result
    cache.get("A", ("2",))  # recently used: survives the next eviction
    cache.put("A", ("5",), result, 100)
    assert cache.get("A", ("2",)) is result and cache.get("A", ("3",)) is None


def test_jwt_claims_are_decoded_without_verification() -> None:
    assert jwt_claims("a.eyJzdWIiOiJ4In0.sig") == {"sub": "x"}
    assert jwt_claims("Bearer a.eyJzdWIiOiJ4In0.sig") == {"sub": "x"}
    assert jwt_claims("a.b") is None
    assert jwt_claims("a.!!!.c") is None
    assert jwt_claims("a.WzFd.c") is None  # a JSON list, not claims


def test_explicit_deny_wording_option() -> None:
    from click.testing import CliRunner

    from corsway.cli.serve import serve

    result = CliRunner().invoke(serve, ["--explicit-deny-wording", "old"])
    assert result.exit_code == 2
    assert "Invalid value for '--explicit-deny-wording'" in result.output
    assert "'current', 'legacy'" in result.output
