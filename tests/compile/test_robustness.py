"""Whatever the configuration holds, compiling either works or raises CorswayError (no crash)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsway.compile import compile_service
from corsway.errors import CorswayError
from corsway.service import load_service
from corsway.service.varsyntax import VariableSyntaxError, parse

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.sampled_from(
        ["", "*", "GET", "get", "items", "/a/{id}", "a,b", "https://*.x.com", "token", "x:y"]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "0"]), inner)
    ),
    max_leaves=6,
)
cors = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "origin": json_values,
            "origins": json_values,
            "headers": json_values,
            "methods": json_values,
            "allowCredentials": json_values,
            "maxAge": json_values,
            "cacheControl": json_values,
            "exposedResponseHeaders": json_values,
        },
    ),
)
http_event = st.one_of(
    st.sampled_from(["GET /x", "POST x", "ANY /", "*", "GET"]),
    json_values,
    st.fixed_dictionaries(
        {"path": st.sampled_from(["x", "/x/{id}", "", "a/{proxy+}", "x/"]) | json_values},
        optional={
            "method": st.sampled_from(["get", "POST", "any", "options"]) | json_values,
            "cors": cors,
            "authorizer": json_values | st.sampled_from(["other", "aws_iam", "arn:aws:x:f-a"]),
            "integration": st.sampled_from(["lambda", "mock", "http", "http-proxy"]) | json_values,
            "private": json_values,
            "request": json_values,
            "response": json_values,
            "async": json_values,
        },
    ),
)
functions = st.dictionaries(
    st.sampled_from(["f", "other", "g-h"]),
    st.fixed_dictionaries(
        {"handler": st.just("h.main")},
        optional={
            "events": st.lists(st.fixed_dictionaries({"http": http_event}), max_size=3),
            "environment": json_values,
            "timeout": json_values,
            "memorySize": json_values,
            "role": json_values,
            "vpc": json_values,
        },
    ),
    min_size=1,
    max_size=3,
)
providers = st.fixed_dictionaries(
    {"name": st.just("aws")},
    optional={
        "runtime": json_values,
        "environment": json_values,
        "apiGateway": json_values,
        "endpointType": json_values,
        "iam": json_values,
        "deploymentBucket": json_values,
        "tags": json_values,
    },
)
services = st.fixed_dictionaries(
    {"service": st.just("fuzz"), "provider": providers, "functions": functions},
    optional={"resources": json_values},
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(services)
def test_any_configuration_compiles_or_fails_cleanly(config: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "serverless.yml"
        path.write_text(yaml.safe_dump(config))
        try:
            compiled = compile_service(directory, env={})
        except CorswayError as error:
            assert error.location is not None
            return
        assert isinstance(compiled.template["Resources"], dict)


words = st.sampled_from(
    ["a", "x", "*", "GET", "get", "https://a.com", "https://*.b.org", "a,b", ""]
)
typed_cors = st.one_of(
    st.booleans(),
    st.fixed_dictionaries(
        {},
        optional={
            "origin": words,
            "origins": st.lists(words, max_size=3),
            "headers": st.lists(words, max_size=3) | words,
            "methods": st.lists(st.sampled_from(["GET", "ANY", "OPTIONS", "post"]), max_size=3),
            "allowCredentials": st.booleans(),
            "maxAge": st.integers(1, 100),
            "cacheControl": words,
        },
    ),
)
typed_authorizer = st.one_of(
    st.sampled_from(["f", "aws_iam", "arn:aws:lambda:r:1:function:s-d-ext", "missing"]),
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.sampled_from(["f", "pool", "missing"]),
            "arn": st.sampled_from(["arn:aws:cognito-idp:r:1:userpool/p", "arn:aws:lambda:x"]),
            "type": st.sampled_from(["token", "request", "COGNITO_USER_POOLS", "aws_iam"]),
            "resultTtlInSeconds": st.integers(0, 3600),
            "identitySource": words,
            "scopes": st.lists(words, max_size=2),
            "claims": st.lists(words, max_size=2),
            "authorizerId": words,
            "managedExternally": st.booleans(),
        },
    ),
)
status_codes = st.dictionaries(
    st.sampled_from(["200", "201", "400"]),
    st.fixed_dictionaries(
        {},
        optional={
            "pattern": words,
            "headers": st.dictionaries(words, words, max_size=2),
            "template": words,
        },
    ),
    max_size=2,
)
typed_event = st.fixed_dictionaries(
    {
        "path": st.sampled_from(["x", "x/{id}", "/", "a/{proxy+}", "x/y/z", "X"]),
        "method": st.sampled_from(["get", "post", "any", "options", "PUT"]),
    },
    optional={
        "cors": typed_cors,
        "authorizer": typed_authorizer,
        "integration": st.sampled_from(["lambda", "mock", "http", "http-proxy", "lambda-proxy"]),
        "private": st.booleans(),
        "async": st.booleans(),
        "operationId": words,
        "request": st.fixed_dictionaries(
            {},
            optional={
                "uri": st.just("https://e.com/{id}"),
                "template": st.dictionaries(st.just("application/json"), words | st.none()),
                "parameters": st.fixed_dictionaries(
                    {}, optional={"paths": st.dictionaries(st.just("id"), st.booleans())}
                ),
                "passThrough": st.sampled_from(["NEVER", "WHEN_NO_MATCH"]),
                "schemas": st.dictionaries(
                    st.just("application/json"), st.just({"type": "object"})
                ),
            },
        ),
        "response": st.fixed_dictionaries(
            {}, optional={"statusCodes": status_codes, "headers": st.dictionaries(words, words)}
        ),
    },
)
typed_services = st.fixed_dictionaries(
    {
        "service": st.just("fuzz"),
        "provider": st.fixed_dictionaries(
            {"name": st.just("aws")},
            optional={
                "apiGateway": st.fixed_dictionaries(
                    {},
                    optional={
                        "apiKeys": st.lists(words.filter(bool), max_size=2),
                        "restApiId": st.just("abc"),
                        "restApiRootResourceId": st.just("root"),
                        "restApiResources": st.dictionaries(
                            st.sampled_from(["/x", "x/y"]), st.just("rid"), max_size=2
                        ),
                    },
                ),
            },
        ),
        "functions": st.dictionaries(
            st.sampled_from(["f", "g"]),
            st.fixed_dictionaries(
                {
                    "handler": st.just("h.main"),
                    "events": st.lists(st.fixed_dictionaries({"http": typed_event}), max_size=4),
                }
            ),
            min_size=1,
        ),
    }
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(typed_services)
def test_well_typed_configurations_compile_or_fail_cleanly(config: dict[str, Any]) -> None:
    test_any_configuration_compiles_or_fails_cleanly.hypothesis.inner_test(config)  # type: ignore[attr-defined]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="${}():,'\" \\.aAsefl", max_size=24))
def test_variable_syntax_parses_or_raises_a_syntax_error(text: str) -> None:
    try:
        template = parse(text)
    except VariableSyntaxError:
        return
    for variable in template.variables:
        assert 0 <= variable.start < variable.end <= len(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="${}():,'\" .aAsefl", max_size=20))
def test_any_variable_text_resolves_or_fails_cleanly(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        config = {"service": "fuzz", "provider": {"name": "aws"}, "custom": {"a": "x", "v": text}}
        (Path(directory) / "serverless.yml").write_text(yaml.safe_dump(config))
        try:
            load_service(directory, env={"a": "1", "e": ""})
        except CorswayError as error:
            assert error.location is not None


http_api_event = st.one_of(
    st.sampled_from(["GET /x", "*", "get /a/{id}", "ANY /{proxy+}", "GET x", "OPTIONS /x/"]),
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "path": st.sampled_from(["/x", "*", "x", "/a/{proxy+}/b", ""]) | json_values,
            "method": st.sampled_from(["get", "*", "ANY", "FETCH"]) | json_values,
            "authorizer": json_values
            | st.sampled_from(["jwt", "req", "aws_iam"])
            | st.fixed_dictionaries(
                {},
                optional={
                    "name": st.sampled_from(["jwt", "req", "x"]) | json_values,
                    "id": json_values,
                    "type": st.sampled_from(["jwt", "request", "aws_iam", "JWT"]) | json_values,
                    "scopes": json_values,
                },
            ),
        },
    ),
)
http_api_settings = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "name": json_values,
        "payload": json_values | st.sampled_from(["1.0", "2.0"]),
        "metrics": json_values,
        "disableDefaultEndpoint": json_values,
        "useProviderTags": json_values,
        "cors": json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "allowedOrigins": json_values,
                "allowedHeaders": json_values,
                "allowedMethods": json_values,
                "allowCredentials": json_values,
                "exposedResponseHeaders": json_values,
                "maxAge": json_values,
            },
        ),
        "authorizers": json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "jwt": st.fixed_dictionaries(
                    {},
                    optional={
                        "identitySource": json_values,
                        "issuerUrl": json_values,
                        "audience": json_values,
                        "name": json_values,
                    },
                ),
                "req": st.fixed_dictionaries(
                    {"type": st.just("request")},
                    optional={
                        "functionName": st.sampled_from(["f", "missing"]) | json_values,
                        "functionArn": json_values,
                        "identitySource": json_values,
                        "resultTtlInSeconds": json_values,
                        "payloadVersion": json_values,
                        "managedExternally": json_values,
                        "enableSimpleResponses": json_values,
                    },
                ),
            },
        ),
    },
)
http_api_services = st.fixed_dictionaries(
    {
        "service": st.just("fuzz"),
        "provider": st.fixed_dictionaries(
            {"name": st.just("aws")},
            optional={
                "httpApi": http_api_settings,
                "logs": st.fixed_dictionaries({}, optional={"httpApi": json_values}),
                "timeout": json_values,
                "tags": json_values,
            },
        ),
        "functions": st.dictionaries(
            st.sampled_from(["f", "g"]),
            st.fixed_dictionaries(
                {"handler": st.just("h.main")},
                optional={
                    "events": st.lists(
                        st.fixed_dictionaries({"httpApi": http_api_event}), max_size=3
                    ),
                    "httpApi": json_values,
                    "timeout": json_values,
                    "provisionedConcurrency": json_values,
                    "snapStart": json_values,
                    "description": json_values,
                    "memorySize": json_values,
                },
            ),
            min_size=1,
        ),
    },
    optional={"resources": json_values},
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(http_api_services)
def test_any_http_api_configuration_compiles_or_fails_cleanly(config: dict[str, Any]) -> None:
    test_any_configuration_compiles_or_fails_cleanly.hypothesis.inner_test(config)  # type: ignore[attr-defined]
